#include <sys/mount.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <regex>
#include <thread>

#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
using Step13MountNamespace = support::ContainerTest;

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

TEST_F(Step13MountNamespace, ProcIsNeverInTheHostsMountTable) {
  support::reread("Goal");
  expect_proc_invisible_while_running(
      container({"/bin/sh", "-c", "ls /proc/1 >/dev/null && echo ready; sleep 1"}));
  expect_no_mounts_left();
}

// systemd mounts / shared (mount_namespaces(7), "Shared subtrees"). Here the test's own
// namespace is made so: a new namespace copied from it would be a peer, and a mount in it
// would propagate back here, unless the container makes its mounts private first.
TEST_F(Step13MountNamespace, ProcStaysInsideWhenTheHostsRootIsShared) {
  support::reread("Pitfalls");
  ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_SHARED, nullptr), 0) << std::strerror(errno);
  expect_proc_invisible_while_running(
      container({"/bin/sh", "-c", "ls /proc/1 >/dev/null && echo ready; sleep 1"}));
  expect_no_mounts_left();
  // make check runs every test in this one process: the next ones get a private / again.
  EXPECT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0)
      << std::strerror(errno);
}

TEST_F(Step13MountNamespace, MountGoesEvenWhenPid1IsKilled) {
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

TEST_F(Step13MountNamespace, ContainerStillWorks) {
  support::reread("Run it");
  const auto result =
      run_container({"/bin/sh", "-c", "hostname; echo $$; ls /proc/1/ns/mnt; exit 4"});
  EXPECT_EQ(result.exit_code, 4) << result.describe();
  EXPECT_EQ(result.out, "container\n2\n/proc/1/ns/mnt\n") << result.describe();
  expect_no_mounts_left();
}

}  // namespace
