#include "tests/support/step_test.hpp"

namespace {

using Step18Tmp = support::ContainerTest;

TEST_F(Step18Tmp, TmpIsATmpfsGoneWithTheContainer) {
  support::reread("Goal");
  const auto result = run_container(
      {"/bin/sh", "-c", "grep -c ' /tmp tmpfs ' /proc/mounts; echo x > /tmp/left-here"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "1\n") << "/tmp should be a tmpfs\n" << result.describe();
  EXPECT_FALSE(std::filesystem::exists(rootfs() / "tmp" / "left-here"))
      << "/tmp wrote into the rootfs";
  expect_no_mounts_left();
}

TEST_F(Step18Tmp, DevShmIsATmpfsOfItsOwn) {
  support::reread("What changed");
  const auto result = run_container(
      {"/bin/sh", "-c", "ls /dev | tr '\\n' ' '; grep -c '^shm /dev/shm tmpfs ' /proc/mounts"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero 1\n")
      << result.describe();
  expect_no_mounts_left();
}

// df -k's second column is the size in KiB, df -i's the count of inodes (busybox df).
TEST_F(Step18Tmp, EachTmpfsHolds64MiBAnd16kFiles) {
  support::reread("Pitfalls");
  const auto result = run_container({"/bin/sh", "-c", "df -k /tmp /dev/shm; df -i /tmp /dev/shm"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  for (const std::string point : {"/tmp", "/dev/shm"}) {
    const std::regex size("\n\\S+ +65536 .* " + point + "\n");
    const std::regex files("\n\\S+ +16384 .* " + point + "\n");
    EXPECT_TRUE(std::regex_search(result.out, size)) << point << "\n" << result.describe();
    EXPECT_TRUE(std::regex_search(result.out, files)) << point << "\n" << result.describe();
  }
  expect_no_mounts_left();
}

// Try this 1: a 10 MiB file in /tmp, then none in the rootfs after the container.
TEST_F(Step18Tmp, TryThis1_TmpIsGoneWithTheContainer) {
  support::reread("Try this");
  const auto result =
      run_container({"/bin/sh", "-c", "dd if=/dev/zero of=/tmp/big bs=1M count=10 && df /tmp"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_TRUE(std::regex_search(result.out, std::regex("\\ntmpfs .* /tmp\\n")))
      << result.describe();
  EXPECT_FALSE(std::filesystem::exists(rootfs() / "tmp" / "big")) << "big is in the rootfs";
  expect_no_mounts_left();
}

// Try this 2: 20000 empty files into /tmp: 16383 fit, the tmpfs's root folder is the 16384th.
TEST_F(Step18Tmp, TryThis2_AtMost16kFiles) {
  support::reread("Try this");
  const auto result = run_container(
      {"/bin/sh", "-c", "cd /tmp && seq 20000 | xargs touch 2>&1 | tail -1; ls | wc -l"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "touch: 20000: No space left on device\n16383\n") << result.describe();
  expect_no_mounts_left();
}

}  // namespace
