// Step 13: the container dies with the step, and a janitor removes the cgroup after a
// kill -9 of the step. Against step 12's code both tests fail: PID 1 lives on, and the
// cgroup stays.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/files.hpp"
#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
using Step13DieWithStep = support::ContainerTest;

TEST_F(Step13DieWithStep, ContainerDiesWithTheStepAndItsCgroupGoes) {
  support::reread("Pitfalls");
  support::Subprocess process(container({"/bin/sh", "-c", "echo ready; sleep 30"}));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const pid_t init = support::host_pid_of_init(process.so_far().err);
  ASSERT_GT(init, 0) << process.so_far().describe();
  std::smatch match;
  const std::string err = process.so_far().err;
  ASSERT_TRUE(std::regex_search(err, match, std::regex("cgroup (/sys/fs/cgroup/[^ ]+)"))) << err;
  const std::filesystem::path cgroup = match[1].str();
  process.signal(SIGKILL);
  process.wait(10s);
  // PID 1 is re-parented to this test (a subreaper), and must end at once; the cgroup
  // must go soon after, with nobody left in it.
  // A PID 1 that runs on holds its cgroup: no use waiting 5 s more for the folder to go.
  ASSERT_TRUE(support::reaped_within(init, 5s))
      << "the container's PID 1 still runs 5 s after the step was killed";
  EXPECT_TRUE(support::gone_within(cgroup, 5s)) << "kill -9 of the step left its cgroup " << cgroup;
  // Without a mount namespace (step 14), nobody can unmount /proc after a SIGKILL: the
  // chapter says so, and the test takes it down itself.
  support::unmount_all_under(rootfs());
}

// The janitor is a process of the step's own, outside the container: it must not outlive
// a step that ends normally.
TEST_F(Step13DieWithStep, ANormalRunStillLeavesNoJanitorBehind) {
  support::reread("What changed");
  const auto result = run_container({"/bin/sh", "-c", "exit 4"});
  EXPECT_EQ(result.exit_code, 4) << result.describe();
  expect_nothing_left_running(result);
  expect_no_mounts_left();  // and TearDown checks that no cgroup is left
}

// The container's PID 1 and cgroup folder, from what the step has said on stderr.
std::pair<pid_t, std::filesystem::path> started(support::Subprocess& process) {
  process.wait_for_output("container started", 10s);
  const std::string err = process.so_far().err;
  std::smatch match;
  if (!std::regex_search(err, match, std::regex("cgroup (/sys/fs/cgroup/[^ ]+)"))) return {-1, {}};
  return {support::host_pid_of_init(err), match[1].str()};
}

// `sudo kill -9` of the step running sleep 60; then the same with step 11, where all stays
// (cleaned up here: PID 1 killed, its cgroup removed, /proc unmounted).
TEST_F(Step13DieWithStep, TryThis1_KillNineLeavesOnlyTheProcMount) {
  support::reread("Try this");
  support::Subprocess process(container({"/bin/sh", "-c", "echo ready; exec sleep 60"}));
  const auto [init, cgroup] = started(process);
  ASSERT_GT(init, 0) << process.so_far().describe();
  // "container started" comes before PID 1 mounts /proc; the command runs after it.
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  process.signal(SIGKILL);
  process.wait(10s);
  ASSERT_TRUE(support::reaped_within(init, 5s)) << "PID 1 (and so the sleep) still runs";
  EXPECT_TRUE(support::gone_within(cgroup, 5s)) << cgroup << " is left";
  EXPECT_EQ(support::mounts_under(rootfs()), std::vector<std::string>{(rootfs() / "proc").native()})
      << "only /proc stays mounted on the rootfs";
  support::unmount_all_under(rootfs());

  support::Subprocess step11({TRY_THIS_STEP_11, "--rootfs", rootfs().native(), "/bin/sh", "-c",
                              "echo ready; exec sleep 60"});
  const auto [init11, cgroup11] = started(step11);
  ASSERT_GT(init11, 0) << step11.so_far().describe();
  ASSERT_TRUE(step11.wait_for_output("ready", 10s)) << step11.so_far().describe();
  step11.signal(SIGKILL);
  step11.wait(10s);
  std::this_thread::sleep_for(200ms);
  const bool init_runs = ::kill(init11, 0) == 0;
  const bool cgroup_stays = std::filesystem::exists(cgroup11);
  const std::string procs = cgroup_stays ? common::read_file(cgroup11 / "cgroup.procs") : "";
  ::kill(init11, SIGKILL);
  support::reaped_within(init11, 5s);
  if (cgroup_stays) support::remove_cgroup(cgroup11);
  support::unmount_all_under(rootfs());
  EXPECT_TRUE(init_runs) << "step 11's PID 1 ended with its step";
  EXPECT_TRUE(cgroup_stays) << "step 11's cgroup went with its step";
  EXPECT_EQ(std::count(procs.begin(), procs.end(), '\n'), 2) << "PID 1 and the sleep:\n" << procs;
}

// Without the prctl (the tests' CMakeLists.txt), the janitor alone ends PID 1.
TEST_F(Step13DieWithStep, TryThis2_WithoutPrctlTheJanitorStillEndsPid1) {
  support::reread("Try this");
  support::Subprocess process({TRY_THIS_PROGRAM_2, "--rootfs", rootfs().native(), "sleep", "60"});
  const auto [init, cgroup] = started(process);
  ASSERT_GT(init, 0) << process.so_far().describe();
  process.signal(SIGKILL);
  process.wait(10s);
  EXPECT_TRUE(support::reaped_within(init, 5s)) << "PID 1 still runs";
  EXPECT_TRUE(support::gone_within(cgroup, 5s)) << cgroup << " is left";
  support::unmount_all_under(rootfs());
}

// The step's two children are PID 1 and the janitor: kill -9 the janitor, then the step.
TEST_F(Step13DieWithStep, TryThis3_WithoutItsJanitorTheCgroupStaysEmpty) {
  support::reread("Try this");
  support::Subprocess process(container({"sleep", "60"}));
  const auto [init, cgroup] = started(process);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const std::string pid = std::to_string(process.pid());
  std::istringstream children(common::read_file("/proc/" + pid + "/task/" + pid + "/children"));
  std::vector<pid_t> janitors;
  for (pid_t child; children >> child;)
    if (child != init) janitors.push_back(child);
  ASSERT_EQ(janitors.size(), 1u) << "the step's children besides PID 1";
  ::kill(janitors.front(), SIGKILL);
  std::this_thread::sleep_for(200ms);  // the step reaps it
  process.signal(SIGKILL);
  process.wait(10s);
  EXPECT_TRUE(support::reaped_within(init, 5s)) << "PID 1 still runs";
  std::this_thread::sleep_for(200ms);
  const bool stays = std::filesystem::exists(cgroup);
  const std::string procs = stays ? common::read_file(cgroup / "cgroup.procs") : "gone";
  if (stays) support::remove_cgroup(cgroup);  // the exercise's `sudo rmdir`
  support::unmount_all_under(rootfs());
  EXPECT_TRUE(stays) << cgroup << " went without its janitor";
  EXPECT_EQ(procs, "") << "the cgroup should be empty";
}

}  // namespace
