#include "tests/support/step_test.hpp"

namespace {

using Step23Seccomp = support::ContainerTest;

TEST_F(Step23Seccomp, TheCommandRunsUnderAFilter) {
  support::reread("Goal");
  const auto result =
      run_container({"/bin/sh", "-c", "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "NoNewPrivs:\t1\nSeccomp:\t2\n") << "2 means a filter (proc(5))\n"
                                                         << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step23Seccomp, OrdinaryWorkStillWorks) {
  support::reread("Pitfalls");
  // Pipes, background jobs (clone without namespace flags), files in /tmp, ps.
  const auto result = run_container(
      {"/bin/sh", "-c",
       "sleep 0.1 & echo a | tr a b > /tmp/x; wait; cat /tmp/x; ps -o pid,comm | grep -c ' 1 '"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "b\n1\n") << "ps should list PID 1\n" << result.describe();
  expect_no_mounts_left();
}

// The attacker's helper (tests/escape) makes each call with harmless arguments: where the
// call is allowed it fails otherwise (EINVAL, EFAULT, EBADF), so EPERM is the filter's.
TEST_F(Step23Seccomp, RefusedCallsGetEperm) {
  support::reread("What changed");
  std::filesystem::copy_file(ESCAPE_PROGRAM, rootfs() / "escape");
  std::filesystem::permissions(rootfs() / "escape", std::filesystem::perms::all);
  for (const std::string call : {"mount", "umount2", "pivot_root", "unshare", "setns"}) {
    const auto result = run_container({"/escape", "syscall", call});
    EXPECT_EQ(result.out, "errno=EPERM\n") << call << "\n" << result.describe();
  }
  expect_no_mounts_left();
}

// Try this 1: `busybox unshare -Urm true; echo $?` inside step 21, then step 23.
TEST_F(Step23Seccomp, TryThis1_UnshareWorksInStep21AndNotIn23) {
  support::reread("Try this");
  const std::vector<std::string> command = {"/bin/sh", "-c", "busybox unshare -Urm true; echo $?"};
  const auto step21 = run_container_of(TRY_THIS_STEP_21, command);
  EXPECT_EQ(step21.out, "0\n") << step21.describe();
  const auto step23 = run_container(command);
  EXPECT_EQ(step23.out, "1\n") << step23.describe();
  EXPECT_NE(step23.err.find("Operation not permitted"), std::string::npos) << step23.describe();
}

// Try this 2: `grep NoNewPrivs /proc/self/status` inside step 23.
TEST_F(Step23Seccomp, TryThis2_NoNewPrivsIsStillSet) {
  support::reread("Try this");
  const auto result = run_container({"/bin/sh", "-c", "grep NoNewPrivs /proc/self/status"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "NoNewPrivs:\t1\n") << result.describe();
}

// Try this 3: SYS_mount out of kRefusedCalls (built as TRY_THIS_PROGRAM_3). The helper's
// mount, with a bad pointer, gets EFAULT past the filter, as the property test
// Seccomp.EachRefusedCallGetsEperm then reports; a real mount is still refused.
TEST_F(Step23Seccomp, TryThis3_WithoutTheMountRuleTheCapabilityCheckStillRefuses) {
  support::reread("Try this");
  std::filesystem::copy_file(ESCAPE_PROGRAM, rootfs() / "escape");
  std::filesystem::permissions(rootfs() / "escape", std::filesystem::perms::all);
  const auto helper = run_container_of(TRY_THIS_PROGRAM_3, {"/escape", "syscall", "mount"});
  EXPECT_EQ(helper.out, "errno=EFAULT\n") << helper.describe();
  const auto real =
      run_container_of(TRY_THIS_PROGRAM_3, {"/bin/mount", "-t", "proc", "proc", "/mnt"});
  EXPECT_NE(real.exit_code, 0) << real.describe();
  EXPECT_NE(real.err.find("permission denied"), std::string::npos) << real.describe();
  expect_no_mounts_left();
}

}  // namespace
