// Step 44: while the step relays, its terminal is raw, and the container's terminal has
// the step's size and follows it. Against step 43's code these fail: there Ctrl-C is the
// step's signal (forwarded to the command alone), each typed line is echoed twice, and
// the container's terminal is 0 by 0 whatever the window.

#include <string>
#include <thread>
#include <vector>

#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
using Step44RawTerminal = support::ContainerTest;

int count(const std::string& text, const std::string& word) {
  int found = 0;
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++found;
  return found;
}

// Ctrl-C is a key again: the container's terminal signals its foreground group, the
// command and its children (the shell's `sleep`) at once, as in step 12.
TEST_F(Step44RawTerminal, CtrlCReachesTheCommandAndItsChildrenAtOnce) {
  support::reread("Goal");
  support::Subprocess process(
      container({"/bin/sh", "-c", "trap 'echo got-INT' INT; echo ready; sleep 10; echo after"}),
      {.terminal = true});
  const bool ready = process.wait_for_output("ready", 10s);
  if (ready) {
    std::this_thread::sleep_for(500ms);  // the shell starts its sleep
    process.type("\x03");  // what Ctrl-C types
  }
  const bool at_once = ready && process.wait_for_output("got-INT", 3s);
  const auto result = process.wait(at_once ? 10s : 0s);
  ASSERT_TRUE(ready) << "the container never said ready:\n" << result.describe();
  EXPECT_TRUE(at_once) << "no got-INT within 3 s of Ctrl-C: did its sleep not hear it?\n"
                       << result.describe();
  EXPECT_EQ(count(result.out, "got-INT"), 1) << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  expect_nothing_left_running(result);
}

// What is typed is echoed once, by the container's terminal, and reaches the command.
TEST_F(Step44RawTerminal, ATypedLineIsEchoedOnce) {
  support::reread("The problem");
  support::Subprocess process(container({"/bin/sh", "-c", "echo ready; read line; echo got-$line"}),
                              {.terminal = true});
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  process.type("typed\n");
  const auto result = process.wait(10s);
  EXPECT_EQ(count(result.out, "typed"), 2) << "echoed once, then got-typed\n" << result.describe();
  EXPECT_NE(result.out.find("got-typed\r\n"), std::string::npos) << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// The container's terminal starts with the step's size (the test's: 24 by 80), and follows
// it when the window is resized (SIGWINCH).
TEST_F(Step44RawTerminal, TheContainersTerminalHasTheStepsSizeAndFollowsIt) {
  support::reread("What changed");
  support::Subprocess process(
      container({"/bin/sh", "-c",
                 "stty size; echo ready; i=0; while [ \"$(stty size)\" != \"30 100\" ] && "
                 "[ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; stty size"}),
      {.terminal = true});
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  process.resize_terminal(30, 100);
  const auto result = process.wait(20s);
  EXPECT_NE(result.out.find("24 80\r\n"), std::string::npos) << result.describe();
  EXPECT_NE(result.out.find("30 100\r\n"), std::string::npos) << result.describe();
}

// When the step ends, its terminal is as it was: cooked, echoing (stty shows icanon and
// echo, not -icanon and -echo).
TEST_F(Step44RawTerminal, StillTheStepsTerminalIsAsItWasAfter) {
  support::reread("Pitfalls");
  std::vector<std::string> argv = {"/bin/sh", "-c", "\"$@\"; stty -a", "sh"};
  for (const std::string& arg : container({"/bin/true"})) argv.push_back(arg);
  const auto result = support::run(argv, 20s, {.terminal = true});
  EXPECT_NE(result.out.find(" icanon"), std::string::npos) << result.describe();
  EXPECT_NE(result.out.find(" echo "), std::string::npos) << result.describe();
  EXPECT_EQ(result.out.find("-icanon"), std::string::npos) << result.describe();
}

}  // namespace
