// Step 12: the container dies with the step, and a janitor removes the cgroup after a
// kill -9 of the step. Against step 11's code both tests fail: PID 1 lives on, and the
// cgroup stays.

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <string>

#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
using Step12DieWithStep = support::ContainerTest;

TEST_F(Step12DieWithStep, ContainerDiesWithTheStepAndItsCgroupGoes) {
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
  EXPECT_TRUE(support::reaped_within(init, 5s))
      << "the container's PID 1 still runs 5 s after the step was killed";
  EXPECT_TRUE(support::gone_within(cgroup, 5s)) << "kill -9 of the step left its cgroup " << cgroup;
  // Without a mount namespace (step 13), nobody can unmount /proc after a SIGKILL: the
  // chapter says so, and the test takes it down itself.
  support::unmount_all_under(rootfs());
}

// The janitor is a process of the step's own, outside the container: it must not outlive
// a step that ends normally.
TEST_F(Step12DieWithStep, ANormalRunStillLeavesNoJanitorBehind) {
  support::reread("What changed");
  const auto result = run_container({"/bin/sh", "-c", "exit 4"});
  EXPECT_EQ(result.exit_code, 4) << result.describe();
  expect_nothing_left_running(result);
  expect_no_mounts_left();  // and TearDown checks that no cgroup is left
}

}  // namespace
