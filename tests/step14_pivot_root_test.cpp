#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "tests/support/step_test.hpp"

namespace {

using Step14PivotRoot = support::ContainerTest;

TEST_F(Step14PivotRoot, TheRootfsIsTheWholeMountTable) {
  support::reread("What changed");
  // After pivot_root and detaching the old root, the mount namespace holds the rootfs
  // and what the container mounted on it: no mount of the host's is left to walk to.
  const auto result = run_container({"/bin/sh", "-c", "cut -d' ' -f5 /proc/self/mountinfo"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "/\n/proc\n") << "mount points inside the container\n" << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step14PivotRoot, NoDescriptorOfTheCallerReachesTheCommand) {
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

TEST_F(Step14PivotRoot, TheHostsRootIsStillRefusedAsRootfs) {
  support::reread("Pitfalls");
  const auto result = run_step({"--rootfs", "/", "/bin/true"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("host's own root"), std::string::npos) << result.describe();
  EXPECT_EQ(result.err.find("container started"), std::string::npos) << result.describe();
}

// A folder of the rootfs that is a mount of its own (a tmpfs, a bind-mounted data
// folder) comes along into the container: the rootfs is bind-mounted with MS_REC.
TEST_F(Step14PivotRoot, MountsInsideTheRootfsStillShow) {
  support::reread("What changed");
  ASSERT_EQ(::mount("tmpfs", (rootfs() / "mnt").c_str(), "tmpfs", 0, "mode=755"), 0)
      << std::strerror(errno);
  std::ofstream(rootfs() / "mnt" / "on-a-submount") << "here\n";
  const auto result = run_container({"/bin/cat", "/mnt/on-a-submount"});
  EXPECT_EQ(result.out, "here\n") << result.describe();
  support::unmount_all_under(rootfs() / "mnt");
  expect_no_mounts_left();
}

TEST_F(Step14PivotRoot, ContainerStillWorks) {
  support::reread("Run it");
  const auto result = run_container({"/bin/sh", "-c", "hostname; echo $$; exit 6"});
  EXPECT_EQ(result.exit_code, 6) << result.describe();
  EXPECT_EQ(result.out, "container\n2\n") << result.describe();
  expect_no_mounts_left();
}

}  // namespace
