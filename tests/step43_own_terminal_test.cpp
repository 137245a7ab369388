// Step 43: PID 1 in a session of its own, and on a terminal a pseudo-terminal of the
// container's own devpts, relayed by the step. Against step 42's code these fail: there
// the command writes to the test's terminal itself (tty finds no name for it), and what it does
// to that terminal (its size, its modes) stays done after it.

#include <algorithm>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
using Step43OwnTerminal = support::ContainerTest;

// How long a test waits for a container whose input or output ends: a correct step ends it
// in about 0.2 s, and one that leaves it waiting for good (no Ctrl-D, no SIGPIPE) fails
// after this, not after run()'s 20 s.
constexpr auto kEndsAtOnce = 5s;

int count(const std::string& text, const std::string& word) {
  int found = 0;
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++found;
  return found;
}

// The container's terminal is the first of its own devpts: /dev/pts/0, whatever the
// number of the test's (the host's) terminal.
TEST_F(Step43OwnTerminal, OnATerminalTheContainerHasOneOfItsOwn) {
  support::reread("Goal");
  const auto result = run_container({"tty"}, {.terminal = true});
  EXPECT_NE(result.out.find("/dev/pts/0\r"), std::string::npos) << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// What the command does to its terminal is done to the container's: the test's terminal
// keeps its size (24 rows, 80 columns).
TEST_F(Step43OwnTerminal, TheHostsTerminalKeepsItsSize) {
  support::reread("Goal");
  support::Subprocess process(container({"stty", "rows", "11", "cols", "33"}), {.terminal = true});
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(process.terminal_size(), (std::pair{24, 80})) << result.describe();
}

// The relay ends when the container does, after the last of its output: nothing is lost
// (the step waits for its relay), and the command's status is the step's. The lines pass
// both terminals ("\r\r\n"), not the test's alone as in step 42.
TEST_F(Step43OwnTerminal, EveryLineComesThroughAndTheStatusToo) {
  support::reread("What changed");
  const auto result =
      run_container({"/bin/sh", "-c",
                     "i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo line-$i; done; "
                     "exit 7"},
                    {.terminal = true});
  EXPECT_NE(result.out.find("line-3000\r\r\n"), std::string::npos) << result.describe();
  EXPECT_EQ(result.exit_code, 7) << result.describe();
}

// Output still in the container's terminal when its last process has ended is copied all
// the same. The test reads its terminal only after 2 s: about 12 KB of the 20000 bytes fit
// in it and in the relay's buffer, the rest waits in the container's terminal, and the
// container ends. The step waits for its relay, which copies the rest once the test reads.
TEST_F(Step43OwnTerminal, OutputLeftInTheTerminalReachesALateReader) {
  support::reread("What changed");
  support::Subprocess process(
      container({"/bin/sh", "-c", "head -c 20000 /dev/zero | tr '\\0' x; echo"}),
      {.terminal = true});
  std::this_thread::sleep_for(2s);
  const auto result = process.wait(10s);
  EXPECT_NE(result.out.find(std::string(20000, 'x') + "\r\r\n"), std::string::npos)
      << "output lost: " << std::count(result.out.begin(), result.out.end(), 'x') << " x's came\n"
      << result.err;
  EXPECT_EQ(result.exit_code, 0) << result.err;
}

// A command that cannot start: PID 1 has sent the terminal, the child fails, and the
// step does not wait on a relay that has nothing more to relay.
TEST_F(Step43OwnTerminal, StillACommandNotFoundIs127) {
  support::reread("Pitfalls");
  const auto result = run_container({"no-such-command"}, {.terminal = true});
  EXPECT_EQ(result.exit_code, 127) << result.describe();
}

// Not one of the step's stdin, stdout and stderr a terminal, the container gets none, and
// no controlling terminal, even where the step has one: /dev/tty opens nothing (ENXIO).
TEST_F(Step43OwnTerminal, WithoutATerminalTheContainerHasNoneNotEvenTheSteps) {
  support::reread("Goal");
  std::vector<std::string> argv = {"/bin/sh", "-c", "\"$@\" </dev/null 2>&1 | cat", "sh"};
  for (const std::string& arg : container({"/bin/sh", "-c", "tty; (: </dev/tty) || echo no-tty"}))
    argv.push_back(arg);
  const auto result = support::run(argv, 20s, {.terminal = true});
  EXPECT_NE(result.out.find("not a tty"), std::string::npos) << result.describe();
  EXPECT_NE(result.out.find("no-tty"), std::string::npos) << result.describe();
}

// Input from a pipe, output to a terminal: the container's terminal gets the input, and
// then its end (Ctrl-D), so a command that reads to the end ends.
TEST_F(Step43OwnTerminal, PipedInputComesThroughAndEnds) {
  support::reread("What changed");
  std::vector<std::string> argv = {"/bin/sh", "-c", "echo typed | \"$@\"", "sh"};
  for (const std::string& arg : container({"/bin/sh", "-c", "cat; echo got-end; tty"}))
    argv.push_back(arg);
  const auto result = support::run(argv, kEndsAtOnce, {.terminal = true});
  EXPECT_NE(result.out.find("typed\r"), std::string::npos) << result.describe();
  EXPECT_NE(result.out.find("/dev/pts/0\r"), std::string::npos) << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// Rootless too: the devpts of a user namespace's own mount gives the container its pair.
TEST_F(Step43OwnTerminal, RootlessTheContainerHasOneOfItsOwnToo) {
  support::reread("Run it");
  const auto result = run_container({"tty"}, {.as_user = 65534, .terminal = true});
  EXPECT_NE(result.out.find("/dev/pts/0\r"), std::string::npos) << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// Try this 1: a line typed is echoed twice, by the test's terminal ("hi\r\n") and by the
// container's, whose echo passes the test's too ("hi\r\r\n", as does "got hi").
TEST_F(Step43OwnTerminal, TryThis1_ATypedLineIsEchoedTwice) {
  support::reread("Try this");
  support::Subprocess process(container({"sh", "-c", "read line; echo \"got $line\""}),
                              {.terminal = true});
  // The log line's end too: its newline may come in a write of its own, after an echo.
  ASSERT_TRUE(process.wait_for_output("PID namespace\r\n", 10s)) << process.so_far().describe();
  process.type("hi\r");  // what Enter types
  const auto result = process.wait(10s);
  EXPECT_NE(result.out.find("\nhi\r\n"), std::string::npos) << result.describe();
  EXPECT_EQ(count(result.out, "hi\r\r\n"), 2) << "the container's echo and got hi\n"
                                              << result.describe();
  EXPECT_NE(result.out.find("got hi\r\r\n"), std::string::npos) << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// Try this 2: Ctrl-C is the test's terminal's SIGINT for the step, which passes it to PID 1,
// PID 1 to the shell alone: the shell hears it when its sleep ends, as in step 11. In step
// 42 the terminal signals the command's group, sleep included: at once (step 12).
TEST_F(Step43OwnTerminal, TryThis2_GotIntOnlyWhenSleepEndsButAtOnceInStep42) {
  support::reread("Try this");
  const std::vector<std::string> command{"sh", "-c",
                                         "trap \"echo got INT\" INT; echo ready; "
                                         "while :; do sleep 10; done"};
  support::Subprocess process(container(command), {.terminal = true});
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  std::this_thread::sleep_for(500ms);  // the shell starts its sleep
  process.type("\x03");
  EXPECT_FALSE(process.wait_for_output("got INT", 2s)) << "got INT at once\n"
                                                       << process.so_far().describe();
  EXPECT_TRUE(process.wait_for_output("got INT", 12s)) << "no got INT when sleep ended\n"
                                                       << process.so_far().describe();
  process.signal(SIGTERM);
  const auto result = process.wait(10s);
  EXPECT_EQ(count(result.out, "got INT"), 1) << result.describe();
  EXPECT_EQ(result.exit_code, 143) << result.describe();
  expect_nothing_left_running(result);

  support::Subprocess step42(container_of(TRY_THIS_STEP_42, command), {.terminal = true});
  ASSERT_TRUE(step42.wait_for_output("ready", 10s)) << step42.so_far().describe();
  std::this_thread::sleep_for(500ms);
  step42.type("\x03");
  EXPECT_TRUE(step42.wait_for_output("got INT", 3s)) << "step 42 too was late\n"
                                                     << step42.so_far().describe();
  step42.signal(SIGTERM);
  EXPECT_EQ(step42.wait(10s).exit_code, 143) << step42.so_far().describe();
  expect_no_mounts_left();  // and TearDown checks that no cgroup is left
}

// Try this 3: stdin a terminal, stdout a pipe: the container gets a terminal all the same,
// whose ONLCR turns "\n" into "\r\n" (od -c shows "\r  \n"). Step 42's echo writes the pipe.
TEST_F(Step43OwnTerminal, TryThis3_APipeGetsCarriageReturnsButNotInStep42) {
  support::reread("Try this");
  for (const auto& [step_program, want] :
       {std::pair<std::string, std::string>{program(), "h   i  \\r  \\n"},
        {TRY_THIS_STEP_42, "h   i  \\n"}}) {
    std::vector<std::string> argv = {"/bin/sh", "-c", "\"$@\" | od -c", "sh"};
    for (const std::string& arg : container_of(step_program, {"echo", "hi"})) argv.push_back(arg);
    const auto result = support::run(argv, 20s, {.terminal = true});
    EXPECT_NE(result.out.find(want), std::string::npos) << step_program << "\n"
                                                        << result.describe();
    EXPECT_EQ(result.exit_code, 0) << result.describe();
  }
}

// Output into a pipe whose reader ends (`| head -2`): as from a pipe of its own, the
// container's writer gets SIGPIPE (the step, its relay's write failing, signals it through
// the terminal), and the container ends instead of filling its terminal forever.
TEST_F(Step43OwnTerminal, StillAReaderThatEndsEndsTheWriter) {
  support::reread("Pitfalls");
  std::vector<std::string> argv = {"/bin/sh", "-c", "\"$@\" | head -n 2; echo ended", "sh"};
  for (const std::string& arg : container({"yes"})) argv.push_back(arg);
  const auto result = support::run(argv, kEndsAtOnce, {.terminal = true});
  EXPECT_NE(result.out.find("y\r\r\ny\r\r\nended"), std::string::npos) << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  expect_nothing_left_running(result);
}

// Input whose last line has no newline: the relay ends it with two Ctrl-D, the first of
// which hands the line over, the second is the end of input (termios(3), VEOF).
TEST_F(Step43OwnTerminal, StillInputWithoutAFinalNewlineComesThroughAndEnds) {
  support::reread("What changed");
  std::vector<std::string> argv = {"/bin/sh", "-c", "printf typed | \"$@\"", "sh"};
  for (const std::string& arg : container({"/bin/sh", "-c", "cat; echo; echo got-end"}))
    argv.push_back(arg);
  const auto result = support::run(argv, kEndsAtOnce, {.terminal = true});
  EXPECT_NE(result.out.find("got-end"), std::string::npos) << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  expect_nothing_left_running(result);
}

// A command that writes much and never reads the much it is given: its terminal's input
// fills up, and the relay's input waits, but never its output, which the command needs
// to end (one thread each way).
TEST_F(Step43OwnTerminal, StillACommandThatReadsNoneOfItsInputEnds) {
  support::reread("What changed");
  std::vector<std::string> argv = {"/bin/sh", "-c", "seq 30000 | \"$@\" >/dev/null; echo ended $?",
                                   "sh"};
  for (const std::string& arg : container({"seq", "30000"})) argv.push_back(arg);
  const auto result = support::run(argv, 30s, {.terminal = true});
  EXPECT_NE(result.out.find("ended 0"), std::string::npos) << result.describe();
  expect_nothing_left_running(result);
}

}  // namespace
