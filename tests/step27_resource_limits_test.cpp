#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "common/cgroup.hpp"
#include "common/files.hpp"
#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Step27ResourceLimits = support::ContainerTest;

TEST_F(Step27ResourceLimits, CommandOverTheMemoryLimitIsKilledAndTheStepSaysWhy) {
  support::reread("Goal");
  if (const std::string why = support::no_cgroup_for("memory", "27"); !why.empty())
    GTEST_SKIP() << why;
  // dd's 64 MiB buffer, filled from /dev/zero, cannot fit in 16 MiB.
  const auto result =
      run_container({"--memory", "16M", "--", "/bin/sh", "-c",
                     "dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo dd-status=$?"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "dd-status=137\n") << "dd should be killed (SIGKILL: 128 + 9)\n"
                                           << result.describe();
  EXPECT_NE(result.err.find("killed: memory limit of 16777216 bytes reached"), std::string::npos)
      << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step27ResourceLimits, TheLimitedCommandsOwnStatusIs137) {
  support::reread("Goal");
  expect_killed_by_memory_limit("27");
}

TEST_F(Step27ResourceLimits, WorkUnderTheLimitRuns) {
  support::reread("What changed");
  if (const std::string why = support::no_cgroup_for("memory", "27"); !why.empty())
    GTEST_SKIP() << why;
  const auto result = run_container(
      {"--memory", "64M", "/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=4M", "count=4"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.err.find("killed"), std::string::npos) << result.describe();
}

TEST_F(Step27ResourceLimits, MemoryCgroupIsUnderTheStepsOwnWithItsLimit) {
  support::reread("What changed");
  if (!support::no_cgroup_for("memory", "27").empty()) {
    // The step must refuse, not run without the limit asked for.
    const auto result = run_container({"--memory", "16M", "/bin/true"});
    EXPECT_EQ(result.exit_code, 125) << result.describe();
    EXPECT_NE(result.err.find("cgroup"), std::string::npos) << "the reason, in one line\n"
                                                            << result.describe();
    EXPECT_EQ(result.err.find("container started"), std::string::npos) << result.describe();
    return;
  }
  support::Subprocess process(
      container({"--memory", "32M", "--", "/bin/sh", "-c", "echo ready; sleep 2"}));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const pid_t init = support::host_pid_of_init(process.so_far().err);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const fs::path own = common::find_cgroup_parents({"memory"}).front().dir;
  const fs::path container = support::cgroup_of(init, "memory");
  EXPECT_EQ(container.parent_path(), own) << "the container's memory cgroup " << container
                                          << " should be a child of the step's own, " << own;
  EXPECT_EQ(support::memory_limit_of(container), "33554432\n");
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  expect_nothing_left_running(result);
  EXPECT_FALSE(fs::exists(container)) << container << " is left behind";
}

// CPU seconds `cgroup` has used so far, from its own counter: usage_usec in cpu.stat (v2),
// or cpuacct.usage in nanoseconds where cpuacct shares the hierarchy (v1 "cpu,cpuacct").
// Where cpuacct has a hierarchy of its own (this course's VM), the sum of utime and
// stime of the processes in it, from /proc/PID/stat (proc(5): fields 14 and 15, in ticks).
double cpu_seconds_of(const fs::path& cgroup) {
  std::istringstream stat(common::read_file(cgroup / "cpu.stat"));
  for (std::string key; stat >> key;) {
    double value = 0;
    if (key == "usage_usec" && stat >> value) return value / 1e6;
  }
  if (fs::exists(cgroup / "cpuacct.usage"))
    return std::stod(common::read_file(cgroup / "cpuacct.usage")) / 1e9;
  double ticks = 0;
  std::istringstream procs(common::read_file(cgroup / "cgroup.procs"));
  for (pid_t pid; procs >> pid;) {
    std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    std::istringstream fields(text.substr(text.rfind(')') + 2));  // after "pid (comm) "
    std::string field;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i >= 14) ticks += std::stod(field);
    }
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

TEST_F(Step27ResourceLimits, HalfACpuHoldsABusyLoopNearHalf) {
  support::reread("Goal");
  if (const std::string why = support::no_cgroup_for("cpu", "27"); !why.empty())
    GTEST_SKIP() << why;
  support::Subprocess process(container({"--cpus", "0.5", "--", "/bin/sh", "-c",
                                         "while :; do :; done & echo ready; sleep 4; kill $!"}));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const pid_t init = support::host_pid_of_init(process.so_far().err);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const fs::path cgroup = support::cgroup_of(init, "cpu");
  std::this_thread::sleep_for(300ms);
  const double cpu_before = cpu_seconds_of(cgroup);
  const auto wall_before = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(2s);
  const double used = cpu_seconds_of(cgroup) - cpu_before;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
  EXPECT_GT(used / wall, 0.3) << "the loop should get about half a CPU, got " << used / wall;
  EXPECT_LT(used / wall, 0.7) << "the loop should get about half a CPU, got " << used / wall;
  // The cgroup's own counter of periods in which the kernel stopped it (cpu.stat).
  std::istringstream stat(common::read_file(cgroup / "cpu.stat"));
  long throttled = -1;
  for (std::string key; stat >> key;) {
    if (key == "nr_throttled") stat >> throttled;
  }
  EXPECT_GT(throttled, 0) << "cpu.stat of " << cgroup << " counts no throttled period";
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// A usage error ends with common's "(try --help)", whatever the step's own wording.
bool is_usage_error(const support::ProcessResult& result) {
  return result.exit_code == 125 && result.err.find("(try --help)") != std::string::npos;
}

TEST_F(Step27ResourceLimits, BadLimitsAreUsageErrors) {
  support::reread("What changed");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--memory", "12X", "/bin/true"},
        {"--memory", "1000", "/bin/true"},
        {"--cpus", "0", "/bin/true"},
        {"--cpus", "half", "/bin/true"}}) {
    const auto result = run_container(args);
    EXPECT_TRUE(is_usage_error(result)) << result.describe();
  }
  // ... and not because the step knows no such option: good values are limits.
  for (const std::string controller : {"memory", "cpu"}) {
    const auto result = run_container({controller == "memory" ? "--memory" : "--cpus",
                                       controller == "memory" ? "64M" : "0.5", "/bin/true"});
    EXPECT_FALSE(is_usage_error(result))
        << "a good --" << controller << " value was refused as a usage error\n"
        << result.describe();
    if (support::no_cgroup_for(controller, "27").empty()) {
      EXPECT_EQ(result.exit_code, 0) << result.describe();
    }
  }
}

TEST_F(Step27ResourceLimits, WithoutRootALimitIsRefusedNotDropped) {
  support::reread("Pitfalls");
  const auto result = run_container({"--memory", "16M", "/bin/true"}, {.as_user = 65534});
  EXPECT_EQ(result.exit_code, 125) << "a limit the step cannot set must not be dropped silently\n"
                                   << result.describe();
  EXPECT_EQ(result.err.find("container started"), std::string::npos) << result.describe();
  // Refused as a limit it cannot set, not as an option it does not know: root may set it.
  EXPECT_FALSE(is_usage_error(result)) << result.describe();
  if (support::no_cgroup_for("memory", "27").empty()) {
    const auto as_root = run_container({"--memory", "16M", "/bin/true"});
    EXPECT_EQ(as_root.exit_code, 0) << "as root the same limit should be set\n"
                                    << as_root.describe();
  }
}

// Try this 1: `--memory 16M` with dd's 8 MiB buffer (it fits), then 32 MiB (killed).
TEST_F(Step27ResourceLimits, TryThis1_EightMegabytesFitSixteenThirtyTwoDoNot) {
  support::reread("Try this");
  if (const std::string why = support::no_cgroup_for("memory", "27"); !why.empty())
    GTEST_SKIP() << why;
  const auto fits = run_container(
      {"--memory", "16M", "/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=8M", "count=1"});
  EXPECT_EQ(fits.exit_code, 0) << fits.describe();
  const auto killed = run_container(
      {"--memory", "16M", "/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=32M", "count=1"});
  EXPECT_EQ(killed.exit_code, 137) << killed.describe();
  EXPECT_NE(killed.err.find("killed: memory limit of"), std::string::npos) << killed.describe();
}

// Try this 2: `--cpus 0.25` and a busy loop: about a quarter of a CPU.
TEST_F(Step27ResourceLimits, TryThis2_AQuarterOfACpu) {
  support::reread("Try this");
  if (const std::string why = support::no_cgroup_for("cpu", "27"); !why.empty())
    GTEST_SKIP() << why;
  support::Subprocess process(container({"--cpus", "0.25", "--", "/bin/sh", "-c",
                                         "while :; do :; done & echo ready; sleep 4; kill $!"}));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const pid_t init = support::host_pid_of_init(process.so_far().err);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const fs::path cgroup = support::cgroup_of(init, "cpu");
  std::this_thread::sleep_for(300ms);
  const double cpu_before = cpu_seconds_of(cgroup);
  const auto wall_before = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(2s);
  const double used = cpu_seconds_of(cgroup) - cpu_before;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
  EXPECT_GT(used / wall, 0.15) << "about 25% of a CPU, got " << used / wall;
  EXPECT_LT(used / wall, 0.35) << "about 25% of a CPU, got " << used / wall;
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// Try this 3: without --memory, `/` on every line inside; from the host, only the pids
// controller's line of PID 1's /proc/PID/cgroup names step27- (v1 and hybrid: the pids
// line; pure v2: the one line).
TEST_F(Step27ResourceLimits, TryThis3_OnlyThePidsLineNamesTheContainer) {
  support::reread("Try this");
  support::Subprocess process(
      container({"/bin/sh", "-c", "cat /proc/self/cgroup; echo ready; sleep 2"}));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const pid_t init = support::host_pid_of_init(process.so_far().err);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const std::string host = common::read_file("/proc/" + std::to_string(init) + "/cgroup");
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  std::istringstream inside(result.out.substr(0, result.out.find("ready\n")));
  for (std::string line; std::getline(inside, line);)
    EXPECT_TRUE(line.ends_with(":/")) << line << "\n" << result.describe();
  const bool pids_on_v2 = common::find_cgroup_parents({"pids"}).front().version == 2;
  std::vector<std::string> naming;
  std::istringstream lines(host);
  for (std::string line; std::getline(lines, line);)
    if (line.find("/step27-") != std::string::npos) naming.push_back(line);
  ASSERT_EQ(naming.size(), 1U) << host;
  EXPECT_TRUE(std::regex_search(
      naming.front(), std::regex(pids_on_v2 ? "^0::/" : "^[0-9]+:([^:]*,)?pids(,[^:]*)?:/")))
      << host;
}

}  // namespace
