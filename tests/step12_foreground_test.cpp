// Step 12: the command in a process group of its own that takes the step's terminal.
// Against step 11's code these fail: there the command shares PID 1's group, in the
// terminal's background, and Ctrl-C reaches the shell alone, through the step and PID 1.
// That the command reads the terminal is the property Terminal (tests/property_test.cpp).

#include <csignal>
#include <string>
#include <thread>

#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
using Step12Foreground = support::ContainerTest;

int count(const std::string& text, const std::string& word) {
  int found = 0;
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++found;
  return found;
}

// Fields 5 and 8 of /proc/PID/stat (proc(5)): the process group and the terminal's
// foreground group, numbered in the container's PID namespace (0: a group outside it).
TEST_F(Step12Foreground, OnATerminalTheCommandLeadsTheForegroundGroup) {
  support::reread("Run it");
  const auto result =
      run_container({"cut", "-d", " ", "-f5,8", "/proc/self/stat"}, {.terminal = true});
  EXPECT_NE(result.out.find("\n2 2\r\n"), std::string::npos)
      << "the command (PID 2) should lead its own group, the terminal's foreground group\n"
      << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  expect_no_mounts_left();
}

// Ctrl-C signals the terminal's foreground group: now the command and its children (the
// shell's `sleep`), and neither the step nor PID 1, which would pass it on once more.
TEST_F(Step12Foreground, CtrlCReachesTheCommandAndItsChildrenAtOnceAndOnce) {
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
  EXPECT_NE(result.out.find("after"), std::string::npos) << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  expect_nothing_left_running(result);
  expect_no_mounts_left();  // and TearDown checks that no cgroup is left
}

// The exercise on a terminal (with `echo ready`: the test then knows the trap is set):
// Ctrl-C twice, then `kill` of the step; then Ctrl-C in step 11, where the shell hears it
// only when its `sleep 10` ends.
TEST_F(Step12Foreground, TryThis1_GotIntAtOnceHereButLateInStep11) {
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

  support::Subprocess step11(container_of(TRY_THIS_STEP_11, command), {.terminal = true});
  ASSERT_TRUE(step11.wait_for_output("ready", 10s)) << step11.so_far().describe();
  std::this_thread::sleep_for(500ms);
  step11.type("\x03");
  EXPECT_FALSE(step11.wait_for_output("got INT", 2s)) << "step 11 too was quick\n"
                                                      << step11.so_far().describe();
  step11.signal(SIGTERM);
  step11.wait(10s);
  expect_no_mounts_left();  // and TearDown checks that no cgroup is left
}

}  // namespace
