#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "tests/support/step_test.hpp"

namespace {

using Step15PivotRoot = support::ContainerTest;

TEST_F(Step15PivotRoot, TheRootfsIsTheWholeMountTable) {
  support::reread("What changed");
  // After pivot_root and detaching the old root, the mount namespace holds the rootfs
  // and what the container mounted on it: no mount of the host's is left to walk to.
  const auto result = run_container({"/bin/sh", "-c", "cut -d' ' -f5 /proc/self/mountinfo"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "/\n/proc\n") << "mount points inside the container\n" << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step15PivotRoot, TheHostsRootIsStillRefusedAsRootfs) {
  support::reread("Pitfalls");
  const auto result = run_step({"--rootfs", "/", "/bin/true"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("host's own root"), std::string::npos) << result.describe();
  EXPECT_EQ(result.err.find("container started"), std::string::npos) << result.describe();
}

// A folder of the rootfs that is a mount of its own (a tmpfs, a bind-mounted data
// folder) comes along into the container: the rootfs is bind-mounted with MS_REC.
TEST_F(Step15PivotRoot, MountsInsideTheRootfsStillShow) {
  support::reread("What changed");
  ASSERT_EQ(::mount("tmpfs", (rootfs() / "mnt").c_str(), "tmpfs", 0, "mode=755"), 0)
      << std::strerror(errno);
  std::ofstream(rootfs() / "mnt" / "on-a-submount") << "here\n";
  const auto result = run_container({"/bin/cat", "/mnt/on-a-submount"});
  EXPECT_EQ(result.out, "here\n") << result.describe();
  support::unmount_all_under(rootfs() / "mnt");
  expect_no_mounts_left();
}

TEST_F(Step15PivotRoot, ContainerStillWorks) {
  support::reread("Run it");
  const auto result = run_container({"/bin/sh", "-c", "hostname; echo $$; exit 6"});
  EXPECT_EQ(result.exit_code, 6) << result.describe();
  EXPECT_EQ(result.out, "container\n2\n") << result.describe();
  expect_no_mounts_left();
}

// The exercise's commands, as root in the container, in step 14 and here.
TEST_F(Step15PivotRoot, TryThis1_NsenterWalksOutOfStep14Only) {
  support::reread("Try this");
  const std::string script =
      "mkdir /x; ln /bin/busybox /x/sh; nsenter -r/x -w/ /sh -c 'cd ../../../..; ls'; echo --; "
      "chroot /x /sh -c 'cd ../../../..; ls'; rm /x/sh; rmdir /x";
  const auto walk = [&](const std::string& step) {
    const auto result =
        support::run({step, "--rootfs", rootfs().native(), "/bin/sh", "-c", script});
    EXPECT_EQ(result.exit_code, 0) << step << "\n" << result.describe();
    const auto split = result.out.find("--\n");
    return std::pair{result.out.substr(0, split),
                     split == std::string::npos ? result.out : result.out.substr(split + 3)};
  };
  std::string host_root;
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator("/"))
    if (!entry.path().filename().native().starts_with("."))
      names.insert(entry.path().filename().native());
  for (const std::string& name : names) host_root += name + "\n";  // ls's order: sorted
  const auto [nsenter14, chroot14] = walk(TRY_THIS_STEP_14);
  EXPECT_EQ(nsenter14, host_root) << "step 14: nsenter's walk should reach the host's /";
  EXPECT_EQ(chroot14, "sh\n") << "step 14: chroot's walk stops at /x";
  const auto [nsenter15, chroot15] = walk(program());
  EXPECT_NE(nsenter15.find("x\n"), std::string::npos) << nsenter15;
  EXPECT_NE(nsenter15.find("bin\n"), std::string::npos) << nsenter15;
  EXPECT_NE(nsenter15, host_root) << "step 15: the walk reached the host's /";
  EXPECT_EQ(chroot15, "sh\n") << "step 15: chroot's walk stops at /x";
  expect_no_mounts_left();
}

}  // namespace
