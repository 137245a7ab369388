#include <sys/stat.h>

#include <filesystem>
#include <regex>

#include "tests/support/step_test.hpp"

namespace {

namespace fs = std::filesystem;
using Step33IdmappedRootfs = support::ContainerTest;

TEST_F(Step33IdmappedRootfs, RootInsideOwnsTheFilesTheHostsRootOwns) {
  support::reread("Goal");
  const auto result = run_container({"/bin/stat", "-c", "%u:%g", "/bin/busybox", "/etc"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "0:0\n0:0\n") << "through the idmapped mount, host uid 0 is uid 0 inside\n"
                                      << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step33IdmappedRootfs, RootInsideCanChangeTheRootfsAndTheHostSeesItsRoot) {
  support::reread("Pitfalls");
  const auto result = run_container(
      {"/bin/sh", "-c", "echo inside > /etc/made-inside && chmod 600 /etc/made-inside"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  // On the host the file is the host root's: the id map works both ways (the chapter's
  // pitfall, which step 34 closes by writing to a layer of the container's own).
  struct stat info {};
  ASSERT_EQ(::stat((rootfs() / "etc" / "made-inside").c_str(), &info), 0)
      << "the write did not reach the rootfs";
  EXPECT_EQ(info.st_uid, 0u);
  expect_no_mounts_left();
}

TEST_F(Step33IdmappedRootfs, RootlessTheRootfsIsStillTheUsersOwn) {
  support::reread("What changed");
  // Run by nobody: no idmapped mount (that takes the host's root); root inside is nobody,
  // and a root-owned rootfs shows as owned by the overflow id.
  const auto result = run_container(
      {"/bin/sh", "-c", "stat -c %u /bin/busybox; touch /etc/x 2>/dev/null || echo denied"},
      {.as_user = 65534});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "65534\ndenied\n") << result.describe();
}

// Try this 1: `stat -c %U /etc/passwd` inside step 32, then step 33.
TEST_F(Step33IdmappedRootfs, TryThis1_NobodyInStep32RootInStep33) {
  support::reread("Try this");
  const std::vector<std::string> command = {"/bin/stat", "-c", "%U", "/etc/passwd"};
  const auto step32 = run_container_of(TRY_THIS_STEP_32, command);
  EXPECT_EQ(step32.out, "nobody\n") << step32.describe();
  const auto step33 = run_container(command);
  EXPECT_EQ(step33.out, "root\n") << step33.describe();
}

// Try this 2: `touch /etc/made-inside` inside step 33, then `ls -ln` it on the host.
TEST_F(Step33IdmappedRootfs, TryThis2_AFileMadeInsideIsTheHostRootsOnTheHost) {
  support::reread("Try this");
  const auto result = run_container({"/bin/touch", "/etc/made-inside"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  const auto listed =
      support::run(support::on_path({"ls", "-ln", (rootfs() / "etc" / "made-inside").native()}));
  EXPECT_TRUE(std::regex_search(listed.out, std::regex("^-[-rwx]{9} 1 0 0 "))) << listed.describe();
}

// Try this 3: an ordinary user (nobody) runs step 33 on a rootfs of its own (here the
// copy, given to nobody): `id; ls -ln /` show root inside, and root's files.
TEST_F(Step33IdmappedRootfs, TryThis3_OnItsOwnRootfsAUserIsStillRootInside) {
  support::reread("Try this");
  ASSERT_EQ(
      support::run(support::on_path({"chown", "-R", "65534:65534", rootfs().native()})).exit_code,
      0);
  const auto result =
      run_container({"/bin/sh", "-c", "id; ls -ln / | grep ' bin$'"}, {.as_user = 65534});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_TRUE(std::regex_search(result.out, std::regex("^uid=0\\(root\\) gid=0\\(root\\)[^\n]*\n"
                                                       "d[-rwx]{9} +[0-9]+ 0 +0 .* bin\n$")))
      << result.describe();
}

}  // namespace
