#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/step_test.hpp"

namespace {

using Step20Rootless = support::ContainerTest;
using Step20RootlessStep = support::StepTest;

// The issue's own check: an ordinary user (here nobody, uid 65534; or whoever runs the
// tests) runs the step, and is root in the container. The built rootfs is used in place:
// nothing in a step-19 container can write to it, and its mounts stay in its namespace.
TEST_F(Step20RootlessStep, RunsWithoutRootAndIsRootInside) {
  support::reread("Goal");
  support::ProcessOptions options;
  if (support::is_root()) options.as_user = 65534;
  const auto result = run_step(
      {"--rootfs", support::built_rootfs().native(), "/bin/sh", "-c", "id -u; hostname"}, options);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "0\ncontainer\n") << result.describe();
  EXPECT_NE(result.err.find("no pids cgroup without root"), std::string::npos)
      << "running without the limit must be said, in one line\n"
      << result.describe();
  EXPECT_FALSE(result.left_processes) << result.describe();
}

// Run by root, the step still makes its cgroup, and its limit holds.
TEST_F(Step20Rootless, TheCgroupStillLimitsWhenRunByRoot) {
  support::reread("What changed");
  const auto result =
      run_container({"/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait"});
  EXPECT_NE(result.err.find("can't fork"), std::string::npos) << result.describe();
  expect_no_mounts_left();
}

// Try this 1: an ordinary user (nobody) runs `ls -l /bin/busybox; touch /x`: refused on a
// rootfs root built, allowed (and busybox root's) on one the user built.
TEST_F(Step20Rootless, TryThis1_AnOrdinaryUserOnRootsAndOnItsOwnRootfs) {
  support::reread("Try this");
  const std::vector<std::string> command = {"/bin/sh", "-c", "ls -l /bin/busybox; touch /x"};
  const auto roots = run_container(command, {.as_user = 65534});
  EXPECT_TRUE(std::regex_search(roots.out, std::regex(" nobody +nogroup .* /bin/busybox")))
      << roots.describe();
  EXPECT_NE(roots.err.find("touch: /x: Permission denied"), std::string::npos) << roots.describe();
  EXPECT_NE(roots.exit_code, 0) << roots.describe();
  EXPECT_FALSE(std::filesystem::exists(rootfs() / "x"));
  // The same rootfs, as if built by that user: owned by nobody on the host.
  ASSERT_EQ(
      support::run(support::on_path({"chown", "-R", "65534:65534", rootfs().native()})).exit_code,
      0);
  const auto owns = run_container(command, {.as_user = 65534});
  EXPECT_EQ(owns.exit_code, 0) << owns.describe();
  EXPECT_TRUE(std::regex_search(owns.out, std::regex(" root +root .* /bin/busybox")))
      << owns.describe();
  EXPECT_TRUE(std::filesystem::exists(rootfs() / "x"));
}

}  // namespace
