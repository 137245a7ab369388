#include "tests/support/step_test.hpp"

namespace {

using Step21Capabilities = support::ContainerTest;

// Docker's default set, as the kernel's bit mask: CHOWN 0, DAC_OVERRIDE 1, FOWNER 3,
// FSETID 4, KILL 5, SETGID 6, SETUID 7, SETPCAP 8, NET_BIND_SERVICE 10, NET_RAW 13,
// SYS_CHROOT 18, MKNOD 27, AUDIT_WRITE 29, SETFCAP 31.
constexpr const char* kDockerDefault = "00000000a80425fb";

TEST_F(Step21Capabilities, TheCommandHoldsDockersFourteenAndNoMore) {
  support::reread("Goal");
  const auto result = run_container({"/bin/sh", "-c", "grep Cap /proc/self/status"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, std::string("CapInh:\t0000000000000000\nCapPrm:\t") + kDockerDefault +
                            "\nCapEff:\t" + kDockerDefault + "\nCapBnd:\t" + kDockerDefault +
                            "\nCapAmb:\t0000000000000000\n")
      << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step21Capabilities, NoNewPrivilegesAndNoMount) {
  support::reread("What changed");
  const auto result = run_container({"/bin/sh", "-c",
                                     "grep NoNewPrivs /proc/self/status; mount -t tmpfs none /mnt "
                                     "2>/dev/null || echo mount-refused"});
  EXPECT_EQ(result.out, "NoNewPrivs:\t1\nmount-refused\n") << result.describe();
  expect_no_mounts_left();
}

// Try this 1: `capsh --decode=00000000a80425fb` on the host names Docker's fourteen.
TEST_F(Step21Capabilities, TryThis1_CapshDecodesTheCommandsMask) {
  support::reread("Try this");
  if (support::run({"/bin/sh", "-c", "command -v capsh"}).exit_code != 0)
    GTEST_SKIP() << "no capsh on this host (package libcap2-bin)";
  // The mask the chapter decodes is the one the command holds.
  const auto inside = run_container({"/bin/sh", "-c", "grep CapEff /proc/self/status | cut -f2"});
  EXPECT_EQ(inside.exit_code, 0) << inside.describe();
  const std::string mask = inside.out.substr(0, inside.out.find('\n'));
  const auto result = support::run(support::on_path({"capsh", "--decode=" + mask}));
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out,
            "0x00000000a80425fb=cap_chown,cap_dac_override,cap_fowner,cap_fsetid,cap_kill,"
            "cap_setgid,cap_setuid,cap_setpcap,cap_net_bind_service,cap_net_raw,cap_sys_chroot,"
            "cap_mknod,cap_audit_write,cap_setfcap\n")
      << result.describe();
}

// Try this 2: `ping -c1 127.0.0.1` and `chown nobody /tmp/x` inside steps 19 and 21.
TEST_F(Step21Capabilities, TryThis2_PingStillFailsAndChownStillWorksInSteps18And20) {
  support::reread("Try this");
  for (const std::string& step : {std::string(TRY_THIS_STEP_19), program()}) {
    SCOPED_TRACE(step);
    const auto ping = run_container_of(step, {"/bin/ping", "-c1", "-W2", "127.0.0.1"});
    EXPECT_NE(ping.exit_code, 0) << ping.describe();
    EXPECT_NE(ping.err.find("permission denied"), std::string::npos) << ping.describe();
    const auto chown = run_container_of(
        step, {"/bin/sh", "-c", "touch /tmp/x && chown nobody /tmp/x && stat -c %U /tmp/x"});
    EXPECT_EQ(chown.exit_code, 0) << chown.describe();
    EXPECT_EQ(chown.out, "nobody\n") << chown.describe();
  }
}

}  // namespace
