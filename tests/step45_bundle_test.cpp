// Step 45: the rootfs and command from an OCI bundle's config.json, and every setting of
// the spec the step does not honour refused. Against step 44's code these fail: it has no
// --bundle, and refuses the command line (125, unknown option).

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/bundle_test.hpp"

namespace {

using namespace std::chrono_literals;
using Step45Bundle = support::BundleTest;

// The command is process.args, run in root.path (here relative to the bundle), and its
// status is the step's.
TEST_F(Step45Bundle, RunsTheBundlesCommandInItsRootfs) {
  support::reread("Goal");
  write_config(R"(["/bin/sh", "-c", "cat /etc/os-release-of-this-test; exit 3"])");
  std::ofstream(rootfs() / "etc/os-release-of-this-test") << "the test's own copy\n";
  const auto result = run_bundle();
  EXPECT_EQ(result.out, "the test's own copy\n") << result.describe();
  EXPECT_EQ(result.exit_code, 3) << result.describe();
}

// An absolute root.path is taken as it is.
TEST_F(Step45Bundle, AnAbsoluteRootPathToo) {
  support::reread("Concepts");
  write_config_text(
      R"({"ociVersion": "1.0.2", "root": {"path": ")" + rootfs().native() +
      R"("}, "process": {"user": {"uid": 0, "gid": 0}, "cwd": "/", "args": ["hostname"]}})");
  const auto result = run_bundle();
  EXPECT_EQ(result.out, "container\n") << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// A key that is not the spec's is ignored, as the spec asks, but said on stderr.
TEST_F(Step45Bundle, AnUnknownKeyIsIgnoredWithALine) {
  support::reread("Pitfalls");
  write_config(R"(["hostname"])", R"("hostnme": "typo",)");
  const auto result = run_bundle();
  EXPECT_EQ(result.out, "container\n") << result.describe();
  EXPECT_NE(result.err.find("config.json: hostnme: not a key this step knows, ignored"),
            std::string::npos)
      << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// What the spec has and this step does not do is refused, never dropped.
TEST_F(Step45Bundle, AKeyOfTheSpecItDoesNotHonourIsRefused) {
  support::reread("Pitfalls");
  write_config(R"(["true"])", R"("mounts": [],)");
  expect_refused("config.json: mounts: not supported by this step");
}

TEST_F(Step45Bundle, TheProcessSettingsAreRefusedForNow) {
  support::reread("Pitfalls");
  write_config(R"(["true"], "env": ["PATH=/bin"])");
  expect_refused("config.json: process.env: not supported by this step");
}

TEST_F(Step45Bundle, AKeyOfTheWrongTypeIsRefused) {
  support::reread("Pitfalls");
  write_config(R"("true")");
  expect_refused("config.json: process.args: expected an array, found a string");
}

TEST_F(Step45Bundle, AMissingRootPathIsRefused) {
  support::reread("Concepts");
  write_config_text(R"({"ociVersion": "1.0.2", "root": {},
    "process": {"user": {"uid": 0, "gid": 0}, "cwd": "/", "args": ["true"]}})");
  expect_refused("config.json: root.path: missing");
}

TEST_F(Step45Bundle, AnotherUserInsideIsRefused) {
  support::reread("Pitfalls");
  write_config_text(R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"},
    "process": {"user": {"uid": 1000, "gid": 0}, "cwd": "/", "args": ["true"]}})");
  expect_refused("config.json: process.user.uid: only 0, root inside, in this step");
}

// Of a key it reads, the step takes only the value it would have anyway: another working
// folder or a read-only root is a value it does not support (config.md, "Valid values").
TEST_F(Step45Bundle, AnotherWorkingFolderOrAReadOnlyRootIsRefused) {
  support::reread("Goal");
  write_config(R"(["true"], "cwd": "/tmp")");
  expect_refused("config.json: process.cwd: only / in this step");
  write_config_text(R"({"ociVersion": "1.0.2", "root": {"path": "rootfs", "readonly": true},
    "process": {"user": {"uid": 0, "gid": 0}, "cwd": "/", "args": ["true"]}})");
  expect_refused("config.json: root.readonly: not supported by this step");
}

TEST_F(Step45Bundle, AnotherVersionOfTheSpecIsRefused) {
  support::reread("Concepts");
  write_config_text(R"({"ociVersion": "2.0.0", "root": {"path": "rootfs"},
    "process": {"user": {"uid": 0, "gid": 0}, "cwd": "/", "args": ["true"]}})");
  expect_refused("config.json: ociVersion: this step reads version 1 of the spec");
}

TEST_F(Step45Bundle, MalformedJsonIsRefusedWithWhere) {
  support::reread("Concepts");
  write_config_text("{\"ociVersion\": \"1.0.2\",}\n");
  expect_refused("config.json: 1:23: trailing comma before '}'");
}

TEST_F(Step45Bundle, NoConfigIsRefused) {
  support::reread("Concepts");
  expect_refused("config.json");
}

// The bundle says the rootfs and the command: one given beside it is refused, not dropped.
TEST_F(Step45Bundle, ACommandOrRootfsBesideTheBundleIsRefused) {
  support::reread("What changed");
  write_config(R"(["true"])");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--bundle", bundle().native(), "ls"},
        {"--rootfs", rootfs().native(), "--bundle", bundle().native()}}) {
    const auto result = run_step(args);
    EXPECT_EQ(result.exit_code, 125) << result.describe();
    EXPECT_NE(result.err.find("--bundle: its config.json says the rootfs and command"),
              std::string::npos)
        << result.describe();
  }
}

// Try this 1: `runc spec`'s starter config. The top level is read first, in the file's order
// (ociVersion, process, root, hostname...), so hostname is the key refused; with each
// refused key deleted in turn (by jq), eight more follow, down to process.noNewPrivileges,
// and then runc's sh runs.
TEST_F(Step45Bundle, TryThis1_RuncSpecIsRefusedAtHostname) {
  support::reread("Pitfalls");
  const auto spec = support::run(support::on_path({"runc", "spec", "--bundle", bundle().native()}));
  if (spec.exit_code == 127) GTEST_SKIP() << "no runc on this host (apt-get install runc)";
  ASSERT_EQ(spec.exit_code, 0) << spec.describe();
  const std::string config = (bundle() / "config.json").native();
  for (const std::string key :
       {"hostname", "mounts", "linux", "root.readonly", "process.terminal", "process.env",
        "process.capabilities", "process.rlimits", "process.noNewPrivileges"}) {
    expect_refused("config.json: " + key + ": not supported by this step");
    const auto deleted = support::run(support::on_path(
        {"sh", "-c", "jq 'del(." + key + ")' \"$0\" >\"$0.new\" && mv \"$0.new\" \"$0\"", config}));
    if (deleted.exit_code == 127) GTEST_SKIP() << "no jq on this host to delete " << key;
    ASSERT_EQ(deleted.exit_code, 0) << deleted.describe();
  }
  const auto result = run_bundle();  // runc's sh, on the test's input: none
  EXPECT_NE(result.err.find("container started"), std::string::npos) << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// Try this 2: an empty process.args is an invalid config, refused before anything is made;
// a command that is not in the rootfs is a valid one, and fails inside: 127, as in step 03.
TEST_F(Step45Bundle, TryThis2_NoArgsIsRefusedButAMissingCommandRunsAndFails) {
  support::reread("Try this");
  write_config("[]");
  expect_refused("config.json: process.args: empty: no command to run");
  write_config(R"(["nosuch"])");
  const auto result = run_bundle();
  EXPECT_NE(result.err.find("container started"), std::string::npos) << result.describe();
  EXPECT_NE(result.err.find("execvp(nosuch): No such file or directory"), std::string::npos)
      << result.describe();
  EXPECT_EQ(result.exit_code, 127) << result.describe();
}

// Try this 3: "hostname" off the refused list (TRY_THIS_PROGRAM_3). The bundle's hostname
// is then an unknown key, ignored with a line: the container runs with the step's own.
TEST_F(Step45Bundle, TryThis3_HostnameNotRefusedIsDroppedWithALine) {
  support::reread("Try this");
  write_config(R"(["hostname"])", R"("hostname": "box",)");
  const auto result = support::run({TRY_THIS_PROGRAM_3, "--bundle", bundle().native()}, 20s);
  EXPECT_EQ(result.out, "container\n") << result.describe();
  EXPECT_NE(result.err.find("config.json: hostname: not a key this step knows, ignored"),
            std::string::npos)
      << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  expect_nothing_left_running(result);
  // The step itself refuses it.
  expect_refused("config.json: hostname: not supported by this step");
}

}  // namespace
