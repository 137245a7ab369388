#include <sys/mount.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "common/cgroup.hpp"
#include "common/files.hpp"
#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;

namespace fs = std::filesystem;
using Step10PidsCgroup = support::ContainerTest;

// The host folder of the pids cgroup the command ran in, from the lines kPrintCgroup
// makes it print first: its /proc/self/cgroup (cgroups(7)), whose pids entry (v1) or
// unified entry (v2) is a path from the root of that hierarchy. No log line of the step
// is needed: a student's step may word its messages as it likes.
const std::string kPrintCgroup = "cat /proc/self/cgroup; echo --; ";

fs::path command_cgroup(const std::string& out) {
  const fs::path dir = support::pids_cgroup_in(out.substr(0, out.find("--\n")));
  // The test's own cgroup: the command ran in no cgroup of its own.
  return dir == support::own_pids_cgroup() ? fs::path{} : dir;
}

// Starts many background sleeps: with pids.max 5 some cannot be created.
const std::string kForkLoop =
    "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 1 & done; wait; echo loop-done";

TEST_F(Step10PidsCgroup, ForkLoopHitsTheLimitAndTheCgroupIsRemoved) {
  support::reread("Goal");
  const auto result = run_container({"/bin/sh", "-c", kPrintCgroup + kForkLoop});
  EXPECT_NE(result.err.find("can't fork"), std::string::npos)
      << "10 background processes should exceed the default limit of 5\n"
      << result.describe();
  // sh gives up on the loop when it cannot fork (exit status 2); the container must end.
  EXPECT_FALSE(result.timed_out) << "the container did not end\n" << result.describe();
  const fs::path cgroup = command_cgroup(result.out);
  ASSERT_FALSE(cgroup.empty()) << "no pids cgroup in the command's /proc/self/cgroup\n"
                               << result.describe();
  ASSERT_NE(cgroup, common::find_pids_cgroup_parent().dir) << "the command ran in the root cgroup\n"
                                                           << result.describe();
  EXPECT_FALSE(fs::exists(cgroup)) << cgroup << " is left behind after the container ended";
  expect_no_mounts_left();
}

TEST_F(Step10PidsCgroup, RefusedForksAreReportedInOneLine) {
  support::reread("What changed");
  const auto result = run_container({"/bin/sh", "-c", kForkLoop});
  EXPECT_NE(result.err.find("the pids limit refused "), std::string::npos)
      << "after a container whose forks the limit refused, the step should say so\n"
      << result.describe();
}

TEST_F(Step10PidsCgroup, LimitIsAdjustable) {
  support::reread("Try this");
  const auto result = run_container({"--pids-max", "30", "/bin/sh", "-c", kForkLoop});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.err.find("can't fork"), std::string::npos)
      << "--pids-max 30 should allow 10 sleeps\n"
      << result.describe();
  EXPECT_NE(result.out.find("loop-done"), std::string::npos) << result.describe();
}

TEST_F(Step10PidsCgroup, ContainerIsInItsCgroupWhileItRuns) {
  support::reread("What changed");
  support::Subprocess process(container({"/bin/sh", "-c", kPrintCgroup + "echo ready; sleep 2"}));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const fs::path cgroup = command_cgroup(process.so_far().out);
  ASSERT_FALSE(cgroup.empty()) << process.so_far().describe();
  ASSERT_NE(cgroup, common::find_pids_cgroup_parent().dir) << process.so_far().describe();
  ASSERT_TRUE(fs::exists(cgroup)) << cgroup;
  EXPECT_EQ(common::read_file(cgroup / "pids.max"), "5\n");
  const std::string procs = common::read_file(cgroup / "cgroup.procs");
  EXPECT_GE(std::count(procs.begin(), procs.end(), '\n'), 2)
      << "PID 1 and the command should be in " << cgroup << "; cgroup.procs is:\n"
      << procs;
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  expect_nothing_left_running(result);
  EXPECT_FALSE(fs::exists(cgroup)) << cgroup << " is left behind";
  expect_no_mounts_left();
}

TEST_F(Step10PidsCgroup, ContainersStartedTogetherGetACgroupEach) {
  support::reread("Pitfalls");
  // A rootfs each: without a mount namespace (step 14), containers on one rootfs stack
  // their /proc mounts, and the first to unmount takes away another's.
  std::vector<std::unique_ptr<support::TempRootfs>> roots;
  std::vector<std::unique_ptr<support::Subprocess>> running;
  for (int i = 0; i < 3; ++i) {
    roots.push_back(std::make_unique<support::TempRootfs>());
    running.push_back(std::make_unique<support::Subprocess>(std::vector<std::string>{
        support::program_under_test(), "--rootfs", roots.back()->path().native(), "/bin/sh", "-c",
        kPrintCgroup + "sleep 1"}));
  }
  std::set<fs::path> cgroups;
  for (auto& process : running) {
    const auto result = process->wait(20s);
    EXPECT_EQ(result.exit_code, 0) << result.describe();
    cgroups.insert(command_cgroup(result.out));
    EXPECT_FALSE(command_cgroup(result.out).empty()) << result.describe();
  }
  EXPECT_EQ(cgroups.size(), 3u) << "containers running at the same time must not share a cgroup";
  for (const fs::path& cgroup : cgroups)
    EXPECT_FALSE(!cgroup.empty() && fs::exists(cgroup)) << cgroup << " is left behind";
}

// Run as PID 1 of a PID namespace each (unshare --pid --fork), two steps have the same
// PID: the cgroup's name must still be unique.
TEST_F(Step10PidsCgroup, StepsRunAsPid1OfSiblingPidNamespacesBothRun) {
  support::reread("Pitfalls");
  const support::TempRootfs second_rootfs;
  std::vector<std::unique_ptr<support::Subprocess>> running;
  for (const fs::path& root : {rootfs(), second_rootfs.path()}) {
    running.push_back(std::make_unique<support::Subprocess>(std::vector<std::string>{
        "/usr/bin/unshare", "--pid", "--fork", "--", support::program_under_test(), "--rootfs",
        root.native(), "/bin/sh", "-c", kPrintCgroup + "sleep 1; echo ran"}));
  }
  std::set<fs::path> cgroups;
  for (auto& process : running) {
    const auto result = process->wait(20s);
    EXPECT_EQ(result.exit_code, 0) << result.describe();
    EXPECT_TRUE(result.out.ends_with("\nran\n")) << result.describe();
    const fs::path cgroup = command_cgroup(result.out);
    // Each ran under its limit, in a cgroup of its own: not the test's, not the root.
    EXPECT_FALSE(cgroup.empty()) << "no pids cgroup in the command's /proc/self/cgroup\n"
                                 << result.describe();
    EXPECT_NE(cgroup, common::find_pids_cgroup_parent().dir)
        << "the command ran in the root cgroup\n"
        << result.describe();
    cgroups.insert(cgroup);
    EXPECT_FALSE(!cgroup.empty() && fs::exists(cgroup)) << cgroup << " is left behind";
    // Named after PID 1, not after a PID this test started: TearDown would not find it.
    if (!cgroup.empty() && fs::exists(cgroup)) support::remove_cgroup(cgroup);
  }
  EXPECT_EQ(cgroups.size(), 2u) << "the two containers shared a cgroup";
}

TEST_F(Step10PidsCgroup, ExitStatusAndFailuresStillRemoveTheCgroup) {
  support::reread("Pitfalls");
  const auto result = run_container({"/bin/sh", "-c", kPrintCgroup + "exec /no/such/command"});
  EXPECT_EQ(result.exit_code, 127) << result.describe();
  const fs::path cgroup = command_cgroup(result.out);
  ASSERT_FALSE(cgroup.empty()) << result.describe();
  ASSERT_NE(cgroup, common::find_pids_cgroup_parent().dir) << result.describe();
  EXPECT_FALSE(fs::exists(cgroup)) << cgroup << " is left behind";
  expect_no_mounts_left();
}

// What the article's code does on a pure cgroup v2 host without the pids controller: runs
// unlimited. The step must refuse instead. In the test's own mount namespace,
// /sys/fs/cgroup becomes a cgroup v2 tree without pids: on a hybrid host its real,
// controller-less cgroup2 (bind-mounted: mounting cgroup2 again with other options is
// EBUSY on a unified host); elsewhere a tmpfs laid out as one, since a unified host has
// pids and a legacy host has no cgroup2 at all.
TEST_F(Step10PidsCgroup, V2HostWithoutPidsControllerIsRefused) {
  support::reread("Pitfalls");
  const fs::path hybrid_v2 = "/sys/fs/cgroup/unified";
  if (fs::exists(hybrid_v2 / "cgroup.controllers") &&
      !common::contains_word(common::read_file(hybrid_v2 / "cgroup.controllers"), "pids")) {
    ASSERT_EQ(::mount(hybrid_v2.c_str(), "/sys/fs/cgroup", nullptr, MS_BIND, nullptr), 0)
        << std::strerror(errno);
  } else {
    ASSERT_EQ(::mount("fake-cgroup2", "/sys/fs/cgroup", "tmpfs", 0, "mode=755"), 0)
        << std::strerror(errno);
    std::ofstream("/sys/fs/cgroup/cgroup.controllers") << "cpu io memory\n";
    std::ofstream("/sys/fs/cgroup/cgroup.subtree_control") << "\n";
  }
  const auto result = run_container({"/bin/sh", "-c", "echo ran-unlimited"});
  // make check runs every test in one process: later tests need the real tree back.
  EXPECT_EQ(::umount2("/sys/fs/cgroup", MNT_DETACH), 0) << std::strerror(errno);
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("no pids controller"), std::string::npos) << result.describe();
  EXPECT_EQ(result.out.find("ran-unlimited"), std::string::npos)
      << "the container ran without its process limit\n"
      << result.describe();
}

TEST_F(Step10PidsCgroup, BadLimitIsAUsageError) {
  support::reread("Run it");
  const auto result = run_container({"--pids-max", "0", "/bin/true"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("--pids-max"), std::string::npos) << result.describe();
  // ... and not because the step knows no such option: a good value runs.
  const auto good = run_container({"--pids-max", "30", "/bin/true"});
  EXPECT_EQ(good.exit_code, 0) << good.describe();
}

TEST_F(Step10PidsCgroup, RootfsWithoutProcIsStillRefusedBeforeTheContainerStarts) {
  support::reread("What changed");
  const auto result = run_without_mount_point("proc");
  EXPECT_EQ(result.err.find(" allows "), std::string::npos) << "a cgroup was made for it\n"
                                                            << result.describe();
}

// The folder the step names ("cgroup /sys/fs/cgroup/..." on stderr), once it has said so.
fs::path named_cgroup(support::Subprocess& process) {
  process.wait_for_output("container started", 10s);
  std::smatch match;
  // On a terminal (ProcessOptions::terminal) the step's stderr is in out.
  const std::string err = process.so_far().err + process.so_far().out;
  if (!std::regex_search(err, match, std::regex("cgroup (/sys/fs/cgroup/[^ ]+)"))) return {};
  return match[1].str();
}

// Another terminal's `cat pids.max pids.current cgroup.procs` in the folder the step names.
TEST_F(Step10PidsCgroup, TryThis1_TheCgroupHoldsPid1AndTheSleep) {
  support::reread("Try this");
  support::Subprocess process(container({"sleep", "60"}));
  const fs::path cgroup = named_cgroup(process);
  ASSERT_FALSE(cgroup.empty()) << process.so_far().describe();
  const pid_t init = support::host_pid_of_init(process.so_far().err);
  // PID 1 is in first, then its child that becomes the sleep.
  std::string procs;
  for (int i = 0; i < 100; ++i, std::this_thread::sleep_for(50ms)) {
    procs = common::read_file(cgroup / "cgroup.procs");
    if (std::count(procs.begin(), procs.end(), '\n') == 2) break;
  }
  const auto cat = support::run({"/usr/bin/cat", "pids.max", "pids.current", "cgroup.procs"}, 10s,
                                {.cwd = cgroup.native()});
  std::istringstream pids(procs);
  std::set<pid_t> listed{std::istream_iterator<pid_t>(pids), std::istream_iterator<pid_t>()};
  listed.erase(init);
  // The sleep ends the container: PID 1 then unmounts /proc and the step removes the cgroup.
  for (pid_t sleep : listed) ::kill(sleep, SIGKILL);
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 128 + SIGKILL) << result.describe();
  EXPECT_TRUE(cat.out.starts_with("5\n2\n")) << "pids.max, pids.current\n" << cat.describe();
  EXPECT_NE(cat.out.find("\n" + std::to_string(init) + "\n"), std::string::npos)
      << "cgroup.procs should list PID 1 (" << init << ") and the sleep\n"
      << cat.describe();
  EXPECT_EQ(listed.size(), 1u) << "cgroup.procs:\n" << procs;
  expect_no_mounts_left();
}

// The fork bomb typed on the container's shell, on a terminal as in the exercise; the host's
// view of the cgroup meanwhile; then `exit`.
TEST_F(Step10PidsCgroup, TryThis2_AForkBombStaysWithinItsLimit) {
  support::reread("Try this");
  support::Subprocess process(container({"--pids-max", "50"}), {.terminal = true});
  const fs::path cgroup = named_cgroup(process);
  ASSERT_FALSE(cgroup.empty()) << process.so_far().describe();
  process.type("f() { f | f & }; f\n");
  const bool refused = process.wait_for_output("can't fork", 10s);
  std::this_thread::sleep_for(500ms);
  const std::string current = common::read_file(cgroup / "pids.current");
  const std::string max = common::read_file(cgroup / "pids.max");
  process.type("exit\n");
  const auto result = process.wait(20s);
  EXPECT_TRUE(refused) << result.describe();
  EXPECT_EQ(max, "50\n");
  EXPECT_LE(std::stoi(current), 50) << "processes in the container's cgroup";
  EXPECT_FALSE(result.timed_out) << "`exit` did not end the container\n" << result.describe();
  EXPECT_FALSE(fs::exists(cgroup)) << cgroup << " is left behind";
  expect_no_mounts_left();
}

}  // namespace
