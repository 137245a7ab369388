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

}  // namespace
