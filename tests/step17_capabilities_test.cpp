#include "tests/support/step_test.hpp"

namespace {

using Step17Capabilities = support::ContainerTest;

// Docker's default set, as the kernel's bit mask: CHOWN 0, DAC_OVERRIDE 1, FOWNER 3,
// FSETID 4, KILL 5, SETGID 6, SETUID 7, SETPCAP 8, NET_BIND_SERVICE 10, NET_RAW 13,
// SYS_CHROOT 18, MKNOD 27, AUDIT_WRITE 29, SETFCAP 31.
constexpr const char* kDockerDefault = "00000000a80425fb";

TEST_F(Step17Capabilities, TheCommandHoldsDockersFourteenAndNoMore) {
  support::reread("Goal");
  const auto result = run_container({"/bin/sh", "-c", "grep Cap /proc/self/status"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, std::string("CapInh:\t0000000000000000\nCapPrm:\t") + kDockerDefault +
                            "\nCapEff:\t" + kDockerDefault + "\nCapBnd:\t" + kDockerDefault +
                            "\nCapAmb:\t0000000000000000\n")
      << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step17Capabilities, NoNewPrivilegesAndNoMount) {
  support::reread("What changed");
  const auto result = run_container({"/bin/sh", "-c",
                                     "grep NoNewPrivs /proc/self/status; mount -t tmpfs none /mnt "
                                     "2>/dev/null || echo mount-refused"});
  EXPECT_EQ(result.out, "NoNewPrivs:\t1\nmount-refused\n") << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step17Capabilities, Pid1HoldsNoneOfTheHostsStrings) {
  support::reread("Pitfalls");
  const auto result = run_container({"/bin/sh", "-c", "tr -d '\\0' < /proc/1/cmdline | wc -c"},
                                    {.extra_env = {"SECRET=do-not-show"}});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "0\n") << "PID 1's command line still shows the host's words\n"
                               << result.describe();
  expect_no_mounts_left();
}

}  // namespace
