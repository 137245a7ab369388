// Step 28: beside other processes (cgroup v2 from a cgroup that holds processes: a
// desktop's session scope, make test-hosts' desktop layout) the container's cgroup is a
// threaded one, and its pids limit holds there; --memory, which no threaded cgroup can
// have, is refused in one line (step 29 takes it higher up). Where the step starts in a
// root cgroup, or on v1, it makes its cgroups as step 27 does, and these tests skip.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "common/cgroup.hpp"
#include "common/files.hpp"
#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Step28ThreadedCgroup = support::ContainerTest;

TEST_F(Step28ThreadedCgroup, BesideOtherProcessesTheContainersCgroupIsThreaded) {
  support::reread("What changed");
  if (const std::string why = support::not_beside_other_processes(); !why.empty())
    GTEST_SKIP() << why;
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

// Step 27 refuses any cgroup there; this step only --memory, and says why in one line.
TEST_F(Step28ThreadedCgroup, WithMemoryBesideOtherProcessesTheStepRefusesInOneLine) {
  support::reread("Pitfalls");
  if (const std::string why = support::not_beside_other_processes(); !why.empty())
    GTEST_SKIP() << why;
  const auto result = run_container({"--memory", "16M", "/bin/true"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("a threaded cgroup cannot have memory: leave out --memory"),
            std::string::npos)
      << result.describe();
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.describe();
}

// Try this 1: on a desktop, the type of the cgroup the caller is in, before and after a
// run of the step. A run before this test may have made it a thread root already.
TEST_F(Step28ThreadedCgroup, TryThis1_TheCallersCgroupBecomesAThreadRoot) {
  support::reread("Try this");
  if (const std::string why = support::not_beside_other_processes(); !why.empty())
    GTEST_SKIP() << why;
  const fs::path own = common::find_cgroup_parents({"pids"}).front().dir;
  const std::string before = common::read_file(own / "cgroup.type");
  EXPECT_TRUE(before == "domain\n" || before == "domain threaded\n") << before;
  const auto result = run_container({"/bin/true"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(common::read_file(own / "cgroup.type"), "domain threaded\n") << own;
}

// Try this 2: on a desktop, `sleep 30`; the container's cgroup.procs cannot be read, its
// cgroup.threads lists PID 1 and the sleep, by their host IDs.
TEST_F(Step28ThreadedCgroup, TryThis2_ProcsCannotBeReadThreadsListsPid1AndSleep) {
  support::reread("Try this");
  if (const std::string why = support::not_beside_other_processes(); !why.empty())
    GTEST_SKIP() << why;
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

}  // namespace
