// Step 46: the process's environment, working folder and terminal, and the hostname, from
// the bundle's config.json. Against step 45's code these fail: it refuses each of them.

#include <string>

#include "tests/support/bundle_test.hpp"

namespace {

using Step46BundleProcess = support::BundleTest;

// The environment, the working folder and the hostname are the bundle's.
TEST_F(Step46BundleProcess, RunsWithTheBundlesSettings) {
  support::reread("Goal");
  write_config(
      R"(["/bin/sh", "-c", "echo $GREETING; pwd; hostname; exit 3"],
      "env": ["PATH=/bin", "GREETING=hello from the bundle"], "cwd": "/tmp")",
      R"("hostname": "boxed",)");
  const auto result = run_bundle();
  EXPECT_EQ(result.out, "hello from the bundle\n/tmp\nboxed\n") << result.describe();
  EXPECT_EQ(result.exit_code, 3) << result.describe();
}

// Without env, the step's own two variables; without hostname, the step's own name.
TEST_F(Step46BundleProcess, StillWithoutEnvOrHostnameTheStepsOwn) {
  support::reread("What changed");
  write_config(R"(["/bin/sh", "-c", "echo $PATH; hostname"])");
  const auto result = run_bundle();
  EXPECT_EQ(result.out, "/bin:/sbin:/usr/bin:/usr/sbin\ncontainer\n") << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// process.terminal: a terminal of its own, though the step has none (the test's pipes).
TEST_F(Step46BundleProcess, TerminalTrueGivesATerminal) {
  support::reread("What changed");
  write_config(R"(["tty"], "terminal": true)");
  const auto result = run_bundle();
  EXPECT_NE(result.out.find("/dev/pts/0"), std::string::npos) << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// A working folder that is not in the rootfs: the command never starts.
TEST_F(Step46BundleProcess, AMissingCwdFailsTheStep) {
  support::reread("Pitfalls");
  write_config(R"(["true"], "cwd": "/no/such/folder")");
  const auto result = run_bundle();
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("chdir(/no/such/folder): No such file or directory"), std::string::npos)
      << result.describe();
}

TEST_F(Step46BundleProcess, ARelativeCwdIsRefused) {
  support::reread("Concepts");
  write_config(R"(["true"], "cwd": "tmp")");
  expect_refused("config.json: process.cwd: not an absolute path");
}

TEST_F(Step46BundleProcess, AVariableWithoutEqualsIsRefused) {
  support::reread("Concepts");
  write_config(R"(["true"], "env": ["PATH=/bin", "GREETING"])");
  expect_refused("config.json: process.env[1]: not in the form KEY=value");
}

TEST_F(Step46BundleProcess, AHostnameOfTheWrongTypeIsRefused) {
  support::reread("Concepts");
  write_config(R"(["true"])", R"("hostname": 5,)");
  expect_refused("config.json: hostname: expected a string, found a number");
}

TEST_F(Step46BundleProcess, StillAKeyOfTheSpecItDoesNotHonourIsRefused) {
  support::reread("Pitfalls");
  write_config(R"(["true"])", R"("mounts": [],)");
  expect_refused("config.json: mounts: not supported by this step");
}

// Try this 1: "terminal": false gives the command no terminal through pipes, but on the
// step's terminal one all the same, of the container's own devpts (the host's would have
// no name there: "not a tty"); true gives one through pipes too, whose lines end in \r\n.
TEST_F(Step46BundleProcess, TryThis1_FalseOnATerminalStillGivesOneOfItsOwn) {
  support::reread("Pitfalls");
  write_config(R"(["tty"], "terminal": false)");
  const auto piped = run_bundle();
  EXPECT_EQ(piped.out, "not a tty\n") << piped.describe();
  const auto on_terminal = run_bundle({}, {.terminal = true});
  EXPECT_NE(on_terminal.out.find("/dev/pts/0\r\n"), std::string::npos) << on_terminal.describe();
  EXPECT_EQ(on_terminal.exit_code, 0) << on_terminal.describe();
  write_config(R"(["tty"], "terminal": true)");
  const auto asked = run_bundle();
  EXPECT_EQ(asked.out, "/dev/pts/0\r\n") << asked.describe();
  EXPECT_EQ(asked.exit_code, 0) << asked.describe();
}

// Try this 2: the bundle's env is the whole environment, no PATH or TERM of the step's
// added; execvp finds env in /usr/bin by its default search path all the same.
TEST_F(Step46BundleProcess, TryThis2_TheBundlesEnvReplacesTheStepsOwn) {
  support::reread("What changed");
  write_config(R"(["env"], "env": ["GREETING=hello"])");
  const auto result = run_bundle();
  EXPECT_EQ(result.out, "GREETING=hello\n") << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// Try this 3: the kernel takes 64 bytes (HOST_NAME_MAX); the reader refuses more before
// anything is made, where sethostname would fail only in PID 1, after the start.
TEST_F(Step46BundleProcess, TryThis3_AHostnameOf65BytesIsRefusedBeforeTheStart) {
  support::reread("Pitfalls");
  const std::string name(65, 'a');
  write_config(R"(["hostname"])", R"("hostname": ")" + name + R"(",)");
  const auto result = run_bundle();
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_EQ(result.err.find("container started"), std::string::npos) << result.describe();
  EXPECT_NE(result.err.find("config.json: hostname: longer than 64 bytes"), std::string::npos)
      << result.describe();
  expect_no_mounts_left();
  write_config(R"(["hostname"])", R"("hostname": ")" + name.substr(1) + R"(",)");
  const auto fits = run_bundle();
  EXPECT_EQ(fits.out, name.substr(1) + "\n") << fits.describe();
  EXPECT_EQ(fits.exit_code, 0) << fits.describe();
}

}  // namespace
