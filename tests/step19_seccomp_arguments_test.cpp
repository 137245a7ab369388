// Step 19: the filter refuses calls for their arguments too. Against step 18's code these
// calls reach the kernel: a user namespace (no capability needed), typing into the
// terminal, the hypervisor's sockets, a persona without address randomisation.

#include <filesystem>
#include <string>

#include "tests/support/step_test.hpp"

namespace {

using Step19SeccompArguments = support::ContainerTest;

// The attacker's helper (tests/escape) makes each call with arguments that fail otherwise
// (EINVAL, EBADF...) where it is allowed, so EPERM is the filter's.
TEST_F(Step19SeccompArguments, CallsWithRefusedArgumentsGetEperm) {
  support::reread("What changed");
  std::filesystem::copy_file(ESCAPE_PROGRAM, rootfs() / "escape");
  std::filesystem::permissions(rootfs() / "escape", std::filesystem::perms::all);
  for (const std::string call :
       {"clone_newuser", "clone_newuts", "ioctl_tiocsti", "socket_vsock", "personality"}) {
    const auto result = run_container({"/escape", "syscall", call});
    EXPECT_EQ(result.out, "errno=EPERM\n") << call << "\n" << result.describe();
  }
  const auto clone3 = run_container({"/escape", "syscall", "clone3"});
  EXPECT_EQ(clone3.out, "errno=ENOSYS\n") << clone3.describe();
  expect_no_mounts_left();
}

TEST_F(Step19SeccompArguments, PipesAndBackgroundJobsStillWork) {
  support::reread("Pitfalls");
  // A background job is a clone without namespace flags; a pipe's reader an ioctl or two.
  const auto result =
      run_container({"/bin/sh", "-c", "sleep 0.1 & echo a | tr a b; wait; echo done"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "b\ndone\n") << result.describe();
  expect_no_mounts_left();
}

}  // namespace
