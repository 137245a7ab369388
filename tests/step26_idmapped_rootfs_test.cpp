#include <sys/stat.h>

#include <filesystem>

#include "tests/support/step_test.hpp"

namespace {

namespace fs = std::filesystem;
using Step26IdmappedRootfs = support::ContainerTest;

TEST_F(Step26IdmappedRootfs, RootInsideOwnsTheFilesTheHostsRootOwns) {
  support::reread("Goal");
  const auto result = run_container({"/bin/stat", "-c", "%u:%g", "/bin/busybox", "/etc"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "0:0\n0:0\n") << "through the idmapped mount, host uid 0 is uid 0 inside\n"
                                      << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step26IdmappedRootfs, RootInsideCanChangeTheRootfsAndTheHostSeesItsRoot) {
  support::reread("Pitfalls");
  const auto result = run_container(
      {"/bin/sh", "-c", "echo inside > /etc/made-inside && chmod 600 /etc/made-inside"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  // On the host the file is the host root's: the id map works both ways (the chapter's
  // pitfall, which step 27 closes by writing to a layer of the container's own).
  struct stat info {};
  ASSERT_EQ(::stat((rootfs() / "etc" / "made-inside").c_str(), &info), 0)
      << "the write did not reach the rootfs";
  EXPECT_EQ(info.st_uid, 0u);
  expect_no_mounts_left();
}

TEST_F(Step26IdmappedRootfs, RootlessTheRootfsIsStillTheUsersOwn) {
  support::reread("What changed");
  // Run by nobody: no idmapped mount (that takes the host's root); root inside is nobody,
  // and a root-owned rootfs shows as owned by the overflow id.
  const auto result = run_container(
      {"/bin/sh", "-c", "stat -c %u /bin/busybox; touch /etc/x 2>/dev/null || echo denied"},
      {.as_user = 65534});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "65534\ndenied\n") << result.describe();
}

}  // namespace
