// Step 15: pivot_root instead of chroot, so no path leads out of the container. Needs
// root. Chapter: steps/15_pivot_root/README.md.

#include <poll.h>  // poll
#include <sched.h>  // clone, CLONE_NEW*
#include <sys/mman.h>  // mmap, mprotect, munmap
#include <sys/mount.h>  // mount, umount2
#include <sys/prctl.h>  // prctl
#include <sys/syscall.h>  // SYS_pidfd_open
#include <sys/wait.h>  // waitpid
#include <unistd.h>  // execvp, sethostname, chdir, rmdir

#include <cerrno>
#include <csignal>  // SIGCHLD
#include <cstddef>
#include <cstdlib>  // clearenv, setenv, mkdtemp
#include <cstring>  // strerror
#include <exception>
#include <filesystem>
#include <fstream>
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

// Everything the container's first process needs to know, passed to it by clone(2).
struct Container {
  common::CommandLine command_line;
  std::filesystem::path cgroup;  // the folder of its pids cgroup
  bool foreground = false;  // the step had the terminal: the command takes it over
};

// Every signal: the step and PID 1 block them all, and take them in turn (sigwaitinfo(2)).
const sigset_t kAllSignals = [] {
  sigset_t set;
  sigfillset(&set);
  return set;
}();

// The container's second process: it becomes the command, in a process group of its own
// that gets the terminal if the step had it, so Ctrl-C reaches the command alone, once.
int become_command(void* arg) try {
  const auto& container = *static_cast<const Container*>(arg);
  common::check(::setpgid(0, 0), "setpgid", "0");
  if (container.foreground) common::check(::tcsetpgrp(0, ::getpgrp()), "tcsetpgrp", "stdin");
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
void clear_environment() {
  ::clearenv();
  // The programs are now the rootfs's: say where they are, and what terminal we have.
  common::check(::setenv("PATH", kPath, 1), "setenv", "PATH");
  common::check(::setenv("TERM", kTerm, 1), "setenv", "TERM");
}

// A new proc filesystem mounted from inside the new PID namespace lists that namespace's
// processes only (pid_namespaces(7), "/proc and PID namespaces"). nosuid, nodev, noexec:
// nothing in /proc needs them, as in every distribution's fstab. In our own mount
// namespace the host never sees it, and it goes with the namespace, however we end.
void mount_proc() {
  common::check(::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr),
                "mount", "proc on /proc");
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

// Die with the step (prctl(2), as bwrap's --die-with-parent); our own process group.
void die_with_step() {
  common::check(::prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl", "PR_SET_PDEATHSIG");
  common::check(::setpgid(0, 0), "setpgid", "0");
}

// clone(2) runs this function in the new process: the container's PID 1. It sets the
// container up, runs the command as its child and cleans up after it.
int container_init(void* arg) try {
  auto& container = *static_cast<Container*>(arg);
  const common::CommandLine& command_line = container.command_line;
  // Join our cgroup first, while /sys is still the host's and before anything can fork, so
  // every process of the container counts. "0" moves the writing process (cgroups(7)).
  common::write_file(container.cgroup / "cgroup.procs", "0");
  die_with_step();
  set_hostname();
  make_mounts_private();
  bind_rootfs(command_line.rootfs);
  pivot_into(command_line.rootfs);
  mount_proc();
  clear_environment();

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
  // shell, no /proc to mount on) now, before anything is created for it.
  common::require_rootfs(command_line.rootfs, command_line.command[0], {"proc"});
  const Cgroup cgroup(command_line.pids_max);
  start_janitor(cgroup.dir());
  Container container{.command_line = command_line, .cgroup = cgroup.dir()};
  container.foreground = ::tcgetpgrp(STDIN_FILENO) == ::getpgrp();

  ChildStack stack;
  // The child gets a copy of our memory, so it can read container through this pointer.
  // CLONE_NEW* need CAP_SYS_ADMIN: without root, clone fails with EPERM.
  const pid_t pid =
      common::check(::clone(container_init, stack.top(),
                            CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, &container),
                    "clone", "CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS");
  // clone returns the child's PID in *our* namespace; in its new one it is PID 1
  // (pid_namespaces(7)); ours is the host's unless the step itself runs in a container.
  // The tools beside the step (ps, kill) know PID 1 by this number.
  common::log("container started: its PID 1 is PID ", pid, " in the step's PID namespace");

  return reap_until(pid);  // then ~Cgroup removes the cgroup
} catch (const std::exception& error) {
  return common::report_failure(error);
}
