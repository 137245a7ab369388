#include <sys/mount.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
using Step14MountNamespace = support::ContainerTest;

// While the container runs, the host's mount table (this test's namespace) has nothing
// under the rootfs: the container's /proc is in its own mount namespace.
void expect_proc_invisible_while_running(const std::vector<std::string>& argv) {
  support::Subprocess process(argv);
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const auto visible = support::mounts_under(argv[2]);
  EXPECT_TRUE(visible.empty()) << "while the container runs, the host sees its mount at "
                               << visible.front();
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

TEST_F(Step14MountNamespace, ProcIsNeverInTheHostsMountTable) {
  support::reread("Goal");
  expect_proc_invisible_while_running(
      container({"/bin/sh", "-c", "ls /proc/1 >/dev/null && echo ready; sleep 1"}));
  expect_no_mounts_left();
}

// systemd mounts / shared (mount_namespaces(7), "Shared subtrees"). Here the test's own
// namespace is made so: a new namespace copied from it would be a peer, and a mount in it
// would propagate back here, unless the container makes its mounts private first.
TEST_F(Step14MountNamespace, ProcStaysInsideWhenTheHostsRootIsShared) {
  support::reread("Pitfalls");
  ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_SHARED, nullptr), 0) << std::strerror(errno);
  expect_proc_invisible_while_running(
      container({"/bin/sh", "-c", "ls /proc/1 >/dev/null && echo ready; sleep 1"}));
  expect_no_mounts_left();
  // make check runs every test in this one process: the next ones get a private / again.
  EXPECT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0)
      << std::strerror(errno);
}

// Try this 2: `sudo kill -9` of PID 1 while the step runs a sleep.
TEST_F(Step14MountNamespace, TryThis2_MountGoesEvenWhenPid1IsKilled) {
  support::reread("What changed");
  support::Subprocess process(container({"/bin/sh", "-c", "echo ready; sleep 30"}));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const pid_t init = support::host_pid_of_init(process.so_far().err);
  ASSERT_GT(init, 0) << process.so_far().describe();
  ::kill(init, SIGKILL);  // no unmount can run: the namespace must take the mount with it
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 128 + SIGKILL) << result.describe();
  expect_nothing_left_running(result);
  expect_no_mounts_left();
}

TEST_F(Step14MountNamespace, ContainerStillWorks) {
  support::reread("Run it");
  const auto result =
      run_container({"/bin/sh", "-c", "hostname; echo $$; ls /proc/1/ns/mnt; exit 4"});
  EXPECT_EQ(result.exit_code, 4) << result.describe();
  EXPECT_EQ(result.out, "container\n2\n/proc/1/ns/mnt\n") << result.describe();
  expect_no_mounts_left();
}

// The mount point that \p path lies on, from this process's mount table.
std::string mount_point_of(const std::filesystem::path& path) {
  std::ifstream mounts("/proc/self/mounts");
  std::string best = "/";
  for (std::string source, target, rest;
       mounts >> source >> target && std::getline(mounts, rest);) {
    const std::string inside = path.native() + "/";
    if (inside.starts_with(target + "/") && target.size() > best.size()) best = target;
  }
  return best;
}

// With MS_PRIVATE alone (the tests' CMakeLists.txt), the test's tree made shared as systemd
// makes the host's. A rootfs on the root file system: the / made private covers it (tried
// where the rootfs copy is on /). A rootfs on a shared mount of its own (a separate /home;
// here the copy bind-mounted on itself): the container's /proc reaches the host's table.
// The step's MS_REC keeps it inside in both.
TEST_F(Step14MountNamespace, TryThis1_WithoutMsRecProcReachesASharedMountsHost) {
  support::reread("Try this");
  const std::string script = "ls /proc/1 >/dev/null && echo ready; sleep 1";
  const std::vector<std::string> edited{TRY_THIS_PROGRAM_1, "--rootfs", rootfs().native(),
                                        "/bin/sh",          "-c",       script};
  const auto proc_seen_while_running = [&](std::vector<std::string> argv) {
    support::Subprocess process(argv);
    EXPECT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
    const auto mounts = support::mounts_under(rootfs() / "proc");
    EXPECT_EQ(process.wait(10s).exit_code, 0) << process.so_far().describe();
    support::unmount_all_under(rootfs() / "proc");
    return !mounts.empty();
  };
  ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_SHARED, nullptr), 0) << std::strerror(errno);
  if (mount_point_of(rootfs()) == "/") {
    EXPECT_FALSE(proc_seen_while_running(edited)) << "MS_PRIVATE alone, a rootfs on /";
  }
  ASSERT_EQ(::mount(rootfs().c_str(), rootfs().c_str(), nullptr, MS_BIND, nullptr), 0)
      << std::strerror(errno);
  ASSERT_EQ(::mount(nullptr, rootfs().c_str(), nullptr, MS_SHARED, nullptr), 0)
      << std::strerror(errno);
  EXPECT_FALSE(proc_seen_while_running(container({"/bin/sh", "-c", script})))
      << "MS_REC | MS_PRIVATE, a rootfs on a shared mount";
  EXPECT_TRUE(proc_seen_while_running(edited)) << "MS_PRIVATE alone, a rootfs on a shared mount";
  // make check runs every test in this one process: the next ones get a private / again.
  EXPECT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0)
      << std::strerror(errno);
  support::unmount_all_under(rootfs());
}

TEST_F(Step14MountNamespace, TryThis3_TheMountNamespacesDiffer) {
  support::reread("Try this");
  const auto result = run_container({"readlink", "/proc/self/ns/mnt"});
  const std::string host = std::filesystem::read_symlink("/proc/self/ns/mnt").native();
  EXPECT_TRUE(host.starts_with("mnt:[")) << host;
  EXPECT_TRUE(result.out.starts_with("mnt:[")) << result.describe();
  EXPECT_NE(result.out, host + "\n") << result.describe();
  expect_no_mounts_left();
}

}  // namespace
