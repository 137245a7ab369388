// Step 24: the filter refuses the rest of its list, close to Docker's, and every call made
// through x32. Against step 23's code these calls reach the kernel, which rejects the
// helper's arguments with another errno.

#include <filesystem>
#include <string>

#include "tests/support/step_test.hpp"

namespace {

using Step24SeccompCalls = support::ContainerTest;

// The attacker's helper (tests/escape) makes each call with harmless arguments: where the
// call is allowed it fails otherwise (EINVAL, EFAULT, EBADF), so EPERM is the filter's.
TEST_F(Step24SeccompCalls, CallsOfTheListGetEperm) {
  support::reread("Goal");
  std::filesystem::copy_file(ESCAPE_PROGRAM, rootfs() / "escape");
  std::filesystem::permissions(rootfs() / "escape", std::filesystem::perms::all);
  for (const std::string call : {"keyctl", "bpf", "open_by_handle_at", "finit_module", "fsopen",
                                 "io_uring_setup", "userfaultfd"}) {
    const auto result = run_container({"/escape", "syscall", call});
    EXPECT_EQ(result.out, "errno=EPERM\n") << call << "\n" << result.describe();
  }
  expect_no_mounts_left();
}

// keyctl's x86-64 number with bit 30 set: x32's keyctl, which no list entry matches.
TEST_F(Step24SeccompCalls, CallsThroughX32AreRefused) {
  support::reread("Pitfalls");
#if !defined(__x86_64__)
  GTEST_SKIP() << "x32 is an ABI of x86-64";
#endif
  std::filesystem::copy_file(ESCAPE_PROGRAM, rootfs() / "escape");
  std::filesystem::permissions(rootfs() / "escape", std::filesystem::perms::all);
  const auto result = run_container({"/escape", "syscall", "keyctl_x32"});
  EXPECT_EQ(result.out, "errno=EPERM\n") << result.describe();
}

// Try this 1: `/escape syscall keyctl` inside step 23, then step 24.
TEST_F(Step24SeccompCalls, TryThis1_KeyctlPastStep23sFilterNotStep24s) {
  support::reread("Try this");
  std::filesystem::copy_file(ESCAPE_PROGRAM, rootfs() / "escape");
  std::filesystem::permissions(rootfs() / "escape", std::filesystem::perms::all);
  const std::vector<std::string> command = {"/escape", "syscall", "keyctl"};
  const auto step23 = run_container_of(TRY_THIS_STEP_23, command);
  EXPECT_EQ(step23.out, "errno=EOPNOTSUPP\n") << step23.describe();
  const auto step24 = run_container(command);
  EXPECT_EQ(step24.out, "errno=EPERM\n") << step24.describe();
}

// Try this 2: the x32 check deleted (built as TRY_THIS_PROGRAM_2): x32's keyctl passes the
// filter, and the kernel answers (ENOSYS where it runs no x32 calls), not EPERM.
TEST_F(Step24SeccompCalls, TryThis2_WithoutTheX32CheckX32CallsPassTheFilter) {
  support::reread("Try this");
#if !defined(__x86_64__)
  GTEST_SKIP() << "x32 is an ABI of x86-64";
#endif
  std::filesystem::copy_file(ESCAPE_PROGRAM, rootfs() / "escape");
  std::filesystem::permissions(rootfs() / "escape", std::filesystem::perms::all);
  const std::vector<std::string> command = {"/escape", "syscall", "keyctl_x32"};
  const auto edited = run_container_of(TRY_THIS_PROGRAM_2, command);
  EXPECT_TRUE(edited.out.starts_with("errno=")) << edited.describe();
  EXPECT_NE(edited.out, "errno=EPERM\n") << edited.describe();
  const auto step24 = run_container(command);
  EXPECT_EQ(step24.out, "errno=EPERM\n") << step24.describe();
}

}  // namespace
