// Step 33: the rootfs seen through the container's id map (an idmapped mount), so that
// root inside owns the files the host's root owns. Chapter: steps/33_idmapped_rootfs/README.md.

#include <arpa/inet.h>  // htonl, inet_ntoa
#include <fcntl.h>  // open
#include <grp.h>  // setgroups
#include <linux/audit.h>  // AUDIT_ARCH_*
#include <linux/capability.h>  // CAP_*, capget/capset structures
#include <linux/filter.h>  // sock_filter, BPF_STMT, BPF_JUMP
#include <linux/rtnetlink.h>  // RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE, ifinfomsg, ifaddrmsg, rtmsg
#include <linux/sched.h>  // clone_args, CLONE_INTO_CGROUP
#include <linux/seccomp.h>  // seccomp_data, SECCOMP_*
#include <linux/veth.h>  // VETH_INFO_PEER
#include <net/if.h>  // IFF_UP, if_nametoindex
#include <poll.h>  // poll
#include <sched.h>  // clone, CLONE_NEW*
#include <sys/ioctl.h>  // TIOCSTI, TIOCLINUX
#include <sys/mman.h>  // mmap, mprotect, munmap
#include <sys/mount.h>  // mount, umount2, open_tree, mount_setattr, move_mount
#include <sys/prctl.h>  // prctl
#include <sys/socket.h>  // socket, AF_VSOCK
#include <sys/stat.h>  // mkdir
#include <sys/syscall.h>  // SYS_pidfd_open
#include <sys/wait.h>  // waitpid
#include <unistd.h>  // execvp, sethostname, chdir, rmdir, close_range, symlink, setresuid, access

#include <algorithm>  // find, max
#include <cerrno>
#include <cmath>  // lround
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
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/cgroup.hpp"
#include "common/command_line.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "common/netlink.hpp"
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
  long pids_max = 64;  // a shell and a few jobs fit (in the article's 5 they do not)
  long long memory_max = 0;  // bytes; 0: no limit
  double cpus = 0;  // CPUs' worth of time, such as 0.5; 0: no limit
  std::vector<common::Option> options() {  // 4194304: the kernel's most PIDs (PID_MAX_LIMIT)
    return {
        {"--pids-max N", "most processes the container may have at once",
         common::count(pids_max, 2, 4194304, "the container's PID 1 counts too")},
        {"--memory BYTES",
         "most memory the container may use, such as 64M (K, M, G; default: no limit)",
         common::size(memory_max, 1 << 20)},
        {"--cpus N", "most CPU time, in CPUs, such as 0.5 (default: no limit)",
         common::decimal(cpus, 1024, "CPUs")},
        {"--net", "a cable (veth pair) to the host, 169.254.x.2 inside and .1 outside (root)",
         common::flag()},
    };
  }
};

// cgroup v2 lets a cgroup other than the root hand memory, a domain controller, down only
// while it holds no process (cgroup-v2.rst, "No Internal Process Constraint"), so memory in
// its cgroup.subtree_control says it holds none. The nearest such cgroup above `dir` (ours
// holds this step) can take the container's, a domain cgroup. The limits of the cgroups
// skipped on the way would not hold for it: the tightest of each goes into `limits` (a
// cpu.max as a share of 100 ms periods), and so bounds the container alone.
std::filesystem::path memory_parent(std::filesystem::path dir, CommandLine& limits) {
  const std::string own = dir.native();
  for (; std::filesystem::exists(dir / "cgroup.controllers"); dir = dir.parent_path()) {
    if (common::contains_word(common::read_file(dir / "cgroup.subtree_control"), "memory"))
      return dir;
    long long max = 0, period = 0;  // "max", no limit, reads as no number
    if (std::ifstream(dir / "memory.max") >> max)
      limits.memory_max = std::min(limits.memory_max, max);
    if (std::ifstream(dir / "pids.max") >> max)
      limits.pids_max = std::min(limits.pids_max, static_cast<long>(max));
    if (std::ifstream(dir / "cpu.max") >> max >> period)
      limits.cpus = std::min(limits.cpus > 0 ? limits.cpus : 1e9,  // 0: none asked for
                             static_cast<double>(max) / static_cast<double>(period));
  }
  throw common::CgroupError("cgroup v2: " + own +
                            " holds processes (this step's), and no cgroup above it hands "
                            "memory down: leave out --memory");
}

// A cgroup of our own, with a limit in each controller its hierarchy holds; the destructor
// removes it when main returns: after the container ends, or when the step fails. It
// goes under `parent`, the step's own cgroup (until step 25, the hierarchy's root), or,
// for memory beside other processes, higher up (memory_parent).
class Cgroup {
 public:
  Cgroup(common::CgroupParent parent, CommandLine limits) : version_(parent.version) {
    // cgroup v2: a child gets a controller's files (pids.max) only once its parent has
    // enabled that controller for its children (cgroup-v2.rst, "Enabling and Disabling").
    // With processes in it (ours holds this step) it may enable the threaded ones, pids and
    // cpu, but not memory ("Threads"); it becomes a thread root (a desktop's session scope),
    // where only a threaded cgroup may hold processes (cgroup.type, below). For memory the
    // container's cgroup goes higher up instead: a domain one.
    const bool beside = parent.version == 2 && !parent.is_root;
    const bool domain = beside && std::ranges::count(parent.controllers, "memory") > 0;
    const bool thread_root = beside && !domain;
    std::string where = ", under the step's own";
    if (domain) {
      parent.dir = memory_parent(parent.dir, limits);
      where = ", under " + parent.dir.native() +
              ", the nearest cgroup that hands memory down: the step's own holds processes;"
              " the tightest limits of the cgroups in between, copied, bound the container"
              " alone, not with their other processes";
      if (limits.cpus > 0 && std::ranges::count(parent.controllers, "cpu") == 0)
        parent.controllers.push_back("cpu");  // a cpu.max copied
    }
    for (const std::string& controller : parent.controllers) {
      if (parent.version == 2 &&
          !common::contains_word(common::read_file(parent.dir / "cgroup.subtree_control"),
                                 controller)) {
        common::write_file(parent.dir / "cgroup.subtree_control", "+" + controller);
      }
    }
    // A name of our own: mkdtemp(3) fills in the X's at random, retrying while the name is
    // taken, so it is unique even for two steps with one PID (PID 1 of two PID namespaces).
    std::string name = parent.dir / (std::string(common::program_name()) + "-" +
                                     std::to_string(::getpid()) + "-XXXXXX");
    if (::mkdtemp(name.data()) == nullptr) throw common::SyscallError(errno, "mkdtemp", name);
    dir_ = name;
    try {
      if (thread_root) common::write_file(dir_ / "cgroup.type", "threaded");
      for (const std::string& controller : parent.controllers)
        set_limit(controller, parent.version, limits);
    } catch (...) {
      ::rmdir(dir_.c_str());
      throw;
    }
    common::log("cgroup ", dir_.native(), " (v", parent.version, thread_root ? ", threaded" : "",
                where, "):", limits_);
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
    // And the processes the kernel killed for want of memory: "oom_kill N" in
    // memory.events (v1: memory.oom_control). Else a bare 137 is all the user sees.
    for (const char* file : {"memory.events", "memory.oom_control"}) {
      std::ifstream memory(dir_ / file);
      for (long count = 0; memory >> key >> count;) {
        if (key == "oom_kill" && count > 0)
          common::log("killed: memory limit of ", memory_max_, " bytes reached");
      }
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
  int version() const { return version_; }

 private:
  void set_limit(const std::string& controller, int version, const CommandLine& limits) {
    if (controller == "pids") write_limit("pids.max", std::to_string(limits.pids_max));
    if (controller == "memory") {
      memory_max_ = limits.memory_max;
      write_limit(version == 2 ? "memory.max" : "memory.limit_in_bytes",
                  std::to_string(memory_max_));
      // and no swap beyond it, where the kernel accounts for swap (v1 counts memory + swap)
      const char* swap = version == 2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes";
      if (::access((dir_ / swap).c_str(), F_OK) == 0)
        write_limit(swap, version == 2 ? "0" : std::to_string(memory_max_));
    }
    // CPU time per period, in microseconds: 0.5 CPU is 50 ms in every 100 ms (v1's default
    // period). Once a period's time is used, the kernel stops the cgroup till the next.
    const std::string quota = std::to_string(std::lround(limits.cpus * 100'000));
    if (controller == "cpu")
      write_limit(version == 2 ? "cpu.max" : "cpu.cfs_quota_us",
                  version == 2 ? quota + " 100000" : quota);
  }
  void write_limit(const char* file, const std::string& value) {
    common::write_file(dir_ / file, value);
    limits_ += std::string(" ") + file + " " + value;
  }

  int version_;
  std::filesystem::path dir_;
  long long memory_max_ = 0;
  std::string limits_;  // what was written, for the log
};

// SIGKILL of the step skips every destructor, Cgroup's too. So a janitor, a process of
// ours outside the container, waits in a process group of its own (signals to the step's
// miss it; both sides call setpgid(2), so it is in place before either goes on) for the step to
// end, on a pidfd (pidfd_open(2)), then kills what is left in the cgroups and removes them. After a
// normal end it finds them gone, and ends.
void start_janitor(const std::list<Cgroup>& cgroups) {
  const common::Fd step(
      static_cast<int>(common::check(::syscall(SYS_pidfd_open, ::getpid(), 0), "pidfd_open")));
  const pid_t janitor = common::check(::fork(), "fork", "janitor");
  ::setpgid(janitor, janitor);  // 0 in the janitor: itself
  if (janitor > 0) return;
  pollfd step_ended{step.get(), POLLIN, 0};
  ::poll(&step_ended, 1, -1);
  for (const Cgroup& cgroup : cgroups) {
    for (int attempt = 0; attempt < 500 && ::rmdir(cgroup.dir().c_str()) == -1 && errno == EBUSY;
         ++attempt) {
      // v2: cgroup.threads (a threaded one's cgroup.procs cannot be read); SIGKILL ends all
      // threads.
      const bool v2 = ::access((cgroup.dir() / "cgroup.threads").c_str(), F_OK) == 0;
      std::ifstream procs(cgroup.dir() / (v2 ? "cgroup.threads" : "cgroup.procs"));
      for (pid_t pid; procs >> pid;) ::kill(pid, SIGKILL);
      ::usleep(10'000);
    }
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

// A new network namespace has devices of its own: at first only a loopback `lo`, and that
// is down (`ip link` in one made by `unshare -n` shows it). Bring a device up as `ip link set NAME
// up` does: an RTM_NEWLINK message on a netlink socket, whose ifinfomsg names the device and sets
// IFF_UP in its flags, only that bit changing (rtnetlink(7)). The kernel answers 0, or an errno.
int bring_up(int sock, const std::string& name) {
  ifinfomsg link{};
  link.ifi_family = AF_UNSPEC;
  const unsigned index = ::if_nametoindex(name.c_str());  // 0 and errno on failure
  if (index == 0) throw common::SyscallError(errno, "if_nametoindex", name);
  link.ifi_index = static_cast<int>(index);
  link.ifi_flags = link.ifi_change = IFF_UP;
  common::NetlinkMessage message(RTM_NEWLINK);
  common::netlink_request(sock, message.add(link), "RTM_NEWLINK " + name + " up");
  return link.ifi_index;
}

// --net's cable: a veth pair, two devices joined back to back (veth(4)): one end is PID
// 1's eth0, in its network namespace, the other stays on the host, named after the step.
// Each end gets an address in a /30 of the link-local 169.254.0.0/16, chosen by our PID
// (clouds' 169.254.169.x is avoided). When the container's namespace goes (kill -9 of the
// step included), the kernel destroys the veth devices in it, and with its end the host's
// (network_namespaces(7)).
struct Cable {
  std::string host_end;  // stepNN-<pid>
  in_addr_t host_address;  // 169.254.x.y+1, network byte order
  in_addr_t container_address;  // 169.254.x.y+2
};

Cable plan_cable() {
  const std::uint32_t block =
      0xa9fe0000u + 4 * (static_cast<std::uint32_t>(::getpid()) % 8192);  // up to 169.254.127.252
  return {std::string(common::program_name()) + "-" + std::to_string(::getpid()), htonl(block + 1),
          htonl(block + 2)};
}

// RTM_NEWADDR: `address`/30 on the device `index`, as `ip address add` does.
void add_address(int sock, int index, in_addr_t address) {
  ifaddrmsg header{AF_INET, 30, 0, RT_SCOPE_UNIVERSE, static_cast<std::uint32_t>(index)};
  common::NetlinkMessage message(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  message.add(header)
      .attribute(IFA_LOCAL, &address, sizeof address)
      .attribute(IFA_ADDRESS, &address, sizeof address);
  common::netlink_request(sock, message, "RTM_NEWADDR");
}

// The step's half: the pair, made by one RTM_NEWLINK whose link info (kind "veth") holds
// the peer's own ifinfomsg, name and namespace (the PID of a process in it); then the
// host end's address, and up.
void lay_cable(const Cable& cable, pid_t pid) {
  const common::Fd sock(common::check(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE),
                                      "socket", "NETLINK_ROUTE"));
  const ifinfomsg any{};
  const std::uint32_t namespace_of = static_cast<std::uint32_t>(pid);
  common::NetlinkMessage veth(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  veth.add(any).attribute(IFLA_IFNAME, cable.host_end);
  const std::size_t info = veth.begin_nested(IFLA_LINKINFO);
  const std::size_t data = veth.attribute(IFLA_INFO_KIND, "veth").begin_nested(IFLA_INFO_DATA);
  const std::size_t peer = veth.begin_nested(VETH_INFO_PEER);
  veth.add(any)
      .attribute(IFLA_IFNAME, "eth0")
      .attribute(IFLA_NET_NS_PID, &namespace_of, sizeof namespace_of);
  common::netlink_request(sock.get(), veth.end_nested(peer).end_nested(data).end_nested(info),
                          "RTM_NEWLINK veth");
  add_address(sock.get(), bring_up(sock.get(), cable.host_end), cable.host_address);
  common::log("cable ", cable.host_end, " ", std::string(::inet_ntoa(in_addr{cable.host_address})),
              " <-> eth0 ", std::string(::inet_ntoa(in_addr{cable.container_address})), " inside");
}

// PID 1's network: lo up; with a cable, eth0's address, up, and a default route through
// the host's end (RTM_NEWROUTE with a gateway, as `ip route add default via`).
void configure_network(const std::optional<Cable>& cable) {
  const common::Fd sock(common::check(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE),
                                      "socket", "NETLINK_ROUTE"));
  bring_up(sock.get(), "lo");
  if (cable) {
    add_address(sock.get(), bring_up(sock.get(), "eth0"), cable->container_address);
    const rtmsg route{AF_INET,           0,           0, 0, RT_TABLE_MAIN, RTPROT_BOOT,
                      RT_SCOPE_UNIVERSE, RTN_UNICAST, 0};
    common::NetlinkMessage message(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
    message.add(route).attribute(RTA_GATEWAY, &cable->host_address, sizeof cable->host_address);
    common::netlink_request(sock.get(), message, "RTM_NEWROUTE default");
  }
}

// Everything the container's first process needs to know, passed to it by clone(2).
struct Container {
  common::CommandLine command_line;
  std::vector<std::filesystem::path> cgroups = {};  // the folders of its cgroups, if it has any
  bool foreground = false;  // the step had the terminal: the command takes it over
  int go_ahead[2] = {-1, -1};  // a pipe: a byte once the step has written our id maps
  int rootfs_tree = -1;  // run by root: a copy of the rootfs's mount, idmapped by the step
  char* host_strings[2] = {};  // the step's argv and environment: where they begin and end
  std::optional<Cable> cable = {};  // --net
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
constexpr std::uint32_t kNamespaceFlags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
                                          CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
                                          CLONE_NEWCGROUP;

// The filter, a classic BPF program the kernel runs on every system call of the command
// (seccomp(2)); its accumulator loads fields of struct seccomp_data. Everything not
// refused is allowed. clone3 gets ENOSYS, since its flags lie in memory a filter cannot
// read: glibc then falls back to clone, whose flags it can check.
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
  program.insert(
      program.end(),
      {BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1), refuse(ENOSYS),
       // clone with a namespace flag in its first argument (the low 32 bits hold them all)
       BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4), field(offsetof(seccomp_data, args[0])),
       BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, kNamespaceFlags, 0, 1), refuse(EPERM), allow,
       // ioctl TIOCSTI (typing into the terminal) and TIOCLINUX; the kernel reads the request
       // as 32 bits, so the low half of the argument is the whole of it
       BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 5), field(offsetof(seccomp_data, args[1])),
       BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 1, 0),
       BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 0, 1), refuse(EPERM), allow,
       // socket(AF_VSOCK): the hypervisor's sockets, which no network namespace separates
       BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 4),
       field(offsetof(seccomp_data, args[0])), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_VSOCK, 0, 1),
       refuse(EPERM), allow,
       // personality: only Docker's values (PER_LINUX, PER_LINUX32, UNAME26, both, the
       // query), not ADDR_NO_RANDOMIZE and the like, which help an exploit (personality(2))
       BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_personality, 0, 8),
       field(offsetof(seccomp_data, args[0])), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0, 5, 0),
       BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x8, 4, 0),
       BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x20000, 3, 0),
       BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x20008, 2, 0),
       BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffff, 1, 0), refuse(EPERM), allow});
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
// (MS_REC: with the mounts under it). Or, given the step's idmapped copy of the rootfs
// (`idmapped`, else -1), attach that mount on it instead (move_mount(2)), following a
// symbolic link to the rootfs as mount(2) does (MOVE_MOUNT_T_SYMLINKS: else EINVAL).
void bind_rootfs(const std::string& rootfs, int idmapped) {
  if (idmapped == -1) {
    common::check(::mount(rootfs.c_str(), rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr),
                  "mount", "rootfs on itself");
  } else {
    common::check(::move_mount(idmapped, "", AT_FDCWD, rootfs.c_str(),
                               MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS),
                  "move_mount", rootfs);
  }
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

// Where no cgroup can be had under ours without root (unless one was delegated to the
// user; on cgroup v2 beside the shell), the container stays in the step's cgroup, under
// its limits but without one of its own: say so in one line. As root, or for a limit
// asked for, that is an error: a limit is never dropped.
std::list<Cgroup> make_cgroups(const CommandLine& command_line) {
  std::vector<std::string> controllers{"pids"};
  if (command_line.memory_max > 0) controllers.push_back("memory");
  if (command_line.cpus > 0) controllers.push_back("cpu");
  std::list<Cgroup> cgroups;  // a list never moves what it holds
  try {
    for (const auto& parent : common::find_cgroup_parents(controllers))
      cgroups.emplace_back(parent, command_line);
    start_janitor(cgroups);
  } catch (const common::CgroupError& error) {  // no pids controller this step may use
    if (::geteuid() == 0 || command_line.given({"--pids-max", "--memory", "--cpus"})) throw;
    cgroups.clear();
    common::log("no pids cgroup of its own (", error.what(),
                "): the container runs without a process limit");
  } catch (const common::SyscallError& error) {  // no permission: without root, nothing delegated
    if (::geteuid() == 0 || command_line.given({"--pids-max", "--memory", "--cpus"}) ||
        (error.error() != EACCES && error.error() != EPERM))
      throw;
    cgroups.clear();
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
  for (const std::filesystem::path& cgroup : container.cgroups)
    common::write_file(cgroup / "cgroup.procs", "0");
  // A cgroup namespace, whose root is the cgroup we are now in: /proc/self/cgroup shows
  // "/" there, and no cgroup path leads above it (cgroup_namespaces(7)).
  common::check(::unshare(CLONE_NEWCGROUP), "unshare", "CLONE_NEWCGROUP");
  become_root(container.go_ahead);
  die_with_step();
  set_hostname();
  configure_network(container.cable);  // the host's devices are not in our network namespace
  make_mounts_private();
  bind_rootfs(command_line.rootfs, container.rootfs_tree);
  mount_proc(command_line.rootfs);
  mount_dev_and_tmp(command_line.rootfs);
  pivot_into(command_line.rootfs);
  close_host_descriptors();
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

// cgroup v2, one folder for all: clone3(2) with CLONE_INTO_CGROUP starts PID 1 in it.
// Moving in later (cgroup.procs) write-locks the global cgroup_threadgroup_rwsem.
// Given no stack, the child goes on from here on a copy of ours, as after fork(2), and
// ends with container_init's status. ENOSYS: a kernel before 5.3, without clone3; E2BIG:
// 5.3 to 5.6, whose clone_args ends before the cgroup field (then as before).
pid_t start_pid1(Container& container, const std::list<Cgroup>& cgroups) {
  ChildStack stack;
  pid_t pid = -1;
  if (cgroups.size() == 1 && cgroups.front().version() == 2) {
    const common::Fd folder(
        common::check(::open(cgroups.front().dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC),
                      "open", cgroups.front().dir().native()));
    clone_args args{};
    args.flags = CLONE_NEWUSER | CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET |
                 CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = static_cast<std::uint64_t>(folder.get());
    pid = static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
    if (pid == 0) ::_exit(container_init(&container));
    if (pid == -1 && errno != ENOSYS && errno != E2BIG)
      throw common::SyscallError(errno, "clone3", "CLONE_INTO_CGROUP");
    if (pid > 0) common::log("PID 1 started in its cgroup (clone3, CLONE_INTO_CGROUP)");
  }
  if (pid == -1) {
    // PID 1 joins its cgroups itself (v1 or hybrid: a folder per hierarchy; no clone3).
    for (const Cgroup& cgroup : cgroups) container.cgroups.push_back(cgroup.dir());
    if (!cgroups.empty()) common::log("PID 1 moves itself into its cgroups (cgroup.procs)");
    // The child gets a copy of our memory, so it can read container through this pointer.
    // With CLONE_NEWUSER the other namespaces belong to the new user namespace, in which the
    // child holds every capability: no root needed (user_namespaces(7)).
    pid = common::check(
        ::clone(container_init, stack.top(),
                CLONE_NEWUSER | CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | SIGCHLD,
                &container),
        "clone", "CLONE_NEWUSER | CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET");
  }
  return pid;
}

// Run by root, root inside is host uid 2000000000, and the rootfs's files, the host
// root's, are not its own. An idmapped mount of the rootfs shows each file's owner
// through the container's id map (mount_setattr(2), MOUNT_ATTR_IDMAP): on disk 0, seen
// inside as 0. It is made on a copy of the rootfs's mount (open_tree(2),
// OPEN_TREE_CLONE): the host's view is unchanged. The copy is made before PID 1 is
// cloned, so PID 1 has a descriptor of the same mount (clone(2) copies the table), and
// idmapped once PID 1's user namespace exists. Made private, PID 1's mounts on it stay
// its own and pivot_root accepts it, also where the rootfs is on a shared mount (a tmpfs
// /tmp under systemd). Rootless, the rootfs is the user's own: no copy.
common::Fd copy_rootfs(const std::string& rootfs) {
  if (::geteuid() != 0) return common::Fd();
  return common::Fd(
      common::check(::open_tree(AT_FDCWD, rootfs.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC),
                    "open_tree", rootfs));
}

void idmap_rootfs(const common::Fd& tree, const std::string& rootfs, pid_t pid) {
  if (tree.get() == -1) return;
  const std::string user_namespace = "/proc/" + std::to_string(pid) + "/ns/user";
  const common::Fd ids(
      common::check(::open(user_namespace.c_str(), O_RDONLY | O_CLOEXEC), "open", user_namespace));
  mount_attr idmap{MOUNT_ATTR_IDMAP, 0, MS_PRIVATE, static_cast<std::uint64_t>(ids.get())};
  common::check(::mount_setattr(tree.get(), "", AT_EMPTY_PATH, &idmap, sizeof idmap),
                "mount_setattr", "MOUNT_ATTR_IDMAP " + common::idmap_support(rootfs));
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
  Container container{.command_line = command_line};
  container.foreground = ::tcgetpgrp(STDIN_FILENO) == ::getpgrp();
  // The host's end is made in the host's network namespace: that needs root.
  if (command_line.given("--net") && ::geteuid() != 0)
    throw std::runtime_error("--net needs root: the host's end of its cable is a host device");
  if (command_line.given("--net")) container.cable = plan_cable();
  common::check(::pipe2(container.go_ahead, O_CLOEXEC), "pipe2", "maps");
  const common::Fd rootfs_tree = copy_rootfs(command_line.rootfs);
  container.rootfs_tree = rootfs_tree.get();
  find_host_strings(argc, argv, container.host_strings);

  const pid_t pid = start_pid1(container, cgroups);
  write_id_maps(pid);
  if (container.cable) lay_cable(*container.cable, pid);  // before PID 1 sets up its end
  idmap_rootfs(rootfs_tree, command_line.rootfs, pid);
  common::check(::write(container.go_ahead[1], "1", 1), "write", "maps pipe");  // go on
  // clone returns the child's PID in *our* namespace; in its new one it is PID 1
  // (pid_namespaces(7)); ours is the host's unless the step itself runs in a container.
  // The tools beside the step (ps, kill) know PID 1 by this number.
  common::log("container started: its PID 1 is PID ", pid, " in the step's PID namespace");

  return reap_until(pid);  // then ~Cgroup removes the cgroups
} catch (const std::exception& error) {
  return common::report_failure(error);
}
