#include <algorithm>

#include "tests/support/step_test.hpp"

namespace {

using Step02Clone = support::StepTest;

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

}  // namespace
