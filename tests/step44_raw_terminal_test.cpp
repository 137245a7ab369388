// Step 44: while the step relays, its terminal is raw, and the container's terminal has
// the step's size and follows it. Against step 43's code these fail: there Ctrl-C is the
// step's signal (forwarded to the command alone), each typed line is echoed twice, and
// the container's terminal is 0 by 0 whatever the window.

#include <csignal>
#include <regex>
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
  support::reread("Goal");
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
  // A terminal without the step's size will not follow it either: no use waiting 10 s.
  ASSERT_NE(process.so_far().out.find("24 80\r\n"), std::string::npos)
      << process.so_far().describe();
  process.resize_terminal(30, 100);
  const auto result = process.wait(20s);
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

// Try this 1: Ctrl-C a few times while the shell sleeps, then `kill` of the step. Here the
// container's terminal signals the shell and its sleep at once, one got INT each time; in
// step 43 the step passes SIGINT on to the shell alone, which hears it when sleep 10 ends.
TEST_F(Step44RawTerminal, TryThis1_GotIntAtOnceHereButLateInStep43) {
  support::reread("Try this");
  const std::vector<std::string> command{"sh", "-c",
                                         "trap \"echo got INT\" INT; echo ready; "
                                         "while :; do sleep 10; done"};
  support::Subprocess process(container(command), {.terminal = true});
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  for (int press = 1; press <= 2; ++press) {
    std::this_thread::sleep_for(500ms);  // the shell (re)starts its sleep
    process.type("\x03");
    for (int i = 0; i < 20 && count(process.so_far().out, "got INT") < press; ++i)
      process.wait_for_output("\x01", 100ms);  // reads what came meanwhile
    EXPECT_EQ(count(process.so_far().out, "got INT"), press)
        << "Ctrl-C " << press << ": no got INT within 2 s\n"
        << process.so_far().describe();
  }
  process.signal(SIGTERM);
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 143) << result.describe();
  expect_nothing_left_running(result);

  support::Subprocess step43(container_of(TRY_THIS_STEP_43, command), {.terminal = true});
  ASSERT_TRUE(step43.wait_for_output("ready", 10s)) << step43.so_far().describe();
  std::this_thread::sleep_for(500ms);
  step43.type("\x03");
  EXPECT_FALSE(step43.wait_for_output("got INT", 2s)) << "step 43 too was quick\n"
                                                      << step43.so_far().describe();
  step43.signal(SIGTERM);
  step43.wait(10s);
}

// Try this 2: a shell that prints its terminal's size on SIGWINCH, and the window resized.
// Here the kernel signals the container's foreground group when the step sets the new
// size; in step 43 the step passes SIGWINCH on to the shell, whose terminal is 0 by 0:
// busybox's stty fails ("stty: standard input").
TEST_F(Step44RawTerminal, TryThis2_TheShellHearsTheNewSizeHereButNoSizeInStep43) {
  support::reread("Try this");
  const std::vector<std::string> command{
      "sh", "-c", "trap \"stty size\" WINCH; echo ready; while :; do sleep 1; done"};
  support::Subprocess process(container(command), {.terminal = true});
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  process.resize_terminal(30, 100);
  EXPECT_TRUE(process.wait_for_output("30 100\r\n", 5s)) << process.so_far().describe();
  process.signal(SIGTERM);
  EXPECT_EQ(process.wait(10s).exit_code, 143) << process.so_far().describe();

  support::Subprocess step43(container_of(TRY_THIS_STEP_43, command), {.terminal = true});
  ASSERT_TRUE(step43.wait_for_output("ready", 10s)) << step43.so_far().describe();
  step43.resize_terminal(30, 100);
  EXPECT_TRUE(step43.wait_for_output("stty: standard input", 5s)) << step43.so_far().describe();
  step43.signal(SIGTERM);
  step43.wait(10s);
  EXPECT_EQ(step43.so_far().out.find("30 100"), std::string::npos) << step43.so_far().describe();
}

// Try this 3: `kill -9` of the step while its container's shell waits. No destructor runs:
// the terminal stays raw (stty -a: -isig -icanon -echo -opost), and its lines lack their
// carriage return.
// A shell on the test's terminal plays the reader's: it runs the step on that terminal
// (`&` alone would give it /dev/null) and, once the step is killed, `stty -a`.
TEST_F(Step44RawTerminal, TryThis3_KilledWithSigkillTheStepLeavesItsTerminalRaw) {
  support::reread("Pitfalls");
  std::vector<std::string> argv = {"/bin/sh", "-c",
                                   "exec 3<&0; \"$@\" <&3 & echo \"step $!\"; wait; stty -a", "sh"};
  for (const std::string& arg : container({"/bin/sh", "-c", "echo ready; sleep 30"}))
    argv.push_back(arg);
  support::Subprocess process(argv, {.terminal = true});
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  std::smatch step;
  const std::string so_far = process.so_far().out;
  ASSERT_TRUE(std::regex_search(so_far, step, std::regex("step ([0-9]+)"))) << so_far;
  ::kill(std::stoi(step[1]), SIGKILL);
  const auto result = process.wait(20s);
  for (const std::string mode : {"-isig", "-icanon", "-echo", "-opost"})  // each a word of stty -a
    EXPECT_TRUE(std::regex_search(result.out, std::regex("(^|\\s)" + mode + "\\s")))
        << mode << "\n"
        << result.describe();
  EXPECT_EQ(result.out.find("\r", result.out.find("speed ")), std::string::npos)
      << "stty -a's lines end in a carriage return: the terminal is not raw\n"
      << result.describe();
  // The step is not the test's child: its janitor must remove its cgroups all the same.
  const std::regex cgroup("cgroup (/sys/fs/cgroup/[^ ]+) \\(");
  for (std::sregex_iterator it(result.out.begin(), result.out.end(), cgroup), end; it != end; ++it)
    EXPECT_TRUE(support::gone_within((*it)[1].str(), 5s)) << (*it)[1] << " is left";
}

}  // namespace
