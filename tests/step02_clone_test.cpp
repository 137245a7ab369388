#include <algorithm>

#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
using Step02Clone = support::StepTest;

int count(const std::string& text, const std::string& word) {
  int found = 0;
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++found;
  return found;
}

TEST_F(Step02Clone, ParentAndChildBothGreetOnce) {
  support::reread("What changed");
  // stdout is a pipe here, as in `./step02 | cat`: an unflushed buffer copied into the
  // child would print the parent's greeting twice, a child that does not flush none.
  const auto result = run_step({});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "Hello, World! (parent)\nHello from the child!\n") << result.describe();
}

TEST_F(Step02Clone, ParentWaitsForItsChild) {
  support::reread("Pitfalls");
  // We adopt any process the step abandons; a parent that waits leaves none behind.
  support::become_subreaper();
  const auto result = run_step({});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  // There was a child (its line follows the parent's), and it did not outlive the parent.
  EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '\n'), 2)
      << "a parent's line and its child's\n"
      << result.describe();
  EXPECT_EQ(support::reap_orphans(), 0) << "the child outlived the parent: it must wait for it";
}

// Try this, with the flush removed (built by the tests' CMakeLists.txt): into a pipe the
// parent's line comes twice, on a terminal once.
TEST_F(Step02Clone, TryThis1_WithoutTheFlushAPipeGetsTheGreetingTwice) {
  support::reread("Try this");
  const std::string greeting = "Hello, World! (parent)";
  const auto piped = support::run({TRY_THIS_PROGRAM_1});
  EXPECT_EQ(count(piped.out, greeting), 2) << "`step02_clone | cat`\n" << piped.describe();
  const auto on_terminal = support::run({TRY_THIS_PROGRAM_1}, 20s, {.terminal = true});
  EXPECT_EQ(count(on_terminal.out, greeting), 1) << "on a terminal\n" << on_terminal.describe();
  EXPECT_EQ(count(run_step({}).out, greeting), 1) << "the step, with its flush, into a pipe";
}

TEST_F(Step02Clone, TryThis2_ChildsReturnValueIsTheStepsExitStatus) {
  support::reread("Try this");
  const auto result =
      support::run({"/bin/sh", "-c", "\"$0\" >/dev/null; echo $?", TRY_THIS_PROGRAM_2});
  EXPECT_EQ(result.out, "7\n") << "child returning 7\n" << result.describe();
  // and the step as it is: its child greets, returns 0, and so does the step
  const auto step = run_step({});
  EXPECT_EQ(step.exit_code, 0) << step.describe();
  EXPECT_NE(step.out.find("Hello from the child!\n"), std::string::npos) << step.describe();
}

}  // namespace
