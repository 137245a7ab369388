#include "tests/support/step_test.hpp"

namespace {

using Step18Seccomp = support::ContainerTest;

TEST_F(Step18Seccomp, TheCommandRunsUnderAFilter) {
  support::reread("Goal");
  const auto result =
      run_container({"/bin/sh", "-c", "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "NoNewPrivs:\t1\nSeccomp:\t2\n") << "2 means a filter (proc(5))\n"
                                                         << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step18Seccomp, OrdinaryWorkStillWorks) {
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
TEST_F(Step18Seccomp, RefusedCallsGetEperm) {
  support::reread("What changed");
  std::filesystem::copy_file(ESCAPE_PROGRAM, rootfs() / "escape");
  std::filesystem::permissions(rootfs() / "escape", std::filesystem::perms::all);
  for (const std::string call :
       {"unshare", "setns", "umount2", "keyctl", "bpf", "io_uring_setup", "userfaultfd"}) {
    const auto result = run_container({"/escape", "syscall", call});
    EXPECT_EQ(result.out, "errno=EPERM\n") << call << "\n" << result.describe();
  }
  expect_no_mounts_left();
}

}  // namespace
