#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <regex>

#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;

using Step19UserNamespace = support::ContainerTest;
using Step19WithoutRoot = support::StepTest;

TEST_F(Step19UserNamespace, RootInsideIsAnUnprivilegedUserOutside) {
  support::reread("Goal");
  const auto result = run_container(
      {"/bin/sh", "-c", "id -u; cat /proc/self/uid_map; touch /etc/written || echo refused"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "0\n         0 2000000000      65536\nrefused\n") << result.describe();
  EXPECT_FALSE(std::filesystem::exists(rootfs() / "etc" / "written"))
      << "root inside wrote a file of the host's root";
  expect_no_mounts_left();
}

// Without root the step still stops in one line with 125, as step 17 did: the cgroup
// cannot be made (step 20 runs without it).
TEST_F(Step19WithoutRoot, WithoutRootItStillStopsInOneLine) {
  support::reread("Pitfalls");
  support::ProcessOptions options;
  if (support::is_root()) options.as_user = 65534;
  const auto result =
      run_step({"--rootfs", support::built_rootfs().native(), "/bin/true"}, options);
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.describe();
  EXPECT_EQ(result.err.find("container started"), std::string::npos) << result.describe();
}

// Try this 1: `sleep 30` run by root; on the host `ps -o user:12,pid,comm` names its user
// (here by its parent, PID 1, not `-C sleep`: other tests may run a sleep too).
TEST_F(Step19UserNamespace, TryThis1_PsShowsTheSleepsUserAsANumber) {
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

// The CapEff line of /proc/PID/status, as text (proc(5)).
std::string cap_eff_in(const std::string& status) {
  std::smatch match;
  if (!std::regex_search(status, match, std::regex("CapEff:\\s*([0-9a-f]+)"))) return "";
  return match[1];
}

// Try this 2: `grep Cap /proc/self/status` inside (run by root) and on the host.
TEST_F(Step19UserNamespace, TryThis2_RootInsideStillHoldsEveryCapabilityTheKernelKnows) {
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
