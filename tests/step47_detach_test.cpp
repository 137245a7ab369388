// Step 47: with --detach the step ends once the container runs, and the container goes
// on; its janitor removes its cgroups once it ends. Against step 46's code these fail: it
// has no --detach (125, unknown option).

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/bundle_test.hpp"

namespace {

using namespace std::chrono_literals;

class Step47Detach : public support::BundleTest {
 protected:
  std::filesystem::path out() const { return bundle() / "out"; }
  std::filesystem::path pid_file() const { return bundle() / "pid"; }
  support::ProcessResult detach() const {
    return support::run_into_file(
        step({"--detach", "--pid-file", pid_file(), "--bundle", bundle()}), out());
  }
  pid_t pid1() const {
    pid_t pid = -1;
    std::ifstream(pid_file()) >> pid;
    return pid;
  }
};

// The step ends (0) while the command still sleeps; the pid file names PID 1, which runs
// on, and the command's output and status come after.
TEST_F(Step47Detach, TheStepEndsAndTheContainerGoesOn) {
  support::reread("Goal");
  write_config(R"(["/bin/sh", "-c", "echo started; sleep 1; echo done"])");
  const auto result = detach();
  EXPECT_EQ(result.exit_code, 0) << support::wait_for_text(out(), "done", 0ms);
  const pid_t pid = pid1();
  ASSERT_GT(pid, 0) << "no PID in the pid file";
  EXPECT_EQ(::kill(pid, 0), 0) << "PID 1 is not running after the step ended";
  EXPECT_EQ(support::wait_for_text(out(), "done", 0ms).find("done"), std::string::npos)
      << "the step waited for the command";
  EXPECT_NE(support::wait_for_text(out(), "done", 10s).find("started\ndone\n"), std::string::npos)
      << support::wait_for_text(out(), "done", 0ms);
  EXPECT_TRUE(support::reaped_within(pid, 5s)) << "PID 1 did not end";
}

// Once PID 1 ends, the janitor removes the container's cgroups: nothing is left.
TEST_F(Step47Detach, TheJanitorRemovesTheCgroupsAfterTheContainer) {
  support::reread("What changed");
  write_config(R"(["/bin/sh", "-c", "sleep 1"])");
  ASSERT_EQ(detach().exit_code, 0) << support::wait_for_text(out(), "", 0ms);
  const pid_t pid = pid1();
  ASSERT_GT(pid, 0);
  const std::filesystem::path pids = support::cgroup_of(pid, "pids");
  EXPECT_NE(pids.filename().native().find("step47"), std::string::npos) << pids;
  EXPECT_TRUE(std::filesystem::exists(pids)) << "the cgroup went with the step";
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  EXPECT_TRUE(support::gone_within(pids, 5s)) << pids << " stays after the container";
}

// kill -9 of PID 1: the janitor removes the cgroups all the same.
TEST_F(Step47Detach, AfterKillMinus9OfPid1NothingIsLeft) {
  support::reread("Pitfalls");
  write_config(R"(["sleep", "30"])");
  ASSERT_EQ(detach().exit_code, 0) << support::wait_for_text(out(), "", 0ms);
  const pid_t pid = pid1();
  ASSERT_GT(pid, 0);
  const std::filesystem::path pids = support::cgroup_of(pid, "pids");
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  EXPECT_TRUE(support::gone_within(pids, 5s)) << pids << " stays after the container";
}

// PID 1 fails before the command (a hostname over 64 bytes): the step waits for it and
// its failure is the step's.
TEST_F(Step47Detach, APid1ThatFailsIsTheStepsFailure) {
  support::reread("What changed");
  write_config(R"(["true"])", "\"hostname\": \"" + std::string(70, 'h') + "\",");
  const auto result = detach();
  EXPECT_EQ(result.exit_code, 125);
  EXPECT_NE(support::wait_for_text(out(), "", 0ms).find("sethostname"), std::string::npos)
      << support::wait_for_text(out(), "", 0ms);
}

// A terminal would lose its relay with the step: refused, and so is the step's own.
TEST_F(Step47Detach, ATerminalIsRefused) {
  support::reread("Pitfalls");
  write_config(R"(["true"])");
  const auto result = run_step({"--detach", "--bundle", bundle().native()}, {.terminal = true});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.out.find("--detach: a terminal is not supported"), std::string::npos)
      << result.describe();
}

// Without --detach the step still waits, and the status is the command's.
TEST_F(Step47Detach, StillWithoutDetachTheStepWaits) {
  support::reread("Goal");
  write_config(R"(["/bin/sh", "-c", "sleep 0.5; exit 4"])");
  const auto result = run_bundle();
  EXPECT_EQ(result.exit_code, 4) << result.describe();
}

}  // namespace
