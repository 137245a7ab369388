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

}  // namespace
