#include <string>

#include "tests/support/step_test.hpp"

namespace {

using Step16CloseFds = support::ContainerTest;

TEST_F(Step16CloseFds, NoDescriptorOfTheCallerReachesTheCommand) {
  support::reread("Goal");
  // The caller's shell holds fd 8 open on a host folder, as `exec 8</` would.
  const std::string step = support::program_under_test();
  const auto result = support::run({"/bin/sh", "-c", "exec 8</ 9</etc; exec \"$@\"", "sh", step,
                                    "--rootfs", rootfs().native(), "/bin/sh", "-c",
                                    "ls /proc/self/fd /proc/1/fd | sort -u | tr '\\n' ' '"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out.find(" 8 "), std::string::npos) << "fd 8 reached the container\n"
                                                       << result.describe();
  EXPECT_EQ(result.out.find(" 9 "), std::string::npos) << "fd 9 reached the container\n"
                                                       << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step16CloseFds, ContainerStillWorks) {
  support::reread("Run it");
  const auto result = run_container({"/bin/sh", "-c", "hostname; echo $$; exit 6"});
  EXPECT_EQ(result.exit_code, 6) << result.describe();
  EXPECT_EQ(result.out, "container\n2\n") << result.describe();
  expect_no_mounts_left();
}

// The exercise's command in step 15 and here. (Its `sudo` comes first: sudo would close
// fd 8 itself.)
TEST_F(Step16CloseFds, TryThis1_Step15HandsDownTheHostsRootStep16DoesNot) {
  support::reread("Try this");
  const auto listed = [&](const std::string& step) {
    return support::run({"/bin/sh", "-c",
                         "exec 8</; exec \"$0\" --rootfs \"$1\" sh -c 'ls /proc/self/fd'", step,
                         rootfs().native()});
  };
  // Step 15 also passes on what the test process left open (ctest's, gtest's).
  const auto in15 = listed(TRY_THIS_STEP_15);
  for (const char* fd : {"0\n1\n", "2\n", "3\n", "8\n"})
    EXPECT_NE(in15.out.find(fd), std::string::npos) << "step 15\n" << in15.describe();
  const auto in16 = listed(program());
  EXPECT_EQ(in16.out, "0\n1\n2\n3\n") << "step 16\n" << in16.describe();
  expect_no_mounts_left();
}

}  // namespace
