// Step 53: the bundle's process.capabilities (bounding, effective, permitted) replace
// Docker's fourteen. Against step 52's code these fail: it refuses process.capabilities.

#include <string>

#include "tests/support/bundle_test.hpp"

namespace {

using Step53Capabilities = support::BundleTest;

// The sets as the command has them (proc(5): CapBnd, CapEff and CapPrm in hexadecimal).
// CAP_KILL is 5 and CAP_NET_RAW 13 (linux/capability.h): 0x2020.
constexpr const char* kShowSets =
    R"(["/bin/sh", "-c", "grep -E '^Cap(Bnd|Eff|Prm)' /proc/self/status"])";

TEST_F(Step53Capabilities, TheBundlesSetsHold) {
  support::reread("Goal");
  write_config(std::string(kShowSets) + R"(, "capabilities": {
      "bounding": ["CAP_KILL", "CAP_NET_RAW"], "effective": ["CAP_KILL", "CAP_NET_RAW"],
      "permitted": ["CAP_KILL", "CAP_NET_RAW"]})");
  const auto result = run_bundle();
  EXPECT_EQ(result.out,
            "CapPrm:\t0000000000002020\nCapEff:\t0000000000002020\nCapBnd:\t0000000000002020\n")
      << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// Without process.capabilities, Docker's fourteen, as in every step since 21: 0xa80425fb.
TEST_F(Step53Capabilities, StillDockersWithoutThem) {
  support::reread("Concepts");
  write_config(kShowSets);
  const auto result = run_bundle();
  EXPECT_EQ(result.out,
            "CapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\n")
      << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// An empty bounding set: root inside holds no capability at all after execve.
TEST_F(Step53Capabilities, AnEmptyBoundingSetLeavesRootWithNone) {
  support::reread("Concepts");
  write_config(std::string(kShowSets) +
               R"(, "capabilities": {"bounding": [], "effective": [], "permitted": []})");
  const auto result = run_bundle();
  EXPECT_EQ(result.out,
            "CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t0000000000000000\n")
      << result.describe();
}

// A name the step does not know is left out, with a line that says so (config.md: a
// warning, not a failure); the rest hold.
TEST_F(Step53Capabilities, AnUnknownNameIsLeftOutWithAWarning) {
  support::reread("Pitfalls");
  write_config(
      std::string(kShowSets) +
      R"(, "capabilities": {"bounding": ["CAP_KILL", "CAP_NOPE"], "permitted": ["CAP_KILL"]})");
  const auto result = run_bundle();
  EXPECT_NE(result.out.find("CapBnd:\t0000000000000020\n"), std::string::npos) << result.describe();
  EXPECT_NE(result.err.find("config.json: process.capabilities.bounding[1]: CAP_NOPE: not one to "
                            "be had, left out"),
            std::string::npos)
      << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// One the step's own bounding set lacks cannot be the container's: left out, with the line.
TEST_F(Step53Capabilities, OneTheStepLacksIsLeftOutWithAWarning) {
  support::reread("Pitfalls");
  write_config(std::string(kShowSets) +
               R"(, "capabilities": {"bounding": ["CAP_KILL", "CAP_SYS_BOOT"]})");
  const auto result = support::run(
      {"/usr/bin/setpriv", "--bounding-set=-sys_boot", program(), "--bundle", bundle().native()});
  EXPECT_NE(result.out.find("CapBnd:\t0000000000000020\n"), std::string::npos) << result.describe();
  EXPECT_NE(result.err.find("bounding[1]: CAP_SYS_BOOT: not one to be had, left out"),
            std::string::npos)
      << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// capset(2) refuses an effective set beyond the permitted one: the reader says so first.
TEST_F(Step53Capabilities, EffectiveBeyondPermittedIsRefused) {
  support::reread("Concepts");
  write_config(R"(["true"], "capabilities": {"effective": ["CAP_KILL"], "permitted": []})");
  expect_refused("config.json: process.capabilities.effective: one not in permitted");
}

// Inheritable and ambient matter for a user other than root, which this step does not run.
TEST_F(Step53Capabilities, InheritableAndAmbientAreRefused) {
  support::reread("Pitfalls");
  write_config(R"(["true"], "capabilities": {"ambient": ["CAP_KILL"]})");
  expect_refused("config.json: process.capabilities.ambient: not supported by this step");
  write_config(R"(["true"], "capabilities": {"inheritable": []})");
  expect_refused("config.json: process.capabilities.inheritable: not supported by this step");
}

TEST_F(Step53Capabilities, ANameOfTheWrongTypeIsRefused) {
  support::reread("Concepts");
  write_config(R"(["true"], "capabilities": {"bounding": [5]})");
  expect_refused("config.json: process.capabilities.bounding[0]:");
}

// Try this 1: CAP_SYS_ADMIN in all three sets is the command's, and mount(2) still fails with
// EPERM, as it does without it: the seccomp filter (step 23; proc(5): Seccomp 2, a filter)
// refuses the call whatever the capabilities.
TEST_F(Step53Capabilities, TryThis1_SysAdminDoesNotGetPastSeccomp) {
  support::reread("Pitfalls");
  const std::string mount =
      R"(["sh", "-c", "grep -E 'CapEff|Seccomp:' /proc/self/status; mount -t tmpfs none /mnt"])";
  write_config(mount + R"(, "capabilities": {"bounding": ["CAP_SYS_ADMIN"],
      "effective": ["CAP_SYS_ADMIN"], "permitted": ["CAP_SYS_ADMIN"]})");
  const auto result = run_bundle();
  EXPECT_EQ(result.out, "CapEff:\t0000000000200000\nSeccomp:\t2\n") << result.describe();
  EXPECT_NE(result.err.find("\nmount: permission denied (are you root?)\n"), std::string::npos)
      << result.describe();
  EXPECT_EQ(result.exit_code, 1) << result.describe();
  write_config(mount);  // Docker's fourteen, without CAP_SYS_ADMIN: the same refusal
  const auto without = run_bundle();
  EXPECT_EQ(without.out, "CapEff:\t00000000a80425fb\nSeccomp:\t2\n") << without.describe();
  EXPECT_NE(without.err.find("\nmount: permission denied (are you root?)\n"), std::string::npos)
      << without.describe();
  EXPECT_EQ(without.exit_code, 1) << without.describe();
}

// Podman's eleven (podman 4.3's default_capabilities): no CAP_NET_RAW, so no raw socket for
// ping (raw(7)); with Docker's fourteen, which keep it, the same ping gets its answer.
constexpr const char* kPodmansEleven =
    R"(["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID",
        "CAP_SYS_CHROOT"])";

// Try this 2: podman's sets, ping refused; Docker's (no process.capabilities), ping answered.
TEST_F(Step53Capabilities, TryThis2_PodmansElevenHaveNoPing) {
  support::reread("Pitfalls");
  const std::string eleven = kPodmansEleven;
  write_config(R"(["ping", "-c1", "127.0.0.1"], "capabilities": {"bounding": )" + eleven +
               ", \"effective\": " + eleven + ", \"permitted\": " + eleven + "}");
  const auto result = run_bundle();
  EXPECT_EQ(result.out, "PING 127.0.0.1 (127.0.0.1): 56 data bytes\n") << result.describe();
  EXPECT_NE(result.err.find("\nping: permission denied (are you root?)\n"), std::string::npos)
      << result.describe();
  EXPECT_EQ(result.exit_code, 1) << result.describe();
  write_config(R"(["ping", "-c1", "127.0.0.1"])");
  const auto docker = run_bundle();
  EXPECT_NE(docker.out.find("1 packets transmitted, 1 packets received"), std::string::npos)
      << docker.describe();
  EXPECT_EQ(docker.exit_code, 0) << docker.describe();
}

// Try this 3: a bounding set alone gives root inside nothing. The step sets no_new_privs, so
// execve adds nothing to the permitted set (prctl(2)): bounding AND permitted, here empty.
// With CAP_NET_RAW permitted too, ping gets its answer.
TEST_F(Step53Capabilities, TryThis3_ABoundingSetAloneGivesNothing) {
  support::reread("Pitfalls");
  const std::string ping = R"(["sh", "-c", "grep CapPrm /proc/self/status; ping -c1 127.0.0.1"])";
  write_config(ping + R"(, "capabilities": {"bounding": ["CAP_NET_RAW"]})");
  const auto alone = run_bundle();
  EXPECT_EQ(alone.out.find("CapPrm:\t0000000000000000\n"), 0U) << alone.describe();
  EXPECT_NE(alone.err.find("\nping: permission denied (are you root?)\n"), std::string::npos)
      << alone.describe();
  EXPECT_EQ(alone.exit_code, 1) << alone.describe();
  write_config(ping +
               R"(, "capabilities": {"bounding": ["CAP_NET_RAW"], "permitted": ["CAP_NET_RAW"]})");
  const auto permitted = run_bundle();
  EXPECT_EQ(permitted.out.find("CapPrm:\t0000000000002000\n"), 0U) << permitted.describe();
  EXPECT_NE(permitted.out.find("1 packets transmitted, 1 packets received"), std::string::npos)
      << permitted.describe();
  EXPECT_EQ(permitted.exit_code, 0) << permitted.describe();
}

// Still a key of the spec the step does not honour: refused in one line.
TEST_F(Step53Capabilities, StillNoNewPrivilegesIsRefused) {
  support::reread("Pitfalls");
  write_config(R"(["true"], "noNewPrivileges": true)");
  expect_refused("config.json: process.noNewPrivileges: not supported by this step");
}

}  // namespace
