// Step 25: the filter refuses calls for their arguments too. Against step 24's code these
// calls reach the kernel: a user namespace (no capability needed), typing into the
// terminal, the hypervisor's sockets, a persona without address randomisation.

#include <sys/utsname.h>

#include <filesystem>
#include <string>

#include "tests/support/step_test.hpp"

namespace {

using Step25SeccompArguments = support::ContainerTest;

// The attacker's helper (tests/escape) makes each call with arguments that fail otherwise
// (EINVAL, EBADF...) where it is allowed, so EPERM is the filter's.
TEST_F(Step25SeccompArguments, CallsWithRefusedArgumentsGetEperm) {
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

TEST_F(Step25SeccompArguments, PipesAndBackgroundJobsStillWork) {
  support::reread("Pitfalls");
  // A background job is a clone without namespace flags; a pipe's reader an ioctl or two.
  const auto result =
      run_container({"/bin/sh", "-c", "sleep 0.1 & echo a | tr a b; wait; echo done"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "b\ndone\n") << result.describe();
  expect_no_mounts_left();
}

// Try this 1: `/escape syscall clone_newuser` inside step 24, then step 25.
TEST_F(Step25SeccompArguments, TryThis1_CloneNewuserPastStep24sFilterNotStep25s) {
  support::reread("Try this");
  std::filesystem::copy_file(ESCAPE_PROGRAM, rootfs() / "escape");
  std::filesystem::permissions(rootfs() / "escape", std::filesystem::perms::all);
  const std::vector<std::string> command = {"/escape", "syscall", "clone_newuser"};
  const auto step24 = run_container_of(TRY_THIS_STEP_24, command);
  EXPECT_EQ(step24.out, "errno=EINVAL\n") << step24.describe();
  const auto step25 = run_container(command);
  EXPECT_EQ(step25.out, "errno=EPERM\n") << step25.describe();
}

// Try this 2: `busybox linux32 uname -m; busybox linux64 uname -m` inside step 25.
TEST_F(Step25SeccompArguments, TryThis2_Linux32AndLinux64AreStillAllowed) {
  support::reread("Try this");
  utsname host{};
  ASSERT_EQ(::uname(&host), 0);
  if (std::string(host.machine) != "x86_64")
    GTEST_SKIP() << "the answer names x86_64's machines; this host is a " << host.machine;
  const auto outside =
      support::run({(rootfs() / "bin" / "busybox").native(), "linux32", "uname", "-m"});
  if (outside.out != "i686\n")
    GTEST_SKIP() << "this kernel's uname ignores PER_LINUX32 outside any container too ("
                 << outside.out << "): a User-mode Linux guest";
  const auto result =
      run_container({"/bin/sh", "-c", "busybox linux32 uname -m; busybox linux64 uname -m"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "i686\nx86_64\n") << result.describe();
}

// Try this 3: step 25 without its two instructions for clone3 (TRY_THIS_PROGRAM_3): the
// helper's clone3, with empty arguments, reaches the kernel (EINVAL), where the property
// test SeccompArguments.Clone3GetsEnosys wants ENOSYS.
TEST_F(Step25SeccompArguments, TryThis3_WithoutItsRuleClone3ReachesTheKernel) {
  support::reread("Try this");
  std::filesystem::copy_file(ESCAPE_PROGRAM, rootfs() / "escape");
  std::filesystem::permissions(rootfs() / "escape", std::filesystem::perms::all);
  const auto edited = run_container_of(TRY_THIS_PROGRAM_3, {"/escape", "syscall", "clone3"});
  EXPECT_EQ(edited.out, "errno=EINVAL\n") << edited.describe();
  const auto step25 = run_container({"/escape", "syscall", "clone3"});
  EXPECT_EQ(step25.out, "errno=ENOSYS\n") << step25.describe();
}

}  // namespace
