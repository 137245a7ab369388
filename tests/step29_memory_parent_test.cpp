// Step 29: beside other processes (cgroup v2 from a cgroup that holds processes: a
// desktop's session scope, make test-hosts' desktop layout) --memory, which no threaded
// cgroup can have, puts the container's cgroup, a domain one, under the nearest cgroup
// above that hands memory down, with the tightest limits of the cgroups skipped copied
// onto it. Where the step starts in a root cgroup, or on v1, it makes its cgroups as step
// 25 does, and these tests skip.

#include <signal.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/cgroup.hpp"
#include "common/files.hpp"
#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Step29MemoryParent = support::ContainerTest;

// Where --memory puts the container's cgroup beside other processes: the nearest cgroup
// above the test's (the step's) own with memory in its cgroup.subtree_control. Empty, with
// `why` set, where that does not apply here.
fs::path memory_parent(std::string& why) {
  why = support::not_beside_other_processes();
  if (!why.empty()) return {};
  const fs::path own = common::find_cgroup_parents({"pids"}).front().dir;
  for (fs::path dir = own; fs::exists(dir / "cgroup.controllers"); dir = dir.parent_path()) {
    if (common::contains_word(common::read_file(dir / "cgroup.subtree_control"), "memory"))
      return dir;
  }
  why = "no cgroup above " + own.native() + " hands memory down";
  return {};
}

// Sets limits on the test's own cgroup for one test, and puts the old values back.
class OwnLimits {
 public:
  void set(const std::string& file, const std::string& value) {
    const fs::path path = common::find_cgroup_parents({"pids"}).front().dir / file;
    old_.emplace_back(path, common::read_file(path));
    common::write_file(path, value);
  }
  ~OwnLimits() {
    for (auto it = old_.rbegin(); it != old_.rend(); ++it)
      common::write_file(it->first, it->second);
  }

 private:
  std::vector<std::pair<fs::path, std::string>> old_;
};

TEST_F(Step29MemoryParent, WithMemoryTheCgroupIsADomainOneWhereMemoryIsHandedDown) {
  support::reread("What changed");
  std::string why;
  const fs::path above = memory_parent(why);
  if (above.empty()) GTEST_SKIP() << why;
  support::Subprocess process(
      container({"--memory", "16M", "--cpus", "0.5", "/bin/sh", "-c", "echo ready; exec sleep 1"}));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const pid_t init = support::host_pid_of_init(process.so_far().err);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const fs::path cgroup = support::cgroup_of(init, "memory");
  EXPECT_EQ(cgroup.parent_path(), above) << cgroup;
  EXPECT_EQ(common::read_file(cgroup / "cgroup.type"), "domain\n") << cgroup;
  EXPECT_EQ(common::read_file(cgroup / "memory.max"), "16777216\n") << cgroup;
  EXPECT_EQ(common::read_file(cgroup / "cpu.max"), "50000 100000\n") << cgroup;
  EXPECT_EQ(common::read_file(cgroup / "pids.max"), "64\n") << cgroup;
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  // One line says where the cgroup went and why.
  EXPECT_NE(result.err.find("under " + above.native() + ", the nearest cgroup that hands memory"),
            std::string::npos)
      << result.describe();
  expect_nothing_left_running(result);
  EXPECT_TRUE(support::cgroups_of({process.pid()}).empty()) << "a cgroup of the step is left";
}

TEST_F(Step29MemoryParent, WithMemoryBesideOtherProcessesACommandOverTheLimitIsKilled) {
  support::reread("Goal");
  std::string why;
  if (memory_parent(why).empty()) GTEST_SKIP() << why;
  expect_killed_by_memory_limit("29");
}

TEST_F(Step29MemoryParent, WithMemoryBesideOtherProcessesThePidsAndCpuLimitsHoldToo) {
  support::reread("Goal");
  std::string why;
  if (memory_parent(why).empty()) GTEST_SKIP() << why;
  const auto cpus = run_container({"--memory", "16M", "--cpus", "0.5", "/bin/true"});
  EXPECT_EQ(cpus.exit_code, 0) << cpus.describe();
  // PID 1, the shell and three sleeps are five: the shell cannot start all six.
  const auto pids = run_container({"--memory", "16M", "--pids-max", "5", "/bin/sh", "-c",
                                   "for i in 1 2 3 4 5 6; do sleep 1 & done; wait"});
  EXPECT_NE(pids.err.find("the pids limit refused"), std::string::npos) << pids.describe();
}

TEST_F(Step29MemoryParent, WithMemoryTheLimitsOfTheCgroupsSkippedAreCopied) {
  support::reread("Pitfalls");
  std::string why;
  if (memory_parent(why).empty()) GTEST_SKIP() << why;
  // Limits on the test's own cgroup that nothing here comes near: 1 GiB more memory than
  // it uses, 500 processes, ten CPUs' worth of time.
  const fs::path own = common::find_cgroup_parents({"pids"}).front().dir;
  const long long memory =
      (std::stoll(common::read_file(own / "memory.current")) >> 20 << 20) + (1LL << 30);
  OwnLimits limits;
  limits.set("memory.max", std::to_string(memory));
  limits.set("pids.max", "500");
  limits.set("cpu.max", "1000000 100000");
  support::Subprocess process(
      container({"--memory", std::to_string(memory + (1LL << 30)), "--pids-max", "600", "/bin/sh",
                 "-c", "echo ready; exec sleep 1"}));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const pid_t init = support::host_pid_of_init(process.so_far().err);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const fs::path cgroup = support::cgroup_of(init, "memory");
  EXPECT_EQ(common::read_file(cgroup / "memory.max"), std::to_string(memory) + "\n") << cgroup;
  EXPECT_EQ(common::read_file(cgroup / "pids.max"), "500\n") << cgroup;
  // No --cpus: the cpu limit of the step's own cgroup is copied all the same.
  EXPECT_EQ(common::read_file(cgroup / "cpu.max"), "1000000 100000\n") << cgroup;
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  expect_nothing_left_running(result);
}

TEST_F(Step29MemoryParent, WithMemoryKillNineOfTheStepLeavesNoCgroup) {
  support::reread("Pitfalls");
  std::string why;
  if (memory_parent(why).empty()) GTEST_SKIP() << why;
  support::Subprocess process(
      container({"--memory", "16M", "/bin/sh", "-c", "echo ready; sleep 30"}));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  ASSERT_EQ(support::cgroups_of({process.pid()}).size(), 1u) << process.so_far().describe();
  process.signal(SIGKILL);
  process.wait(10s);
  bool gone = false;
  for (int i = 0; i < 250 && !gone; ++i) {
    gone = support::cgroups_of({process.pid()}).empty();
    if (!gone) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(gone) << "5 s after kill -9 of the step, its cgroup remains (the janitor's work)";
  support::reap_orphans(5s);
  support::unmount_all_under(rootfs());
}

// Try this 1: on a desktop, with --memory the container sees 0::/ (its cgroup namespace),
// and its step29-... folder sits in the cgroup that hands memory down, gone afterwards.
TEST_F(Step29MemoryParent, TryThis1_WithMemoryTheCgroupIsBesideTheSessionScope) {
  support::reread("Try this");
  std::string why;
  const fs::path parent = memory_parent(why);
  if (parent.empty()) GTEST_SKIP() << why;
  support::Subprocess process(container(
      {"--memory", "16M", "/bin/sh", "-c", "cat /proc/self/cgroup; echo ready; exec sleep 30"}));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  EXPECT_EQ(process.so_far().out, "0::/\nready\n") << process.so_far().describe();
  const pid_t init = support::host_pid_of_init(process.so_far().err);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const fs::path cgroup = support::cgroup_of(init, "pids");
  EXPECT_EQ(cgroup.parent_path(), parent) << process.so_far().describe();
  EXPECT_TRUE(cgroup.filename().native().starts_with("step29-")) << cgroup;
  process.signal(SIGTERM);
  process.wait(10s);
  EXPECT_FALSE(fs::exists(cgroup)) << cgroup << " is left";
}

}  // namespace
