// Step 49: `state ID` prints the container's state as the OCI runtime spec has it:
// created, then running, then stopped. Against step 48's code these fail: `state` is taken
// for a command, and start removes the container's folder.

#include <signal.h>

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

}  // namespace
