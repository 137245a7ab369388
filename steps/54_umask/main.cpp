// Step 54: the bundle's process.user.umask, the command's file mode creation mask, in place
// of the caller's. Chapter: steps/54_umask/README.md.

#include <arpa/inet.h>  // htonl, inet_ntoa
#include <fcntl.h>  // open
#include <grp.h>  // setgroups
#include <linux/audit.h>  // AUDIT_ARCH_*
#include <linux/capability.h>  // CAP_*, capget/capset structures
#include <linux/filter.h>  // sock_filter, BPF_STMT, BPF_JUMP
#include <linux/rtnetlink.h>  // RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE, ifinfomsg, ifaddrmsg, rtmsg
#include <linux/sched.h>  // clone_args, CLONE_INTO_CGROUP
#include <linux/seccomp.h>  // seccomp_data, SECCOMP_*
#include <linux/securebits.h>  // SECBIT_NO_SETUID_FIXUP
#include <linux/veth.h>  // VETH_INFO_PEER
#include <net/if.h>  // IFF_UP, if_nametoindex
#include <poll.h>  // poll
#include <sched.h>  // clone, CLONE_NEW*
#include <sys/ioctl.h>  // TIOCSTI, TIOCLINUX, TIOCGWINSZ, TIOCSWINSZ
#include <sys/mman.h>  // mmap, mprotect, munmap
#include <sys/mount.h>  // mount, umount2, open_tree, mount_setattr, move_mount
#include <sys/prctl.h>  // prctl
#include <sys/resource.h>  // setrlimit, RLIMIT_*
#include <sys/socket.h>  // socket, AF_VSOCK
#include <sys/stat.h>  // mkdir, mkfifo, umask
#include <sys/syscall.h>  // SYS_pidfd_open
#include <sys/un.h>  // sockaddr_un
#include <sys/wait.h>  // waitpid
#include <termios.h>  // tcgetattr, tcsetattr, cfmakeraw
#include <unistd.h>  // execvp, sethostname, chdir, rmdir, close_range, symlink, setresuid, access

#include <algorithm>  // find, max, ranges::count
#include <array>
#include <cerrno>
#include <climits>  // HOST_NAME_MAX
#include <cmath>  // lround
#include <csignal>  // SIGCHLD
#include <cstddef>  // offsetof
#include <cstdint>
#include <cstdlib>  // clearenv, setenv, mkdtemp
#include <cstring>  // strerror, strlen, memset
#include <exception>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iostream>  // cout
#include <iterator>  // begin, end
#include <list>
#include <optional>
#include <sstream>  // istringstream
#include <string>
#include <string_view>
#include <thread>  // jthread
#include <utility>  // pair
#include <vector>

#include "common/cgroup.hpp"
#include "common/command_line.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/json.hpp"
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

// process.capabilities: a bit per capability (1 << CAP_KILL...) in each set (capabilities(7)).
struct Capabilities {
  std::uint64_t bounding = 0, effective = 0, permitted = 0;
};

struct CommandLine : common::CommandLine {  // the rootfs and command, and this step's options
  std::string bundle;  // --bundle: the rootfs and command from its config.json, and the four below
  std::string hostname = "container";
  // Every PATH entry absolute: a relative one (the article's "usr/bin") is searched from the
  // working directory, wherever that happens to be.
  std::vector<std::string> env = {"PATH=/bin:/sbin:/usr/bin:/usr/sbin", "TERM=xterm"};
  std::string cwd = "/";  // where the command starts
  bool terminal = false;  // a terminal of its own even if the step has none (process.terminal)
  std::vector<std::pair<std::string, rlimit>> rlimits;  // process.rlimits: by name, soft and hard
  std::optional<Capabilities> capabilities;  // process.capabilities; none: Docker's
  std::optional<mode_t> umask;  // process.user.umask; none: the caller's, as config.md asks
  long pids_max = 64;  // a shell and a few jobs fit (in the article's 5 they do not)
  // 512 MiB, a small VM's memory: a shell, a package manager or a build fit in it, and one
  // container cannot push a bigger host into OOM (make_limited_cgroups). 0: no limit.
  long long memory_max = 512LL << 20;
  double cpus = 0;  // CPUs' worth of time, such as 0.5; 0: no limit
  std::string keep;  // where the writes are kept, DIR/upper; empty: a tmpfs, dropped
  std::string pid_file;  // --pid-file: where PID 1's PID goes
  std::string root = "/run/container-course";  // --root: a folder per created container
  std::string console_socket;  // --console-socket: who gets a detached container's terminal
  std::vector<std::string_view> verbs() { return {"create", "start", "state", "kill", "delete"}; }
  std::vector<common::Option> options() {  // 4194304: the kernel's most PIDs (PID_MAX_LIMIT)
    return {
        {"--pids-max N", "most processes the container may have at once",
         common::count(pids_max, 2, 4194304, "the container's PID 1 counts too")},
        {"--memory BYTES",
         "most memory the container may use, such as 64M (K, M, G; default: 512M if the host "
         "can limit it)",
         common::size(memory_max, 1 << 20)},
        {"--cpus N", "most CPU time, in CPUs, such as 0.5 (default: no limit)",
         common::decimal(cpus, 1024, "CPUs")},
        {"--net", "a cable (veth pair) to the host, 169.254.x.2 inside and .1 outside (root)",
         common::flag()},
        {"--keep DIR", "keep what the container writes in DIR/upper (default: a tmpfs, dropped)",
         common::folder(keep)},
        {"--bundle DIR", "run what DIR/config.json describes (an OCI bundle), not CMD",
         common::folder(bundle)},
        {"--detach", "end once the container runs; it goes on without the step", common::flag()},
        {"--pid-file FILE", "write PID 1's PID to FILE", common::folder(pid_file)},
        {"--root DIR", "the folder of created containers (default: /run/container-course)",
         common::folder(root)},
        {"--force", "delete: kill a container that still runs first", common::flag()},
        {"--console-socket SOCK", "create: send the container's terminal to this Unix socket",
         common::folder(console_socket)},
    };
  }
};

// The OCI runtime spec (config.md) asks a runtime to refuse a value it does not support, and
// to ignore a key it does not know (a newer spec's, another platform's). So: a key this
// step honours is read; one of the spec's that it does not honour (yet) is an error; any
// other is ignored, with a line, since a misspelled key would otherwise vanish unseen.
void honour_only(const common::json::Field& object,
                 std::initializer_list<std::string_view> honoured,
                 std::initializer_list<std::string_view> refused) {
  object.each_member([&](std::string_view key, const common::json::Field& value) {
    if (std::find(refused.begin(), refused.end(), key) != refused.end())
      value.fail("not supported by this step");
    if (std::find(honoured.begin(), honoured.end(), key) == honoured.end())
      common::log("config.json: ", value.path(), ": not a key this step knows, ignored");
  });
}

// The resources of getrlimit(2), by the names the spec takes (config.md, "POSIX process").
int resource_of(std::string_view name) {
  constexpr std::pair<std::string_view, int> kResources[] = {
      {"RLIMIT_AS", RLIMIT_AS},
      {"RLIMIT_CORE", RLIMIT_CORE},
      {"RLIMIT_CPU", RLIMIT_CPU},
      {"RLIMIT_DATA", RLIMIT_DATA},
      {"RLIMIT_FSIZE", RLIMIT_FSIZE},
      {"RLIMIT_LOCKS", RLIMIT_LOCKS},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
      {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
      {"RLIMIT_NICE", RLIMIT_NICE},
      {"RLIMIT_NOFILE", RLIMIT_NOFILE},
      {"RLIMIT_NPROC", RLIMIT_NPROC},
      {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
      {"RLIMIT_RTTIME", RLIMIT_RTTIME},
      {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
      {"RLIMIT_STACK", RLIMIT_STACK}};
  for (const auto& [known, resource] : kResources)
    if (name == known) return resource;
  return -1;
}

// A string the kernel takes as a C string (execve(2), chdir(2)): a NUL would cut it short.
const std::string& c_string(const common::json::Field& field) {
  if (field.string().find('\0') != std::string::npos) field.fail("holds a NUL character");
  return field.string();
}

// capabilities(7)'s names, in the order of their numbers (linux/capability.h), each as a
// bundle spells it but for its CAP_.
constexpr std::string_view kCapabilityNames =
    "CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP "
    "LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER "
    "SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE "
    "SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP "
    "MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF "
    "CHECKPOINT_RESTORE";
static_assert(std::ranges::count(kCapabilityNames, ' ') == CAP_LAST_CAP);

// One set of process.capabilities. A name unknown here, or a capability the step's own
// bounding set lacks, is left out with a warning: config.md asks for one, not a failure.
std::uint64_t capability_set(const common::json::Field& names) {
  std::uint64_t set = 0;
  names.each([&](const common::json::Field& name) {
    std::istringstream known{std::string(kCapabilityNames)};
    int number = 0;  // the name's place in the list; past its end if it is not there
    for (std::string word; known >> word && "CAP_" + word != name.string();) ++number;
    if (number <= CAP_LAST_CAP && ::prctl(PR_CAPBSET_READ, number) == 1)
      set |= std::uint64_t{1} << number;
    else
      common::log("config.json: ", name.path(), ": ", name.string(),
                  ": not one to be had, left out");
  });
  return set;
}

// A bundle is a folder with config.json and, usually, the rootfs in it (bundle.md). The
// paths of what this step honours are config.md's; root.path is relative to the bundle.
// The settings the step made itself (hostname, environment...) are now the bundle's.
void read_bundle(CommandLine& command_line) try {
  const common::json::Value value =
      common::json::parse(common::read_file(command_line.bundle + "/config.json"));
  const common::json::Field config(value);
  honour_only(config, {"ociVersion", "root", "process", "hostname", "annotations"},
              {"mounts", "domainname", "hooks", "linux"});
  if (!config.at("ociVersion").string().starts_with("1."))
    config.at("ociVersion").fail("this step reads version 1 of the spec");
  const common::json::Field root = config.at("root");
  honour_only(root, {"path", "readonly"}, {});
  if (root.optional("readonly") && root.at("readonly").boolean())
    root.at("readonly").fail("not supported by this step (its rootfs is an overlay)");
  const std::filesystem::path path = c_string(root.at("path"));
  command_line.rootfs = (std::filesystem::path(command_line.bundle) / path).native();
  const common::json::Field process = config.at("process");
  honour_only(process, {"terminal", "user", "args", "env", "cwd", "rlimits", "capabilities"},
              {"consoleSize", "apparmorProfile", "noNewPrivileges", "oomScoreAdj", "scheduler",
               "selinuxLabel", "ioPriority", "execCPUAffinity"});
  command_line.command.clear();
  process.at("args").each([&](const auto& arg) { command_line.command.push_back(c_string(arg)); });
  if (command_line.command.empty()) process.at("args").fail("empty: no command to run");
  if (const auto env = process.optional("env")) {
    command_line.env.clear();
    env->each([&](const auto& variable) { command_line.env.push_back(c_string(variable)); });
    for (std::size_t i = 0; i < command_line.env.size(); ++i) {
      const std::size_t equals = command_line.env[i].find('=');
      if (equals == 0 || equals == std::string::npos) env->at(i).fail("not in the form KEY=value");
    }
  }
  command_line.cwd = c_string(process.at("cwd"));
  if (!command_line.cwd.starts_with("/")) process.at("cwd").fail("not an absolute path");
  if (const auto terminal = process.optional("terminal"))
    command_line.terminal = terminal->boolean();
  if (const auto rlimits = process.optional("rlimits")) {
    rlimits->each([&](const common::json::Field& limit) {
      honour_only(limit, {"type", "soft", "hard"}, {});
      const std::string& type = limit.at("type").string();
      if (resource_of(type) == -1) limit.at("type").fail("not an RLIMIT_");
      for (const auto& [name, taken] : command_line.rlimits)  // config.md: an error
        if (name == type) limit.at("type").fail("a second " + type);
      command_line.rlimits.push_back(
          {type, {limit.at("soft").unsigned_integer(), limit.at("hard").unsigned_integer()}});
    });
  }
  if (const auto sets = process.optional("capabilities")) {
    honour_only(*sets, {"bounding", "effective", "permitted"}, {"inheritable", "ambient"});
    Capabilities& caps = command_line.capabilities.emplace();
    if (const auto names = sets->optional("bounding")) caps.bounding = capability_set(*names);
    if (const auto names = sets->optional("effective")) caps.effective = capability_set(*names);
    if (const auto names = sets->optional("permitted")) caps.permitted = capability_set(*names);
    if (caps.effective & ~caps.permitted)  // capset(2) would refuse it
      sets->at("effective").fail("one not in permitted (capabilities(7))");
  }
  const common::json::Field user = process.at("user");  // root inside is all this step runs
  honour_only(user, {"uid", "gid", "umask"}, {"additionalGids", "username"});
  for (const char* id : {"uid", "gid"})
    if (user.at(id).integer() != 0) user.at(id).fail("only 0, root inside, in this step");
  if (const auto umask = user.optional("umask")) {  // umask(2) would keep its last 9 bits
    if (umask->unsigned_integer() > 0777) umask->fail("not a mask of permission bits: over 0777");
    command_line.umask = static_cast<mode_t>(umask->unsigned_integer());
  }
  if (const auto hostname = config.optional("hostname")) {
    command_line.hostname = c_string(*hostname);  // sethostname(2) refuses more, in PID 1
    if (command_line.hostname.size() > HOST_NAME_MAX) hostname->fail("longer than 64 bytes");
  }
} catch (const common::json::Error& error) {
  throw std::runtime_error(command_line.bundle + "/config.json: " + error.what());
}

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
    if (kept_) return;  // after --detach: the janitor's
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
  void keep() { kept_ = true; }

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
  bool kept_ = false;
};

// SIGKILL of the step skips every destructor, Cgroup's too. So a janitor, a process of
// ours outside the container, waits in a process group of its own (signals to the step's
// miss it; both sides call setpgid(2), so it is in place before either goes on) for the step to
// end, on a pidfd (pidfd_open(2)), then kills what is left in the cgroups and removes them. After a
// normal end it finds them gone, and ends.
void start_janitor(const std::list<Cgroup>& cgroups, int handover) {
  const common::Fd step(
      static_cast<int>(common::check(::syscall(SYS_pidfd_open, ::getpid(), 0), "pidfd_open")));
  const pid_t janitor = common::check(::fork(), "fork", "janitor");
  ::setpgid(janitor, janitor);  // 0 in the janitor: itself
  if (janitor > 0) return;
  pollfd step_ended{step.get(), POLLIN, 0};
  ::poll(&step_ended, 1, -1);
  // After --detach PID 1 goes on: the step sent us its pidfd before it ended, to wait on
  // too. Else the socket, non-blocking, says at once that there is none (EAGAIN).
  try {
    const common::Fd pid1 = common::receive_fd(handover, "PID 1");
    pollfd pid1_ended{pid1.get(), POLLIN, 0};
    if (pid1.get() != -1) ::poll(&pid1_ended, 1, -1);
  } catch (const std::exception& error) {
    common::log("janitor: ", error.what());
  }
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
// newinstance is ignored; the host's terminals stay out of sight), the message queues of
// our IPC namespace (an mqueue mount shows those of its mounter's, mq_overview(7)) and
// the usual links. No /sys: it would show the host's devices. /tmp: a tmpfs, gone with
// the container. Each tmpfs has a size: without one it may take half the host's RAM
// (tmpfs(5), "size") until it is unmounted. 64 MiB and 16k files each, Docker's size for
// /dev/shm.
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
  for (const std::string name : {"/pts", "/shm", "/mqueue"})
    common::check(::mkdir((dev + name).c_str(), 0755), "mkdir", dev + name);
  common::check(::mount("devpts", (dev + "/pts").c_str(), "devpts", MS_NOSUID | MS_NOEXEC,
                        "newinstance,ptmxmode=0666,mode=0620"),
                "mount", dev + "/pts");
  common::check(::mount("shm", (dev + "/shm").c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                        "mode=1777,size=64m,nr_inodes=16k"),
                "mount", dev + "/shm");
  common::check(::mount("mqueue", (dev + "/mqueue").c_str(), "mqueue",
                        MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr),
                "mount", dev + "/mqueue");
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
  CommandLine command_line;  // the step's own: PID 1 reads --keep
  std::vector<int> cgroups = {};  // the cgroup.procs of its cgroups, if it joins any
  bool terminal = false;  // the step's stdin, stdout or stderr is a terminal: we get our own
  int console[2] = {-1, -1};  // a socket pair: PID 1 sends its terminal's master side
  winsize window = {};  // the step's terminal's size, for the container's
  int go_ahead[2] = {-1, -1};  // a pipe: a byte once the step has written our id maps
  int rootfs_tree = -1;  // run by root: a copy of the rootfs's mount, idmapped by the step
  char* host_strings[2] = {};  // the step's argv and environment: where they begin and end
  std::optional<Cable> cable = {};  // --net
  int kept[2] = {-1, -1};  // --keep: DIR/upper and DIR/work, opened by the step
  rlim_t process_limit = 0;  // rootless without a pids cgroup: RLIMIT_NPROC, else 0
  bool detach = false;  // --detach: PID 1 goes on after the step ends
  int created[2] = {-1, -1};  // --detach: a pipe: a byte once PID 1 is set up
  int exec_fifo = -1;  // create: the container's exec.fifo (O_PATH), where PID 1 waits
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
// capability can give any back (prctl(2)). A bundle's own sets replace Docker's; its
// permitted set counts too: with no_new_privs, execve grants root nothing it could not
// have done before (prctl(2), PR_SET_NO_NEW_PRIVS), so only what was already permitted.
void drop_capabilities(const std::optional<Capabilities>& asked) {
  std::uint64_t kept = 0;  // Docker's, unless the bundle has its own
  for (const int capability : kKeptCapabilities) kept |= std::uint64_t{1} << capability;
  const Capabilities caps = asked.value_or(Capabilities{kept, kept, kept});
  for (int capability = 0; ::prctl(PR_CAPBSET_READ, capability) >= 0;
       ++capability) {  // up to the kernel's last
    if (caps.bounding & (std::uint64_t{1} << capability)) continue;
    common::check(::prctl(PR_CAPBSET_DROP, capability), "prctl", "PR_CAPBSET_DROP");
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct sets[2]{};  // none inheritable
  for (const int half : {0, 1}) {  // [0]: capabilities 0 to 31, [1]: 32 to 63
    sets[half].effective = static_cast<std::uint32_t>(caps.effective >> (32 * half));
    sets[half].permitted = static_cast<std::uint32_t>(caps.permitted >> (32 * half));
  }
  common::check(::syscall(SYS_capset, &header, sets), "capset", "process.capabilities");
  common::check(::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl",
                "PR_CAP_AMBIENT_CLEAR_ALL");
  common::check(::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl", "PR_SET_NO_NEW_PRIVS");
}

// Root inside, for a step run by root: this uid and gid on the host, or the first of a later
// range of 65536 (reserve_ids); kRanges of them, a space no distribution hands out to users.
constexpr unsigned kRootOutside = 2000000000;
constexpr unsigned kRanges = 1024;  // up to 2067108863, under 2^31
constexpr const char* kIdLocks = "/run/container-course-ids.lock";  // byte n: range n taken

// Who is who in the container (user_namespaces(7)). Run by root, root inside is host uid
// and gid `first_id`, the first of the container's 65536 (reserve_ids).
// Run by a user (rootless), root inside is that user, the one id it may map; and then
// setgroups must be denied first, or dropping a group could grant access.
void write_id_maps(pid_t pid, unsigned first_id) {
  const std::string proc = "/proc/" + std::to_string(pid);
  const bool root = ::geteuid() == 0;
  const std::string range = std::to_string(first_id) + " 65536";
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
  if (container.terminal) common::check(::tcsetpgrp(0, ::getpgrp()), "tcsetpgrp", "stdin");
  const std::string& cwd = container.command_line.cwd;
  common::check(::chdir(cwd.c_str()), "chdir", cwd);  // in the container's tree, as root inside
  // The mask the command's new files start from; execve(2) keeps it. umask never fails.
  if (container.command_line.umask) ::umask(*container.command_line.umask);
  drop_capabilities(container.command_line.capabilities);
  install_seccomp_filter();  // last: it refuses calls set-up still makes (no_new_privs first)
  // The signal mask survives execve(2): give the command its signals back.
  common::check(::sigprocmask(SIG_UNBLOCK, &kAllSignals, nullptr), "sigprocmask", "SIG_UNBLOCK");
  return exec_command(container.command_line.command);
} catch (const std::exception& error) {
  return common::report_failure(error);
}

// The size of the step's terminal (TIOCGWINSZ, ioctl_tty(2)): of the first of stdin,
// stdout and stderr that is one. PID 1 gives it to the container's terminal before the
// command starts (as runc's process.consoleSize); after each SIGWINCH, which the kernel
// sends to the foreground group of a terminal whose size changed, the step gives it again
// (TIOCSWINSZ), and the kernel signals the container's foreground group in turn.
winsize window_size() {
  winsize size{};
  for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO})
    if (::ioctl(fd, TIOCGWINSZ, &size) == 0) break;
  return size;
}

// An init's wait loop. Every process orphaned in the namespace is re-parented to PID 1
// (pid_namespaces(7)), so wait for any child, reaping each so none stays a zombie, until
// the command itself has ended; then its status is the container's. As in tini, signals
// wait too (all blocked) and go on to `child` once each, unless we raised them (SIGPIPE on
// a closed stderr). The step runs the same loop, for PID 1, with the container's terminal:
// SIGWINCH, the step's terminal resized, is for that terminal, not for a process.
int reap_until(pid_t child, int terminal = -1) {
  for (;;) {
    int status = 0;
    const pid_t ended = common::check(::waitpid(-1, &status, WNOHANG), "waitpid", "-1");
    if (ended == child) return exit_status(status);
    if (ended > 0) continue;
    siginfo_t info{};
    const int signal_number = common::check(::sigwaitinfo(&kAllSignals, &info), "sigwaitinfo");
    if (signal_number == SIGWINCH && terminal != -1) {
      const winsize size = window_size();
      common::check(::ioctl(terminal, TIOCSWINSZ, &size), "ioctl", "TIOCSWINSZ");
    } else if (signal_number != SIGCHLD && info.si_pid != ::getpid())
      ::kill(child, signal_number);
  }
}

// We are in a new UTS namespace: this name is seen only by us and our children
// (uts_namespaces(7)). In the host's namespace it would rename the machine.
void set_hostname(const std::string& hostname) {
  common::check(::sethostname(hostname.data(), hostname.size()), "sethostname", hostname);
}

// Our environment (HOME, SSH_AUTH_SOCK, tokens...) belongs to the host. clearenv(3)
// empties it for this process only: the parent's copy is untouched. It only resets
// `environ`, so it cannot fail in glibc; execvp then searches glibc's default PATH.
void clear_environment(char* const (&host_strings)[2], const std::vector<std::string>& env) {
  ::clearenv();
  // clearenv forgets the strings, and our argv is parsed: blank both, or root inside could
  // read the host's environment and our command line in /proc/1/environ and cmdline.
  std::memset(host_strings[0], 0, host_strings[1] - host_strings[0]);
  // The programs are now the rootfs's: say where they are, and what terminal we have (or
  // what the bundle says: putenv(3) would keep pointers to strings of ours).
  for (const std::string& variable : env) {
    const std::size_t equals = variable.find('=');
    const std::string name = variable.substr(0, equals);
    common::check(::setenv(name.c_str(), variable.c_str() + equals + 1, 1), "setenv", name);
  }
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

// Docker's lists (moby, daemon/pkg/oci/defaults.go): what /proc shows of the host's memory,
// keyrings, interrupts (proc(5)), timers and devices; the kernel's variables and controls.
constexpr const char* kMaskedPaths[] = {"/proc/acpi",        "/proc/asound", "/proc/interrupts",
                                        "/proc/kcore",       "/proc/keys",   "/proc/latency_stats",
                                        "/proc/sched_debug", "/proc/scsi",   "/proc/timer_list",
                                        "/proc/timer_stats"};
constexpr const char* kReadOnlyPaths[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                          "/proc/sysrq-trigger"};

// /dev/null bound on a file hides it (mount_namespaces(7), /etc/shadow); on a folder, an
// empty read-only tmpfs. A read-only path is bound on itself, then made read-only "without
// affecting other mounts" (mount(2), MS_REMOUNT | MS_BIND; nosuid... kept): EROFS whoever
// owns the file, even root inside for its IPC namespace's sysctls. Missing: skipped, ENOENT only.
void mask_proc_paths() {
  const auto exists = [](const char* path, struct stat& found) {
    if (::stat(path, &found) == 0) return true;
    if (errno == ENOENT) return false;
    throw common::SyscallError(errno, "stat", path);
  };
  struct stat found {};
  for (const char* path : kMaskedPaths) {
    if (!exists(path, found)) continue;
    common::check(S_ISDIR(found.st_mode)
                      ? ::mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=4k,nr_inodes=1")
                      : ::mount("/dev/null", path, nullptr, MS_BIND, nullptr),
                  "mount", path);
  }
  for (const char* path : kReadOnlyPaths) {
    if (!exists(path, found)) continue;
    common::check(::mount(path, path, nullptr, MS_BIND, nullptr), "mount", path);
    common::check(
        ::mount(nullptr, path, nullptr,
                MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr),
        "mount", path);
  }
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

// An overlay on top (overlayfs.rst): the rootfs is its read-only lower layer; a file the
// container changes is first copied up to the upper layer, a deletion is recorded there
// as a whiteout, and the rootfs never changes. The upper layer and the work folder
// overlayfs needs beside it live on a tmpfs of ours, mounted for a moment on the
// rootfs's /tmp (a lower layer shows none of its mounts), gone with our mount namespace
// and sized as /tmp is (15), 256 MiB and 64k files for everything the container writes;
// or in --keep DIR, to use again, opened as checked and named /proc/self/fd/N (proc(5)):
// not the step's own descriptors, as overlayfs takes only mounts of the mounter's
// namespace ("failed to clone upperpath"). userxattr: its notes as user.* attributes,
// the kind a user namespace may set.
void mount_overlay(const CommandLine& command_line, const int (&kept)[2]) {
  std::string layers = command_line.keep;
  if (layers.empty()) {
    layers = command_line.rootfs + "/tmp";
    common::check(::mount("tmpfs", layers.c_str(), "tmpfs", 0, "mode=755,size=256m,nr_inodes=64k"),
                  "mount", "layers on " + layers);
    for (const char* dir : {"/upper", "/work"})
      common::check(::mkdir((layers + dir).c_str(), 0755), "mkdir", layers + dir);
  }
  std::string upper = layers + "/upper", work = layers + "/work";
  common::Fd opened[2];  // --keep: DIR/upper and DIR/work, as checked
  if (!command_line.keep.empty()) {
    opened[0] = common::open_as_checked(upper, kept[0]);
    opened[1] = common::open_as_checked(work, kept[1]);
    upper = "/proc/self/fd/" + std::to_string(opened[0].get());
    work = "/proc/self/fd/" + std::to_string(opened[1].get());
  }
  const std::string overlay =
      "lowerdir=" + command_line.rootfs + ",upperdir=" + upper + ",workdir=" + work + ",userxattr";
  common::check(::mount("overlay", command_line.rootfs.c_str(), "overlay", 0, overlay.c_str()),
                "mount", "overlay " + overlay);
}

// With --detach, PID 1 is set up: the step may end, and PID 1 must not die with it
// (prctl(2): 0 clears the parent-death signal). Then it tells the step so.
void outlive_step(const Container& container) {
  if (!container.detach) return;
  common::check(::prctl(PR_SET_PDEATHSIG, 0), "prctl", "PR_SET_PDEATHSIG 0");
  common::check(::write(container.created[1], "1", 1), "write", "created pipe");
}

// After `create`, PID 1 waits here for `start`, as runc's init at its exec.fifo: opening a
// FIFO to write blocks until it is opened to read (fifo(7)), which `start` does.
void wait_for_start(const Container& container) {
  if (container.exec_fifo == -1) return;
  const std::string fifo = "/proc/self/fd/" + std::to_string(container.exec_fifo);
  const common::Fd writer(
      common::check(::open(fifo.c_str(), O_WRONLY | O_CLOEXEC), "open", "exec.fifo"));
  common::check(::write(writer.get(), "1", 1), "write", "exec.fifo");
}

// Every descriptor the step was started with is ours too, and the command's after us:
// one of a host directory is a way out (also as /proc/1/fd/N). Keep 0, 1 and 2 only.
void close_host_descriptors() {
  common::check(::close_range(3, ~0U, 0), "close_range", "3 and up");
}

// Die with the step (prctl(2), as bwrap's --die-with-parent); no setpgid: setsid(2) would fail.
// After setresuid: a change of credentials clears the parent-death signal.
void die_with_step() {
  common::check(::prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl", "PR_SET_PDEATHSIG");
}

// A session of our own (setsid(2)): the host's terminal is no longer our controlling
// terminal, nor our children's. If the step had a terminal, the container gets
// one from our devpts (pty(7)): the slave side becomes our controlling terminal and the
// command's stdin, stdout and stderr; the master side, which a terminal window holds,
// goes to the step, which relays, as runc's to --console-socket (SCM_RIGHTS, unix(7)).
void open_terminal(const Container& container) {
  common::check(::setsid(), "setsid");
  if (!container.terminal) return;
  const common::Fd master(
      common::check(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), "posix_openpt", "/dev/ptmx"));
  common::check(::unlockpt(master.get()), "unlockpt", "/dev/ptmx");
  const common::Fd slave(
      common::check(::ioctl(master.get(), TIOCGPTPEER, O_RDWR), "ioctl", "TIOCGPTPEER"));
  common::check(::ioctl(slave.get(), TIOCSCTTY, 0), "ioctl", "TIOCSCTTY");
  common::check(::ioctl(slave.get(), TIOCSWINSZ, &container.window), "ioctl", "TIOCSWINSZ");
  for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO})
    common::check(::dup2(slave.get(), fd), "dup2", "terminal");
  common::send_fd(container.console[1], master.get(), "terminal");
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
// its limits but without one of its own, and PID 1 limits its processes with RLIMIT_NPROC
// instead (limit_processes): say so in one line. As root, or for a memory or CPU limit
// asked for, that is an error: a limit is never dropped.
std::list<Cgroup> make_cgroups(const CommandLine& command_line, int janitor) {
  std::vector<std::string> controllers{"pids"};
  if (command_line.memory_max > 0) controllers.push_back("memory");
  if (command_line.cpus > 0) controllers.push_back("cpu");
  std::list<Cgroup> cgroups;  // a list never moves what it holds
  try {
    for (const auto& parent : common::find_cgroup_parents(controllers))
      cgroups.emplace_back(parent, command_line);
    start_janitor(cgroups, janitor);
  } catch (const common::CgroupError& error) {  // no pids controller this step may use
    if (::geteuid() == 0 || command_line.memory_max > 0 || command_line.given("--cpus")) throw;
    cgroups.clear();
    common::log("no pids cgroup of its own (", error.what(), "): PID 1 limits the container to ",
                command_line.pids_max, " processes with RLIMIT_NPROC");
  } catch (const common::SyscallError& error) {  // no permission: without root, nothing delegated
    if (::geteuid() == 0 || command_line.memory_max > 0 || command_line.given("--cpus") ||
        (error.error() != EACCES && error.error() != EPERM))
      throw;
    cgroups.clear();
    common::log("no pids cgroup without root (", error.what(), "): PID 1 limits the container to ",
                command_line.pids_max, " processes with RLIMIT_NPROC");
  }
  return cgroups;
}

// Without --memory, the default limit, where the host gives a memory cgroup: else, on
// these narrow conditions only, the other limits without it, said in one line. A --memory
// asked for is refused as before, and pids and cpu never drop for memory's sake.
std::list<Cgroup> make_limited_cgroups(CommandLine command_line, int janitor) {
  std::string why;
  try {
    return make_cgroups(command_line, janitor);
  } catch (const common::CgroupError& error) {  // no memory controller; none handed down
    if (command_line.given("--memory")) throw;
    why = error.what();
  } catch (const common::SyscallError& error) {  // rootless: no memory cgroup delegated
    if (command_line.given("--memory") || ::geteuid() == 0 ||
        (error.error() != EACCES && error.error() != EPERM))
      throw;
    why = error.what();
  }
  command_line.memory_max = 0;
  std::list<Cgroup> cgroups = make_cgroups(command_line, janitor);
  common::log("no memory cgroup (", why, "): the container runs without a memory limit");
  return cgroups;
}

// Rootless, without a pids cgroup: RLIMIT_NPROC, soft and hard (setrlimit(2)). Since
// Linux 5.14 the kernel counts it per user namespace and uid (ucounts): the container's
// processes, uid 0 of its own namespace, PID 1 included, are counted apart from the
// caller's others. Past the limit fork fails with EAGAIN, and raising the hard limit is
// refused, unless the caller has CAP_SYS_RESOURCE (fork: or CAP_SYS_ADMIN) in the initial
// user namespace (kernel/fork.c copy_process, kernel/sys.c do_prlimit), which root inside
// has not. So a hard limit the caller already had below ours stays, and we say so.
void limit_processes(rlim_t limit) {
  if (limit == 0) return;
  rlimit both{};
  common::check(::getrlimit(RLIMIT_NPROC, &both), "getrlimit", "RLIMIT_NPROC");
  if (both.rlim_max < limit)
    common::log("RLIMIT_NPROC: the caller's hard limit, ", both.rlim_max, ", is lower: it holds");
  both.rlim_cur = both.rlim_max = std::min(limit, both.rlim_max);
  common::check(::setrlimit(RLIMIT_NPROC, &both), "setrlimit", "RLIMIT_NPROC");
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
  const CommandLine& command_line = container.command_line;
  // Join our cgroup first, while /sys is still the host's and before anything can fork, so
  // every process of the container counts. "0" moves the writing process (cgroups(7)).
  for (const int procs : container.cgroups)
    common::check(::write(procs, "0", 1), "write", "cgroup.procs");
  // A cgroup namespace, whose root is the cgroup we are now in: /proc/self/cgroup shows
  // "/" there, and no cgroup path leads above it (cgroup_namespaces(7)).
  common::check(::unshare(CLONE_NEWCGROUP), "unshare", "CLONE_NEWCGROUP");
  become_root(container.go_ahead);
  limit_processes(container.process_limit);  // before any process of ours but PID 1
  die_with_step();
  set_hostname(command_line.hostname);
  configure_network(container.cable);  // the host's devices are not in our network namespace
  make_mounts_private();
  bind_rootfs(command_line.rootfs, container.rootfs_tree);
  mount_overlay(container.command_line, container.kept);  // with --keep
  mount_proc(command_line.rootfs);
  mount_dev_and_tmp(command_line.rootfs);
  pivot_into(command_line.rootfs);
  mask_proc_paths();  // after pivot_root: Docker's paths, and the container's /dev/null
  open_terminal(container);  // after pivot_root: /dev/ptmx is our devpts's
  outlive_step(container);  // with --detach, from here on
  wait_for_start(container);  // after create, until start
  close_host_descriptors();
  clear_environment(container.host_strings, command_line.env);

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

// A user namespace belongs to the effective uid of the process that made it, and the kernel
// charges the per-user counts of the users inside it (inotify instances and watches, user
// namespaces, message queue bytes...) to that owner too, up to the host's namespace
// (user_namespaces(7); kernel/ucount.c). Made by root, a container could use up root's.
// While an EffectiveUid lives, the step's effective uid is the container's first host id,
// and its capabilities stay (SECBIT_NO_SETUID_FIXUP, capabilities(7)); in the new user
// namespace PID 1 starts with no securebits (kernel/user_namespace.c, set_cred_user_ns).
// The real and saved uids stay 0: root again after.
class EffectiveUid {
 public:
  explicit EffectiveUid(uid_t uid) : uid_(uid) {
    if (uid_ == 0) return;  // rootless: the user's own
    common::check(::prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP), "prctl", "SECUREBITS");
    common::check(::setresuid(-1, uid_, -1), "setresuid", "-1, " + std::to_string(uid_));
  }
  ~EffectiveUid() {
    if (uid_ != 0 && ::setresuid(-1, 0, -1) == 0) ::prctl(PR_SET_SECUREBITS, 0);
  }
  EffectiveUid(const EffectiveUid&) = delete;
  EffectiveUid& operator=(const EffectiveUid&) = delete;

 private:
  uid_t uid_;
};

// cgroup v2, one folder for all: clone3(2) with CLONE_INTO_CGROUP starts PID 1 in it.
// Moving in later (cgroup.procs) write-locks the global cgroup_threadgroup_rwsem.
// Given no stack, the child goes on from here on a copy of ours, as after fork(2), and
// ends with container_init's status. ENOSYS: a kernel before 5.3, without clone3; E2BIG:
// 5.3 to 5.6, whose clone_args ends before the cgroup field (then as before).
// CLONE_NEWIPC: System V IPC objects (shared memory, message queues, semaphores) and POSIX
// message queues of the container's own, and its own limits on them; the kernel destroys
// them with the namespace, when its last process ends, even after kill -9
// (ipc_namespaces(7)). POSIX shared memory is files in /dev/shm, a tmpfs of ours since 17.
pid_t start_pid1(Container& container, const std::list<Cgroup>& cgroups, uid_t owner) {
  ChildStack stack;
  pid_t pid = -1;
  if (cgroups.size() == 1 && cgroups.front().version() == 2) {
    const common::Fd folder(
        common::check(::open(cgroups.front().dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC),
                      "open", cgroups.front().dir().native()));
    clone_args args{};
    args.flags = CLONE_NEWUSER | CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET |
                 CLONE_NEWIPC | CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = static_cast<std::uint64_t>(folder.get());
    const EffectiveUid as_owner(owner);  // the user namespace made here is owner's
    pid = static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
    if (pid == 0) ::_exit(container_init(&container));
    if (pid == -1 && errno != ENOSYS && errno != E2BIG)
      throw common::SyscallError(errno, "clone3", "CLONE_INTO_CGROUP");
    if (pid > 0) common::log("PID 1 started in its cgroup (clone3, CLONE_INTO_CGROUP)");
  }
  if (pid == -1) {
    // PID 1 joins its cgroups itself (v1 or hybrid: a folder per hierarchy; no clone3).
    // Opened by us, as root: since 5.16 the kernel checks the opener's rights, not the
    // writer's (commit "cgroup: Use open-time credentials for process migraton perm checks").
    std::vector<common::Fd> procs;
    for (const Cgroup& cgroup : cgroups) {
      const std::string path = (cgroup.dir() / "cgroup.procs").native();
      procs.emplace_back(common::check(::open(path.c_str(), O_WRONLY | O_CLOEXEC), "open", path));
      container.cgroups.push_back(procs.back().get());
    }
    if (!cgroups.empty()) common::log("PID 1 moves itself into its cgroups (cgroup.procs)");
    // The child gets a copy of our memory, so it can read container through this pointer.
    // With CLONE_NEWUSER the other namespaces belong to the new user namespace, in which the
    // child holds every capability: no root needed (user_namespaces(7)).
    const EffectiveUid as_owner(owner);
    pid =
        common::check(::clone(container_init, stack.top(),
                              CLONE_NEWUSER | CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS |
                                  CLONE_NEWNET | CLONE_NEWIPC | SIGCHLD,
                              &container),
                      "clone",
                      "CLONE_NEWUSER | CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | "
                      "CLONE_NEWIPC");
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

// Reads what `from` has and writes it to `to` while `to` takes it: the count read, 0 at
// its end, -1 when the read fails. A write that fails sets `to` to -1: later reads are dropped.
ssize_t copy_some(int from, int& to) {
  char buffer[4096];
  const ssize_t got = ::read(from, buffer, sizeof buffer);
  for (ssize_t done = 0, wrote = 0; to != -1 && done < got; done += wrote)
    if ((wrote = ::write(to, buffer + done, got - done)) <= 0) to = -1;
  return got;
}

// What is typed goes to the container's terminal, in a thread of its own: a container that
// does not read must not stop its output. At the end of our input (or EIO: in the
// terminal's background, read(2)), Ctrl-D twice (VEOF, termios(3)): the first ends a line
// left without a newline, the next is the end of input. False if the container's side
// was closed first (nobody is left to tell).
bool relay_input(common::Fd master) {
  int to = master.get();
  while (copy_some(STDIN_FILENO, to) > 0 && to != -1) {
  }
  return to != -1 && ::write(to, "\x04\x04", 2) == 2;
}

// What the container writes comes back, until its last process has closed its side:
// read(2) of the master then fails with EIO (Linux's pty driver; pty(7) does not say so).
// Where our output goes away (`| head` has ended), its foreground group (TIOCGPGRP on the
// master, drivers/tty/tty_jobctrl.c; numbered in our PID namespace) gets SIGPIPE, as from
// a pipe of its own, and what it writes is dropped.
void relay_output(int master) {
  for (int to = STDOUT_FILENO, had = to; copy_some(master, to) > 0; had = to) {
    const pid_t group = had != -1 && to == -1 ? ::tcgetpgrp(master) : -1;
    if (group > 0) ::kill(-group, SIGPIPE);  // not -(-1): kill(1, ...) is the host's init
  }
}

// While it lives, the step's terminal is raw (cfmakeraw, termios(3)): keys go on as typed,
// Ctrl-C and Ctrl-D too, to the container's terminal, which echoes them, and signals its
// foreground group; what comes back is as that terminal made it. Only from the terminal's
// foreground: in the background, the terminal is the shell's.
class RawTerminal {
 public:
  explicit RawTerminal(bool relayed) {
    if (!relayed || ::tcgetpgrp(STDIN_FILENO) != ::getpgrp()) return;
    common::check(::tcgetattr(STDIN_FILENO, &before_), "tcgetattr", "stdin");
    termios raw = before_;
    ::cfmakeraw(&raw);
    common::check(::tcsetattr(STDIN_FILENO, TCSADRAIN, &raw), "tcsetattr", "stdin");
    raw_ = true;
  }
  ~RawTerminal() {
    if (raw_) ::tcsetattr(STDIN_FILENO, TCSADRAIN, &before_);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  termios before_{};
  bool raw_ = false;
};

}  // namespace

// --keep DIR: the layers, made now (main gives them to root inside). DIR must be the caller's
// alone, where nobody else may rename it (why_not_private), and no link may be followed:
// DIR/upper -> /etc, planted by another user, would give the container the host's /etc.
// So the layers are made through DIR's descriptor (O_NOFOLLOW, mkdirat(2), openat(2),
// fchown(2)) and kept open: PID 1 mounts them only if they are still these folders. 0711:
// root inside, another uid on the host, may pass through DIR; the layers are 0700.
std::array<common::Fd, 2> make_kept_layers(const std::string& dir) {
  const bool made = ::mkdir(dir.c_str(), 0711) == 0;  // by us, now: removed if refused
  if (!made && errno != EEXIST) throw common::SyscallError(errno, "mkdir", dir);
  const common::Fd kept(
      common::check(::open(dir.c_str(), O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), "open", dir));
  const std::string why = common::why_not_private(kept.get());
  if (!why.empty() && made) ::rmdir(dir.c_str());
  if (!why.empty()) throw std::runtime_error("--keep " + dir + ": refused, " + why);
  common::check(::fchmod(kept.get(), 0711), "fchmod", dir);
  auto open_layer = [&](const std::string& layer) {
    if (::mkdirat(kept.get(), layer.c_str(), 0700) == -1 && errno != EEXIST)
      throw common::SyscallError(errno, "mkdirat", dir + "/" + layer);
    common::Fd made(
        common::check(::openat(kept.get(), layer.c_str(), O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC),
                      "openat", dir + "/" + layer));
    common::check(::fchmod(made.get(), 0700), "fchmod", dir + "/" + layer);
    return made;
  };
  return {open_layer("upper"), open_layer("work")};
}

// Run by root, each running container has 65536 host ids of its own: range n from
// kRootOutside, n a byte of kIdLocks no other step holds a lock on (fcntl(2), "Open file
// description locks"). Such a lock lasts until the last descriptor of its open file is
// closed: the janitor's copy holds it until the container's last process is gone, also
// after kill -9 of the step. Two containers in one range would be one user to the kernel:
// a process of either could signal the other's, read what it keeps with --keep, and use up
// the quotas they share (user_namespaces(7)). A kept layer's files are its range's for
// good. Nothing records an idle layer's range, so a new layer starts its search for a free
// range at one its upper folder's inode number picks: two layers made apart seldom meet.
// A container without one takes the highest free range.
unsigned reserve_ids(common::Fd& lock, const common::Fd& kept_upper) {
  struct stat upper {};
  if (kept_upper.get() != -1) common::check(::fstat(kept_upper.get(), &upper), "fstat", "upper");
  const bool kept = upper.st_uid >= kRootOutside;  // written by an earlier run: its range
  lock = common::Fd(common::check(::open(kIdLocks, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600),
                                  "open", kIdLocks));
  for (unsigned i = 0; i < kRanges; ++i) {
    const unsigned n = kept                     ? (upper.st_uid - kRootOutside) / 65536
                       : kept_upper.get() != -1 ? (upper.st_ino + i) % kRanges
                                                : kRanges - 1 - i;
    struct flock range = {F_WRLCK, SEEK_SET, n, 1, 0};  // type, from, start, length, pid 0
    if (::fcntl(lock.get(), F_OFD_SETLK, &range) == 0) return kRootOutside + n * 65536;
    if (errno != EAGAIN && errno != EACCES) throw common::SyscallError(errno, "fcntl", kIdLocks);
    if (kept) throw std::runtime_error("--keep: its host ids are a running container's");
  }
  throw std::runtime_error("all " + std::to_string(kRanges) + " ranges of host ids are taken");
}

// process.rlimits, taken by the step before anything is made: PID 1 and the command inherit
// them (fork(2), execve(2)). Raising a hard limit needs CAP_SYS_RESOURCE in the host's user
// namespace (setrlimit(2)): the step has it as root unless its bounding set drops it.
void take_rlimits(const std::vector<std::pair<std::string, rlimit>>& rlimits) {
  for (const auto& [name, limit] : rlimits) {
    rlimit ours{};
    common::check(::getrlimit(resource_of(name), &ours), "getrlimit", name);
    common::check(::setrlimit(resource_of(name), &limit), "setrlimit",
                  "process.rlimits " + name + " " + std::to_string(limit.rlim_cur) + "/" +
                      std::to_string(limit.rlim_max) +
                      "; the step's hard limit: " + std::to_string(ours.rlim_max));
  }
}

// A created container's folder, --root/ID; its ID a name, not a path out of --root.
std::filesystem::path container_folder(const CommandLine& command_line) {
  const std::size_t most = command_line.verb == "kill" ? 2 : 1;  // kill ID SIGNAL
  const auto& operands = command_line.operands;
  const std::string id = !operands.empty() && operands.size() <= most ? operands[0] : "";
  if (id.empty() || id.starts_with(".") || id.find('/') != std::string::npos)
    throw std::runtime_error(command_line.verb + ": give one ID, a name without '/'");
  return std::filesystem::path(command_line.root) / id;
}

// The folder of a container being created: removed unless `create` succeeds. mkdir(2)
// fails with EEXIST for an ID in use.
struct ContainerFolder {
  explicit ContainerFolder(const std::filesystem::path& where) : path(where) {
    common::check(::mkdir(path.c_str(), 0700), "mkdir", path.native());
  }
  ~ContainerFolder() {
    std::error_code ignored;  // create's failure is being reported already
    if (!kept) std::filesystem::remove_all(path, ignored);
  }
  std::filesystem::path path;
  bool kept = false;
};

// `start ID`: opens the exec.fifo to read, so PID 1's open to write returns, waits for its
// byte (it went on) and removes the fifo: a container starts once.
int start(const CommandLine& command_line) {
  const std::filesystem::path folder = container_folder(command_line);
  const std::string fifo = (folder / "exec.fifo").native();
  const common::Fd reader(
      common::check(::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC), "open", fifo));
  pollfd went_on{reader.get(), POLLIN, 0};
  if (common::check(::poll(&went_on, 1, 10'000), "poll", fifo) == 0)
    throw std::runtime_error(folder.native() + ": PID 1 did not go on within 10 s");
  std::filesystem::remove(fifo);
  return 0;
}

// A detached container's terminal: its master side, which PID 1 sent us, goes on to the Unix
// socket the caller listens on (unix(7)), as runc's --console-socket: the caller (podman's
// conmon) relays it from then on, as the step did in the foreground.
void send_console(int console, const std::string& path) {
  const common::Fd master = common::receive_fd(console, "terminal");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) throw std::runtime_error("too long a path: " + path);
  path.copy(address.sun_path, path.size());
  const common::Fd sock(
      common::check(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket", "AF_UNIX"));
  common::check(::connect(sock.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address),
                "connect", path);
  common::send_fd(sock.get(), master.get(), "terminal to " + path);
}

// --detach: the step ends once PID 1 is set up, its PID in --pid-file (as runc's), its pidfd
// with the janitor, which removes the cgroups when it ends. If PID 1 failed, its status.
int detached(const Container& container, pid_t pid, std::list<Cgroup>& cgroups, int janitor) try {
  char byte = 0;
  common::check(::close(container.created[1]), "close", "created pipe");
  if (common::check(::read(container.created[0], &byte, 1), "read", "created pipe") == 0)
    return reap_until(pid);
  if (container.terminal) send_console(container.console[0], container.command_line.console_socket);
  const std::string& pid_file = container.command_line.pid_file;
  if (!pid_file.empty() && !(std::ofstream(pid_file) << pid))
    throw std::runtime_error("--pid-file: cannot write " + pid_file);
  const common::Fd pidfd(
      static_cast<int>(common::check(::syscall(SYS_pidfd_open, pid, 0), "pidfd_open", "PID 1")));
  common::send_fd(janitor, pidfd.get(), "PID 1");
  for (Cgroup& cgroup : cgroups) cgroup.keep();
  return 0;
} catch (...) {  // PID 1 no longer dies with the step: it would run on, alone
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  throw;
}

// Field 3, the state (Z: a zombie), and field 22, the start time, of /proc/PID/stat
// (proc(5)); the name before them may hold spaces and parentheses. 'X': no such process.
std::pair<char, std::string> state_and_start(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line, field;
  std::getline(stat, line);
  if (line.rfind(')') == std::string::npos) return {'X', ""};
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  const char state = static_cast<char>(fields.get());
  for (int i = 4; i <= 22; ++i) fields >> field;
  return {state, field};
}

// A created container's PID 1, from --root/ID/pid: a pidfd (pidfd_open(2)), unless it has
// ended. A PID may be another process's once its own has ended, the PID with its start
// time names one for good; opened first, the pidfd is then the one checked.
struct Pid1 {
  common::Fd fd;  // -1: PID 1 has ended, the container is stopped
  pid_t pid = 0;
  std::string bundle;
};
Pid1 find_pid1(const std::filesystem::path& folder) {
  Pid1 found;
  std::string started;
  std::ifstream record(folder / "pid");
  if (!(record >> found.pid >> started) || !std::getline(record >> std::ws, found.bundle))
    throw std::runtime_error(folder.native() + ": no container of that ID");
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, found.pid, 0));
  const auto [state, start] = state_and_start(found.pid);
  if (fd != -1 && state != 'Z' && start == started) found.fd = common::Fd(fd);
  if (fd != -1 && found.fd.get() == -1) ::close(fd);
  return found;
}

std::string status_of(const std::filesystem::path& folder, const Pid1& pid1) {
  if (pid1.fd.get() == -1) return "stopped";
  return std::filesystem::exists(folder / "exec.fifo") ? "created" : "running";
}

// `state ID`: the container's state as runtime.md's "State" says, in JSON on stdout.
int state(const CommandLine& command_line) {
  const std::filesystem::path folder = container_folder(command_line);
  const Pid1 pid1 = find_pid1(folder);
  const std::string status = status_of(folder, pid1);
  std::cout << "{\"ociVersion\": \"1.0.2\", \"id\": "
            << common::json::quote(folder.filename().native()) << ", \"status\": \"" << status
            << "\", " << (status == "stopped" ? "" : "\"pid\": " + std::to_string(pid1.pid) + ", ")
            << "\"bundle\": " << common::json::quote(pid1.bundle) << "}\n";
  return 0;
}

// A signal by its number or name, with or without SIG (sigabbrev_np(3)): 15, TERM, SIGTERM.
int signal_number(const std::string& name) {
  for (int number = 1; number < NSIG; ++number) {
    const char* abbreviation = ::sigabbrev_np(number);
    if (name == std::to_string(number) ||
        (abbreviation && (name == abbreviation || name == "SIG" + std::string(abbreviation))))
      return number;
  }
  throw std::runtime_error("kill: not a signal: " + name);
}

// `kill ID [SIGNAL]` (default TERM) to PID 1, which passes it on to the command
// (reap_until); KILL ends PID 1, and the kernel then kills the rest (pid_namespaces(7)).
// Through the pidfd (pidfd_send_signal(2)), never to a process that took PID 1's PID.
int signal_container(const CommandLine& command_line) {
  const std::filesystem::path folder = container_folder(command_line);
  const Pid1 pid1 = find_pid1(folder);
  if (pid1.fd.get() == -1) throw std::runtime_error(folder.native() + ": stopped, no process");
  const auto& operands = command_line.operands;
  const int number = signal_number(operands.size() == 2 ? operands[1] : "TERM");
  common::check(::syscall(SYS_pidfd_send_signal, pid1.fd.get(), number, nullptr, 0),
                "pidfd_send_signal", std::to_string(pid1.pid));
  return 0;
}

// `delete ID`: a stopped container's folder goes (its cgroups went with PID 1: the
// janitor); --force kills a created or running one first and waits for its end.
int delete_container(const CommandLine& command_line) {
  const std::filesystem::path folder = container_folder(command_line);
  if (command_line.given("--force") && !std::filesystem::exists(folder / "pid")) {
    std::filesystem::remove_all(folder);  // none, or a create's that ended before its record
    return 0;
  }
  const Pid1 pid1 = find_pid1(folder);
  if (pid1.fd.get() != -1 && !command_line.given("--force"))
    throw std::runtime_error(folder.native() + ": " + status_of(folder, pid1) + ": use --force");
  if (pid1.fd.get() != -1) {
    common::check(::syscall(SYS_pidfd_send_signal, pid1.fd.get(), SIGKILL, nullptr, 0),
                  "pidfd_send_signal", std::to_string(pid1.pid));
    pollfd ended{pid1.fd.get(), POLLIN, 0};
    if (common::check(::poll(&ended, 1, 10'000), "poll", "PID 1") == 0)
      throw std::runtime_error(folder.native() + ": PID 1 did not end within 10 s");
  }
  std::filesystem::remove_all(folder);
  return 0;
}

// Every step's main has this shape: when a step fails, report_failure prints why as
// `stepNN: ...` on stderr and the step exits 125, after destructors have cleaned up.
int main(int argc, char* argv[]) try {
  // Block every signal from the start (our children inherit it): they wait for reap_until()
  // instead of killing us between mkdir and rmdir (sigprocmask(2)).
  common::check(::sigprocmask(SIG_BLOCK, &kAllSignals, nullptr), "sigprocmask", "SIG_BLOCK");
  CommandLine command_line = common::parse_command_line<CommandLine>(argc, argv);
  if (!command_line.bundle.empty() &&
      (command_line.given("--rootfs") || command_line.command_given))
    throw std::runtime_error("--bundle: its config.json says the rootfs and command: give neither");
  if (command_line.verb == "start") return start(command_line);
  if (command_line.verb == "state") return state(command_line);
  if (command_line.verb == "kill") return signal_container(command_line);
  if (command_line.verb == "delete") return delete_container(command_line);
  const bool create = command_line.verb == "create";  // detached, and waits for start
  if (create && command_line.bundle.empty()) throw std::runtime_error("create: give --bundle");
  if (!command_line.bundle.empty()) read_bundle(command_line);
  take_rlimits(command_line.rlimits);
  const bool detach = create || command_line.given("--detach");
  std::optional<ContainerFolder> folder;
  common::Fd exec_fifo;
  if (create) {
    std::filesystem::create_directories(command_line.root);
    const std::string fifo = (folder.emplace(container_folder(command_line)).path / "exec.fifo");
    common::check(::mkfifo(fifo.c_str(), 0600), "mkfifo", fifo);
    common::check(::chmod(fifo.c_str(), 0622), "chmod", fifo);  // PID 1, another uid, writes
    exec_fifo = common::Fd(common::check(::open(fifo.c_str(), O_PATH | O_CLOEXEC), "open", fifo));
  }
  // Detached, the relay would end with the step: a terminal only through --console-socket,
  // and never the step's own (the container would keep it).
  const bool console = !command_line.console_socket.empty();
  if (console != (detach && command_line.terminal))
    throw std::runtime_error(
        "--console-socket: needed for, and only for, create or --detach with process.terminal");
  if (detach && !console &&
      (::isatty(STDIN_FILENO) || ::isatty(STDOUT_FILENO) || ::isatty(STDERR_FILENO)))
    throw std::runtime_error(
        "--detach: the step's terminal would be the container's: redirect 0-2");
  // Refuse a rootfs the container would fail in (missing, empty, no /bin/sh for the
  // shell, no /proc, /dev or /tmp to mount on) now, before anything is created for it.
  common::require_rootfs(command_line.rootfs, command_line.command[0], {"proc", "dev", "tmp"});
  // The overlay's options are a comma-separated list, of paths split at colons.
  for (const std::string& path : {command_line.rootfs, command_line.keep})
    if (path.find_first_of(",:") != std::string::npos)
      throw std::runtime_error("overlay: a path with ',' or ':': " + path);
  std::array<common::Fd, 2> kept;  // closed when main returns; PID 1 holds its copies
  if (!command_line.keep.empty()) kept = make_kept_layers(command_line.keep);
  common::Fd id_lock;  // the janitor (make_cgroups) keeps a copy
  const unsigned first_id = ::geteuid() == 0 ? reserve_ids(id_lock, kept[0]) : 0;
  // Run as root, root inside is uid and gid first_id on the host (write_id_maps), and PID 1
  // mounts the rootfs as that user: each folder above it must let others pass (0750 homes).
  if (first_id != 0) common::require_reachable_by(command_line.rootfs, first_id, first_id);
  for (const common::Fd& layer : kept)  // new, or already the range's
    if (layer.get() != -1 && first_id != 0)
      common::check(::fchown(layer.get(), first_id, first_id), "fchown", command_line.keep);
  int janitor[2] = {-1, -1};  // a socket pair: with --detach, PID 1's pidfd for the janitor
  common::check(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, janitor),
                "socketpair", "janitor");
  std::list<Cgroup> cgroups = make_limited_cgroups(command_line, janitor[0]);
  Container container{.command_line = command_line, .kept = {kept[0].get(), kept[1].get()}};
  container.detach = detach;
  container.exec_fifo = exec_fifo.get();
  if (cgroups.empty()) container.process_limit = static_cast<rlim_t>(command_line.pids_max);
  container.terminal = command_line.terminal || ::isatty(STDIN_FILENO) || ::isatty(STDOUT_FILENO) ||
                       ::isatty(STDERR_FILENO);
  if (detach) common::check(::pipe2(container.created, O_CLOEXEC), "pipe2", "created");
  container.window = window_size();
  common::check(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, container.console),
                "socketpair", "terminal");
  // The host's end is made in the host's network namespace: that needs root.
  if (command_line.given("--net") && ::geteuid() != 0)
    throw std::runtime_error("--net needs root: the host's end of its cable is a host device");
  if (command_line.given("--net")) container.cable = plan_cable();
  common::check(::pipe2(container.go_ahead, O_CLOEXEC), "pipe2", "maps");
  const common::Fd rootfs_tree = copy_rootfs(command_line.rootfs);
  container.rootfs_tree = rootfs_tree.get();
  find_host_strings(argc, argv, container.host_strings);

  const pid_t pid = start_pid1(container, cgroups, first_id);
  if (folder && !(std::ofstream(folder->path / "pid")  // for state, kill and delete
                  << pid << ' ' << state_and_start(pid).second << '\n'
                  << std::filesystem::absolute(command_line.bundle).native()))
    throw std::runtime_error("cannot write " + (folder->path / "pid").native());
  common::check(::close(container.console[1]), "close", "terminal");  // PID 1 has its copy
  write_id_maps(pid, first_id);
  if (container.cable) lay_cable(*container.cable, pid);  // before PID 1 sets up its end
  idmap_rootfs(rootfs_tree, command_line.rootfs, pid);
  common::check(::write(container.go_ahead[1], "1", 1), "write", "maps pipe");  // go on
  // clone returns the child's PID in *our* namespace; in its new one it is PID 1
  // (pid_namespaces(7)); ours is the host's unless the step itself runs in a container.
  // The tools beside the step (ps, kill) know PID 1 by this number.
  common::log("container started: its PID 1 is PID ", pid, " in the step's PID namespace");
  if (detach) {
    const int status = detached(container, pid, cgroups, janitor[1]);
    if (folder) folder->kept = status == 0;  // then `delete` removes it
    return status;
  }

  const common::Fd terminal =
      container.terminal ? common::receive_fd(container.console[0], "terminal") : common::Fd();
  const RawTerminal raw(terminal.get() != -1);  // set back after the relay's last output
  std::jthread relay;  // joined when main returns, once the container's side is closed
  if (terminal.get() != -1) {
    const int input = common::check(::dup(terminal.get()), "dup", "terminal");
    std::thread(relay_input, common::Fd(input)).detach();  // it may wait for a key to the end
    relay = std::jthread(relay_output, terminal.get());
  }
  return reap_until(pid, terminal.get());  // then ~Cgroup removes the cgroups
} catch (const std::exception& error) {
  return common::report_failure(error);
}
