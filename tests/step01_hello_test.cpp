#include "tests/support/step_test.hpp"

namespace {

using Step01Hello = support::StepTest;

TEST_F(Step01Hello, GreetsTheWorld) {
  support::reread("Goal");
  const auto result = run_step({});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "Hello, World!\n") << "running the program should print the greeting\n"
                                           << result.describe();
}

}  // namespace
