// Step 24: the seccomp filter refuses Docker's list of calls a container has no business
// making, and every call made through x32. Chapter: steps/24_seccomp_calls/README.md.

#include <fcntl.h>  // open
#include <grp.h>  // setgroups
#include <linux/audit.h>  // AUDIT_ARCH_*
#include <linux/capability.h>  // CAP_*, capget/capset structures
#include <linux/filter.h>  // sock_filter, BPF_STMT, BPF_JUMP
#include <linux/seccomp.h>  // seccomp_data, SECCOMP_*
#include <poll.h>  // poll
#include <sched.h>  // clone, CLONE_NEW*
#include <sys/mman.h>  // mmap, mprotect, munmap
#include <sys/mount.h>  // mount, umount2
#include <sys/prctl.h>  // prctl
#include <sys/stat.h>  // mkdir
#include <sys/syscall.h>  // SYS_pidfd_open
#include <sys/wait.h>  // waitpid
#include <unistd.h>  // execvp, sethostname, chdir, rmdir, close_range, symlink, setresuid

#include <algorithm>  // find, max
#include <cerrno>
#include <csignal>  // SIGCHLD
#include <cstddef>  // offsetof
#include <cstdint>
#include <cstdlib>  // clearenv, setenv, mkdtemp
#include <cstring>  // strerror, strlen, memset
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>  // begin, end
#include <list>
#include <string>
#include <string_view>
#include <vector>

#include "common/cgroup.hpp"
#include "common/command_line.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "common/rootfs.hpp"

namespace {

// The stack clone(2) wants us to give the child: 8 MiB from mmap(2) (what `ulimit -s` gives
// a main thread; untouched pages cost nothing) above a guard page, so that an overflow is a
// SIGSEGV, not silent damage. Unmapped when it goes out of scope.
class ChildStack {
 public:
  ChildStack() {
    void* memory = ::mmap(nullptr, kGuard + kSize, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (memory == MAP_FAILED) throw common::SyscallError(errno, "mmap", "child stack");
    base_ = static_cast<char*>(memory);
    if (::mprotect(base_, kGuard, PROT_NONE) == -1) {
      const int error = errno;
      ::munmap(base_, kGuard + kSize);
      throw common::SyscallError(error, "mprotect", "guard page");
    }
  }
  ~ChildStack() { ::munmap(base_, kGuard + kSize); }
  ChildStack(const ChildStack&) = delete;
  ChildStack& operator=(const ChildStack&) = delete;
  // clone(2) takes the top: stacks grow down on all processors Linux runs on but HP PA.
  void* top() const { return base_ + kGuard + kSize; }

 private:
  static constexpr std::size_t kGuard = 64 * 1024;  // whole pages of 4, 16 or 64 KiB
  static constexpr std::size_t kSize = 8 * 1024 * 1024;
  char* base_ = nullptr;
};

// The exit status a shell reports for a child (sh(1)): its exit code, or 128+N if signal N
// killed it (wait(2); without WUNTRACED, waitpid reports no other case).
int exit_status(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  return 128 + WTERMSIG(wait_status);
}

// Replaces this process with the command. execvp(3) searches PATH for its name and takes
// the arguments as an array of C strings ending with a null pointer. It returns only if
// it failed; then we return what a shell would (sh(1), "Exit Status"): 127 if nothing of
// that name was found, 126 if it was found but could not run.
int exec_command(const std::vector<std::string>& command) {
  std::vector<char*> argv;
  for (const std::string& word : command) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  const int error = errno;
  // EACCES also comes from a folder of PATH we may not search, though the name may be in
  // none of them (execvp(3)): then, as for a shell, it was not found.
  if (error == EACCES && !common::found_in_path(command[0])) {
    common::log("execvp(", command[0], "): not found (and a folder of PATH could not be searched)");
    return 127;
  }
  common::log("execvp(", command[0], "): ", std::strerror(error));
  return error == ENOENT || error == ENOTDIR ? 127 : 126;
}

constexpr std::string_view kHostname = "container";
// Every entry absolute: a relative one (the article's "usr/bin") is searched from the
// working directory, wherever that happens to be.
constexpr const char* kPath = "/bin:/sbin:/usr/bin:/usr/sbin";
constexpr const char* kTerm = "xterm";

struct CommandLine : common::CommandLine {  // the rootfs and command, and this step's options
  long pids_max = 5;  // the article's limit
  std::vector<common::Option> options() {  // 4194304: the kernel's most PIDs (PID_MAX_LIMIT)
    return {
        {"--pids-max N", "most processes the container may have at once",
         common::count(pids_max, 2, 4194304, "the container's PID 1 counts too")},
    };
  }
};

// A pids cgroup of our own. The constructor creates it with its limit, the destructor
// removes it when main returns: after the container ends, or when the step fails.
class Cgroup {
 public:
  explicit Cgroup(long pids_max) {
    const common::PidsCgroupParent parent = common::find_pids_cgroup_parent();
    // cgroup v2: a child gets a controller's files (pids.max) only once its parent has
    // enabled that controller for its children (cgroup-v2.rst, "Enabling and Disabling").
    if (parent.enable_in_subtree)
      common::write_file(parent.dir / "cgroup.subtree_control", "+pids");
    // A name of our own: mkdtemp(3) fills in the X's at random, retrying while the name is
    // taken, so it is unique even for two steps with one PID (PID 1 of two PID namespaces).
    std::string name = parent.dir / (std::string(common::program_name()) + "-" +
                                     std::to_string(::getpid()) + "-XXXXXX");
    if (::mkdtemp(name.data()) == nullptr) throw common::SyscallError(errno, "mkdtemp", name);
    dir_ = name;
    try {
      common::write_file(dir_ / "pids.max", std::to_string(pids_max));
    } catch (...) {
      ::rmdir(dir_.c_str());
      throw;
    }
    common::log("cgroup ", dir_.native(), " (v", parent.version, ", ", to_string(parent.layout),
                " host) allows ", pids_max, " processes");
  }

  // rmdir(2) removes a cgroup with no process left in it; nothing else would. EBUSY: the
  // kernel may count a just-reaped process for a moment longer. Retry briefly, then say so.
  ~Cgroup() {
    // Forks the limit refused are counted in pids.events as "max N": say so, or a
    // program's own error ("can't fork", "Unknown error") is all the user sees.
    std::ifstream events(dir_ / "pids.events");
    std::string key;
    long refused = 0;
    if (events >> key >> refused && refused > 0) {
      common::log("the pids limit refused ", refused, refused == 1 ? " fork" : " forks",
                  " (raise it with --pids-max)");
    }
    for (int attempt = 0; attempt < 200; ++attempt) {
      if (::rmdir(dir_.c_str()) == 0 || errno == ENOENT) return;
      if (errno != EBUSY) break;
      ::usleep(10'000);
    }
    common::log("could not remove cgroup ", dir_.native(), ": ", std::strerror(errno));
  }
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

// SIGKILL of the step skips every destructor, Cgroup's too. So a janitor, a process of
// ours outside the container, waits in a process group of its own (signals to the step's
// miss it; both sides call setpgid(2), so it is in place before either goes on) for the step to
// end, on a pidfd (pidfd_open(2)), then kills what is left in the cgroup and removes it. After a
// normal end it finds the cgroup gone, and ends.
void start_janitor(const std::filesystem::path& cgroup) {
  const common::Fd step(
      static_cast<int>(common::check(::syscall(SYS_pidfd_open, ::getpid(), 0), "pidfd_open")));
  const pid_t janitor = common::check(::fork(), "fork", "janitor");
  ::setpgid(janitor, janitor);  // 0 in the janitor: itself
  if (janitor > 0) return;
  pollfd step_ended{step.get(), POLLIN, 0};
  ::poll(&step_ended, 1, -1);
  for (int attempt = 0; attempt < 500 && ::rmdir(cgroup.c_str()) == -1 && errno == EBUSY;
       ++attempt) {
    std::ifstream procs(cgroup / "cgroup.procs");
    for (pid_t pid; procs >> pid;) ::kill(pid, SIGKILL);
    ::usleep(10'000);
  }
  ::_exit(0);
}

// The file systems a program expects besides its rootfs, mounted on `rootfs` while the
// host's /dev is still in sight. /dev: a tmpfs with the six devices every program may use,
// bind-mounted from the host's (mknod would need CAP_MKNOD in the host's user namespace,
// which step 19 gives up), a devpts instance of our own (each mount is one since 4.7, so
// newinstance is ignored; the host's terminals stay out of sight) and the usual links. No
// /sys: it would show the host's devices. /tmp: a tmpfs, gone with the container. Each tmpfs
// has a size: without one it may take half the host's RAM (tmpfs(5), "size") until it is
// unmounted. 64 MiB and 16k files each, Docker's size for /dev/shm.
void mount_dev_and_tmp(const std::string& rootfs) {
  const std::string dev = rootfs + "/dev";
  common::check(::mount("tmpfs", dev.c_str(), "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=64k"),
                "mount", dev);
  for (const std::string name : {"null", "zero", "full", "random", "urandom", "tty"}) {
    const std::string node = dev + "/" + name;
    common::check(::close(common::check(::open(node.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0666),
                                        "open", node)),
                  "close", node);
    common::check(::mount(("/dev/" + name).c_str(), node.c_str(), nullptr, MS_BIND, nullptr),
                  "mount", node);
  }
  for (const std::string name : {"/pts", "/shm"})
    common::check(::mkdir((dev + name).c_str(), 0755), "mkdir", dev + name);
  common::check(::mount("devpts", (dev + "/pts").c_str(), "devpts", MS_NOSUID | MS_NOEXEC,
                        "newinstance,ptmxmode=0666,mode=0620"),
                "mount", dev + "/pts");
  common::check(::mount("shm", (dev + "/shm").c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                        "mode=1777,size=64m,nr_inodes=16k"),
                "mount", dev + "/shm");
  for (const auto& [link, target] : {std::pair{"/ptmx", "pts/ptmx"},
                                     {"/fd", "/proc/self/fd"},
                                     {"/stdin", "/proc/self/fd/0"},
                                     {"/stdout", "/proc/self/fd/1"},
                                     {"/stderr", "/proc/self/fd/2"}}) {
    common::check(::symlink(target, (dev + link).c_str()), "symlink", dev + link);
  }
  const std::string tmp = rootfs + "/tmp";
  common::check(::mount("tmpfs", tmp.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                        "mode=1777,size=64m,nr_inodes=16k"),
                "mount", tmp);
}

// Everything the container's first process needs to know, passed to it by clone(2).
struct Container {
  common::CommandLine command_line;
  std::filesystem::path cgroup;  // the folder of its pids cgroup; empty: none
  bool foreground = false;  // the step had the terminal: the command takes it over
  int go_ahead[2] = {-1, -1};  // a pipe: a byte once the step has written our id maps
  char* host_strings[2] = {};  // the step's argv and environment: where they begin and end
};

// Docker's default capabilities (moby, oci/caps/defaults.go): what ordinary programs do as
// root. Files: CHOWN, DAC_OVERRIDE, FOWNER, FSETID, MKNOD, SETFCAP. Users: SETUID,
// SETGID. SETPCAP: the bounding and inheritable sets, securebits. Others: KILL,
// NET_BIND_SERVICE (ports below 1024), NET_RAW (ping), SYS_CHROOT, AUDIT_WRITE. Gone,
// among others: SYS_ADMIN (mount...), SYS_PTRACE, SYS_MODULE, NET_ADMIN, DAC_READ_SEARCH
// (open_by_handle_at), SYS_BOOT (capabilities(7)).
constexpr int kKeptCapabilities[] = {
    CAP_CHOWN,      CAP_DAC_OVERRIDE, CAP_FOWNER,           CAP_FSETID,
    CAP_MKNOD,      CAP_SETFCAP,      CAP_SETUID,           CAP_SETGID,
    CAP_SETPCAP,    CAP_KILL,         CAP_NET_BIND_SERVICE, CAP_NET_RAW,
    CAP_SYS_CHROOT, CAP_AUDIT_WRITE};

// Cuts the bounding set to kKeptCapabilities: after execve(2), root gets the bounding set
// (capabilities(7), "Transformation of capabilities during execve()"). Clears the
// inheritable and ambient sets, and sets no_new_privs: no set-user-ID file or file
// capability can give any back (prctl(2)).
void drop_capabilities() {
  for (int capability = 0; ::prctl(PR_CAPBSET_READ, capability) >= 0;
       ++capability) {  // up to the kernel's last
    if (std::find(std::begin(kKeptCapabilities), std::end(kKeptCapabilities), capability) !=
        std::end(kKeptCapabilities))
      continue;
    common::check(::prctl(PR_CAPBSET_DROP, capability), "prctl", "PR_CAPBSET_DROP");
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct sets[2]{};
  common::check(::syscall(SYS_capget, &header, sets), "capget");
  sets[0].inheritable = sets[1].inheritable = 0;
  common::check(::syscall(SYS_capset, &header, sets), "capset", "no inheritable");
  common::check(::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl",
                "PR_CAP_AMBIENT_CLEAR_ALL");
  common::check(::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl", "PR_SET_NO_NEW_PRIVS");
}

// Root inside, for a step run by root: this uid and gid on the host (write_id_maps).
constexpr unsigned kRootOutside = 2000000000;

// Who is who in the container (user_namespaces(7)). Run by root, root inside is host uid
// and gid 2000000000, 65536 ids from there, a range no distribution hands out to users.
// Run by a user (rootless), root inside is that user, the one id it may map; and then
// setgroups must be denied first, or dropping a group could grant access.
void write_id_maps(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  const bool root = ::geteuid() == 0;
  const std::string range = std::to_string(kRootOutside) + " 65536";
  if (!root) common::write_file(proc + "/setgroups", "deny");
  common::write_file(proc + "/uid_map", "0 " + (root ? range : std::to_string(::geteuid()) + " 1"));
  common::write_file(proc + "/gid_map", "0 " + (root ? range : std::to_string(::getegid()) + " 1"));
}

// Every signal: the step and PID 1 block them all, and take them in turn (sigwaitinfo(2)).
const sigset_t kAllSignals = [] {
  sigset_t set;
  sigfillset(&set);
  return set;
}();

// The system calls numbers below are this architecture's: a call made through another
// ABI (32-bit x86, x32) has other numbers, so the filter first checks the architecture.
#if defined(__x86_64__)
constexpr std::uint32_t kArchitecture = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr std::uint32_t kArchitecture = AUDIT_ARCH_AARCH64;
#endif

// Refused with EPERM: changing mounts and namespaces, kernel keyrings, tracing, BPF and
// perf, file handles (open_by_handle_at: the 2014 Docker escape), kernel modules, kexec,
// reboot, swap, process accounting; the new mount API; io_uring and userfaultfd (a way
// around the filter, and a favourite of kernel exploits: Docker refuses them too). Most
// need a capability the command lacks; the filter closes them even if a bug hands one out.
constexpr long kRefusedCalls[] = {
    // mounts and namespaces; kernel keyrings; tracing, BPF and perf; file handles
    SYS_mount, SYS_umount2, SYS_pivot_root, SYS_unshare, SYS_setns, SYS_keyctl, SYS_add_key,
    SYS_request_key, SYS_ptrace, SYS_bpf, SYS_perf_event_open, SYS_open_by_handle_at,
    // kernel modules, kexec, reboot, swap, process accounting
    SYS_init_module, SYS_finit_module, SYS_delete_module, SYS_kexec_load, SYS_kexec_file_load,
    SYS_reboot, SYS_swapon, SYS_swapoff, SYS_acct,
    // the new mount API; io_uring and userfaultfd
    SYS_fsopen, SYS_fsconfig, SYS_fsmount, SYS_fspick, SYS_open_tree, SYS_move_mount,
    SYS_mount_setattr, SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register,
    SYS_userfaultfd};

// The filter, a classic BPF program the kernel runs on every system call of the command
// (seccomp(2)); its accumulator loads fields of struct seccomp_data. Everything not
// refused is allowed, whatever its arguments (25: checks of arguments).
void install_seccomp_filter() {
  const auto field = [](std::uint32_t offset) -> sock_filter {
    return BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset);
  };
  const auto refuse = [](std::uint32_t error) -> sock_filter {
    return BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | error);
  };
  const sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  std::vector<sock_filter> program = {
      field(offsetof(seccomp_data, arch)), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kArchitecture, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS), field(offsetof(seccomp_data, nr)),
      // x86-64's x32 ABI shares its architecture value, with 0x40000000 added to each
      // number: a refused call made that way would pass the checks below. Refuse them all.
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1), refuse(EPERM)};
  for (long call : kRefusedCalls) {
    program.insert(program.end(),
                   {BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(call), 0, 1),
                    refuse(EPERM)});
  }
  program.push_back(allow);
  const sock_fprog filter{static_cast<unsigned short>(program.size()), program.data()};
  common::check(::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter), "prctl", "PR_SET_SECCOMP");
}

// The container's second process: it becomes the command, in a process group of its own
// that gets the terminal if the step had it, so Ctrl-C reaches the command alone, once.
int become_command(void* arg) try {
  const auto& container = *static_cast<const Container*>(arg);
  common::check(::setpgid(0, 0), "setpgid", "0");
  if (container.foreground) common::check(::tcsetpgrp(0, ::getpgrp()), "tcsetpgrp", "stdin");
  drop_capabilities();
  install_seccomp_filter();  // last: it refuses calls set-up still makes (no_new_privs first)
  // The signal mask survives execve(2): give the command its signals back.
  common::check(::sigprocmask(SIG_UNBLOCK, &kAllSignals, nullptr), "sigprocmask", "SIG_UNBLOCK");
  return exec_command(container.command_line.command);
} catch (const std::exception& error) {
  return common::report_failure(error);
}

// An init's wait loop. Every process orphaned in the namespace is re-parented to PID 1
// (pid_namespaces(7)), so wait for any child, reaping each so none stays a zombie, until
// the command itself has ended; then its status is the container's. As in tini, signals
// wait too (all blocked) and go on to `child` once each, unless we raised them (SIGPIPE on
// a closed stderr). The step runs the same loop, for PID 1.
int reap_until(pid_t child) {
  for (;;) {
    int status = 0;
    const pid_t ended = common::check(::waitpid(-1, &status, WNOHANG), "waitpid", "-1");
    if (ended == child) return exit_status(status);
    if (ended > 0) continue;
    siginfo_t info{};
    const int signal_number = common::check(::sigwaitinfo(&kAllSignals, &info), "sigwaitinfo");
    if (signal_number != SIGCHLD && info.si_pid != ::getpid()) ::kill(child, signal_number);
  }
}

// We are in a new UTS namespace: this name is seen only by us and our children
// (uts_namespaces(7)). In the host's namespace it would rename the machine.
void set_hostname() {
  common::check(::sethostname(kHostname.data(), kHostname.size()), "sethostname", kHostname);
}

// Our environment (HOME, SSH_AUTH_SOCK, tokens...) belongs to the host. clearenv(3)
// empties it for this process only: the parent's copy is untouched. It only resets
// `environ`, so it cannot fail in glibc; execvp then searches glibc's default PATH.
void clear_environment(char* const (&host_strings)[2]) {
  ::clearenv();
  // clearenv forgets the strings, and our argv is parsed: blank both, or root inside could
  // read the host's environment and our command line in /proc/1/environ and cmdline.
  std::memset(host_strings[0], 0, host_strings[1] - host_strings[0]);
  // The programs are now the rootfs's: say where they are, and what terminal we have.
  common::check(::setenv("PATH", kPath, 1), "setenv", "PATH");
  common::check(::setenv("TERM", kTerm, 1), "setenv", "TERM");
}

// A new proc filesystem mounted from inside the new PID namespace lists that namespace's
// processes only (pid_namespaces(7), "/proc and PID namespaces"). nosuid, nodev, noexec:
// nothing in /proc needs them. Mounted before pivot_root, while the host's /proc is in
// the namespace: in a user namespace (step 19) the kernel allows a new proc only then.
void mount_proc(const std::string& rootfs) {
  const std::string proc = rootfs + "/proc";
  common::check(::mount("proc", proc.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr),
                "mount", proc);
}

// Our new mount namespace is a copy of the host's. systemd marks mounts "shared", and
// a mount under a shared one propagates back to the host even from another namespace
// (mount_namespaces(7), "Shared subtrees"): make all of ours private first.
void make_mounts_private() {
  common::check(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), "mount",
                "/ as private");
}

// chroot(2) only changes where "/" resolves, and a root process can walk out again.
// pivot_root(2) swaps the whole mount namespace's root instead. pivot_root(".", ".")
// stacks the old root on top of the new one; detaching it leaves no way back
// (pivot_root(2), NOTES).
void pivot_into(const std::string& rootfs) {
  common::check(::chdir(rootfs.c_str()), "chdir", rootfs);
  common::check(::syscall(SYS_pivot_root, ".", "."), "pivot_root", rootfs);
  common::check(::umount2(".", MNT_DETACH), "umount2", "the old root");
  common::check(::chdir("/"), "chdir", "/");
}

// pivot_root(2) wants the new root to be a mount point: bind-mount the rootfs on itself
// (MS_REC: with the mounts under it).
void bind_rootfs(const std::string& rootfs) {
  common::check(::mount(rootfs.c_str(), rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr),
                "mount", "rootfs on itself");
}

// Every descriptor the step was started with is ours too, and the command's after us:
// one of a host directory is a way out (also as /proc/1/fd/N). Keep 0, 1 and 2 only.
void close_host_descriptors() {
  common::check(::close_range(3, ~0U, 0), "close_range", "3 and up");
}

// Die with the step (prctl(2), as bwrap's --die-with-parent); our own process group.
// After setresuid: a change of credentials clears the parent-death signal.
void die_with_step() {
  common::check(::prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl", "PR_SET_PDEATHSIG");
  common::check(::setpgid(0, 0), "setpgid", "0");
}

// Wait for our id maps (end-of-file instead: the step failed), then become root of the user
// namespace: root inside, an unprivileged id outside. Drop the step's groups where allowed.
void become_root(const int (&go_ahead)[2]) {
  char go = 0;
  common::check(::close(go_ahead[1]), "close", "maps pipe");
  if (common::check(::read(go_ahead[0], &go, 1), "read", "maps pipe") == 0) ::_exit(125);
  if (::setgroups(0, nullptr) == -1 && errno != EPERM)
    throw common::SyscallError(errno, "setgroups", "none");
  common::check(::setresgid(0, 0, 0), "setresgid", "0");
  common::check(::setresuid(0, 0, 0), "setresuid", "0");
}

// Without root, a pids cgroup can only be had where one was delegated to the user: say
// so in one line and run without the default limit (never without one --pids-max asked).
std::list<Cgroup> make_cgroups(const CommandLine& command_line) {
  std::list<Cgroup> cgroups;  // a list never moves what it holds
  try {
    cgroups.emplace_back(command_line.pids_max);
    start_janitor(cgroups.front().dir());
  } catch (const common::SyscallError& error) {  // no permission: without root, nothing delegated
    if (::geteuid() == 0 || command_line.given("--pids-max") ||
        (error.error() != EACCES && error.error() != EPERM))
      throw;
    common::log("no pids cgroup without root (", error.what(),
                "): the container runs without a process limit");
  }
  return cgroups;
}

// The kernel lays argv's strings and then the environment's out in one block (execve(2)).
void find_host_strings(int argc, char* argv[], char* (&host_strings)[2]) {
  host_strings[0] = argv[0];
  host_strings[1] = argv[argc - 1] + std::strlen(argv[argc - 1]) + 1;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    host_strings[1] = std::max(host_strings[1], *variable + std::strlen(*variable) + 1);
  }
}

// clone(2) runs this function in the new process: the container's PID 1. It sets the
// container up, runs the command as its child and cleans up after it.
int container_init(void* arg) try {
  auto& container = *static_cast<Container*>(arg);
  const common::CommandLine& command_line = container.command_line;
  // Join our cgroup first, while /sys is still the host's and before anything can fork, so
  // every process of the container counts. "0" moves the writing process (cgroups(7)).
  if (!container.cgroup.empty()) common::write_file(container.cgroup / "cgroup.procs", "0");
  become_root(container.go_ahead);
  die_with_step();
  close_host_descriptors();
  set_hostname();
  make_mounts_private();
  bind_rootfs(command_line.rootfs);
  mount_proc(command_line.rootfs);
  mount_dev_and_tmp(command_line.rootfs);
  pivot_into(command_line.rootfs);
  clear_environment(container.host_strings);

  // execvp would replace us and nobody would be left to clean up: run the command as a
  // child instead (it gets PID 2) and stay, as PID 1, until it ends.
  ChildStack stack;
  const pid_t pid =
      common::check(::clone(become_command, stack.top(), SIGCHLD, &container), "clone", "command");
  const int status = reap_until(pid);

  // Clean up what we mounted (umount(2)), though the namespace would take it anyway;
  // MNT_DETACH, because a leftover background process may still be using /proc.
  if (::umount2("/proc", MNT_DETACH) == -1) {
    common::log("umount2(/proc): ", std::strerror(errno));
  }
  return status;  // when PID 1 ends, the kernel kills what is left in the namespace
} catch (const std::exception& error) {
  return common::report_failure(error);
}

}  // namespace

// Every step's main has this shape: when a step fails, report_failure prints why as
// `stepNN: ...` on stderr and the step exits 125, after destructors have cleaned up.
int main(int argc, char* argv[]) try {
  // Block every signal from the start (our children inherit it): they wait for reap_until()
  // instead of killing us between mkdir and rmdir (sigprocmask(2)).
  common::check(::sigprocmask(SIG_BLOCK, &kAllSignals, nullptr), "sigprocmask", "SIG_BLOCK");
  CommandLine command_line = common::parse_command_line<CommandLine>(argc, argv);
  // Refuse a rootfs the container would fail in (missing, empty, no /bin/sh for the
  // shell, no /proc, /dev or /tmp to mount on) now, before anything is created for it.
  common::require_rootfs(command_line.rootfs, command_line.command[0], {"proc", "dev", "tmp"});
  // Run as root, root inside is uid and gid 2000000000 on the host (write_id_maps), and PID 1
  // mounts the rootfs as that user: each folder above it must let others pass (0750 homes).
  if (::geteuid() == 0)
    common::require_reachable_by(command_line.rootfs, kRootOutside, kRootOutside);
  std::list<Cgroup> cgroups = make_cgroups(command_line);
  Container container{.command_line = command_line,
                      .cgroup = cgroups.empty() ? "" : cgroups.front().dir()};
  container.foreground = ::tcgetpgrp(STDIN_FILENO) == ::getpgrp();
  common::check(::pipe2(container.go_ahead, O_CLOEXEC), "pipe2", "maps");
  find_host_strings(argc, argv, container.host_strings);

  ChildStack stack;
  // The child gets a copy of our memory, so it can read container through this pointer.
  // With CLONE_NEWUSER the other namespaces belong to the new user namespace, in which the
  // child holds every capability: no root needed (user_namespaces(7)).
  const pid_t pid = common::check(
      ::clone(container_init, stack.top(),
              CLONE_NEWUSER | CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, &container),
      "clone", "CLONE_NEWUSER | CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS");
  write_id_maps(pid);
  common::check(::write(container.go_ahead[1], "1", 1), "write", "maps pipe");  // go on
  // clone returns the child's PID in *our* namespace; in its new one it is PID 1
  // (pid_namespaces(7)); ours is the host's unless the step itself runs in a container.
  // The tools beside the step (ps, kill) know PID 1 by this number.
  common::log("container started: its PID 1 is PID ", pid, " in the step's PID namespace");

  return reap_until(pid);  // then ~Cgroup removes the cgroup
} catch (const std::exception& error) {
  return common::report_failure(error);
}
