// Step 49: `state ID` prints the container's state as the OCI runtime spec has it:
// created, then running, then stopped. Against step 48's code these fail: `state` is taken
// for a command, and start removes the container's folder.

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/bundle_test.hpp"

namespace {

using namespace std::chrono_literals;
using Step49State = support::RuntimeTest;

// created after create, running after start, stopped once PID 1 has ended; the PID while
// it runs, and always the bundle.
TEST_F(Step49State, CreatedRunningStopped) {
  support::reread("Goal");
  write_config(R"(["/bin/sh", "-c", "echo ready; sleep 1"])");
  ASSERT_EQ(create("box").exit_code, 0) << output();
  const pid_t pid = pid1();
  const std::string bundle_json = "\"bundle\": \"" + bundle().native() + "\"";
  const auto created = runtime({"state", "box"});
  EXPECT_EQ(created.exit_code, 0) << created.describe();
  EXPECT_EQ(created.out,
            "{\"ociVersion\": \"1.0.2\", \"id\": \"box\", \"status\": \"created\", "
            "\"pid\": " +
                std::to_string(pid) + ", " + bundle_json + "}\n");
  ASSERT_EQ(runtime({"start", "box"}).exit_code, 0);
  support::wait_for_text(out(), "ready", 10s);
  EXPECT_NE(runtime({"state", "box"})
                .out.find("\"status\": \"running\", \"pid\": " + std::to_string(pid) + ","),
            std::string::npos);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  const auto stopped = runtime({"state", "box"});
  EXPECT_EQ(stopped.out, "{\"ociVersion\": \"1.0.2\", \"id\": \"box\", \"status\": \"stopped\", " +
                             bundle_json + "}\n");
}

// A zombie PID 1 (ended, not yet reaped by its parent, here this test) is stopped too.
TEST_F(Step49State, AZombiePid1IsStopped) {
  support::reread("What changed");
  write_config(R"(["true"])");
  ASSERT_EQ(create("box").exit_code, 0) << output();
  const pid_t pid = pid1();
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  // Not reaped: a zombie, this test's child; wait (5 s at most) until /proc says so.
  const std::string stat = "/proc/" + std::to_string(pid) + "/stat";
  ASSERT_NE(support::wait_for_text(stat, ") Z ", 5s).find(") Z "), std::string::npos);
  EXPECT_NE(runtime({"state", "box"}).out.find("\"status\": \"stopped\""), std::string::npos);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
}

// An unknown ID is an error (125), with the folder it looked for.
TEST_F(Step49State, AnUnknownIdIsAnError) {
  support::reread("Pitfalls");
  const auto result = runtime({"state", "nobox"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("nobox: no container of that ID"), std::string::npos)
      << result.describe();
}

// A container starts once: after start, start is refused.
TEST_F(Step49State, StillAContainerStartsOnce) {
  support::reread("Goal");
  write_config(R"(["true"])");
  ASSERT_EQ(create("box").exit_code, 0) << output();
  const pid_t pid = pid1();
  EXPECT_EQ(runtime({"start", "box"}).exit_code, 0);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  EXPECT_EQ(runtime({"start", "box"}).exit_code, 125);
}

// Try this 1: a record whose start time is not PID 1's names another process: state says
// stopped, without a pid, though PID 1 still waits for start.
TEST_F(Step49State, TryThis1_AnotherStartTimeIsAnotherProcess) {
  support::reread("Concepts");
  write_config(R"(["true"])");
  ASSERT_EQ(create("box2").exit_code, 0) << output();
  const pid_t pid = pid1();
  ASSERT_GT(pid, 0);
  const auto sed =
      support::run({"/bin/sh", "-c", "sed -i '1s/ .*/ 1/' \"$0\"", state() / "box2" / "pid"});
  ASSERT_EQ(sed.exit_code, 0) << sed.describe();
  const auto result = runtime({"state", "box2"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out,
            "{\"ociVersion\": \"1.0.2\", \"id\": \"box2\", \"status\": \"stopped\", "
            "\"bundle\": \"" +
                bundle().native() + "\"}\n");
  EXPECT_EQ(::kill(pid, 0), 0) << "PID 1 has ended";
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
}

// Try this 2: the record's start time is field 22 of /proc/PID/stat, in clock ticks since
// boot (CLK_TCK a second): PID 1 started a moment before now, by /proc/uptime.
TEST_F(Step49State, TryThis2_TheStartTimeIsInClockTicksSinceBoot) {
  support::reread("Concepts");
  write_config(R"(["true"])");
  ASSERT_EQ(create("box2").exit_code, 0) << output();
  const pid_t pid = pid1();
  ASSERT_GT(pid, 0);
  pid_t recorded = -1;
  unsigned long long started = 0;
  std::ifstream(state() / "box2" / "pid") >> recorded >> started;
  EXPECT_EQ(recorded, pid);
  const auto cut = support::run(
      {"/bin/sh", "-c", "cut -d' ' -f22 /proc/$(cat \"$0\")/stat", pid_file().native()});
  EXPECT_EQ(cut.out, std::to_string(started) + "\n") << cut.describe();
  const auto ticks = support::run({"/bin/sh", "-c", "getconf CLK_TCK"});
  EXPECT_EQ(ticks.out, "100\n") << ticks.describe();
  double uptime = 0;
  std::ifstream("/proc/uptime") >> uptime;
  EXPECT_LE(static_cast<double>(started) / 100, uptime);
  EXPECT_GT(static_cast<double>(started) / 100, uptime - 30) << "started just now";
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
}

// Try this 3: without its FIFO a created container reads as running, though its command
// never ran; start then finds no FIFO to open, and PID 1 waits on.
TEST_F(Step49State, TryThis3_WithoutItsFifoACreatedContainerReadsAsRunning) {
  support::reread("Pitfalls");
  write_config(R"(["true"])");
  ASSERT_EQ(create("box3").exit_code, 0) << output();
  const pid_t pid = pid1();
  ASSERT_GT(pid, 0);
  const std::filesystem::path fifo = state() / "box3" / "exec.fifo";
  ASSERT_EQ(support::run({"/bin/sh", "-c", "rm \"$0\"", fifo}).exit_code, 0);
  EXPECT_NE(runtime({"state", "box3"})
                .out.find("\"status\": \"running\", \"pid\": " + std::to_string(pid) + ","),
            std::string::npos);
  const auto started = runtime({"start", "box3"});
  EXPECT_EQ(started.exit_code, 125) << started.describe();
  EXPECT_NE(started.err.find("open(" + fifo.native() + "): No such file or directory"),
            std::string::npos)
      << started.describe();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(::kill(pid, 0), 0) << "PID 1 has ended";
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
}

}  // namespace
