// Step 22: beside other processes (cgroup v2 from a cgroup that holds processes: a
// desktop's session scope, make test-hosts' desktop layout) the container's cgroup is a
// threaded one, and its pids limit holds there; --memory, which no threaded cgroup can
// have, is refused with that reason. Where the step starts in a root cgroup, or on v1, it
// makes its cgroups as step 21 does, and these tests skip.

#include <unistd.h>

#include <filesystem>
#include <string>

#include "common/cgroup.hpp"
#include "common/files.hpp"
#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Step22ThreadedCgroup = support::ContainerTest;

// Why this host cannot show the step's idea ("" if it can).
std::string not_beside_other_processes() {
  const common::CgroupParent own = common::find_cgroup_parents({"pids"}).front();
  if (own.version != 2) return "pids is on cgroup v1 here";
  if (own.is_root) return "the test starts in the root cgroup";
  return "";
}

TEST_F(Step22ThreadedCgroup, BesideOtherProcessesTheContainersCgroupIsThreaded) {
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

TEST_F(Step22ThreadedCgroup, MemoryBesideOtherProcessesIsRefusedWithTheReason) {
  support::reread("Pitfalls");
  if (const std::string why = not_beside_other_processes(); !why.empty()) GTEST_SKIP() << why;
  const auto result = run_container({"--memory", "16M", "/bin/true"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("cannot hand memory down"), std::string::npos) << result.describe();
  expect_nothing_left_running(result);
}

}  // namespace
