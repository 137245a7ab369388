#include <regex>

#include "tests/support/step_test.hpp"

namespace {

using Step06PidNamespace = support::ContainerTest;

TEST_F(Step06PidNamespace, CommandIsPid1) {
  support::reread("Goal");
  const auto result = run_container({"/bin/sh", "-c", "echo $$"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "1\n") << "`echo $$` inside should print 1: the command is PID 1 of a new PID namespace\n"
                               << result.describe();
}

TEST_F(Step06PidNamespace, ParentReportsTheHostPid) {
  support::reread("What changed");
  const auto result = run_container({"/bin/true"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  std::smatch match;
  ASSERT_TRUE(std::regex_search(result.err, match, std::regex("PID ([0-9]+) in the step's PID namespace")))
      << "stderr should report the container's PID as the host sees it\n" << result.describe();
  EXPECT_GT(std::stol(match[1]), 1) << result.describe();
}

TEST_F(Step06PidNamespace, HostnameIsStillTheContainers) {
  support::reread("Run it");
  // No chroot yet: the rootfs's busybox by its host path.
  const auto result = run_container({(rootfs() / "bin" / "busybox").native(), "hostname"});
  EXPECT_EQ(result.out, "container\n") << result.describe();
}

}  // namespace
