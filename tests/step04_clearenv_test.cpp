#include "tests/support/step_test.hpp"

namespace {

using Step04Clearenv = support::StepTest;

TEST_F(Step04Clearenv, CallersVariablesDoNotLeakIn) {
  support::reread("Goal");
  const auto result = run_step({"/bin/sh", "-c", "echo \"token=[$SECRET_TOKEN]\""},
                               {.extra_env = {"SECRET_TOKEN=hunter2"}});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "token=[]\n")
      << "a variable of the caller's environment is visible inside\n"
      << result.describe();
}

TEST_F(Step04Clearenv, EnvironmentIsEmpty) {
  support::reread("Run it");
  const auto result = run_step({"/usr/bin/env"}, {.extra_env = {"SECRET_TOKEN=hunter2"}});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "") << "env inside should print nothing at all\n" << result.describe();
}

TEST_F(Step04Clearenv, CommandsAreStillFoundWithoutPath) {
  support::reread("Pitfalls");
  const auto result = run_step({"sh", "-c", "echo found"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "found\n") << result.describe();
}

TEST_F(Step04Clearenv, TryThis1_VariablesSetInFrontOfTheStepAreGoneInside) {
  support::reread("Try this");
  const auto result =
      run_step({}, {.extra_env = {"HOME=/root", "LANG=C.UTF-8"}, .input = "echo $HOME $LANG\n"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "\n") << result.describe();
}

// With setenv("GREETING", "hi", 1) in clearenv()'s place (the tests' CMakeLists.txt): the
// command's environment has it, the step's own (its parent's) does not.
TEST_F(Step04Clearenv, TryThis2_ChildsSetenvReachesOnlyTheChild) {
  support::reread("Try this");
  const auto result = support::run(
      {TRY_THIS_PROGRAM_2, "/bin/sh", "-c", "env; echo --; tr '\\0' '\\n' < /proc/$PPID/environ"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  const std::string inside = result.out.substr(0, result.out.find("--\n"));
  const std::string parent = result.out.substr(result.out.find("--\n") + 3);
  EXPECT_NE(inside.find("GREETING=hi\n"), std::string::npos) << result.describe();
  EXPECT_EQ(parent.find("GREETING"), std::string::npos) << result.describe();
  // the step as it is: clearenv(), and the command's environment is empty
  const auto step = support::run({program(), "/usr/bin/env"});
  EXPECT_EQ(step.exit_code, 0) << step.describe();
  EXPECT_EQ(step.out, "") << step.describe();
}

}  // namespace
