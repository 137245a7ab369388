#include <csignal>
#include <regex>

#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;

using Step09NestedClone = support::ContainerTest;

TEST_F(Step09NestedClone, ExitStatusesPassBack) {
  support::reread("Pitfalls");
  for (int code : {0, 3, 255}) {
    const auto result = run_container({"/bin/sh", "-c", "exit " + std::to_string(code)});
    EXPECT_EQ(result.exit_code, code) << result.describe();
  }
  const auto killed = run_container({"/bin/sh", "-c", "kill -TERM $$"});
  EXPECT_EQ(killed.exit_code, 128 + SIGTERM) << "a command killed by SIGTERM should give 143\n"
                                             << killed.describe();
  expect_no_mounts_left();
}

// No mount namespace yet (step 13): the host sees /proc while the container runs, but
// PID 1 takes it down when the command ends, which step 08 never did.
TEST_F(Step09NestedClone, ProcIsUnmountedWhenTheCommandEnds) {
  support::reread("What changed");
  support::Subprocess process(container({"/bin/sh", "-c", "echo ready; sleep 1"}));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  EXPECT_FALSE(support::mounts_under(rootfs()).empty())
      << "/proc should be mounted while the container runs";
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  expect_nothing_left_running(result);
  expect_no_mounts_left();
}

TEST_F(Step09NestedClone, CommandRunsUnderAnInitThatStays) {
  support::reread("Goal");
  const auto result = run_container({"/bin/sh", "-c", "echo $$; ps -o pid,comm"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_TRUE(result.out.starts_with("2\n"))
      << "the command should be PID 2, under the step's PID 1\n"
      << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step09NestedClone, OrphanDoesNotEndTheContainerEarlyNorStayAZombie) {
  support::reread("Pitfalls");
  // The inner shell starts a sleep and exits: the sleep is orphaned and re-parented to
  // PID 1. An init that takes any child's end for the command's would stop here; one
  // that never reaps would leave it a zombie (state Z) for ps to show.
  const auto result = run_container(
      {"/bin/sh", "-c", "sh -c 'sleep 0.2 &'; sleep 1; ps -o pid,stat,comm; echo end; exit 5"});
  EXPECT_EQ(result.exit_code, 5) << "the container ended before its command\n" << result.describe();
  EXPECT_NE(result.out.find("end\n"), std::string::npos) << "the command was cut short\n"
                                                         << result.describe();
  EXPECT_FALSE(std::regex_search(result.out, std::regex(R"(^ *[0-9]+ +Z)", std::regex::multiline)))
      << "a zombie is left in the container: PID 1 must reap every child\n"
      << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step09NestedClone, FailingCommandStillUnmounts) {
  support::reread("Goal");
  const auto result = run_container({"/no/such/command"});
  EXPECT_EQ(result.exit_code, 127) << result.describe();
  expect_no_mounts_left();
}

}  // namespace
