#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;

using Step17Dev = support::ContainerTest;

TEST_F(Step17Dev, DevHoldsOnlyTheSixDevicesAndTheUsualLinks) {
  support::reread("Goal");
  const auto result = run_container({"/bin/sh", "-c", "ls /dev | tr '\\n' ' '"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "fd full null ptmx pts random stderr stdin stdout tty urandom zero ")
      << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step17Dev, TheDevicesWork) {
  support::reread("What changed");
  // Whatever the rootfs's /dev holds (here nothing): the container's /dev is its own.
  for (const auto& entry : std::filesystem::directory_iterator(rootfs() / "dev")) {
    std::filesystem::remove_all(entry.path());
  }
  const auto result = run_container(
      {"/bin/sh", "-c",
       "echo gone > /dev/null && head -c 3 /dev/zero | wc -c && head -c 5 /dev/urandom | wc -c"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "3\n5\n") << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step17Dev, TerminalsAreAPrivateDevptsInstance) {
  support::reread("Pitfalls");
  // The host's /dev/pts lists its terminals; the container's starts empty but for ptmx.
  const auto result = run_container(
      {"/bin/sh", "-c", "ls /dev/pts; grep ' /dev/pts ' /proc/self/mountinfo | wc -l"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "ptmx\n1\n") << result.describe();
  expect_no_mounts_left();
}

// Nothing is mounted on /sys: the busybox rootfs's folder stays empty, as in step 15.
TEST_F(Step17Dev, SysStillShowsNothing) {
  support::reread("Goal");
  const auto result =
      run_container({"/bin/sh", "-c", "ls /sys | wc -l; grep -c ' /sys ' /proc/mounts"});
  EXPECT_EQ(result.out, "0\n0\n") << "/sys should be empty, with nothing mounted\n"
                                  << result.describe();
  expect_no_mounts_left();
}

// Try this 1: `ls /dev/pts; tty; ls -l /proc/self/fd/0` in steps 15 and 17, from a
// terminal and with `</dev/null`.
TEST_F(Step17Dev, TryThis1_DevPtsAndTtyInSteps15And16) {
  support::reread("Try this");
  const std::vector<std::string> command = {"/bin/sh", "-c",
                                            "ls /dev/pts; tty; ls -l /proc/self/fd/0"};
  const std::string step15 = TRY_THIS_STEP_15;
  for (const bool terminal : {true, false}) {
    SCOPED_TRACE(terminal ? "from a terminal" : "with </dev/null");
    // `</dev/null` as the host's shell would add it, before the step starts.
    auto from_null = [&](const std::vector<std::string>& argv) {
      std::vector<std::string> wrapped = {"/bin/sh", "-c", "exec \"$@\" </dev/null", "sh"};
      wrapped.insert(wrapped.end(), argv.begin(), argv.end());
      return wrapped;
    };
    const auto before = terminal
                            ? support::run(container_of(step15, command), 20s, {.terminal = true})
                            : support::run(from_null(container_of(step15, command)));
    const auto after = terminal ? support::run(container(command), 20s, {.terminal = true})
                                : support::run(from_null(container(command)));
    // With a terminal, stderr is the terminal too: all of it is in `out`.
    const std::string before_text = before.out + before.err;
    const std::string after_text = after.out + after.err;
    EXPECT_NE(before_text.find("ls: /dev/pts: No such file or directory"), std::string::npos)
        << before.describe();
    EXPECT_TRUE(std::regex_search(after_text, std::regex("(^|\n)ptmx\r?\n"))) << after.describe();
    for (const std::string& text : {before_text, after_text}) {
      EXPECT_NE(text.find("not a tty"), std::string::npos) << text;
      const std::regex link(terminal ? "-> /dev/pts/[0-9]+" : "-> /dev/null");
      EXPECT_TRUE(std::regex_search(text, link)) << text;
    }
  }
  expect_no_mounts_left();
}

}  // namespace
