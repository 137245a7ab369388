// Step 43: PID 1 in a session of its own, and on a terminal a pseudo-terminal of the
// container's own devpts, relayed by the step. Against step 42's code these fail: there
// the command writes to the test's terminal itself (tty names the host's), and what it does
// to that terminal (its size, its modes) stays done after it.

#include <string>
#include <vector>

#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
using Step43OwnTerminal = support::ContainerTest;

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
  support::reread("The problem");
  support::Subprocess process(container({"stty", "rows", "11", "cols", "33"}), {.terminal = true});
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(process.terminal_size(), (std::pair{24, 80})) << result.describe();
}

// The relay ends when the container does, after the last of its output: nothing is lost
// (the step waits for its relay), and the command's status is the step's.
TEST_F(Step43OwnTerminal, EveryLineComesThroughAndTheStatusToo) {
  support::reread("What changed");
  const auto result =
      run_container({"/bin/sh", "-c",
                     "i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo line-$i; done; "
                     "exit 7"},
                    {.terminal = true});
  EXPECT_NE(result.out.find("line-3000\r"), std::string::npos) << result.describe();
  EXPECT_EQ(result.exit_code, 7) << result.describe();
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
  const auto result = support::run(argv, 20s, {.terminal = true});
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

}  // namespace
