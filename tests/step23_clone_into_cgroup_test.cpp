#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/cgroup.hpp"
#include "common/files.hpp"
#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Step23CloneIntoCgroup = support::ContainerTest;

// The chapter's contract: the step says how PID 1 got into its cgroups.
constexpr const char* kStartedInside = "PID 1 started in its cgroup (clone3, CLONE_INTO_CGROUP)";
constexpr const char* kMovedItself = "PID 1 moves itself into its cgroups (cgroup.procs)";

// True where the container's cgroups are one v2 folder: a pure v2 host, run from the
// root cgroup or (a threaded cgroup, step 22) from one with processes.
bool one_v2_folder(const std::vector<std::string>& controllers) {
  const auto parents = common::find_cgroup_parents(controllers);
  return parents.size() == 1 && parents.front().version == 2;
}

TEST_F(Step23CloneIntoCgroup, Pid1StartsInsideItsCgroupWhereV2AllowsIt) {
  support::reread("What changed");
  if (const std::string why = support::no_cgroup_for("cpu", "23"); !why.empty())
    GTEST_SKIP() << why;
  support::Subprocess process(
      container({"--cpus", "1", "--", "/bin/sh", "-c", "echo ready; sleep 1"}));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const std::string err = process.so_far().err;
  const pid_t init = support::host_pid_of_init(err);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const fs::path cgroup = support::cgroup_of(init, "cpu");
  if (one_v2_folder({"pids", "cpu"})) {
    EXPECT_NE(err.find(kStartedInside), std::string::npos) << process.so_far().describe();
    EXPECT_EQ(err.find(kMovedItself), std::string::npos) << process.so_far().describe();
    EXPECT_EQ(common::read_file(cgroup / "cpu.max"), "100000 100000\n") << cgroup;
  } else {
    // v1 or hybrid: a folder in each hierarchy, and clone3 takes only one.
    EXPECT_NE(err.find(kMovedItself), std::string::npos) << process.so_far().describe();
    EXPECT_EQ(err.find(kStartedInside), std::string::npos) << process.so_far().describe();
  }
  EXPECT_NE(cgroup.filename().native().find("step"), std::string::npos)
      << "PID 1 should be in the container's own cgroup, not " << cgroup;
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  expect_nothing_left_running(result);
}

TEST_F(Step23CloneIntoCgroup, TheContainerStillWorksAndEndsAsBefore) {
  support::reread("Pitfalls");
  // PID 1 is a forked copy of the step with clone3: signals, the exit status, the
  // namespaces and the cgroup namespace must be as they were.
  const auto result =
      run_container({"/bin/sh", "-c", "hostname; cut -d: -f3 /proc/self/cgroup | sort -u; exit 7"});
  EXPECT_EQ(result.exit_code, 7) << result.describe();
  EXPECT_EQ(result.out, "container\n/\n") << result.describe();
  const auto killed = run_container({"/bin/sh", "-c", "kill -TERM $$"});
  EXPECT_EQ(killed.exit_code, 128 + 15) << killed.describe();
  expect_no_mounts_left();
}

TEST_F(Step23CloneIntoCgroup, MemoryLimitStillHolds) {
  support::reread("Goal");
  expect_killed_by_memory_limit("23");
}

}  // namespace
