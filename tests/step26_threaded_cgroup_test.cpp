// Step 26: beside other processes (cgroup v2 from a cgroup that holds processes: a
// desktop's session scope, make test-hosts' desktop layout) the container's cgroup is a
// threaded one, and its pids limit holds there; with --memory, which no threaded cgroup
// can have, it is a domain cgroup under the nearest cgroup above that hands memory down,
// with the tightest limits of the cgroups skipped copied onto it. Where the step starts in
// a root cgroup, or on v1, it makes its cgroups as step 25 does, and these tests skip.

#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/cgroup.hpp"
#include "common/files.hpp"
#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Step26ThreadedCgroup = support::ContainerTest;

// Why this host cannot show the step's idea ("" if it can).
std::string not_beside_other_processes() {
  const common::CgroupParent own = common::find_cgroup_parents({"pids"}).front();
  if (own.version != 2) return "pids is on cgroup v1 here";
  if (own.is_root) return "the test starts in the root cgroup";
  return "";
}

// Where --memory puts the container's cgroup beside other processes: the nearest cgroup
// above the test's (the step's) own with memory in its cgroup.subtree_control. Empty, with
// `why` set, where that does not apply here.
fs::path memory_parent(std::string& why) {
  why = not_beside_other_processes();
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

TEST_F(Step26ThreadedCgroup, BesideOtherProcessesTheContainersCgroupIsThreaded) {
  support::reread("What changed");
  if (const std::string why = not_beside_other_processes(); !why.empty()) GTEST_SKIP() << why;
  support::Subprocess process(container({"/bin/sh", "-c", "echo ready; exec sleep 1"}));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const pid_t init = support::host_pid_of_init(process.so_far().err);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const fs::path cgroup = support::cgroup_of(init, "pids");
  EXPECT_EQ(common::read_file(cgroup / "cgroup.type"), "threaded\n") << cgroup;
  EXPECT_EQ(common::read_file(cgroup / "pids.max"), "64\n") << cgroup;
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_NE(result.err.find("v2, threaded"), std::string::npos) << result.describe();
  expect_nothing_left_running(result);
}

TEST_F(Step26ThreadedCgroup, WithMemoryTheCgroupIsADomainOneWhereMemoryIsHandedDown) {
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

TEST_F(Step26ThreadedCgroup, WithMemoryBesideOtherProcessesACommandOverTheLimitIsKilled) {
  support::reread("Goal");
  std::string why;
  if (memory_parent(why).empty()) GTEST_SKIP() << why;
  expect_killed_by_memory_limit("26");
}

TEST_F(Step26ThreadedCgroup, WithMemoryBesideOtherProcessesThePidsAndCpuLimitsHoldToo) {
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

TEST_F(Step26ThreadedCgroup, WithMemoryTheLimitsOfTheCgroupsSkippedAreCopied) {
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

TEST_F(Step26ThreadedCgroup, WithMemoryKillNineOfTheStepLeavesNoCgroup) {
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

// Try this 1: on a desktop, the type of the cgroup the caller is in, before and after a
// run of the step. A run before this test may have made it a thread root already.
TEST_F(Step26ThreadedCgroup, TryThis1_TheCallersCgroupBecomesAThreadRoot) {
  support::reread("Try this");
  if (const std::string why = not_beside_other_processes(); !why.empty()) GTEST_SKIP() << why;
  const fs::path own = common::find_cgroup_parents({"pids"}).front().dir;
  const std::string before = common::read_file(own / "cgroup.type");
  EXPECT_TRUE(before == "domain\n" || before == "domain threaded\n") << before;
  const auto result = run_container({"/bin/true"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(common::read_file(own / "cgroup.type"), "domain threaded\n") << own;
}

// Try this 2: on a desktop, `sleep 30`; the container's cgroup.procs cannot be read, its
// cgroup.threads lists PID 1 and the sleep, by their host IDs.
TEST_F(Step26ThreadedCgroup, TryThis2_ProcsCannotBeReadThreadsListsPid1AndSleep) {
  support::reread("Try this");
  if (const std::string why = not_beside_other_processes(); !why.empty()) GTEST_SKIP() << why;
  support::Subprocess process(container({"/bin/sh", "-c", "echo ready; exec sleep 30"}));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const pid_t init = support::host_pid_of_init(process.so_far().err);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const fs::path cgroup = support::cgroup_of(init, "pids");
  const auto procs = support::run(support::on_path({"cat", (cgroup / "cgroup.procs").native()}));
  EXPECT_NE(procs.err.find("Operation not supported"), std::string::npos) << procs.describe();
  const auto threads =
      support::run(support::on_path({"cat", (cgroup / "cgroup.threads").native()}));
  // The shell becomes the sleep (exec) a moment after it says ready.
  support::ProcessResult sleep;
  for (int tries = 0; tries < 20 && sleep.exit_code != 0; ++tries) {
    if (tries > 0) std::this_thread::sleep_for(100ms);
    sleep = support::run(support::on_path({"pgrep", "-P", std::to_string(init), "-x", "sleep"}));
  }
  // In no particular order (cgroup-v2.rst, "Core Interface Files").
  std::istringstream listed(threads.out);
  std::set<std::string> ids{std::istream_iterator<std::string>(listed), {}};
  EXPECT_EQ(
      ids, (std::set<std::string>{std::to_string(init), sleep.out.substr(0, sleep.out.find('\n'))}))
      << threads.describe();
  process.signal(SIGTERM);
  process.wait(10s);
}

// Try this 3: on a desktop, with --memory the container sees 0::/ (its cgroup namespace),
// and its step26-... folder sits in the cgroup that hands memory down, gone afterwards.
TEST_F(Step26ThreadedCgroup, TryThis3_WithMemoryTheCgroupIsBesideTheSessionScope) {
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
  EXPECT_TRUE(cgroup.filename().native().starts_with("step26-")) << cgroup;
  process.signal(SIGTERM);
  process.wait(10s);
  EXPECT_FALSE(fs::exists(cgroup)) << cgroup << " is left";
}

}  // namespace
