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

TEST_F(Step15PivotRoot, NoDescriptorOfTheCallerReachesTheCommand) {
  support::reread("Goal");
  // The caller's shell holds fd 8 open on a host folder, as `exec 8</` would.
  const std::string step = support::program_under_test();
  const auto result = support::run({"/bin/sh", "-c", "exec 8</ 9</etc; exec \"$@\"", "sh", step,
                                    "--rootfs", rootfs().native(), "/bin/sh", "-c",
                                    "ls /proc/self/fd /proc/1/fd | sort -u | tr '\\n' ' '"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out.find(" 8 "), std::string::npos) << "fd 8 reached the container\n"
                                                       << result.describe();
  EXPECT_EQ(result.out.find(" 9 "), std::string::npos) << "fd 9 reached the container\n"
                                                       << result.describe();
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

// The exercise's command in step 14 and here. (Its `sudo` comes first: sudo would close
// fd 8 itself.)
TEST_F(Step15PivotRoot, TryThis1_Step14HandsDownTheHostsRootStep15DoesNot) {
  support::reread("Try this");
  const auto listed = [&](const std::string& step) {
    return support::run({"/bin/sh", "-c",
                         "exec 8</; exec \"$0\" --rootfs \"$1\" sh -c 'ls /proc/self/fd'", step,
                         rootfs().native()});
  };
  // Step 14 also passes on what the test process left open (ctest's, gtest's).
  const auto in14 = listed(TRY_THIS_STEP_14);
  for (const char* fd : {"0\n1\n", "2\n", "3\n", "8\n"})
    EXPECT_NE(in14.out.find(fd), std::string::npos) << "step 14\n" << in14.describe();
  const auto in15 = listed(program());
  EXPECT_EQ(in15.out, "0\n1\n2\n3\n") << "step 15\n" << in15.describe();
  expect_no_mounts_left();
}

// The exercise's commands, as root in the container, in step 14 and here.
TEST_F(Step15PivotRoot, TryThis2_NsenterWalksOutOfStep14Only) {
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
