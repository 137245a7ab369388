// Step 54: the bundle's process.user.umask is the command's file mode creation mask.
// Against step 53's code these fail: it refuses process.user.umask.

#include <string>

#include "tests/support/bundle_test.hpp"

namespace {

using Step54Umask = support::BundleTest;

// A config.json that runs `args` with process.user.umask `mask`.
std::string config_with_umask(const std::string& args, const std::string& mask) {
  return R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"user": {"uid": 0, )"
         R"("gid": 0, "umask": )" +
         mask + R"(}, "cwd": "/", "args": )" + args + "}}\n";
}

// 63 is 0077 (JSON has no octal): the command's mask, and so a new file's mode, -rw-------.
TEST_F(Step54Umask, TheBundlesUmaskIsTheCommands) {
  support::reread("Goal");
  write_config_text(config_with_umask(
      R"(["/bin/sh", "-c", "umask; touch /tmp/new; ls -l /tmp/new | cut -c1-10"])", "63"));
  const auto result = run_bundle();
  EXPECT_EQ(result.out, "0077\n-rw-------\n") << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// Without umask the command has the caller's, as config.md asks ("should not be changed
// from the calling process' umask").
TEST_F(Step54Umask, StillWithoutOneTheCallersUmask) {
  support::reread("Concepts");
  write_config(R"(["/bin/sh", "-c", "umask"])");
  const auto result = support::run(
      {"/bin/sh", "-c", "umask 027; exec \"$0\" --bundle \"$1\"", program(), bundle().native()});
  EXPECT_EQ(result.out, "0027\n") << result.describe();
}

// umask(2) would take the last 9 bits of a bigger number, silently: refused instead.
TEST_F(Step54Umask, OneOver0777IsRefused) {
  support::reread("Pitfalls");
  write_config_text(config_with_umask(R"(["true"])", "512"));
  expect_refused("config.json: process.user.umask: not a mask of permission bits: over 0777");
}

// Try this 1: podman's 18 is 0022: a new folder 0755, a new file 0644.
TEST_F(Step54Umask, TryThis1_PodmansEighteenIs0022) {
  support::reread("Concepts");
  write_config_text(config_with_umask(
      R"(["sh", "-c", "umask; mkdir /tmp/d; touch /tmp/f; ls -ld /tmp/d /tmp/f | cut -c1-10"])",
      "18"));
  const auto result = run_bundle();
  EXPECT_EQ(result.out, "0022\ndrwxr-xr-x\n-rw-r--r--\n") << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// Try this 2: JSON has no octal. 022 is no JSON number (RFC 8259: no leading zeros), as in
// step 53; "0022" is a string, refused as one (step 53 refuses the key before its type).
TEST_F(Step54Umask, TryThis2_OctalIsNotJson) {
  support::reread("Pitfalls");
  write_config_text(config_with_umask(R"(["true"])", "022"));
  expect_refused(": leading zero in a number");
  write_config_text(config_with_umask(R"(["true"])", R"("0022")"));
  expect_refused("config.json: process.user.umask: expected a number, found a string");
}

// Try this 3: the bundle's umask is the command's alone. The overlay's upper folder, the
// container's /, is made by PID 1 with mkdir 0755 under the caller's umask (0077: 0700);
// /tmp, a tmpfs mounted with mode=1777, takes no umask.
TEST_F(Step54Umask, TryThis3_TheContainersRootStillTakesTheCallersUmask) {
  support::reread("Pitfalls");
  write_config_text(config_with_umask(R"(["sh", "-c", "umask; ls -ld / /tmp | cut -c1-10"])", "0"));
  const auto result = support::run(
      {"/bin/sh", "-c", "umask 077; exec \"$0\" --bundle \"$1\"", program(), bundle().native()});
  EXPECT_EQ(result.out, "0000\ndrwx------\ndrwxrwxrwt\n") << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

}  // namespace
