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

// The chapter's Try this, as a reader would type it: the exit status, then the edited
// program (`return 3;`, built by the tests' CMakeLists.txt).
TEST_F(Step01Hello, TryThis1_ExitStatusIsWhatMainReturns) {
  support::reread("Try this");
  const auto result = support::run({"/bin/sh", "-c", "\"$0\"; echo $?", program()});
  EXPECT_EQ(result.out, "Hello, World!\n0\n") << result.describe();
  const auto edited = support::run({"/bin/sh", "-c", "\"$0\"; echo $?", TRY_THIS_PROGRAM_1});
  EXPECT_EQ(edited.out, "Hello, World!\n3\n") << "with `return 3;`\n" << edited.describe();
}

}  // namespace
