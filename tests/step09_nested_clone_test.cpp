#include <csignal>
#include <regex>
#include <thread>

#include "common/files.hpp"
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

// No mount namespace yet (step 14): the host sees /proc while the container runs, but
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

// The exercise's command, in the step and with reap_until(pid) replaced by wait_for(pid)
// (the tests' CMakeLists.txt): only then is the orphaned sleep left a zombie.
TEST_F(Step09NestedClone, TryThis1_OnlyAPid1ThatReapsLeavesNoZombie) {
  support::reread("Try this");
  const std::vector<std::string> command{"/bin/sh", "-c",
                                         "sh -c \"sleep 0.2 &\"; sleep 1; ps -o pid,stat,comm"};
  const std::regex zombie(R"(^ *[0-9]+ +Z)", std::regex::multiline);
  const auto result = run_container(command);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_FALSE(std::regex_search(result.out, zombie)) << result.describe();
  std::vector<std::string> edited{TRY_THIS_PROGRAM_1, "--rootfs", rootfs().native()};
  edited.insert(edited.end(), command.begin(), command.end());
  const auto waiting = support::run(edited);
  EXPECT_EQ(waiting.exit_code, 0) << waiting.describe();
  EXPECT_TRUE(std::regex_search(waiting.out, zombie)) << "with wait_for(pid)\n"
                                                      << waiting.describe();
  expect_no_mounts_left();
}

// "Another terminal" is this test: it kills the step, finds the sleep with pgrep, then
// cleans up as the exercise says.
TEST_F(Step09NestedClone, TryThis2_TheContainerOutlivesItsStep) {
  support::reread("Try this");
  support::Subprocess process(container({"sleep", "60"}));
  ASSERT_TRUE(process.wait_for_output("PID 1 is PID", 10s)) << process.so_far().describe();
  const pid_t init = support::host_pid_of_init(process.so_far().err);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const std::vector<std::string> find_sleep{"/usr/bin/pgrep", "-a", "-P", std::to_string(init),
                                            "sleep"};
  for (int i = 0; i < 100 && support::run(find_sleep).exit_code != 0; ++i)
    std::this_thread::sleep_for(50ms);
  // The step finds itself in `ps -C`, with PID 1 as its child.
  const auto ps = support::run(
      {"/usr/bin/ps", "-o", "pid=,ppid=", "-C", std::filesystem::path(program()).filename()});
  EXPECT_TRUE(std::regex_search(ps.out, std::regex("(^|\n) *" + std::to_string(init) + " +" +
                                                   std::to_string(process.pid()) + "\n")))
      << ps.describe();
  process.signal(SIGTERM);
  // The step is gone (a zombie of ours) when its state reads Z.
  const std::string stat = "/proc/" + std::to_string(process.pid()) + "/stat";
  for (int i = 0; i < 100 && common::read_file(stat).find(") Z ") == std::string::npos; ++i)
    std::this_thread::sleep_for(50ms);
  const auto pgrep = support::run(find_sleep);
  const bool init_alive = ::kill(init, 0) == 0;
  ::kill(init, SIGKILL);  // the clean-up the exercise asks for: kill -9 of PID 1, umount
  EXPECT_TRUE(support::reaped_within(init, 5s));
  process.wait(10s);
  support::unmount_all_under(rootfs());
  EXPECT_TRUE(init_alive) << "PID 1 ended with its step";
  EXPECT_NE(pgrep.out.find("sleep 60"), std::string::npos) << "the sleep ended with its step\n"
                                                           << pgrep.describe();
  expect_no_mounts_left();
}

}  // namespace
