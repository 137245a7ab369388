#include "tests/support/step_test.hpp"

namespace {

using Step15DevSysTmp = support::ContainerTest;

TEST_F(Step15DevSysTmp, DevHoldsOnlyTheSixDevicesAndTheUsualLinks) {
  support::reread("Goal");
  const auto result = run_container({"/bin/sh", "-c", "ls /dev | tr '\\n' ' '"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero ")
      << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step15DevSysTmp, TheDevicesWork) {
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

TEST_F(Step15DevSysTmp, TerminalsAreAPrivateDevptsInstance) {
  support::reread("Pitfalls");
  // The host's /dev/pts lists its terminals; the container's starts empty but for ptmx.
  const auto result = run_container(
      {"/bin/sh", "-c", "ls /dev/pts; grep ' /dev/pts ' /proc/self/mountinfo | wc -l"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "ptmx\n1\n") << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step15DevSysTmp, NoSysAndAPrivateTmp) {
  support::reread("Goal");
  const auto result = run_container(
      {"/bin/sh", "-c",
       "ls /sys | wc -l; grep -c ' /tmp tmpfs ' /proc/mounts; echo x > /tmp/left-here"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "0\n1\n") << "/sys should be empty and /tmp a tmpfs\n" << result.describe();
  EXPECT_FALSE(std::filesystem::exists(rootfs() / "tmp" / "left-here"))
      << "/tmp wrote into the rootfs";
  expect_no_mounts_left();
}

}  // namespace
