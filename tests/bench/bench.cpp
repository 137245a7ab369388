// make bench: what each isolation layer costs. Times `/bin/true` from the rootfs run
// bare (fork + exec), through each step program from 03 on, and through unshare, bwrap
// and runc where they are installed, interleaved round after round in a shuffled order;
// beside a step that does more than the plain peers, a peer set up alike (unshare in a
// fresh pids cgroup, bwrap in the last step's cgroups). Prints a Markdown table, the
// like-for-like ratios and what each peer leaves out, and writes an SVG bar chart. Needs root.
//
//   container_bench --bin DIR --rootfs DIR [--runs N] [--warmup N] [--seed N] [--phase-runs N]
//   [--svg FILE]
//   [--markdown FILE]
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/cgroup.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "tests/bench/phases.hpp"
#include "tests/support/environment.hpp"
#include "tests/support/steps.hpp"
#include "tests/support/subprocess.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The cgroups a row's program runs in, made for each run and removed after it (both timed),
// as a step does with its own: one folder under each parent (one per hierarchy), the
// limits written where the hierarchy has the file, then joined by the child writing "0"
// to each cgroup.procs, or by clone3 with CLONE_INTO_CGROUP (one v2 cgroup).
struct CgroupWork {
  std::vector<fs::path> parents;
  std::vector<std::pair<std::string, std::string>> limits;  // file, value
  bool clone3 = false;
};

struct Row {
  Row(std::string name_, std::string what_, std::vector<std::string> argv_ = {})
      : name(std::move(name_)), what(std::move(what_)), argv(std::move(argv_)) {}
  std::string name;  // first column
  std::string what;  // what this row adds
  std::vector<std::string> argv;
  std::optional<CgroupWork> cgroups;  // none: it runs in the bench's own
  std::string peer_of;  // a peer: the step row it compares with (a ratio under the table)
  std::string lacks;  // a peer: what it does not do that its step does (a note under the table)
  bool installed = true;  // false: a peer that is not on this machine
  uid_t uid = 0;  // not 0: the program runs as this host uid and gid, without groups
  std::vector<double> ms;  // wall time of each timed run
  long peak_rss_kib = 0;  // the largest ru_maxrss of the runtime process
  int failures = 0;
};

struct Options {
  fs::path bin;
  fs::path rootfs;
  int runs = 30;
  int warmup = 3;
  int phase_runs = 5;  // traced runs of the last step, for where its time goes
  // Each round runs the rows in a new order, drawn from this seed: in a fixed order a row
  // would always follow the same one, and inherit its after-effects (a cgroup migration
  // makes the next one cheap). Printed, and given back with --seed to repeat the order.
  std::uint32_t seed = std::random_device{}();
  fs::path svg;
  fs::path markdown;
};

std::optional<fs::path> find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

// In a child: stdio on /dev/null, the row's user if it has one (after joining its cgroups:
// their cgroup.procs are root's), then the row's program.
[[noreturn]] void exec_row(std::vector<char*>& args, uid_t uid) {
  const int null = ::open("/dev/null", O_RDWR);
  ::dup2(null, 0);
  ::dup2(null, 1);
  ::dup2(null, 2);
  if (uid != 0 && (::setgroups(0, nullptr) == -1 || ::setresgid(uid, uid, uid) == -1 ||
                   ::setresuid(uid, uid, uid) == -1))
    ::_exit(126);
  ::execv(args[0], args.data());
  ::_exit(127);
}

// Runs argv with stdio on /dev/null (in cgroups of its own if the row says so); returns
// its wall time and records its peak RSS.
double time_once(Row& row) {
  std::vector<char*> args;
  for (std::string& word : row.argv) args.push_back(word.data());
  args.push_back(nullptr);
  const auto start = Clock::now();
  std::vector<fs::path> cgroups;
  if (row.cgroups) {
    for (const fs::path& parent : row.cgroups->parents) {
      std::string name = (parent / "bench-XXXXXX").native();
      if (::mkdtemp(name.data()) == nullptr) throw common::SyscallError(errno, "mkdtemp", name);
      cgroups.emplace_back(name);
      for (const auto& [file, value] : row.cgroups->limits) {
        if (::access((cgroups.back() / file).c_str(), F_OK) == 0)
          common::write_file(cgroups.back() / file, value);
      }
    }
  }
  pid_t pid = -1;
  if (row.cgroups && row.cgroups->clone3) {
    const int folder = static_cast<int>(
        common::check(::open(cgroups.front().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC), "open"));
    clone_args clone{};
    clone.flags = CLONE_INTO_CGROUP;
    clone.exit_signal = SIGCHLD;
    clone.cgroup = static_cast<std::uint64_t>(folder);
    pid = static_cast<pid_t>(common::check(::syscall(SYS_clone3, &clone, sizeof clone), "clone3"));
    if (pid == 0) exec_row(args, row.uid);
    ::close(folder);
  } else {
    pid = common::check(::fork(), "fork");
    if (pid == 0) {
      for (const fs::path& cgroup : cgroups) {
        const int procs = ::open((cgroup / "cgroup.procs").c_str(), O_WRONLY);
        if (procs == -1 || ::write(procs, "0", 1) != 1) ::_exit(126);
        ::close(procs);
      }
      exec_row(args, row.uid);
    }
  }
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) == -1) {
    if (errno != EINTR) throw common::SyscallError(errno, "wait4", row.name);
  }
  for (const fs::path& cgroup : cgroups) {
    for (int attempt = 0; attempt < 100 && ::rmdir(cgroup.c_str()) == -1 && errno == EBUSY;
         ++attempt) {
      ::usleep(1000);
    }
  }
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++row.failures;
  row.peak_rss_kib = std::max(row.peak_rss_kib, usage.ru_maxrss);
  return ms;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double index = p * static_cast<double>(values.size() - 1);
  const auto low = static_cast<std::size_t>(index);
  const std::size_t high = std::min(low + 1, values.size() - 1);
  return values[low] + (values[high] - values[low]) * (index - static_cast<double>(low));
}

std::string fixed(double value, int digits = 2) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(digits) << value;
  return text.str();
}

// This process's cgroup in the v2 hierarchy (/sys/fs/cgroup, or its "unified" on a hybrid
// host); empty if there is none.
fs::path own_v2_cgroup() {
  const fs::path mount =
      fs::exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
  if (!fs::exists(mount / "cgroup.controllers")) return {};
  std::istringstream lines(common::read_file("/proc/self/cgroup"));
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("0::")) return line == "0::/" ? mount : mount / line.substr(4);
  }
  return {};
}

// "a hostname of its own (UTS namespace)", from the first line of the step's chapter,
// "# Step 05: a hostname of its own (UTS namespace)".
std::string chapter_title(const std::string& step) {
  std::ifstream chapter(std::string(PROJECT_SOURCE_DIR) + "/steps/" + step + "/README.md");
  std::string line;
  std::getline(chapter, line);
  const auto colon = line.find(": ");
  if (colon == std::string::npos)
    throw std::runtime_error("steps/" + step + "/README.md has no title line");
  return line.substr(colon + 2);
}

// What a constant of a step's main.cpp is set to: "kRanges = 1024;" gives "1024", and
// "kReadOnlyPaths[] = {...};" the braces. Empty if the step has no such constant.
std::string initialiser(const std::string& source, const std::string& name) {
  std::smatch found;
  if (!std::regex_search(source, found, std::regex(name + R"((\[\])? = ([^;]*);)"))) return {};
  return found[2];
}

// Every match of `pattern` in `text` (its first group if it has one), in order.
std::vector<std::string> all_of(const std::string& text, const std::string& pattern) {
  std::vector<std::string> matches;
  const std::regex regex(pattern);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), regex);
       it != std::sregex_iterator(); ++it)
    matches.push_back((*it)[it->size() > 1 ? 1 : 0]);
  return matches;
}

// What a step does, asked of the step itself, never inferred from its number (steps are
// split and renumbered): the options its --help lists (--pids-max: a pids cgroup of its
// own; --memory and --cpus: a cgroup per controller; --net: a veth pair), and from its
// main.cpp, whether it changes root (a chroot or pivot_root call), whether it starts
// PID 1 with clone3(CLONE_INTO_CGROUP) where it can, and the lists and numbers the peers
// beside the last step are set up with.
struct Step {
  explicit Step(const std::string& name_, const fs::path& bin) : name(name_) {
    program = bin / ("step" + name);
    const support::ProcessResult result = support::run({program.native(), "--help"});
    if (result.exit_code != 0) throw std::runtime_error(program.native() + " --help failed");
    help = result.out;
    const std::string source =
        common::read_file(fs::path(PROJECT_SOURCE_DIR) / "steps" / name / "main.cpp");
    changes_root = source.find("::chroot(") != std::string::npos ||
                   source.find("SYS_pivot_root") != std::string::npos;
    clone_into_cgroup = source.find("CLONE_INTO_CGROUP") != std::string::npos;
    const std::string quoted = R"re("([^"]*)")re";
    masked_paths = all_of(initialiser(source, "kMaskedPaths"), quoted);
    read_only_paths = all_of(initialiser(source, "kReadOnlyPaths"), quoted);
    capabilities = all_of(initialiser(source, "kKeptCapabilities"), R"(CAP_[A-Z_]+)");
    refused_calls = all_of(initialiser(source, "kRefusedCalls"), R"(SYS_(\w+))");
    const std::string first = initialiser(source, "kRootOutside");
    const std::string ranges_ = initialiser(source, "kRanges");
    root_outside = first.empty() ? 0 : std::stoul(first);
    ranges = ranges_.empty() ? 0 : std::stoul(ranges_);
    const auto locks = all_of(initialiser(source, "kIdLocks"), quoted);
    if (!locks.empty()) id_locks = locks.front();
  }
  // The usage line lists each option as "[--name ...]".
  bool takes(const std::string& option) const {
    return help.find("[" + option + " ") != std::string::npos ||
           help.find("[" + option + "]") != std::string::npos;
  }
  // --pids-max's default, from "--pids-max N ... (default: 5)" in --help.
  long pids_max() const {
    const auto option = help.find("\n  --pids-max");
    const auto value = help.find("(default: ", option);
    if (option == std::string::npos || value == std::string::npos) return 0;
    return std::stol(help.substr(value + 10));
  }
  std::string name;  // "10_pids_cgroup"
  fs::path program;
  std::string help;
  bool changes_root = false;
  bool clone_into_cgroup = false;
  // Docker's masked and read-only /proc paths (kMaskedPaths, kReadOnlyPaths: step 38), the
  // capabilities its command keeps (kKeptCapabilities: 20), the calls its filter refuses
  // with EPERM (kRefusedCalls: 22), and run by root, the host ids of root inside: ranges
  // of 65536 from root_outside, range n taken by a lock on byte n of id_locks (37).
  std::vector<std::string> masked_paths, read_only_paths, capabilities, refused_calls;
  unsigned long root_outside = 0, ranges = 0;
  std::string id_locks;
};

// The command line the bench gives a step: the limits a docker user would set where the
// step takes them (a cgroup in each hierarchy), its cable where it has one, and /bin/true
// from the rootfs (by its host path for a step that does not change root).
constexpr long long kMemoryMax = 64LL << 20;  // --memory 64M, in bytes
std::vector<std::string> step_argv(const Step& step, const fs::path& rootfs) {
  std::vector<std::string> argv{step.program.native(), "--rootfs", rootfs.native()};
  if (step.takes("--memory")) argv.insert(argv.end(), {"--memory", "64M", "--cpus", "1"});
  if (step.takes("--net")) argv.push_back("--net");
  argv.push_back(step.changes_root ? "/bin/true" : (rootfs / "bin" / "true").native());
  return argv;
}

// The cgroup work of the first step with --pids-max, as it does it: a pids cgroup at the
// root of the pids hierarchy (common::find_pids_cgroup_parent), its default limit, joined
// by the child's write to cgroup.procs. On v2 the root hands pids down first, as the step
// does (once, here, untimed).
CgroupWork pids_cgroup_as(const Step& step) {
  const common::PidsCgroupParent parent = common::find_pids_cgroup_parent();
  if (parent.enable_in_subtree) common::write_file(parent.dir / "cgroup.subtree_control", "+pids");
  return {{parent.dir}, {{"pids.max", std::to_string(step.pids_max())}}, false};
}

// The last step's cgroup work as it does it with the bench's options: a cgroup under the
// bench's own in each hierarchy holding pids (and memory and cpu, given --memory and
// --cpus), the same limits, joined by clone3 where the step would (one v2 hierarchy),
// else by cgroup.procs. Controllers a v2 parent does not hand down are enabled here,
// untimed (the step does it on its first run).
CgroupWork cgroups_as(const Step& step) {
  std::vector<std::string> controllers{"pids"};
  if (step.takes("--memory")) controllers.insert(controllers.end(), {"memory", "cpu"});
  CgroupWork work;
  const auto parents = common::find_cgroup_parents(controllers);
  for (const common::CgroupParent& parent : parents) {
    work.parents.push_back(parent.dir);
    for (const std::string& controller : parent.controllers) {
      if (parent.version == 2 &&
          !common::contains_word(common::read_file(parent.dir / "cgroup.subtree_control"),
                                 controller))
        common::write_file(parent.dir / "cgroup.subtree_control", "+" + controller);
    }
  }
  work.limits = {{"pids.max", std::to_string(step.pids_max())}};
  if (step.takes("--memory")) {
    // v1 wants memory.memsw.limit_in_bytes no lower than memory.limit_in_bytes: that first.
    const std::string memory = std::to_string(kMemoryMax);
    work.limits.insert(work.limits.end(), {{"memory.max", memory},
                                           {"memory.swap.max", "0"},
                                           {"memory.limit_in_bytes", memory},
                                           {"memory.memsw.limit_in_bytes", memory},
                                           {"cpu.max", "100000 100000"},
                                           {"cpu.cfs_quota_us", "100000"}});
  }
  work.clone3 = step.clone_into_cgroup && parents.size() == 1 && parents.front().version == 2;
  return work;
}

// A JSON array of strings (none here needs escaping: paths and names the bench chose).
std::string json_array(const std::vector<std::string>& words) {
  std::string array = "[";
  for (const std::string& word : words) array += (array.size() > 1 ? ", \"" : "\"") + word + "\"";
  return array + "]";
}

// An OCI bundle for runc over the same rootfs, isolated as the last step is: PID, UTS,
// mount, network, IPC and cgroup namespaces, and a user namespace whose root is host id
// `first_id`, 65536 ids mapped as the step maps them run by root; a /dev, /dev/shm and /tmp
// of its own, sized as the step's, and the mqueue of its IPC namespace on /dev/mqueue;
// the step's masked and read-only /proc paths (runc skips a missing one, as the step does),
// the capabilities it keeps, no_new_privs, and its list of refused calls as a seccomp
// profile (EPERM; clone3 ENOSYS); the step's limits, in cgroups under the bench's own (a
// relative cgroupsPath, as runc resolves it from its own cgroup); memory.swap is memory
// and swap together in the OCI spec: equal, no swap, as the step's memory.swap.max 0.
void write_runc_bundle(const fs::path& bundle, const fs::path& rootfs, const Step& step,
                       unsigned long first_id) {
  const std::string capabilities = json_array(step.capabilities);
  const std::string ids =
      R"([{"containerID": 0, "hostID": )" + std::to_string(first_id) + R"(, "size": 65536}])";
  std::string resources = R"({"pids": {"limit": )" + std::to_string(step.pids_max()) + "}";
  if (step.takes("--memory"))
    resources += R"(, "memory": {"limit": )" + std::to_string(kMemoryMax) + R"(, "swap": )" +
                 std::to_string(kMemoryMax) + R"(}, "cpu": {"quota": 100000, "period": 100000})";
  resources += "}";
  fs::create_directories(bundle);
  std::ofstream config(bundle / "config.json");
  config << R"({
  "ociVersion": "1.0.2",
  "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["/bin/true"],
              "env": ["PATH=/bin:/sbin:/usr/bin:/usr/sbin", "TERM=xterm"], "cwd": "/",
              "noNewPrivileges": true,
              "capabilities": {"bounding": )"
         << capabilities << R"(, "effective": )" << capabilities << R"(,
                               "permitted": )"
         << capabilities << R"(}},
  "root": {"path": ")"
         << rootfs.native() << R"(", "readonly": false},
  "hostname": "container",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc",
     "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "noexec", "mode=755", "size=64k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
     "options": ["nosuid", "nodev", "noexec", "mode=1777", "size=64m", "nr_inodes=16k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
     "options": ["nosuid", "nodev", "noexec"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "nodev", "mode=1777", "size=64m", "nr_inodes=16k"]}],
  "linux": {"namespaces": [{"type": "user"}, {"type": "pid"}, {"type": "uts"}, {"type": "mount"},
                           {"type": "network"}, {"type": "ipc"}, {"type": "cgroup"}],
            "uidMappings": )"
         << ids << R"(, "gidMappings": )" << ids << R"(,
            "maskedPaths": )"
         << json_array(step.masked_paths) << R"(,
            "readonlyPaths": )"
         << json_array(step.read_only_paths) << R"(,
            "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
              {"names": )"
         << json_array(step.refused_calls) << R"(, "action": "SCMP_ACT_ERRNO", "errnoRet": )"
         << EPERM << R"(},
              {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": )"
         << ENOSYS << R"(}]},
            "cgroupsPath": "bench-runc-)"
         << ::getpid() << R"(",
            "resources": )"
         << resources << R"(}
}
)";
}

// Host ids for the peers beside the last step, taken as the step takes a container's
// when root runs it (reserve_ids): range n of 65536 from root_outside, held by an open file
// description lock on byte n of id_locks (fcntl(2)), from the highest free one down, as for
// a container without a kept layer. Unlike the step, the bench holds one range for its
// whole run, for every run of every peer row (they never run at once); while it does, no
// step here or elsewhere on the host takes it.
unsigned long reserve_peer_ids(const Step& step, common::Fd& lock) {
  if (step.root_outside == 0 || step.ranges == 0 || step.id_locks.empty())
    throw std::runtime_error("steps/" + step.name +
                             "/main.cpp: no kRootOutside, kRanges or kIdLocks to take ids from");
  lock = common::Fd(static_cast<int>(
      common::check(::open(step.id_locks.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600),
                    "open", step.id_locks)));
  for (unsigned long n = step.ranges; n-- > 0;) {
    struct flock range = {F_WRLCK, SEEK_SET, static_cast<off_t>(n), 1, 0};
    if (::fcntl(lock.get(), F_OFD_SETLK, &range) == 0) return step.root_outside + n * 65536;
    if (errno != EAGAIN && errno != EACCES)
      throw common::SyscallError(errno, "fcntl", step.id_locks);
  }
  throw std::runtime_error("all ranges of host ids in " + step.id_locks + " are taken");
}

// The last step's isolation as bubblewrap 0.8 spells it, for a bwrap run as host uid and
// gid first_id (Row::uid): bwrap maps one id, root inside to its caller's (`0 first_id 1`),
// in a user namespace that is first_id's, as the step's. The step's /dev, /dev/shm, mqueue
// and /tmp (sizes in bytes); its masked /proc paths that this host's /proc has (the step
// skips a missing one, bwrap would fail on it): /dev/null on a file (--dev-bind: --ro-bind
// adds nodev, and reading gives EACCES instead of nothing), an empty read-only tmpfs on a
// folder; the read-only ones as read-only binds of the bench's own /proc (bwrap binds only
// host paths, and --remount-ro wants a mount point; a sysctl shows the reader's namespace
// whatever /proc it is read through); its environment and the capabilities it keeps.
std::vector<std::string> bwrap_as(const Step& step, const fs::path& rootfs) {
  const std::string size = std::to_string(64 << 20);  // the step's /dev/shm and /tmp: 64m
  std::vector<std::string> args = {"--unshare-user", "--uid", "0", "--gid", "0"};
  args.insert(args.end(), {"--unshare-pid", "--unshare-uts", "--hostname", "container",
                           "--unshare-ipc", "--unshare-net", "--unshare-cgroup"});
  args.insert(args.end(), {"--bind", rootfs.native(), "/", "--dev", "/dev"});
  args.insert(args.end(), {"--perms", "1777", "--size", size, "--tmpfs", "/dev/shm"});
  args.insert(args.end(), {"--mqueue", "/dev/mqueue", "--proc", "/proc"});
  for (const std::string& path : step.masked_paths) {
    if (!fs::exists(path)) continue;
    if (fs::is_directory(path))
      args.insert(args.end(), {"--size", "4096", "--tmpfs", path, "--remount-ro", path});
    else
      args.insert(args.end(), {"--dev-bind", "/dev/null", path});
  }
  for (const std::string& path : step.read_only_paths) {
    if (fs::exists(path)) args.insert(args.end(), {"--ro-bind", path, path});
  }
  args.insert(args.end(), {"--perms", "1777", "--size", size, "--tmpfs", "/tmp"});
  args.insert(args.end(), {"--clearenv", "--setenv", "PATH", "/bin:/sbin:/usr/bin:/usr/sbin",
                           "--setenv", "TERM", "xterm"});
  args.insert(args.end(), {"--cap-drop", "ALL"});
  for (const std::string& capability : step.capabilities)
    args.insert(args.end(), {"--cap-add", capability});
  args.insert(args.end(), {"--new-session", "--die-with-parent", "/bin/true"});
  return args;
}

// A peer's row: its program found in PATH (else "not installed"), then its arguments.
Row peer(std::string name, std::string what, const std::string& program,
         std::vector<std::string> arguments) {
  Row row{std::move(name), std::move(what)};
  const auto path = find_in_path(program);
  row.installed = path.has_value();
  if (!path) return row;
  row.argv = {path->native()};
  row.argv.insert(row.argv.end(), arguments.begin(), arguments.end());
  return row;
}

// The rows, in the order of the table; id_lock holds the peers' range of host ids.
std::vector<Row> rows_for(const Options& options, const fs::path& rootfs, const fs::path& scratch,
                          common::Fd& id_lock) {
  const std::string true_path = (rootfs / "bin" / "true").native();
  std::vector<Row> rows;
  rows.emplace_back("fork + exec", "the floor: no isolation", std::vector<std::string>{true_path});
  // Every step from 03 on (CMakeLists.txt's list), each described by its chapter's title.
  std::vector<Step> steps;
  for (const std::string& name : support::steps_from("03")) steps.emplace_back(name, options.bin);
  const auto first_with_cgroup =
      std::ranges::find_if(steps, [](const Step& step) { return step.takes("--pids-max"); });
  if (first_with_cgroup == steps.begin() || first_with_cgroup == steps.end())
    throw std::runtime_error("no step with --pids-max after one without");
  const Step& before_cgroups = *std::prev(first_with_cgroup);
  const Step& last = steps.back();
  const std::vector<std::string> unshare_args = {
      "--fork",   "--pid", "--uts", "--mount", "--root=" + rootfs.native(), "--mount-proc=/proc",
      "/bin/true"};
  for (const Step& step : steps) {
    rows.emplace_back("step" + step.name, chapter_title(step.name), step_argv(step, rootfs));
    // Beside the first step with a cgroup: unshare in one made, joined and removed alike.
    if (&step == &*first_with_cgroup) {
      Row row =
          peer("unshare in a pids cgroup",
               "as unshare, in a fresh pids cgroup (pids.max " + std::to_string(step.pids_max()) +
                   ") made, joined by cgroup.procs and removed each run, as by step" + step.name,
               "unshare", unshare_args);
      row.cgroups = pids_cgroup_as(step);
      row.peer_of = "step" + step.name;
      row.lacks = "as unshare; its cgroup work is step" + step.name + "'s";
      rows.push_back(row);
    }
  }
  // The two ways into a cgroup on v2 (which a hybrid host has too, without controllers).
  const auto v2_parent = own_v2_cgroup();
  for (const bool clone3 : {false, true}) {
    Row row{clone3 ? "clone3 into a v2 cgroup" : "fork, join a v2 cgroup",
            clone3 ? "clone3(CLONE_INTO_CGROUP) + exec into a new cgroup"
                   : "fork + exec; the child writes cgroup.procs of a new cgroup",
            std::vector<std::string>{true_path}};
    row.cgroups = CgroupWork{{v2_parent}, {}, clone3};
    row.installed = !v2_parent.empty();
    rows.push_back(row);
  }
  Row unshare = peer("unshare", "util-linux: PID, UTS, mount ns, `--root`, `--mount-proc`",
                     "unshare", unshare_args);
  unshare.peer_of = "step" + before_cgroups.name;
  unshare.lacks =
      "no cgroup; no user, network, IPC or cgroup namespace; chroot, not pivot_root; no /dev of "
      "its own, no capability drop, no seccomp filter";
  rows.push_back(unshare);
  rows.push_back(peer("bwrap", "bubblewrap: PID, UTS, mount ns, bind rootfs, /proc", "bwrap",
                      {"--unshare-pid", "--unshare-uts", "--bind", rootfs.native(), "/", "--proc",
                       "/proc", "/bin/true"}));
  // The isolation of the last step, as bubblewrap and runc can spell it, with host ids of
  // a range the bench holds; bwrap then the same in the cgroups the step would make, so
  // their cost is a measured difference.
  const unsigned long first_id = reserve_peer_ids(last, id_lock);
  const std::string ids = std::to_string(first_id);
  const std::string bwrap_lacks =
      "its user map is one id, 0 to host " + ids +
      " (bwrap maps root inside to its caller alone), not 65536; no idmapped rootfs and no "
      "overlay (bwrap 0.8 has neither): the rootfs's files are nobody's inside, and root "
      "cannot write them; no seccomp filter (bwrap loads only a compiled one); its "
      "capabilities also ambient and inheritable; the read-only /proc paths are the bench's "
      "/proc bound read-only; lo only (no veth pair); no janitor; its host ids a range the "
      "bench holds, not one taken per container";
  Row bwrap_full = peer("bwrap (as step" + last.name + ")",
                        "+ user ns (root inside is host " + ids +
                            ", one id, and owns it), IPC ns and /dev/mqueue, network, cgroup ns, "
                            "/dev, /dev/shm, tmpfs /tmp, masked and read-only /proc paths, the "
                            "step's capabilities",
                        "bwrap", bwrap_as(last, rootfs));
  bwrap_full.uid = static_cast<uid_t>(first_id);
  bwrap_full.peer_of = "step" + last.name;
  bwrap_full.lacks = bwrap_lacks + "; no cgroups, no limits";
  rows.push_back(bwrap_full);
  Row bwrap_cgroups = peer("bwrap (as step" + last.name + ") in its cgroups",
                           "as above, in the step's cgroups and limits, made, joined and removed "
                           "each run as the step does",
                           "bwrap", bwrap_as(last, rootfs));
  bwrap_cgroups.uid = static_cast<uid_t>(first_id);
  bwrap_cgroups.cgroups = cgroups_as(last);
  bwrap_cgroups.peer_of = "step" + last.name;
  bwrap_cgroups.lacks = bwrap_lacks;
  rows.push_back(bwrap_cgroups);
  Row runc = peer("runc",
                  "OCI runtime: user ns (65536 ids from host " + ids +
                      "), PID, UTS, mount, network, IPC ns and /dev/mqueue, cgroup ns, "
                      "pivot_root, masked and read-only /proc paths, the step's capabilities and "
                      "refused calls, limits",
                  "runc",
                  {"--root", (scratch / "runc-state").native(), "run", "--bundle",
                   (scratch / "bundle").native(), "bench-" + std::to_string(::getpid())});
  if (runc.installed) write_runc_bundle(scratch / "bundle", rootfs, last, first_id);
  runc.peer_of = "step" + last.name;
  runc.lacks =
      "its user namespace is root's (runc makes it as root), so the kernel charges what the "
      "container holds to root, not to its first host id; no idmapped rootfs and no overlay: the "
      "rootfs's files are nobody's inside, and root cannot write them; its host ids a range the "
      "bench holds, not one runc takes per container; the seccomp profile refuses the step's "
      "calls, not its argument checks (namespace flags of clone and unshare, AF_VSOCK sockets, "
      "TIOCSTI, personality); lo only (no veth pair); but two processes (runtime and init) and "
      "an OCI bundle to parse";
  rows.push_back(runc);
  return rows;
}

// The colour of a row's bar: the floor, a step of the course, or a peer runtime.
const char* colour_of(const Row& row) {
  if (row.name == "fork + exec") return "#7a7a7a";
  return row.name.starts_with("step") ? "#4a7ebb" : "#d08c35";
}

// A round axis step for a scale up to `widest` ms: 1, 2 or 5 times a power of ten, giving
// about five ticks.
double tick_step(double widest) {
  const double rough = widest / 5;
  double power = 1;
  while (power * 10 <= rough) power *= 10;
  while (power > rough) power /= 10;
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    if (power * factor >= rough) return power * factor;
  }
  return power * 10;
}

// A horizontal bar chart: the median as a bar (its value at the bar's end), the p90 as a
// whisker from there (its value after the whisker), an axis in ms under the bars and a
// legend for the colours.
void write_svg(const fs::path& file, const std::vector<Row>& rows) {
  double widest = 0;
  for (const Row& row : rows)
    if (row.installed) widest = std::max(widest, percentile(row.ms, 0.9));
  if (widest <= 0) widest = 1;
  const double step = tick_step(widest);
  const double scale_end = std::ceil(widest / step) * step;
  const int label = 190, chart = 520, bar_height = 22, gap = 8, top = 62, right = 150;
  const int bars_end = top + static_cast<int>(rows.size()) * (bar_height + gap);
  const int height = bars_end + 45;
  const auto x_of = [&](double ms) { return label + ms / scale_end * chart; };
  std::ofstream svg(file);
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << label + chart + right
      << "\" height=\"" << height << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
      << "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">Start to exit of "
         "/bin/true, in ms"
         " (shorter is faster)</text>\n";
  // The legend: the three colours, then how to read a row.
  int x = 10;
  for (const auto& [colour, text] : {std::pair{"#7a7a7a", "fork + exec (the floor)"},
                                     {"#4a7ebb", "the course's steps"},
                                     {"#d08c35", "other runtimes"}}) {
    svg << "<rect x=\"" << x << "\" y=\"32\" width=\"12\" height=\"12\" fill=\"" << colour << "\"/>"
        << "<text x=\"" << x + 17 << "\" y=\"42\">" << text << "</text>\n";
    x += 30 + static_cast<int>(std::string_view(text).size()) * 6;
  }
  svg << "<text x=\"" << x + 10
      << "\" y=\"42\" fill=\"#444\">bar: median; line: to the 90th percentile</text>\n";
  // Grid lines and the axis, under the bars.
  for (double tick = 0; tick <= scale_end + step / 2; tick += step) {
    const double tx = x_of(tick);
    svg << "<line x1=\"" << fixed(tx, 1) << "\" x2=\"" << fixed(tx, 1) << "\" y1=\"" << top - 4
        << "\" y2=\"" << bars_end << "\" stroke=\"#e4e4e4\"/>\n"
        << "<text x=\"" << fixed(tx, 1) << "\" y=\"" << bars_end + 15
        << "\" text-anchor=\"middle\">" << fixed(tick, step < 1 ? 1 : 0) << "</text>\n";
  }
  svg << "<line x1=\"" << label << "\" x2=\"" << label + chart << "\" y1=\"" << bars_end
      << "\" y2=\"" << bars_end << "\" stroke=\"#444\"/>\n"
      << "<text x=\"" << label + chart / 2 << "\" y=\"" << bars_end + 33
      << "\" text-anchor=\"middle\">"
      << "milliseconds</text>\n";
  int y = top;
  for (const Row& row : rows) {
    svg << "<text x=\"" << label - 8 << "\" y=\"" << y + 15 << "\" text-anchor=\"end\">" << row.name
        << "</text>\n";
    if (!row.installed) {
      svg << "<text x=\"" << label + 4 << "\" y=\"" << y + 15
          << "\" fill=\"#888\">not installed</text>\n";
    } else {
      const double median = percentile(row.ms, 0.5), p90 = percentile(row.ms, 0.9);
      const double end = x_of(median), end90 = x_of(p90);
      svg << "<rect x=\"" << label << "\" y=\"" << y << "\" width=\""
          << fixed(std::max(end - label, 1.0), 1) << "\" height=\"" << bar_height << "\" fill=\""
          << colour_of(row) << "\"/>\n"
          << "<line x1=\"" << fixed(end, 1) << "\" x2=\"" << fixed(end90, 1) << "\" y1=\"" << y + 11
          << "\" y2=\"" << y + 11 << "\" stroke=\"#222\"/>\n"
          << "<line x1=\"" << fixed(end90, 1) << "\" x2=\"" << fixed(end90, 1) << "\" y1=\""
          << y + 6 << "\" y2=\"" << y + 16 << "\" stroke=\"#222\"/>\n";
      // The median inside its bar when it fits, else after the whisker with the p90.
      if (end - label >= 48) {
        svg << "<text x=\"" << fixed(end - 4, 1) << "\" y=\"" << y + 15
            << "\" text-anchor=\"end\" fill=\"#fff\">" << fixed(median) << "</text>\n"
            << "<text x=\"" << fixed(end90 + 5, 1) << "\" y=\"" << y + 15 << "\" fill=\"#555\">p90 "
            << fixed(p90) << "</text>\n";
      } else {
        svg << "<text x=\"" << fixed(end90 + 5, 1) << "\" y=\"" << y + 15 << "\" fill=\"#222\">"
            << fixed(median) << " <tspan fill=\"#555\">(p90 " << fixed(p90) << ")</tspan></text>\n";
      }
    }
    y += bar_height + gap;
  }
  svg << "</svg>\n";
}

std::string markdown_table(const std::vector<Row>& rows, const Options& options) {
  double bare = 0, unshare = 0;
  for (const Row& row : rows) {
    if (row.name == "fork + exec") bare = percentile(row.ms, 0.5);
    if (row.name == "unshare" && row.installed) unshare = percentile(row.ms, 0.5);
  }
  std::ostringstream table;
  table << "| Runtime | What it does | Median ms | p90 ms | x bare | x unshare | Peak RSS KiB |\n"
        << "|---|---|---:|---:|---:|---:|---:|\n";
  for (const Row& row : rows) {
    table << "| " << row.name << " | " << row.what << " | ";
    if (!row.installed) {
      table << "not installed | | | | |\n";
      continue;
    }
    const double median = percentile(row.ms, 0.5);
    table << fixed(median) << " | " << fixed(percentile(row.ms, 0.9)) << " | "
          << fixed(median / bare, 1) << " | " << (unshare > 0 ? fixed(median / unshare, 2) : "")
          << " | " << row.peak_rss_kib << " |";
    if (row.failures > 0) table << " (" << row.failures << " failed runs)";
    table << "\n";
  }
  table << "\n"
        << options.runs << " interleaved rounds after " << options.warmup
        << " warm-up rounds, the rows in a shuffled order each round (seed " << options.seed
        << "); wall time from fork to exit; peak RSS of the runtime's own process.\n";
  // Each step beside the peer set up as it is, as a ratio of medians (under 1: the step
  // is faster), then what each peer leaves out.
  const auto median_of = [&](const std::string& name) -> std::optional<double> {
    for (const Row& row : rows) {
      if (row.name == name && row.installed && !row.ms.empty()) return percentile(row.ms, 0.5);
    }
    return std::nullopt;
  };
  table << "\nLike for like (median over median):\n\n";
  for (const Row& row : rows) {
    if (row.peer_of.empty()) continue;
    const auto step = median_of(row.peer_of), other = median_of(row.name);
    table << "- " << row.peer_of << " / " << row.name << ": "
          << (step && other ? fixed(*step / *other) : std::string("not measured")) << "\n";
  }
  table << "\nWhat each peer does not do that its step does:\n\n";
  for (const Row& row : rows) {
    if (!row.lacks.empty()) table << "- " << row.name << ": " << row.lacks << ".\n";
  }
  return table.str();
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--bin")
      options.bin = value();
    else if (arg == "--rootfs")
      options.rootfs = value();
    else if (arg == "--runs")
      options.runs = std::stoi(value());
    else if (arg == "--warmup")
      options.warmup = std::stoi(value());
    else if (arg == "--phase-runs")
      options.phase_runs = std::stoi(value());
    else if (arg == "--seed")
      options.seed = static_cast<std::uint32_t>(std::stoul(value()));
    else if (arg == "--svg")
      options.svg = value();
    else if (arg == "--markdown")
      options.markdown = value();
    else
      throw std::runtime_error("unknown option " + arg);
  }
  if (options.bin.empty() || options.rootfs.empty() || options.runs < 1) {
    throw std::runtime_error(
        "usage: container_bench --bin DIR --rootfs DIR [--runs N] [--warmup N] [--seed N] "
        "[--phase-runs N] [--svg "
        "FILE] "
        "[--markdown FILE]");
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) try {
  const Options options = parse(argc, argv);
  if (::geteuid() != 0)
    throw std::runtime_error("needs root: the steps create namespaces (sudo make bench)");
  // Namespaces of our own: nothing a runtime leaves mounted reaches the host.
  support::isolate_test_process();
  const support::TempDir scratch;
  const support::TempRootfs copy(options.rootfs);
  const fs::path& rootfs = copy.path();
  common::Fd id_lock;  // held while the bench runs
  std::vector<Row> rows = rows_for(options, rootfs, scratch.path(), id_lock);

  std::cerr << "bench: " << options.warmup << " warm-up and " << options.runs << " timed rounds of "
            << rows.size() << " rows, interleaved in a shuffled order (--seed " << options.seed
            << ")\n";
  std::mt19937 shuffle(options.seed);
  std::vector<std::size_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  for (int round = 0; round < options.warmup + options.runs; ++round) {
    std::shuffle(order.begin(), order.end(), shuffle);
    for (const std::size_t index : order) {
      Row& row = rows[index];
      if (!row.installed) continue;
      const double ms = time_once(row);
      if (round >= options.warmup) row.ms.push_back(ms);
      // Step 08 leaves /proc mounted by design; take it down outside the timing, or
      // every later run would work on a longer mount table.
      if (row.name == "step08_mount_proc") support::unmount_all_under(rootfs / "proc");
    }
  }

  // Then where the last step's time goes, phase by phase (strace; after the timed rounds,
  // so tracing slows none of them).
  const auto last = std::find_if(rows.rbegin(), rows.rend(),
                                 [](const Row& row) { return row.name.starts_with("step"); });
  const std::string table =
      markdown_table(rows, options) +
      (options.phase_runs > 0 ? bench::phase_breakdown(last->argv, options.phase_runs,
                                                       scratch.path(), percentile(last->ms, 0.5))
                              : "");
  std::cout << table;
  if (!options.markdown.empty()) std::ofstream(options.markdown) << table;
  if (!options.svg.empty()) {
    write_svg(options.svg, rows);
    std::cerr << "bench: chart written to " << options.svg.native() << "\n";
  }
  int failed = 0;
  for (const Row& row : rows) failed += row.failures;
  if (failed > 0) std::cerr << "bench: " << failed << " runs failed (see the table)\n";
  return failed > 0 ? 1 : 0;
} catch (const std::exception& error) {
  std::cerr << "bench: " << error.what() << "\n";
  return 1;
}
