#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;

using Step18UserNamespace = support::ContainerTest;
using Step18Rootless = support::StepTest;

TEST_F(Step18UserNamespace, RootInsideIsAnUnprivilegedUserOutside) {
  support::reread("Goal");
  const auto result = run_container(
      {"/bin/sh", "-c", "id -u; cat /proc/self/uid_map; touch /etc/written || echo refused"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "0\n         0 2000000000      65536\nrefused\n") << result.describe();
  EXPECT_FALSE(std::filesystem::exists(rootfs() / "etc" / "written"))
      << "root inside wrote a file of the host's root";
  expect_no_mounts_left();
}

TEST_F(Step18UserNamespace, TheCgroupStillLimitsWhenRunByRoot) {
  support::reread("What changed");
  const auto result =
      run_container({"/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait"});
  EXPECT_NE(result.err.find("can't fork"), std::string::npos) << result.describe();
  expect_no_mounts_left();
}

// The issue's own check: an ordinary user (here nobody, uid 65534; or whoever runs the
// tests) runs the step, and is root in the container. The built rootfs is used in place:
// nothing in a step-15 container can write to it, and its mounts stay in its namespace.
TEST_F(Step18Rootless, RunsWithoutRootAndIsRootInside) {
  support::reread("Goal");
  support::ProcessOptions options;
  if (support::is_root()) options.as_user = 65534;
  const auto result = run_step(
      {"--rootfs", support::built_rootfs().native(), "/bin/sh", "-c", "id -u; hostname"}, options);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "0\ncontainer\n") << result.describe();
  EXPECT_NE(result.err.find("no pids cgroup without root"), std::string::npos)
      << "running without the limit must be said, in one line\n"
      << result.describe();
  EXPECT_FALSE(result.left_processes) << result.describe();
}

// Try this 1: `sleep 30` run by root; on the host `ps -o user:12,pid,comm` names its user
// (here by its parent, PID 1, not `-C sleep`: other tests may run a sleep too).
TEST_F(Step18UserNamespace, TryThis1_PsShowsTheSleepsUserAsANumber) {
  support::reread("Try this");
  support::Subprocess process(container({"/bin/sh", "-c", "sleep 30 & echo ready; wait"}));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const pid_t init = support::host_pid_of_init(process.so_far().err);
  ASSERT_GT(init, 0) << process.so_far().describe();
  // PID 1's child is the shell; the shell's child is the sleep.
  const std::string shell = std::to_string(init);
  const auto wide = support::run(
      {"/bin/sh", "-c", "ps -o user:12=,comm= --ppid $(ps -o pid= --ppid " + shell + ")"});
  const auto narrow = support::run(
      {"/bin/sh", "-c", "ps -o user=,comm= --ppid $(ps -o pid= --ppid " + shell + ")"});
  EXPECT_TRUE(std::regex_search(wide.out, std::regex("^ *2000000000 +sleep\n$")))
      << wide.describe();
  EXPECT_TRUE(std::regex_search(narrow.out, std::regex("^2000000\\+ +sleep\n$")))
      << narrow.describe();
  process.signal(SIGTERM);
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 128 + SIGTERM) << result.describe();
}

// Try this 2: an ordinary user (nobody) runs `ls -l /bin/busybox; touch /x`: refused on a
// rootfs root built, allowed (and busybox root's) on one the user built.
TEST_F(Step18UserNamespace, TryThis2_AnOrdinaryUserOnRootsAndOnItsOwnRootfs) {
  support::reread("Try this");
  const std::vector<std::string> command = {"/bin/sh", "-c", "ls -l /bin/busybox; touch /x"};
  const auto roots = run_container(command, {.as_user = 65534});
  EXPECT_TRUE(std::regex_search(roots.out, std::regex(" nobody +nogroup .* /bin/busybox")))
      << roots.describe();
  EXPECT_NE(roots.err.find("touch: /x: Permission denied"), std::string::npos) << roots.describe();
  EXPECT_NE(roots.exit_code, 0) << roots.describe();
  EXPECT_FALSE(std::filesystem::exists(rootfs() / "x"));
  // The same rootfs, as if built by that user: owned by nobody on the host.
  ASSERT_EQ(
      support::run(support::on_path({"chown", "-R", "65534:65534", rootfs().native()})).exit_code,
      0);
  const auto owns = run_container(command, {.as_user = 65534});
  EXPECT_EQ(owns.exit_code, 0) << owns.describe();
  EXPECT_TRUE(std::regex_search(owns.out, std::regex(" root +root .* /bin/busybox")))
      << owns.describe();
  EXPECT_TRUE(std::filesystem::exists(rootfs() / "x"));
}

// The CapEff line of /proc/PID/status, as text (proc(5)).
std::string cap_eff_in(const std::string& status) {
  std::smatch match;
  if (!std::regex_search(status, match, std::regex("CapEff:\\s*([0-9a-f]+)"))) return "";
  return match[1];
}

// Try this 3: `grep Cap /proc/self/status` inside (run by root) and on the host.
TEST_F(Step18UserNamespace, TryThis3_RootInsideStillHoldsEveryCapabilityTheKernelKnows) {
  support::reread("Try this");
  const auto result = run_container({"/bin/sh", "-c", "grep Cap /proc/self/status"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  int last_cap = 0;
  std::ifstream("/proc/sys/kernel/cap_last_cap") >> last_cap;
  const unsigned long long every = (1ULL << (last_cap + 1)) - 1;
  const std::string inside = cap_eff_in(result.out);
  ASSERT_FALSE(inside.empty()) << result.describe();
  EXPECT_EQ(std::stoull(inside, nullptr, 16), every) << result.describe();
  std::ifstream status("/proc/self/status");
  const std::string host((std::istreambuf_iterator<char>(status)), {});
  const unsigned long long host_bits = std::stoull(cap_eff_in(host), nullptr, 16);
  EXPECT_EQ(host_bits & ~every, 0ULL) << "the host's root holds bits the kernel does not know";
}

}  // namespace
