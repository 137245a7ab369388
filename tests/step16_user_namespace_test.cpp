#include <unistd.h>

#include "tests/support/step_test.hpp"

namespace {

using Step16UserNamespace = support::ContainerTest;
using Step16Rootless = support::StepTest;

TEST_F(Step16UserNamespace, RootInsideIsAnUnprivilegedUserOutside) {
  support::reread("Goal");
  const auto result = run_container(
      {"/bin/sh", "-c", "id -u; cat /proc/self/uid_map; touch /etc/written || echo refused"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "0\n         0 2000000000      65536\nrefused\n") << result.describe();
  EXPECT_FALSE(std::filesystem::exists(rootfs() / "etc" / "written"))
      << "root inside wrote a file of the host's root";
  expect_no_mounts_left();
}

TEST_F(Step16UserNamespace, TheCgroupStillLimitsWhenRunByRoot) {
  support::reread("What changed");
  const auto result =
      run_container({"/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait"});
  EXPECT_NE(result.err.find("can't fork"), std::string::npos) << result.describe();
  expect_no_mounts_left();
}

// The issue's own check: an ordinary user (here nobody, uid 65534; or whoever runs the
// tests) runs the step, and is root in the container. The built rootfs is used in place:
// nothing in a step-15 container can write to it, and its mounts stay in its namespace.
TEST_F(Step16Rootless, RunsWithoutRootAndIsRootInside) {
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

}  // namespace
