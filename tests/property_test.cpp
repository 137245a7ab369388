// What each step adds, checked in that step and in every later one. A property is a test
// parameterised by step, instantiated for the steps from the one whose chapter introduces
// it to the last one CMakeLists.txt lists: a new last step gets all of them, and a later
// step that drops one (a refactor, a student's lab) fails it. Each test's name says the
// property; its parameter, `stepNN_topic`, the step (`--gtest_filter='*/step23_*'` runs one
// step's rows; make check and make mutants do so).

#include <grp.h>
#include <mqueue.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/cgroup.hpp"
#include "common/files.hpp"
#include "tests/support/bundle_test.hpp"
#include "tests/support/step_test.hpp"
#include "tests/support/steps.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Root inside the container of a root-run step is this host uid from step 19 on; from
// step 39 on, the first of a range of 65536 of its own, a multiple of 65536 above it.
constexpr unsigned kContainerRootOnTheHost = 2000000000;
bool is_container_root(unsigned id) {
  return id >= kContainerRootOnTheHost && (id - kContainerRootOnTheHost) % 65536 == 0;
}

class StepProperty : public support::ContainerTest,
                     public ::testing::WithParamInterface<std::string> {
 protected:
  std::string program() const override { return support::binary_of(GetParam()); }
  const std::string& step_name() const { return GetParam(); }
  bool from(const std::string& step) const { return GetParam() >= step; }

  // The step with `args`; before step 07 there is no rootfs to pass.
  std::vector<std::string> in_container(const std::vector<std::string>& args) const {
    return from("07") ? container(args) : step(args);
  }
  support::ProcessResult run_in_container(const std::vector<std::string>& args,
                                          const support::ProcessOptions& options = {}) const {
    support::ProcessResult result = support::run(in_container(args), 20s, options);
    expect_nothing_left_running(result);
    return result;
  }
  // Copies the attacker's helper into the rootfs: /escape.
  void add_escape_helper() const {
    fs::copy_file(ESCAPE_PROGRAM, rootfs() / "escape");
    fs::permissions(rootfs() / "escape", fs::perms::all);
  }
};

// gtest names each row after its step: "step23_seccomp".
std::string step_row(const ::testing::TestParamInfo<std::string>& info) {
  return "step" + info.param;
}

#define PROPERTY_SINCE(fixture, first)            \
  INSTANTIATE_TEST_SUITE_P(Since##first, fixture, \
                           ::testing::ValuesIn(support::steps_from(#first)), step_row)

// The options of one mount, as /proc/self/mountinfo lists it (proc(5)): "" if `point` is
// not a mount point there.
std::string mount_options(const std::string& mountinfo, const std::string& point) {
  std::istringstream lines(mountinfo);
  std::string found;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string id, parent, device, root, mount_point, options;
    fields >> id >> parent >> device >> root >> mount_point >> options;
    if (mount_point == point) found = options;  // the last one: the mount on top
  }
  return found;
}

bool has_option(const std::string& options, const std::string& option) {
  return ("," + options + ",").find("," + option + ",") != std::string::npos;
}

// The value of `key:` in /proc/PID/status (proc(5)), tabs and all.
std::string status_field(const std::string& status, const std::string& key) {
  std::istringstream lines(status);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(key + ":")) return line.substr(key.size() + 1);
  }
  return "";
}

// The 1K-blocks column busybox `df -k` gives for the file system mounted on `point`; -1
// if no line names it.
long df_kilobytes(const std::string& df, const std::string& point) {
  std::istringstream lines(df);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string filesystem, mounted_on;
    long blocks = 0, used = 0, available = 0;
    std::string percent;
    if (fields >> filesystem >> blocks >> used >> available >> percent >> mounted_on &&
        mounted_on == point)
      return blocks;
  }
  return -1;
}

// --- 03: execvp --------------------------------------------------------------------------

using ExitStatus = StepProperty;
TEST_P(ExitStatus, TheCommandsStatusPassesBackAndAMissingCommandGives127) {
  support::reread("Goal");
  EXPECT_EQ(run_in_container({"/bin/sh", "-c", "exit 3"}).exit_code, 3);
  const auto missing = run_in_container({"/no/such/command"});
  EXPECT_EQ(missing.exit_code, 127) << missing.describe();
  // Named by the step, also once PID 1 has wiped its argv (22 on).
  EXPECT_NE(missing.err.find("step" + step_name().substr(0, 2) + ": execvp(/no/such/command)"),
            std::string::npos)
      << missing.describe();
}
PROPERTY_SINCE(ExitStatus, 03);

// --- 04: clearenv ------------------------------------------------------------------------

using Environment = StepProperty;
TEST_P(Environment, TheHostsVariablesStayOutside) {
  support::reread("Goal");
  const auto result =
      run_in_container({"/bin/sh", "-c", "env"}, {.extra_env = {"SECRET_TOKEN=hunter2"}});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out.find("hunter2"), std::string::npos) << result.describe();
}
PROPERTY_SINCE(Environment, 04);

// --- 05: UTS namespace (TearDown checks that the host's name never changed) ---------------

using Hostname = StepProperty;
TEST_P(Hostname, TheContainerHasAHostnameOfItsOwn) {
  support::reread("Goal");
  const auto result = run_in_container({"/bin/sh", "-c", "hostname"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_NE(result.out, support::host_hostname() + "\n") << result.describe();
}
PROPERTY_SINCE(Hostname, 05);

// --- 06: PID namespace -------------------------------------------------------------------

using PidNamespace = StepProperty;
TEST_P(PidNamespace, TheCommandIsPid1OrItsChild) {
  support::reread("Goal");
  const auto result = run_in_container({"/bin/sh", "-c", "echo $$"});
  EXPECT_TRUE(result.out == "1\n" || result.out == "2\n") << result.describe();
}

// The PID the step logs for PID 1 is the host's number of the container's PID 1: its
// NSpid line (proc(5)) is "N 1", the host's number and then the container's.
TEST_P(PidNamespace, TheLoggedPidIsTheContainersPid1) {
  support::reread("Run it");
  support::Subprocess process(in_container({"/bin/sh", "-c", "echo ready; exec cat"}),
                              {.input_open = true});
  const pid_t init = running_init(process);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const std::string nspid =
      status_field(common::read_file("/proc/" + std::to_string(init) + "/status"), "NSpid");
  EXPECT_EQ(nspid, "\t" + std::to_string(init) + "\t1")
      << "the logged PID " << init << " is not PID 1 of the container";
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  expect_nothing_left_running(result);
}
PROPERTY_SINCE(PidNamespace, 06);

// --- 07: the rootfs as / -----------------------------------------------------------------

using Rootfs = StepProperty;
TEST_P(Rootfs, SlashIsTheRootfs) {
  support::reread("Goal");
  std::ofstream(rootfs() / "only-in-this-rootfs") << "this rootfs\n";
  const auto result = run_in_container({"/bin/cat", "/only-in-this-rootfs"});
  EXPECT_EQ(result.out, "this rootfs\n") << result.describe();
}
// The programs are the rootfs's now: the step says where they are, and what terminal
// the command has, and nothing else (execve(2) passes exactly this environment).
TEST_P(Rootfs, TheEnvironmentIsPathAndTermOnly) {
  support::reread("What changed");
  const auto result = run_in_container({"/usr/bin/env"}, {.extra_env = {"SECRET_TOKEN=hunter2"}});
  EXPECT_EQ(result.out, "PATH=/bin:/sbin:/usr/bin:/usr/sbin\nTERM=xterm\n") << result.describe();
}
PROPERTY_SINCE(Rootfs, 07);

// --- 08: /proc ---------------------------------------------------------------------------

using Proc = StepProperty;
TEST_P(Proc, ProcIsMountedNosuidNodevNoexec) {
  support::reread("What changed");
  const auto result = run_in_container({"/bin/cat", "/proc/self/mountinfo"});
  const std::string options = mount_options(result.out, "/proc");
  for (const char* option : {"nosuid", "nodev", "noexec"}) {
    EXPECT_TRUE(has_option(options, option)) << "/proc without " << option << "\n"
                                             << result.describe();
  }
  support::unmount_all_under(rootfs());  // steps 08-13 leave it in this test's namespace
}

TEST_P(Proc, ProcListsOnlyTheContainersProcesses) {
  support::reread("Goal");
  const auto result = run_in_container({"/bin/sh", "-c", "ls /proc | grep -c '^[0-9]'"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  // sh, ls and grep, and from step 11 the init: the host runs many more.
  EXPECT_LE(std::atoi(result.out.c_str()), 4) << result.describe();
  support::unmount_all_under(rootfs());
}
PROPERTY_SINCE(Proc, 08);

// --- 09: an init that stays ---------------------------------------------------------------

// Orphans are re-parented to PID 1 (pid_namespaces(7)), which must reap every child, not
// only the command, or each stays a zombie. The helper makes one and reaps nothing itself.
using Init = StepProperty;
TEST_P(Init, Pid1ReapsOrphans) {
  support::reread("Goal");
  add_escape_helper();
  const auto result = run_in_container({"/escape", "orphans"});
  EXPECT_EQ(result.out, "zombies=0\n") << "an orphan that ended is still a zombie\n"
                                       << result.describe();
  support::unmount_all_under(rootfs());
}
PROPERTY_SINCE(Init, 09);

// --- 10: pids cgroup (13 on: kill -9 of the step takes it away) -----------------------------

class Cgroups : public StepProperty {
 protected:
  void SetUp() override {
    StepProperty::SetUp();
    if (IsSkipped()) return;
    // From step 26 on, the cgroup goes under the step's own; on cgroup v2 that needs a
    // step started from the root cgroup (chapter 26).
    if (const std::string why = support::no_cgroup_for("pids", step_name());
        from("26") && !why.empty())
      GTEST_SKIP() << why;
  }
  // The limits --memory and --cpus ask for, where the host can give them (27 on).
  std::vector<std::string> limits() const {
    std::vector<std::string> args;
    if (!from("27")) return args;
    if (support::no_cgroup_for("memory", step_name()).empty())
      args.insert(args.end(), {"--memory", "64M"});
    if (support::no_cgroup_for("cpu", step_name()).empty())
      args.insert(args.end(), {"--cpus", "1"});
    return args;
  }
};

TEST_P(Cgroups, TheContainerRunsInAPidsCgroupOfItsOwnWithTheLimit) {
  support::reread("Goal");
  support::Subprocess process(
      in_container({"--pids-max", "7", "/bin/sh", "-c", "echo ready; exec cat"}),
      {.input_open = true});
  const pid_t init = running_init(process);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const fs::path cgroup = support::cgroup_of(init, "pids");
  EXPECT_NE(cgroup, support::own_pids_cgroup()) << "PID 1 is in the test's own cgroup";
  const std::string name = cgroup.filename();
  EXPECT_NE(name.find("-" + std::to_string(process.pid()) + "-"), std::string::npos)
      << "PID 1's cgroup " << cgroup << " is not the step's";
  std::string limit;
  std::ifstream(cgroup / "pids.max") >> limit;
  EXPECT_EQ(limit, "7") << cgroup;
  expect_nothing_left_running(process.wait(10s));
  support::unmount_all_under(rootfs());
}

// Without root, a step may run without a cgroup of its own where none was delegated to the
// user, and says so (20 on); as root, a cgroup that cannot be made is still an error, never
// a limit dropped. Root of a user namespace is euid 0 with no right to the host's cgroups.
using CgroupsAsRoot = Cgroups;
TEST_P(CgroupsAsRoot, AsRootACgroupThatCannotBeMadeStillStopsTheStep) {
  support::reread("Pitfalls");
  const auto result = support::run({"/usr/bin/unshare", "--user", "--map-root-user", program(),
                                    "--rootfs", rootfs().native(), "/bin/true"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_EQ(result.err.find("without a process limit"), std::string::npos) << result.describe();
  EXPECT_EQ(result.err.find("container started"), std::string::npos) << result.describe();
}
PROPERTY_SINCE(CgroupsAsRoot, 20);

// Without root, where no cgroup was delegated to the user, the step may run without its
// default pids limit (it says so); never without one asked for with --pids-max. From 30
// on, PID 1 enforces either with RLIMIT_NPROC instead, and says so.
using LimitAskedForRootless = Cgroups;
TEST_P(LimitAskedForRootless, ALimitAskedForIsNeverDroppedWithoutRoot) {
  support::reread("Pitfalls");
  support::ProcessOptions options;
  options.as_user = 65534;
  const auto fallback = support::run(
      {program(), "--rootfs", support::built_rootfs().native(), "/bin/true"}, 20s, options);
  EXPECT_EQ(fallback.exit_code, 0) << fallback.describe();
  EXPECT_NE(fallback.err.find(from("37") ? "PID 1 limits the container to 64 processes"
                                         : "without a process limit"),
            std::string::npos)
      << fallback.describe();
  const auto result = support::run(
      {program(), "--rootfs", support::built_rootfs().native(), "--pids-max", "9", "/bin/true"},
      20s, options);
  EXPECT_EQ(result.err.find("without a process limit"), std::string::npos) << result.describe();
  if (from("37")) {
    EXPECT_EQ(result.exit_code, 0) << result.describe();
    EXPECT_NE(result.err.find("PID 1 limits the container to 9 processes with RLIMIT_NPROC"),
              std::string::npos)
        << result.describe();
    return;
  }
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_EQ(result.err.find("container started"), std::string::npos) << result.describe();
}
PROPERTY_SINCE(LimitAskedForRootless, 20);

// From 37 on, a rootless container's pids limit holds without a cgroup: RLIMIT_NPROC,
// counted in its own user namespace. PID 1, the shell and two sleeps are --pids-max 4;
// the third sleep is refused, and root inside cannot raise the limit.
using RootlessPidsLimit = StepProperty;
TEST_P(RootlessPidsLimit, RootlessTheLimitHoldsWithoutACgroup) {
  support::reread("Goal");
  support::ProcessOptions options;
  options.as_user = 65534;
  const auto result = run_in_container(
      {"--pids-max", "4", "/bin/sh", "-c",
       "ulimit -u 1000 2>/dev/null && echo raised; for i in 1 2 3 4 5 6; do sleep 20 & echo $i; "
       "done"},
      options);
  EXPECT_EQ(result.exit_code, 2) << result.describe();
  EXPECT_EQ(result.out, "1\n2\n") << result.describe();
  EXPECT_NE(result.err.find("can't fork"), std::string::npos) << result.describe();
}
PROPERTY_SINCE(RootlessPidsLimit, 37);

// As root, a limit the kernel refuses is an error, never dropped: here the step runs in a
// mount and cgroup namespace of its own whose /sys/fs/cgroup is a tmpfs laid out as a
// cgroup tree, so the step makes its folder but finds no pids.max in it to write.
using PidsLimitAsRoot = Cgroups;
TEST_P(PidsLimitAsRoot, APidsMaxThatCannotBeWrittenStopsTheStep) {
  support::reread("Pitfalls");
  const std::string fake =
      "mount -t tmpfs fake /sys/fs/cgroup && cd /sys/fs/cgroup && mkdir pids && "
      "touch pids/cgroup.procs cgroup.procs && echo pids >cgroup.controllers && "
      "echo pids >cgroup.subtree_control && exec \"$0\" \"$@\"";
  const auto result =
      support::run({"/usr/bin/unshare", "--mount", "--cgroup", "--propagation", "private",
                    "/bin/sh", "-c", fake, program(), "--rootfs", rootfs().native(), "/bin/true"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("pids.max"), std::string::npos) << result.describe();
  EXPECT_EQ(result.err.find("without a process limit"), std::string::npos) << result.describe();
  EXPECT_EQ(result.err.find("container started"), std::string::npos) << result.describe();
}
PROPERTY_SINCE(PidsLimitAsRoot, 10);

// PID 1 can fail before its root is up: here the rootfs's /tmp is a link into a folder
// the container's root (an unprivileged uid on the host, 18 on) may not enter, so its
// tmpfs mount gets EACCES. The step says so once, exits 125, and leaves no cgroup. A
// child of clone3 with no stack of its own (30 on) goes on in main, as after fork(2): it
// must _exit(2), or it runs the step's destructors too (~Cgroup waits 2 s for the cgroup
// PID 1 itself is in, then says it could not remove it).
using Pid1Failure = Cgroups;
TEST_P(Pid1Failure, APid1ThatFailsEarlySaysWhyOnceAndLeavesNothing) {
  support::reread("Pitfalls");
  support::TempDir closed;  // mkdtemp(3): 0700, the host root's
  fs::create_directory(closed.path() / "tmp");
  fs::remove_all(rootfs() / "tmp");
  fs::create_directory_symlink(closed.path() / "tmp", rootfs() / "tmp");
  const auto result = run_in_container({"/bin/true"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  const std::string refused = "Permission denied";
  const auto first = result.err.find(refused);
  EXPECT_NE(first, std::string::npos) << result.describe();
  EXPECT_EQ(result.err.find(refused, first + 1), std::string::npos) << "said twice\n"
                                                                    << result.describe();
  EXPECT_EQ(result.err.find("could not remove"), std::string::npos) << result.describe();
  // "stepNN: cgroup /sys/fs/cgroup/... (v2, ...)", one line for each it made.
  std::istringstream lines(result.err);
  int made = 0;
  for (std::string line; std::getline(lines, line);) {
    const auto at = line.find(": cgroup /");
    if (at == std::string::npos) continue;
    const std::string dir = line.substr(at + 9, line.find(" (", at) - at - 9);
    ++made;
    EXPECT_FALSE(fs::exists(dir)) << dir << " is left\n" << result.describe();
  }
  EXPECT_GT(made, 0) << result.describe();
}
PROPERTY_SINCE(Pid1Failure, 19);

PROPERTY_SINCE(Cgroups, 10);

// --- 28: threaded controllers beside other processes --------------------------------------

// On cgroup v2 from a cgroup with other processes in it (a desktop's session scope; make
// test-hosts' desktop layout), steps 26 and 27 refuse to run as root; from 28 on the
// container's cgroup is threaded, and its limit holds.
using ThreadedCgroups = Cgroups;
TEST_P(ThreadedCgroups, BesideOtherProcessesThePidsLimitStillHolds) {
  support::reread("What changed");
  const common::CgroupParent own = common::find_cgroup_parents({"pids"}).front();
  if (own.version != 2 || own.is_root) GTEST_SKIP() << "the step starts in a root cgroup, or on v1";
  const auto result = run_in_container(
      {"--pids-max", "3", "/bin/sh", "-c", "sleep 1 & sleep 1 & sleep 1 & sleep 1 & wait"});
  // From 42 on, with its default memory limit, the container's cgroup is a domain one higher
  // up wherever memory is handed down (MemoryBesideOtherProcesses); else a threaded one.
  const bool domain = from("42") && support::no_cgroup_for("memory", step_name()).empty();
  EXPECT_NE(result.err.find(domain ? "hands memory down" : "v2, threaded"), std::string::npos)
      << result.describe();
  EXPECT_NE(result.err.find("the pids limit refused"), std::string::npos) << result.describe();
}
PROPERTY_SINCE(ThreadedCgroups, 28);

// --- 29: memory beside other processes ---------------------------------------------------

// There, with --memory (refused in 26), the container's cgroup is from 29 on a domain one
// higher up (where memory is handed down), and every limit holds in it; the Janitor rows
// (whose limits() include --memory here from 29 on) check that kill -9 of the step leaves
// no cgroup there either.
using MemoryBesideOtherProcesses = Cgroups;
TEST_P(MemoryBesideOtherProcesses, EveryLimitHoldsWithMemoryBesideOtherProcesses) {
  support::reread("Pitfalls");
  const common::CgroupParent own = common::find_cgroup_parents({"pids"}).front();
  if (own.version != 2 || own.is_root) GTEST_SKIP() << "the step starts in a root cgroup, or on v1";
  if (const std::string why = support::no_cgroup_for("memory", step_name()); !why.empty())
    GTEST_SKIP() << why;
  const auto cpus = run_in_container({"--memory", "16M", "--cpus", "0.5", "/bin/true"});
  EXPECT_EQ(cpus.exit_code, 0) << cpus.describe();
  EXPECT_NE(cpus.err.find("the nearest cgroup that hands memory down"), std::string::npos)
      << cpus.describe();
  const auto pids = run_in_container({"--memory", "16M", "--pids-max", "5", "/bin/sh", "-c",
                                      "for i in 1 2 3 4 5 6; do sleep 1 & done; wait"});
  EXPECT_NE(pids.err.find("the pids limit refused"), std::string::npos) << pids.describe();
  expect_killed_by_memory_limit(step_name());
}
PROPERTY_SINCE(MemoryBesideOtherProcesses, 29);

// From 27 on the default pids limit fits an interactive shell and its jobs (the article's
// 5 does not: a shell and five background sleeps are six), and still is one: 64.
using DefaultPidsLimit = Cgroups;
TEST_P(DefaultPidsLimit, TheDefaultLimitFitsAShellWithJobs) {
  support::reread("Goal");
  // Ten jobs, each alive until the test closes the step's stdin (fd 3: a job's own stdin
  // would be /dev/null, as the shell gives a job of a script).
  support::Subprocess process(in_container({"/bin/sh", "-c",
                                            "exec 3<&0; for i in 1 2 3 4 5 6 7 8 9 10; do cat <&3 "
                                            "& done; echo ready; wait"}),
                              {.input_open = true});
  const pid_t init = running_init(process);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const fs::path cgroup = support::cgroup_of(init, "pids");
  EXPECT_EQ(common::read_file(cgroup / "pids.max"), "64\n") << cgroup;
  const auto result = process.wait(20s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.err.find("refused"), std::string::npos) << result.describe();
  expect_nothing_left_running(result);
}
PROPERTY_SINCE(DefaultPidsLimit, 27);

// --- 13: the janitor ---------------------------------------------------------------------

using Janitor = Cgroups;
TEST_P(Janitor, KillNineOfTheStepRemovesEveryCgroupItMade) {
  support::reread("Pitfalls");
  std::vector<std::string> args = limits();
  args.insert(args.end(), {"/bin/sh", "-c", "echo ready; sleep 30"});
  support::Subprocess process(in_container(args));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const auto made = support::cgroups_of({process.pid()});
  // One cgroup for all controllers on cgroup v2; one per hierarchy (controller) on v1.
  const bool one_hierarchy = fs::exists("/sys/fs/cgroup/cgroup.controllers");
  EXPECT_EQ(made.size(), one_hierarchy ? 1 : 1 + (args.size() - 3) / 2)
      << "a cgroup per hierarchy of a controller asked for\n"
      << process.so_far().describe();
  process.signal(SIGKILL);
  process.wait(10s);
  bool gone = false;
  for (int i = 0; i < 250 && !gone; ++i) {
    gone = support::cgroups_of({process.pid()}).empty();
    if (!gone) std::this_thread::sleep_for(20ms);
  }
  // Cgroups left mean PID 1 runs on in them: no use waiting 5 s more for it to be reaped
  // (TearDown kills what is left, and the rootfs copy unmounts its /proc).
  ASSERT_TRUE(gone) << "5 s after kill -9 of the step, its cgroups remain: "
                    << support::cgroups_of({process.pid()}).front();
  support::reap_orphans(5s);
  support::unmount_all_under(rootfs());
}
// PID 1 dies with the step even when nothing else kills it: its parent-death signal
// (prctl(2), PR_SET_PDEATHSIG). The janitor, which would empty the cgroup, is killed first.
TEST_P(Janitor, Pid1DiesWithTheStepOnItsOwn) {
  support::reread("What changed");
  support::Subprocess process(in_container({"/bin/sh", "-c", "echo ready; sleep 30"}));
  const pid_t init = running_init(process);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const std::string children = "/proc/" + std::to_string(process.pid()) + "/task/" +
                               std::to_string(process.pid()) + "/children";
  std::istringstream pids(common::read_file(children));
  for (pid_t child; pids >> child;) {
    if (child != init) ::kill(child, SIGKILL);  // the janitor
  }
  std::this_thread::sleep_for(100ms);
  // The step alone: PID 1 is re-parented to this test (a subreaper), which waits for it
  // before the harness kills whatever is left of the step's process group.
  process.signal(SIGKILL);
  EXPECT_TRUE(support::reaped_within(init, 3s)) << "PID 1 outlived the step by 3 s";
  process.wait(10s);
  support::reap_orphans(5s);
  support::remove_cgroups_of({process.pid()});  // the janitor's work, done here
  support::unmount_all_under(rootfs());
}
PROPERTY_SINCE(Janitor, 13);

// --- 12: the terminal --------------------------------------------------------------------

// A shell on a terminal reads what is typed only in the terminal's foreground process
// group: any other reader is stopped by SIGTTIN (credentials(7), termios(3)). From step
// 11 on the command is not in the step's group (PID 1's, then from 12 its own), so the
// step must hand it the terminal (tcsetpgrp), or an interactive shell hangs.
using Terminal = StepProperty;
TEST_P(Terminal, TheCommandStillReadsTheTerminal) {
  support::reread("What changed");
  support::Subprocess process(container({"/bin/sh", "-c", "read line; echo \"got-$line\""}),
                              {.input = "typed\n", .terminal = true});
  const bool read = process.wait_for_output("got-typed", 5s);
  const auto result = process.wait(read ? 10s : 0s);
  EXPECT_TRUE(read) << "what was typed never reached the command (stopped by SIGTTIN?)\n"
                    << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  support::unmount_all_under(rootfs());
}
PROPERTY_SINCE(Terminal, 12);

// --- 14: mount namespace, private -------------------------------------------------------

// A rootfs on a mount of its own that is shared, as a tmpfs /tmp under systemd is: a
// mount namespace whose mounts are private only at / still propagates the container's
// /proc back to it (mount_namespaces(7), "Shared subtrees"; MS_REC).
using Mounts = StepProperty;
TEST_P(Mounts, NothingPropagatesBackFromASharedSubmount) {
  support::reread("What changed");
  support::TempDir shared;
  shared.open_to_everyone();
  ASSERT_EQ(::mount("tmpfs", shared.path().c_str(), "tmpfs", 0, "mode=755"), 0)
      << std::strerror(errno);
  ASSERT_EQ(::mount(nullptr, shared.path().c_str(), nullptr, MS_SHARED, nullptr), 0)
      << std::strerror(errno);
  const fs::path copy = shared.path() / "rootfs";
  const auto copied = support::run(
      {"/bin/cp", "-a", "--one-file-system", support::built_rootfs().native(), copy.native()}, 60s);
  ASSERT_EQ(copied.exit_code, 0) << copied.describe();
  // While the container runs: PID 1 unmounts its /proc as it ends, and an unmount
  // propagates too.
  support::Subprocess process(
      in_container({"--rootfs", copy.native(), "/bin/sh", "-c", "echo ready; exec cat"}),
      {.input_open = true});
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const auto left = support::mounts_under(copy);
  EXPECT_TRUE(left.empty()) << "the container's mount reached the host: " << left.front();
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  expect_nothing_left_running(result);
  support::unmount_all_under(shared.path());
  expect_no_mounts_left();
}
PROPERTY_SINCE(Mounts, 14);

// --- 17: /dev ----------------------------------------------------------------------------

using Dev = StepProperty;
TEST_P(Dev, DevHoldsNoDevicesOrSetuidPrograms) {
  support::reread("What changed");
  const auto result = run_in_container({"/bin/cat", "/proc/self/mountinfo"});
  for (const std::string point : {"/dev", "/dev/pts"}) {
    const std::string options = mount_options(result.out, point);
    EXPECT_FALSE(options.empty()) << point << " is not mounted\n" << result.describe();
    for (const std::string flag : {"nosuid", "noexec"})
      EXPECT_TRUE(has_option(options, flag)) << point << " without " << flag;
  }
}

TEST_P(Dev, DevHoldsOnlyTheUsualDevices) {
  support::reread("Goal");
  const auto result = run_in_container({"/bin/ls", "/dev"});
  const std::string mqueue = from("36") ? "mqueue\n" : "";  // the IPC namespace's queues
  const std::string shm = from("18") ? "shm\n" : "";  // a tmpfs of its own (step 18)
  EXPECT_EQ(result.out, "fd\nfull\n" + mqueue + "null\nptmx\npts\nrandom\n" + shm +
                            "stderr\nstdin\nstdout\ntty\nurandom\nzero\n")
      << result.describe();
}
PROPERTY_SINCE(Dev, 17);

// --- 18: /tmp and /dev/shm ---------------------------------------------------------------

using Tmp = StepProperty;
TEST_P(Tmp, TmpAndShmHoldNoDevicesOrSetuidPrograms) {
  support::reread("What changed");
  const auto result = run_in_container({"/bin/cat", "/proc/self/mountinfo"});
  const std::vector<std::pair<std::string, std::vector<std::string>>> expected = {
      {"/dev/shm", {"nosuid", "nodev", "noexec"}}, {"/tmp", {"nosuid", "nodev"}}};
  for (const auto& [point, flags] : expected) {
    const std::string options = mount_options(result.out, point);
    EXPECT_FALSE(options.empty()) << point << " is not mounted\n" << result.describe();
    for (const std::string& flag : flags)
      EXPECT_TRUE(has_option(options, flag)) << point << " without " << flag;
  }
}

TEST_P(Tmp, EachTmpfsHasASizeAWriterCannotPass) {
  support::reread("Pitfalls");
  // The attacker's side: 80 MiB into /tmp. Unsized, it takes them from the host's RAM.
  const auto result = run_in_container(
      {"/bin/sh", "-c", "dd if=/dev/zero of=/tmp/big bs=1M count=80 2>&1; df -k /tmp /dev/shm"});
  EXPECT_NE(result.out.find("No space left on device"), std::string::npos) << result.describe();
  EXPECT_EQ(df_kilobytes(result.out, "/tmp"), 64 * 1024) << result.describe();
  EXPECT_EQ(df_kilobytes(result.out, "/dev/shm"), 64 * 1024) << result.describe();
}
PROPERTY_SINCE(Tmp, 18);

// --- 19: user namespace ------------------------------------------------------------------

using UserNamespace = StepProperty;
TEST_P(UserNamespace, RootInsideIsAnUnprivilegedUserOutside) {
  support::reread("Goal");
  support::Subprocess process(container({"/bin/sh", "-c", "echo ready; exec cat"}),
                              {.input_open = true});
  const pid_t init = running_init(process);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const std::string status = common::read_file("/proc/" + std::to_string(init) + "/status");
  unsigned id = 0;
  std::sscanf(status_field(status, "Uid").c_str(), "%u", &id);
  EXPECT_TRUE(is_container_root(id)) << status;
  const std::string ids = "\t" + std::to_string(id);
  EXPECT_EQ(status_field(status, "Uid"), ids + ids + ids + ids) << status;
  EXPECT_EQ(status_field(status, "Gid"), ids + ids + ids + ids) << status;
  expect_nothing_left_running(process.wait(10s));
}

// The groups of the user who started the step would follow the container's processes
// (shown inside as the overflow group, 65534): setgroups(2) drops them.
TEST_P(UserNamespace, TheCallersGroupsStayOutside) {
  support::reread("What changed");
  const auto result =
      run_in_container({"/bin/sh", "-c", "grep Groups: /proc/self/status"}, {.groups = {4, 27}});
  EXPECT_EQ(result.out, "Groups:\t \n") << "proc(5) lists each group followed by a space\n"
                                        << result.describe();
}

PROPERTY_SINCE(UserNamespace, 19);

// Run as root, the container's root is uid 2000000000 on the host, and PID 1 mounts the
// rootfs as that user: a rootfs in a home folder of mode 0750 (Ubuntu's) is out of its
// reach. The step refuses it first, naming the folder and the fix, before anything exists.
using RootfsReach = StepProperty;
TEST_P(RootfsReach, ARootfsTheContainersRootCannotReachIsRefusedFirst) {
  support::reread("Pitfalls");
  support::TempDir home;  // mkdtemp(3): 0700, the host root's
  ::chmod(home.path().c_str(), 0750);
  for (const char* folder : {"rootfs", "rootfs/proc", "rootfs/dev", "rootfs/tmp"})
    fs::create_directory(home.path() / folder);
  const auto result =
      support::run({program(), "--rootfs", (home.path() / "rootfs").native(), "/bin/true"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("may not pass through " + home.path().native() + " (mode 0750"),
            std::string::npos)
      << result.describe();
  EXPECT_NE(result.err.find("chmod o+x " + home.path().native()), std::string::npos)
      << result.describe();
  EXPECT_EQ(result.err.find("container started"), std::string::npos) << result.describe();
  EXPECT_EQ(result.err.find(": cgroup /"), std::string::npos) << result.describe();
}
PROPERTY_SINCE(RootfsReach, 19);

// --- 20: rootless ------------------------------------------------------------------------

using Rootless = StepProperty;
// Where unprivileged user namespaces are off (here user.max_user_namespaces 0, as some
// hardened hosts set it; Debian's kernel.unprivileged_userns_clone and Ubuntu's AppArmor
// are read the same way), the rootless step stops with 125 and one line that names the
// setting and how to lift it, never a bare errno.
TEST_P(Rootless, WithUserNamespacesOffTheStepNamesTheSettingAndTheFix) {
  support::reread("Pitfalls");
  const auto result =
      run_in_container({"/bin/true"}, {.as_user = 65534, .user_namespaces_off = true});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("user.max_user_namespaces is 0"), std::string::npos)
      << result.describe();
  EXPECT_NE(result.err.find("sudo sysctl -w user.max_user_namespaces="), std::string::npos)
      << result.describe();
  EXPECT_EQ(result.err.find("container started"), std::string::npos) << result.describe();
}
PROPERTY_SINCE(Rootless, 20);

// --- 21: capabilities --------------------------------------------------------------------

// Docker's default set, as the kernel's bit mask: CHOWN 0, DAC_OVERRIDE 1, FOWNER 3,
// FSETID 4, KILL 5, SETGID 6, SETUID 7, SETPCAP 8, NET_BIND_SERVICE 10, NET_RAW 13,
// SYS_CHROOT 18, MKNOD 27, AUDIT_WRITE 29, SETFCAP 31.
constexpr const char* kDockerDefault = "00000000a80425fb";

using Capabilities = StepProperty;
TEST_P(Capabilities, TheCommandHoldsDockersFourteenAndNoMore) {
  support::reread("Goal");
  const auto result = run_in_container({"/bin/sh", "-c", "grep Cap /proc/self/status"});
  EXPECT_EQ(result.out, std::string("CapInh:\t0000000000000000\nCapPrm:\t") + kDockerDefault +
                            "\nCapEff:\t" + kDockerDefault + "\nCapBnd:\t" + kDockerDefault +
                            "\nCapAmb:\t0000000000000000\n")
      << result.describe();
}

TEST_P(Capabilities, NoNewPrivileges) {
  support::reread("What changed");
  const auto result = run_in_container({"/bin/sh", "-c", "grep NoNewPrivs /proc/self/status"});
  EXPECT_EQ(result.out, "NoNewPrivs:\t1\n") << result.describe();
}
PROPERTY_SINCE(Capabilities, 21);

// --- 23: seccomp -------------------------------------------------------------------------

// Each refused call, made by the attacker's helper with arguments that fail otherwise
// where it is allowed (EscapeHelper below shows that on the host): mounts and namespaces
// (23 on), then the rest of the list, close to Docker's (24 on).
const std::vector<std::string> kRefusedCalls = {"mount", "umount2", "pivot_root", "unshare",
                                                "setns"};
const std::vector<std::string> kRefusedCallsOfTheList = {
    // clang-format off
    "keyctl", "add_key", "request_key", "ptrace", "bpf", "perf_event_open", "open_by_handle_at",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot",
    "swapon", "swapoff", "acct", "fsopen", "fsconfig", "fsmount", "fspick", "open_tree",
    "move_mount", "mount_setattr", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "userfaultfd",
    // clang-format on
};
// And those refused for their arguments (25 on): a namespace flag, a terminal request, a
// socket family, a persona.
const std::vector<std::string> kRefusedArguments = {
    // clang-format off
    "clone_newuts", "clone_newuser", "clone_newns", "clone_newpid", "clone_newnet", "clone_newipc",
    "clone_newcgroup", "ioctl_tiocsti", "ioctl_tioclinux", "socket_vsock", "personality",
    // clang-format on
};

// `/escape syscall CALL` for each call in one container: "CALL errno=NAME" lines.
std::string calls_script(const std::vector<std::string>& calls) {
  std::string script = "for call in";
  for (const std::string& call : calls) script += " " + call;
  return script + "; do echo \"$call $(/escape syscall $call)\"; done";
}

using Seccomp = StepProperty;
TEST_P(Seccomp, TheCommandRunsUnderAFilter) {
  support::reread("Goal");
  const auto result =
      run_in_container({"/bin/sh", "-c", "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status"});
  EXPECT_EQ(result.out, "NoNewPrivs:\t1\nSeccomp:\t2\n") << "2 means a filter (proc(5))\n"
                                                         << result.describe();
}

TEST_P(Seccomp, EachRefusedCallGetsEperm) {
  support::reread("What changed");
  add_escape_helper();
  const auto result = run_in_container({"/bin/sh", "-c", calls_script(kRefusedCalls)});
  std::string expected;
  for (const std::string& call : kRefusedCalls) expected += call + " errno=EPERM\n";
  EXPECT_EQ(result.out, expected) << result.describe();
}

TEST_P(Seccomp, OrdinaryCallsStillPass) {
  support::reread("What changed");
  add_escape_helper();
  const auto result =
      run_in_container({"/bin/sh", "-c", calls_script({"clone_plain", "ioctl_fionread"})});
  EXPECT_EQ(result.out, "clone_plain errno=EINVAL\nioctl_fionread errno=EBADF\n")
      << "calls the filter does not refuse must reach the kernel\n"
      << result.describe();
}

// The same call through x86-64's 32-bit x86 ABI has another number, which the filter's
// list does not hold: it is killed by the architecture check.
TEST_P(Seccomp, A32BitCallIsKilledByTheArchitectureCheck) {
  support::reread("Pitfalls");
#if !defined(__x86_64__)
  GTEST_SKIP() << "32-bit x86 is an ABI of x86-64";
#endif
  // Some kernels run no 32-bit code at all (IA32 emulation off, some virtual machines):
  // int $0x80 then faults (SIGSEGV) on the host too, and there is nothing to filter.
  const auto host = support::run({ESCAPE_PROGRAM, "syscall", "keyctl_i386"});
  if (!host.out.starts_with("errno=")) {
    GTEST_SKIP() << "this kernel runs no 32-bit system call (int $0x80 ends the helper with status "
                 << host.exit_code << " on the host): the architecture check cannot be tried here";
  }
  add_escape_helper();
  const auto i386 = run_in_container({"/escape", "syscall", "keyctl_i386"});
  EXPECT_EQ(i386.exit_code, 128 + SIGSYS) << "a 32-bit call must kill the command (SIGSYS)\n"
                                          << i386.describe();
  EXPECT_EQ(i386.out, "") << i386.describe();
}
PROPERTY_SINCE(Seccomp, 23);

// --- 24: seccomp, the full list ----------------------------------------------------------

using SeccompCalls = StepProperty;
TEST_P(SeccompCalls, EachCallOfTheListGetsEperm) {
  support::reread("What changed");
  add_escape_helper();
  const auto result = run_in_container({"/bin/sh", "-c", calls_script(kRefusedCallsOfTheList)});
  std::string expected;
  for (const std::string& call : kRefusedCallsOfTheList) expected += call + " errno=EPERM\n";
  EXPECT_EQ(result.out, expected) << result.describe();
}

// x32 shares x86-64's architecture value, with its own numbers (bit 30 set), which the
// list does not hold: they are all refused.
TEST_P(SeccompCalls, CallsThroughX32AreRefused) {
  support::reread("Pitfalls");
#if !defined(__x86_64__)
  GTEST_SKIP() << "x32 is an ABI of x86-64";
#endif
  add_escape_helper();
  const auto x32 = run_in_container({"/escape", "syscall", "keyctl_x32"});
  EXPECT_EQ(x32.out, "errno=EPERM\n") << x32.describe();
}
PROPERTY_SINCE(SeccompCalls, 24);

// --- 25: seccomp, by argument ------------------------------------------------------------

using SeccompArguments = StepProperty;
TEST_P(SeccompArguments, EachRefusedArgumentGetsEperm) {
  support::reread("What changed");
  add_escape_helper();
  const auto result = run_in_container({"/bin/sh", "-c", calls_script(kRefusedArguments)});
  std::string expected;
  for (const std::string& call : kRefusedArguments) expected += call + " errno=EPERM\n";
  EXPECT_EQ(result.out, expected) << result.describe();
}

TEST_P(SeccompArguments, Clone3GetsEnosys) {
  support::reread("What changed");
  add_escape_helper();
  const auto result = run_in_container({"/bin/sh", "-c", calls_script({"clone3"})});
  EXPECT_EQ(result.out, "clone3 errno=ENOSYS\n")
      << "clone3's flags are in memory the filter cannot read: ENOSYS, so that glibc falls back "
         "to clone, whose flags it checks\n"
      << result.describe();
}
PROPERTY_SINCE(SeccompArguments, 25);

// On the host, every call of the tables above fails with another errno than EPERM: so an
// EPERM inside is the filter's (or the missing capability's), not the arguments'.
TEST(EscapeHelper, TheRefusedCallsFailOtherwiseOnTheHost) {
  std::vector<std::string> calls = kRefusedCalls;
  calls.insert(calls.end(), kRefusedCallsOfTheList.begin(), kRefusedCallsOfTheList.end());
  calls.insert(calls.end(), kRefusedArguments.begin(), kRefusedArguments.end());
  for (const std::string& call : calls) {
    const auto outside = support::run({ESCAPE_PROGRAM, "syscall", call});
    // personality(2) cannot fail: it answers the old persona.
    EXPECT_TRUE(outside.out.starts_with("errno=") || call == "personality") << call << "\n"
                                                                            << outside.describe();
    if (support::is_root()) {
      EXPECT_NE(outside.out, "errno=EPERM\n") << call << "\n" << outside.describe();
    }
  }
}

// --- 27: memory and CPU limits -----------------------------------------------------------

using Limits = StepProperty;
// From a v2 cgroup with processes in it (a desktop's session scope) no memory limit can be
// had under it: --memory is refused with the reason, never dropped (pids and cpu, threaded
// controllers, still are limited there: the Cgroups and Janitor rows run there too).
TEST_P(Limits, AMemoryLimitThatCannotBeHadIsRefusedNotDropped) {
  support::reread("Pitfalls");
  const std::string no_memory = support::no_cgroup_for("memory", step_name());
  if (no_memory.empty()) GTEST_SKIP() << "a memory cgroup can be had here";
  const auto result = run_in_container({"--memory", "16M", "/bin/true"});
  EXPECT_EQ(result.exit_code, 125) << no_memory << "\n" << result.describe();
  EXPECT_EQ(result.err.find("container started"), std::string::npos) << result.describe();
  // Refused as a limit that cannot be had, not as an option the step does not know.
  EXPECT_EQ(result.err.find("(try --help)"), std::string::npos) << result.describe();
}
TEST_P(Limits, MemoryAndCpuLimitsAreWritten) {
  support::reread("What changed");
  const std::string no_memory = support::no_cgroup_for("memory", step_name());
  const std::string no_cpu = support::no_cgroup_for("cpu", step_name());
  if (!no_memory.empty() || !no_cpu.empty()) GTEST_SKIP() << no_memory << no_cpu;
  support::Subprocess process(
      container({"--memory", "16M", "--cpus", "0.5", "/bin/sh", "-c", "echo ready; exec cat"}),
      {.input_open = true});
  const pid_t init = running_init(process);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const fs::path memory = support::cgroup_of(init, "memory");
  const fs::path cpu = support::cgroup_of(init, "cpu");
  // Each controller in its own version: a hybrid host may have memory on v2, cpu on v1.
  EXPECT_EQ(support::memory_limit_of(memory), "16777216\n") << memory;
  const bool cpu_v2 = fs::exists(cpu / "cpu.max");
  EXPECT_EQ(common::read_file(cpu / (cpu_v2 ? "cpu.max" : "cpu.cfs_quota_us")),
            cpu_v2 ? "50000 100000\n" : "50000\n")
      << cpu;
  expect_nothing_left_running(process.wait(10s));
}
PROPERTY_SINCE(Limits, 27);

// --- 31: network namespace; 24: --net ---------------------------------------------------

// A network namespace of its own: no device of the host's, only a loopback of its own,
// up (busybox's ip prints the flags by name; IFF_UP, netdevice(7)). With --net (32 on),
// eth0 too.
using Network = StepProperty;
TEST_P(Network, OnlyItsOwnLoopbackAndItIsUp) {
  support::reread("What changed");
  const auto result = run_in_container(
      {"/bin/sh", "-c", "readlink /proc/self/ns/net; ip -o link show | cut -d' ' -f2,3"});
  const std::string host = fs::read_symlink("/proc/self/ns/net").native();
  EXPECT_FALSE(result.out.starts_with(host + "\n"))
      << "the host's network namespace " << host << "\n"
      << result.describe();
  const std::string devices = result.out.substr(result.out.find('\n') + 1);
  EXPECT_TRUE(devices.starts_with("lo: <LOOPBACK,UP")) << result.describe();
  EXPECT_EQ(std::count(devices.begin(), devices.end(), '\n'), 1) << "devices of the host's\n"
                                                                 << result.describe();
  if (from("32")) {
    const auto with_net =
        run_in_container({"--net", "/bin/sh", "-c", "ip link show lo; ip link show eth0"});
    EXPECT_NE(with_net.out.find("lo: <LOOPBACK,UP"), std::string::npos) << with_net.describe();
    EXPECT_NE(with_net.out.find("eth0@"), std::string::npos) << with_net.describe();
  }
}
PROPERTY_SINCE(Network, 31);

// --- 33: the rootfs through the id map ---------------------------------------------------

using IdmappedRootfs = StepProperty;
TEST_P(IdmappedRootfs, RootInsideOwnsTheRootfsFiles) {
  support::reread("Goal");
  const auto result =
      run_in_container({"/bin/sh", "-c", "ls -lnd /bin/busybox /etc | awk '{print $3 \":\" $4}'"});
  EXPECT_EQ(result.out, "0:0\n0:0\n") << result.describe();
}

// A rootfs given through a symbolic link, as a learner's may be: the idmapped mount goes
// where the link leads, as a bind mount would (move_mount(2), MOVE_MOUNT_T_SYMLINKS).
TEST_P(IdmappedRootfs, StillARootfsGivenThroughASymlinkWorks) {
  support::reread("Goal");
  const fs::path link = rootfs().parent_path() / "rootfs-link";
  fs::create_directory_symlink(rootfs(), link);
  for (const std::optional<uid_t> user : {std::optional<uid_t>(), std::optional<uid_t>(65534)}) {
    const auto result =
        support::run(step({"--rootfs", link.native(), "/bin/echo", "ok"}), 20s, {.as_user = user});
    EXPECT_EQ(result.out, "ok\n") << result.describe();
    EXPECT_EQ(result.exit_code, 0) << result.describe();
  }
}
PROPERTY_SINCE(IdmappedRootfs, 33);

// --- 34: overlay -------------------------------------------------------------------------

using Overlay = StepProperty;
TEST_P(Overlay, TheRootfsNeverChanges) {
  support::reread("Goal");
  std::ofstream(rootfs() / "etc" / "marker") << "kept\n";
  const auto result =
      run_in_container({"/bin/sh", "-c", "rm /etc/marker && echo x > /planted && ls /etc/marker"});
  EXPECT_NE(result.exit_code, 0) << "the container should see its own deletion\n"
                                 << result.describe();
  EXPECT_TRUE(fs::exists(rootfs() / "etc" / "marker"))
      << "the container deleted a file of the rootfs";
  EXPECT_FALSE(fs::exists(rootfs() / "planted")) << "the container wrote into the rootfs";
}
TEST_P(Overlay, TheUpperLayerHasASize) {
  support::reread("What changed");
  // overlayfs reports its upper layer's file system (statfs(2) on /): the sized tmpfs.
  const auto result = run_in_container({"/bin/df", "-k", "/"});
  EXPECT_EQ(df_kilobytes(result.out, "/"), 256 * 1024) << result.describe();
}
PROPERTY_SINCE(Overlay, 34);

// --- 35: a kept layer --------------------------------------------------------------------

// --keep DIR as root: a folder of root's own is used (and its layers given to root
// inside); one another user prepared, with a link planted in it, or in a folder others
// may write, is refused, and the link's target never changes hands.
using KeptLayer = StepProperty;
TEST_P(KeptLayer, KeepTakesOnlyAFolderNoOtherUserCouldPrepare) {
  support::reread("Pitfalls");
  support::TempDir place;
  place.open_to_everyone();
  const fs::path own = place.path() / "own";
  const auto used =
      run_in_container({"--keep", own.native(), "/bin/sh", "-c", "echo kept > /kept"});
  EXPECT_EQ(used.exit_code, 0) << used.describe();
  struct stat upper {};
  ASSERT_EQ(::stat((own / "upper" / "kept").c_str(), &upper), 0) << used.describe();
  EXPECT_TRUE(is_container_root(upper.st_uid)) << upper.st_uid;

  // nobody's folder, with upper -> a folder of root's (as /etc would be).
  const fs::path victim = place.path() / "victim", planted = place.path() / "planted";
  fs::create_directory(victim);
  fs::create_directory(planted);
  ASSERT_EQ(::chown(planted.c_str(), 65534, 65534), 0);
  fs::create_directory_symlink(victim, planted / "upper");
  const auto refused =
      run_in_container({"--keep", planted.native(), "/bin/sh", "-c", "echo x > /planted"});
  EXPECT_EQ(refused.exit_code, 125) << refused.describe();
  struct stat target {};
  ASSERT_EQ(::stat(victim.c_str(), &target), 0);
  EXPECT_EQ(target.st_uid, 0u) << "the link's target was given to the container";
  EXPECT_FALSE(fs::exists(victim / "planted")) << "the container wrote through the planted link";

  // A folder of root's in a folder anyone may write, without the sticky bit.
  const fs::path open = place.path() / "open";
  fs::create_directory(open);
  fs::permissions(open, fs::perms::all);
  const auto exposed = run_in_container({"--keep", (open / "layer").native(), "/bin/true"});
  EXPECT_EQ(exposed.exit_code, 125) << exposed.describe();
}
PROPERTY_SINCE(KeptLayer, 35);

// --- 36: IPC namespace -------------------------------------------------------------------

// This test's IPC namespace (isolate_test_process()) is the host's for the step: the
// System V objects in it, as /proc/sysvipc lists them (proc(5)).
std::string sysv_ipc_objects() {
  std::string all;
  for (const char* kind : {"shm", "msg", "sem"})
    all += common::read_file(fs::path("/proc/sysvipc") / kind);
  return all;
}

// The objects `/escape make_ipc KEY NAME` makes, found in the host's IPC namespace (and
// removed there, so that a failing step leaves nothing).
std::vector<std::string> remove_ipc_objects(key_t key, const std::string& name) {
  std::vector<std::string> found;
  if (const int id = ::shmget(key, 0, 0); id != -1 && ::shmctl(id, IPC_RMID, nullptr) == 0)
    found.push_back("System V shared memory");
  if (const int id = ::msgget(key, 0); id != -1 && ::msgctl(id, IPC_RMID, nullptr) == 0)
    found.push_back("System V message queue");
  if (const int id = ::semget(key, 0, 0); id != -1 && ::semctl(id, 0, IPC_RMID) == 0)
    found.push_back("System V semaphores");
  if (::mq_unlink(name.c_str()) == 0) found.push_back("POSIX message queue " + name);
  return found;
}

// What the container makes stays in its IPC namespace, which ends with its last process:
// after a normal end, and after kill -9 of the step while the maker still runs.
using Ipc = StepProperty;
TEST_P(Ipc, TheContainersIpcObjectsEndWithItAlsoAfterKillNine) {
  support::reread("Goal");
  add_escape_helper();
  const std::string before = sysv_ipc_objects();
  const key_t key = 0x25000000 + (::getpid() & 0xffff);
  const std::string name = "/property-test-" + std::to_string(::getpid());
  const auto made = run_in_container({"/escape", "make_ipc", std::to_string(key), name});
  EXPECT_EQ(made.exit_code, 0) << made.describe();
  EXPECT_EQ(sysv_ipc_objects(), before) << made.describe();
  EXPECT_EQ(remove_ipc_objects(key, name), std::vector<std::string>{})
      << "left on the host after the container ended";

  support::Subprocess process(
      in_container({"/escape", "make_ipc", std::to_string(key), name, "wait"}));
  ASSERT_TRUE(process.wait_for_output("made shm", 10s)) << process.so_far().describe();
  process.signal(SIGKILL);
  process.wait(10s);
  support::reap_orphans(5s);
  EXPECT_EQ(sysv_ipc_objects(), before);
  EXPECT_EQ(remove_ipc_objects(key, name), std::vector<std::string>{})
      << "left on the host after kill -9 of the step";
  // The janitor removes the cgroups (step 13); give it the time it takes.
  for (int i = 0; i < 250 && !support::cgroups_of({process.pid()}).empty(); ++i)
    std::this_thread::sleep_for(20ms);
  support::unmount_all_under(rootfs());
}
PROPERTY_SINCE(Ipc, 36);

// --- 38: masked and read-only /proc paths ------------------------------------------------

// Docker's masked paths read empty or list nothing, where this kernel has them (the
// container's is the same), and /proc/sys refuses writes with EROFS even where root
// inside owns the sysctl: its own IPC namespace's kernel.shmmax, which steps 36 and 37 let
// it write. As root and as nobody.
using MaskedProc = StepProperty;
TEST_P(MaskedProc, MaskedPathsReadEmptyAndProcSysRefusesWrites) {
  support::reread("Goal");
  std::string script = "cat /proc/interrupts /proc/keys";
  for (const char* file : {"/proc/kcore", "/proc/timer_list", "/proc/sched_debug"})
    if (fs::exists(file)) script += std::string("; cat ") + file;
  for (const char* folder : {"/proc/acpi", "/proc/asound", "/proc/scsi"})
    if (fs::is_directory(folder)) script += std::string("; ls -A ") + folder;
  script +=
      "; v=$(cat /proc/sys/kernel/shmmax) && echo $v >/proc/sys/kernel/shmmax && echo written";
  for (const bool rootless : {false, true}) {
    support::ProcessOptions options;
    if (rootless) options.as_user = 65534;
    const auto result = run_in_container({"/bin/sh", "-c", script}, options);
    EXPECT_EQ(result.out, "") << (rootless ? "as nobody\n" : "as root\n") << result.describe();
    EXPECT_NE(result.err.find("/proc/sys/kernel/shmmax: Read-only file system"), std::string::npos)
        << (rootless ? "as nobody\n" : "as root\n") << result.describe();
  }
}
PROPERTY_SINCE(MaskedProc, 38);

// --- 39: host ids of its own ------------------------------------------------------------

// The attacker's side: two root-run containers at once have host ids of their own, and a
// host process with one's ids (a set-user-ID file it made, run on the host) cannot kill
// the other's PID 1.
using IdRanges = StepProperty;
TEST_P(IdRanges, OneContainersIdsCannotKillAnothersProcesses) {
  support::reread("Goal");
  const std::vector<std::string> sleeper = {"/bin/sh", "-c", "echo ready; exec cat"};
  support::Subprocess attacker(container(sleeper), {.input_open = true}),
      victim(container(sleeper), {.input_open = true});
  const pid_t from = running_init(attacker), to = running_init(victim);
  ASSERT_GT(from, 0) << attacker.so_far().describe();
  ASSERT_GT(to, 0) << victim.so_far().describe();
  EXPECT_TRUE(is_container_root(support::host_root_of(from))) << support::host_root_of(from);
  EXPECT_NE(support::host_root_of(from), support::host_root_of(to))
      << "both are host uid " << support::host_root_of(to);
  EXPECT_EQ(support::kill_as(support::host_root_of(from), to), EPERM);
  EXPECT_EQ(victim.wait(10s).exit_code, 0) << "the other container was killed";
  EXPECT_EQ(attacker.wait(10s).exit_code, 0);
}
PROPERTY_SINCE(IdRanges, 39);

// --- 40: a kept layer's host ids ---------------------------------------------------------

// The attacker's side, between kept layers: two containers at once, each on a new kept
// layer, have host ids of their own, and a host process with one's ids (a set-user-ID file
// it left in its layer, run on the host) cannot kill the other's PID 1.
using KeptIds = StepProperty;
TEST_P(KeptIds, OneKeptLayersIdsCannotKillAnothersProcesses) {
  support::reread("The doors");
  support::TempDir place;
  place.open_to_everyone();  // the containers' roots, other host uids, pass through
  auto sleeper = [&](const char* layer) {
    return container(
        {"--keep", (place.path() / layer).native(), "/bin/sh", "-c", "echo ready; exec cat"});
  };
  support::Subprocess attacker(sleeper("attacker"), {.input_open = true}),
      victim(sleeper("victim"), {.input_open = true});
  const pid_t from = running_init(attacker), to = running_init(victim);
  ASSERT_GT(from, 0) << attacker.so_far().describe();
  ASSERT_GT(to, 0) << victim.so_far().describe();
  EXPECT_TRUE(is_container_root(support::host_root_of(from))) << support::host_root_of(from);
  EXPECT_NE(support::host_root_of(from), support::host_root_of(to))
      << "both are host uid " << support::host_root_of(to);
  EXPECT_EQ(support::kill_as(support::host_root_of(from), to), EPERM);
  EXPECT_EQ(victim.wait(10s).exit_code, 0) << "the other container was killed";
  EXPECT_EQ(attacker.wait(10s).exit_code, 0);
}
PROPERTY_SINCE(KeptIds, 40);

// --- 41: the user namespace's owner ------------------------------------------------------

// The attacker's side: a container holds every inotify instance the kernel gives it
// (fs.inotify.max_user_instances, 128 by default). The kernel charges them to the owner of
// its user namespace too: from step 41 on, the container's first host id, so the host's
// root can still make one. (Before, root was the owner: root's inotify_init1 failed with
// EMFILE while the container lived. Not tried here, as it would starve the host's root.)
using NamespaceOwner = StepProperty;
TEST_P(NamespaceOwner, AContainerHoldingEveryInotifyInstanceLeavesRootItsOwn) {
  support::reread("Goal");
  add_escape_helper();
  support::Subprocess process(container({"/escape", "inotify_hold"}));
  ASSERT_TRUE(process.wait_for_output("(Too many open files)", 10s)) << process.so_far().describe();
  const int own = ::inotify_init1(IN_CLOEXEC);
  EXPECT_NE(own, -1) << "root's inotify_init1: " << std::strerror(errno);
  if (own != -1) ::close(own);
  process.signal(SIGTERM);
  process.wait(10s);
  EXPECT_NE(process.so_far().out.find("holds "), std::string::npos) << process.so_far().describe();
}
PROPERTY_SINCE(NamespaceOwner, 41);

// --- 42: a default memory limit ----------------------------------------------------------

// Run by root without --memory, the container's cgroup has a memory limit, 512 MiB (read
// on the host); --memory still says how much. Where no memory cgroup can be had, the
// Limits rows show the asked-for limit refused, and the step's own test the fallback.
using DefaultMemoryLimit = StepProperty;
TEST_P(DefaultMemoryLimit, WithoutMemoryTheContainersCgroupHas512MiB) {
  support::reread("Goal");
  const std::string no_memory = support::no_cgroup_for("memory", step_name());
  if (!no_memory.empty()) GTEST_SKIP() << no_memory;
  for (const auto& [options, limit] :
       {std::pair<std::vector<std::string>, std::string>{{}, "536870912\n"},
        {{"--memory", "64M"}, "67108864\n"}}) {
    std::vector<std::string> args = options;
    args.insert(args.end(), {"/bin/sh", "-c", "echo ready; exec cat"});
    support::Subprocess process(container(args), {.input_open = true});
    const pid_t init = running_init(process);
    ASSERT_GT(init, 0) << process.so_far().describe();
    const fs::path memory = support::cgroup_of(init, "memory");
    EXPECT_EQ(support::memory_limit_of(memory), limit) << memory;
    expect_nothing_left_running(process.wait(10s));
  }
}
PROPERTY_SINCE(DefaultMemoryLimit, 42);

// --- 43: a terminal of its own ------------------------------------------------------------

// On a terminal, the container's is the first of its own devpts, root and rootless, and
// what the command does to it leaves the step's terminal (24 rows, 80 columns) as it was.
using OwnTerminal = StepProperty;
TEST_P(OwnTerminal, TheContainersTerminalIsItsOwn) {
  support::reread("Goal");
  for (const std::optional<uid_t> user : {std::optional<uid_t>(), std::optional<uid_t>(65534)}) {
    support::Subprocess process(container({"/bin/sh", "-c", "tty; stty rows 11 cols 33"}),
                                {.as_user = user, .terminal = true});
    const auto result = process.wait(10s);
    EXPECT_NE(result.out.find("/dev/pts/0\r"), std::string::npos) << result.describe();
    EXPECT_EQ(result.exit_code, 0) << result.describe();
    EXPECT_EQ(process.terminal_size(), (std::pair{24, 80})) << result.describe();
  }
}
PROPERTY_SINCE(OwnTerminal, 43);

// --- 44: the step's terminal raw, the container's sized ----------------------------------

// The container's terminal has the step's size (the test's: 24 by 80), and a typed line is
// echoed once, by the container's terminal alone: the step's is raw while it relays.
using RawTerminal = StepProperty;
TEST_P(RawTerminal, TheContainersTerminalHasTheSizeAndEchoesOnce) {
  support::reread("Goal");
  support::Subprocess process(
      container({"/bin/sh", "-c", "stty size; echo ready; read line; echo got-$line"}),
      {.terminal = true});
  // The whole line: busybox's echo may write its newline apart, after the echo of "typed".
  ASSERT_TRUE(process.wait_for_output("ready\r\n", 10s)) << process.so_far().describe();
  process.type("typed\n");
  const auto result = process.wait(10s);
  EXPECT_NE(result.out.find("24 80\r\n"), std::string::npos) << result.describe();
  EXPECT_NE(result.out.find("\ntyped\r\ngot-typed\r\n"), std::string::npos) << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}
PROPERTY_SINCE(RawTerminal, 44);

// --- 45: an OCI bundle --------------------------------------------------------------------

// The rootfs and the command are the bundle's, root and rootless; a setting of the spec the
// step does not honour (hooks: it runs none) is refused before anything is made.
using Bundle = StepProperty;
TEST_P(Bundle, RunsTheBundlesCommandAndRefusesWhatItCannotHonour) {
  support::reread("Goal");
  const fs::path bundle = rootfs().parent_path();
  std::ofstream(rootfs() / "etc/bundle-test") << "the test's copy\n";
  for (const std::optional<uid_t> user : {std::optional<uid_t>(), std::optional<uid_t>(65534)}) {
    support::write_config(bundle, R"(["/bin/sh", "-c", "cat /etc/bundle-test; exit 3"])");
    const auto result = support::run(step({"--bundle", bundle}), 20s, {.as_user = user});
    EXPECT_EQ(result.out, "the test's copy\n") << result.describe();
    EXPECT_EQ(result.exit_code, 3) << result.describe();
    support::write_config(bundle, R"(["true"])", R"("hooks": {},)");
    const auto refused = support::run(step({"--bundle", bundle}), 20s, {.as_user = user});
    EXPECT_EQ(refused.exit_code, 125) << refused.describe();
    EXPECT_NE(refused.err.find("config.json: hooks: not supported"), std::string::npos)
        << refused.describe();
  }
}
PROPERTY_SINCE(Bundle, 45);

// --- 46: the bundle's process settings ---------------------------------------------------

// The environment, the working folder, the hostname and the terminal are the bundle's.
using BundleProcess = StepProperty;
TEST_P(BundleProcess, RunsWithTheBundlesEnvironmentFolderHostnameAndTerminal) {
  support::reread("Goal");
  support::write_config(rootfs().parent_path(),
                        R"(["/bin/sh", "-c", "echo $GREETING; pwd; hostname; tty"],
                        "env": ["GREETING=hi"], "cwd": "/tmp", "terminal": true)",
                        R"("hostname": "boxed",)");
  const auto result = support::run(step({"--bundle", rootfs().parent_path()}), 20s);
  EXPECT_EQ(result.out, "hi\r\n/tmp\r\nboxed\r\n/dev/pts/0\r\n") << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  // A hostname the kernel would refuse is the bundle's error, before anything is made.
  support::write_config(rootfs().parent_path(), R"(["true"])",
                        R"("hostname": ")" + std::string(65, 'a') + R"(",)");
  const auto refused = support::run(step({"--bundle", rootfs().parent_path()}), 20s);
  EXPECT_EQ(refused.exit_code, 125) << refused.describe();
  EXPECT_NE(refused.err.find("hostname: longer than 64 bytes"), std::string::npos)
      << refused.describe();
}
PROPERTY_SINCE(BundleProcess, 46);

// --- 47: detached -------------------------------------------------------------------------

// With --detach the step ends while the container runs; once it ends, nothing is left.
using Detach = StepProperty;
TEST_P(Detach, TheStepEndsTheContainerGoesOnAndLeavesNothing) {
  support::reread("Goal");
  const fs::path bundle = rootfs().parent_path();
  support::write_config(bundle, R"(["/bin/sh", "-c", "sleep 0.5; echo done"])");
  const auto result = support::run_into_file(
      step({"--detach", "--pid-file", bundle / "pid", "--bundle", bundle}), bundle / "out");
  EXPECT_EQ(result.exit_code, 0) << support::wait_for_text(bundle / "out", "", 0ms);
  pid_t pid = -1;
  std::ifstream(bundle / "pid") >> pid;
  ASSERT_GT(pid, 0);
  const fs::path pids = support::cgroup_of(pid, "pids");
  EXPECT_NE(support::wait_for_text(bundle / "out", "done\n", 10s).find("done\n"),
            std::string::npos);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  EXPECT_TRUE(support::gone_within(pids, 5s)) << pids;
}
PROPERTY_SINCE(Detach, 47);

// --- 48: create and start -----------------------------------------------------------------

// create leaves PID 1 waiting; start runs the command, once.
using CreateStart = StepProperty;
TEST_P(CreateStart, CreateWaitsStartRuns) {
  support::reread("Goal");
  const fs::path bundle = rootfs().parent_path();
  support::write_config(bundle, R"(["/bin/sh", "-c", "echo ran"])");
  const auto created = support::create_in(program(), bundle, "box");
  EXPECT_EQ(created.exit_code, 0) << support::wait_for_text(bundle / "out", "", 0ms);
  const pid_t pid = support::pid_in(bundle);
  ASSERT_GT(pid, 0);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(support::wait_for_text(bundle / "out", "", 0ms).find("ran\n"), std::string::npos);
  EXPECT_EQ(support::runtime_in(program(), bundle, {"start", "box"}).exit_code, 0);
  EXPECT_NE(support::wait_for_text(bundle / "out", "ran\n", 10s).find("ran\n"), std::string::npos);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  EXPECT_EQ(support::runtime_in(program(), bundle, {"start", "box"}).exit_code, 125)
      << "started twice";
}
PROPERTY_SINCE(CreateStart, 48);

// --- 49: state ----------------------------------------------------------------------------

// state says created, then running (with PID 1's PID), then stopped.
using State = StepProperty;
TEST_P(State, CreatedRunningStopped) {
  support::reread("Goal");
  const fs::path bundle = rootfs().parent_path();
  support::write_config(bundle, R"(["/bin/sh", "-c", "echo ready; sleep 0.5"])");
  ASSERT_EQ(support::create_in(program(), bundle, "box").exit_code, 0);
  const pid_t pid = support::pid_in(bundle);
  const auto status = [&] { return support::runtime_in(program(), bundle, {"state", "box"}).out; };
  EXPECT_NE(status().find("\"status\": \"created\", \"pid\": " + std::to_string(pid)),
            std::string::npos);
  EXPECT_EQ(support::runtime_in(program(), bundle, {"start", "box"}).exit_code, 0);
  support::wait_for_text(bundle / "out", "ready", 10s);
  EXPECT_NE(status().find("\"status\": \"running\""), std::string::npos);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  EXPECT_NE(status().find("\"status\": \"stopped\""), std::string::npos);
}
PROPERTY_SINCE(State, 49);

// --- 50: kill and delete ------------------------------------------------------------------

// kill passes a signal on to the command; delete --force kills and removes the rest.
using KillDelete = StepProperty;
TEST_P(KillDelete, KillReachesTheCommandDeleteForceLeavesNothing) {
  support::reread("Goal");
  const fs::path bundle = rootfs().parent_path();
  support::write_config(
      bundle,
      R"(["/bin/sh", "-c", "trap 'echo got-USR1' USR1; echo ready; while :; do sleep 0.1; done"])");
  ASSERT_EQ(support::create_in(program(), bundle, "box").exit_code, 0);
  const pid_t pid = support::pid_in(bundle);
  const fs::path pids = support::cgroup_of(pid, "pids");
  EXPECT_EQ(support::runtime_in(program(), bundle, {"start", "box"}).exit_code, 0);
  support::wait_for_text(bundle / "out", "ready\n", 10s);
  ASSERT_EQ(support::runtime_in(program(), bundle, {"kill", "box", "USR1"}).exit_code, 0);
  EXPECT_NE(support::wait_for_text(bundle / "out", "got-USR1", 10s).find("got-USR1"),
            std::string::npos);
  EXPECT_EQ(support::runtime_in(program(), bundle, {"delete", "--force", "box"}).exit_code, 0);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  EXPECT_FALSE(fs::exists(bundle / "state" / "box"));
  EXPECT_TRUE(support::gone_within(pids, 5s)) << pids;
  // A create that ended before it recorded PID 1 left a folder: --force removes it too.
  fs::create_directories(bundle / "state" / "half");
  EXPECT_EQ(support::runtime_in(program(), bundle, {"delete", "--force", "half"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(bundle / "state" / "half"));
}
PROPERTY_SINCE(KillDelete, 50);

// --- 51: the console socket ---------------------------------------------------------------

// create with process.terminal sends the container's terminal to --console-socket.
using ConsoleSocket = StepProperty;
TEST_P(ConsoleSocket, CreateSendsTheTerminal) {
  support::reread("Goal");
  const fs::path bundle = rootfs().parent_path();
  const fs::path console = bundle / "console.sock";
  support::write_config(bundle, R"(["tty"], "terminal": true)");
  const common::Fd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  console.native().copy(address.sun_path, sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener.get(), 1), 0);
  ASSERT_EQ(support::create_in(program(), bundle, "box", {"--console-socket", console}).exit_code,
            0)
      << support::wait_for_text(bundle / "out", "", 0ms);
  pollfd connected{listener.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&connected, 1, 1000), 1) << "create ended without connecting";
  const common::Fd connection(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  const common::Fd master = common::receive_fd(connection.get(), "terminal");
  EXPECT_NE(master.get(), -1);
  EXPECT_EQ(support::runtime_in(program(), bundle, {"delete", "--force", "box"}).exit_code, 0);
}
PROPERTY_SINCE(ConsoleSocket, 51);

// --- 52: rlimits --------------------------------------------------------------------------

// The bundle's process.rlimits hold in the container.
using Rlimits = StepProperty;
TEST_P(Rlimits, TheBundlesLimitsHold) {
  support::reread("Goal");
  const fs::path bundle = rootfs().parent_path();
  support::write_config(bundle, R"(["/bin/sh", "-c", "ulimit -n; ulimit -Hn"],
      "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200}])");
  const auto result = support::run(step({"--bundle", bundle}));
  EXPECT_EQ(result.out, "100\n200\n") << result.describe();
}
PROPERTY_SINCE(Rlimits, 52);

// --- 53: capabilities ---------------------------------------------------------------------

// The bundle's bounding set is the command's, root and rootless (proc(5): CapBnd; CAP_KILL
// is 5, CAP_NET_RAW 13).
using BundleCapabilities = StepProperty;
TEST_P(BundleCapabilities, TheBundlesBoundingSetHolds) {
  support::reread("Goal");
  const fs::path bundle = rootfs().parent_path();
  support::write_config(bundle, R"(["/bin/sh", "-c", "grep CapBnd /proc/self/status"],
      "capabilities": {"bounding": ["CAP_KILL", "CAP_NET_RAW"], "permitted": ["CAP_KILL"]})");
  for (const std::optional<uid_t> user : {std::optional<uid_t>(), std::optional<uid_t>(65534)}) {
    const auto result = support::run(step({"--bundle", bundle}), 20s, {.as_user = user});
    EXPECT_EQ(result.out, "CapBnd:\t0000000000002020\n") << result.describe();
  }
}
PROPERTY_SINCE(BundleCapabilities, 53);

// --- 54: umask ----------------------------------------------------------------------------

// The bundle's umask is the command's, root and rootless (63 is 0077).
using Umask = StepProperty;
TEST_P(Umask, TheBundlesUmaskIsTheCommands) {
  support::reread("Goal");
  support::write_config_text(
      rootfs().parent_path(),
      R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"user": {"uid": 0, )"
      R"("gid": 0, "umask": 63}, "cwd": "/", "args": ["/bin/sh", "-c", "umask"]}})");
  for (const std::optional<uid_t> user : {std::optional<uid_t>(), std::optional<uid_t>(65534)}) {
    const auto result =
        support::run(step({"--bundle", rootfs().parent_path()}), 20s, {.as_user = user});
    EXPECT_EQ(result.out, "0077\n") << result.describe();
  }
}
PROPERTY_SINCE(Umask, 54);

}  // namespace
