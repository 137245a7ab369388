#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "common/exec.hpp"
#include "tests/support/environment.hpp"

namespace {

TEST(ExecCommandDeathTest, ReplacesTheProcess) {
  EXPECT_EXIT(common::exec_command({"/bin/sh", "-c", "exit 7"}), ::testing::ExitedWithCode(7), "");
}

TEST(ExecCommandDeathTest, SearchesPath) {
  EXPECT_EXIT(common::exec_command({"sh", "-c", "exit 3"}), ::testing::ExitedWithCode(3), "");
}

TEST(ExecCommandDeathTest, MissingCommandExits127NamingIt) {
  EXPECT_EXIT(common::exec_command({"no-such-command-xyz"}), ::testing::ExitedWithCode(127),
              "execvp\\(no-such-command-xyz\\): No such file or directory");
}

TEST(ExecCommandDeathTest, NonExecutableFileExits126NamingIt) {
  const support::TempDir dir;
  const auto file = dir.path() / "not-executable";
  std::ofstream(file) << "echo hi\n";
  ::chmod(file.c_str(), 0644);
  EXPECT_EXIT(common::exec_command({file.native()}), ::testing::ExitedWithCode(126),
              "execvp\\(" + file.native() + "\\): Permission denied");
}

TEST(ExecCommandDeathTest, EmptyCommandIsAnError) {
  EXPECT_EXIT(common::exec_command({}), ::testing::ExitedWithCode(127), "no command to run");
}

}  // namespace
