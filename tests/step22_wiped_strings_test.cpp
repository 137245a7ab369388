#include <regex>

#include "common/files.hpp"
#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
using Step22WipedStrings = support::ContainerTest;

// The bytes of PID 1's command line that are not NULs, counted inside the container.
const std::vector<std::string> kCommandLineBytes = {"/bin/sh", "-c",
                                                    "tr -d '\\0' < /proc/1/cmdline | wc -c"};

TEST_F(Step22WipedStrings, Pid1sCommandLineHoldsNoneOfTheStepsWords) {
  support::reread("Goal");
  const auto result = run_container(kCommandLineBytes);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "0\n") << "PID 1's command line still shows the step's words\n"
                               << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step22WipedStrings, WithoutRootPid1sCommandLineHoldsNoneOfTheStepsWords) {
  support::reread("Run it");
  const auto result = run_container(kCommandLineBytes, {.as_user = 65534});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "0\n") << "PID 1's command line still shows the step's words\n"
                               << result.describe();
}

// From the host's side, where root may read PID 1's memory: the environment the step was
// given is not there any more, though /proc/PID/environ still spans its bytes.
TEST_F(Step22WipedStrings, Pid1sMemoryHoldsNoneOfTheHostsEnvironment) {
  support::reread("What changed");
  support::Subprocess process(container({"/bin/sh", "-c", "echo ready; exec sleep 2"}),
                              {.extra_env = {"SECRET_TOKEN=hunter2"}});
  const pid_t init = support::running_init(process);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const std::string environment = common::read_file("/proc/" + std::to_string(init) + "/environ");
  EXPECT_FALSE(environment.empty());
  EXPECT_EQ(environment.find_first_not_of('\0'), std::string::npos)
      << "PID 1's memory still holds the host's environment: " << environment;
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  expect_no_mounts_left();
}

// Try this 1: PID 1's command line inside steps 21 and 22: its bytes, then its bytes that
// are not NULs. Step 21: fewer, by one NUL a word; step 22: none.
TEST_F(Step22WipedStrings, TryThis1_Pid1sCommandLineIsAllZeros) {
  support::reread("Try this");
  const std::vector<std::string> command = {
      "/bin/sh", "-c", "cat /proc/1/cmdline | wc -c; tr -d '\\0' < /proc/1/cmdline | wc -c"};
  const std::regex two_counts("([0-9]+)\n([0-9]+)\n");
  std::smatch match;
  const auto step21 = run_container_of(TRY_THIS_STEP_21, command);
  ASSERT_TRUE(std::regex_match(step21.out, match, two_counts)) << step21.describe();
  EXPECT_GT(std::stoi(match[2]), 0) << step21.describe();
  EXPECT_LT(std::stoi(match[2]), std::stoi(match[1])) << step21.describe();
  const auto step22 = run_container(command);
  ASSERT_TRUE(std::regex_match(step22.out, match, two_counts)) << step22.describe();
  EXPECT_GT(std::stoi(match[1]), 0) << step22.describe();
  EXPECT_EQ(match[2], "0") << step22.describe();
}

// Try this 2: without root, the command may not read PID 1's environment, as in step 21:
// its capabilities are no superset of PID 1's (ptrace(2)).
TEST_F(Step22WipedStrings, TryThis2_WithoutRootPid1sEnvironmentIsStillRefused) {
  support::reread("Try this");
  const auto result = run_container({"/bin/cat", "/proc/1/environ"}, {.as_user = 65534});
  EXPECT_NE(result.exit_code, 0) << result.describe();
  EXPECT_NE(result.err.find("Permission denied"), std::string::npos) << result.describe();
}

}  // namespace
