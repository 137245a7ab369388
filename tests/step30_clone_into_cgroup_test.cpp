#include <signal.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "common/cgroup.hpp"
#include "common/files.hpp"
#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Step30CloneIntoCgroup = support::ContainerTest;

// The chapter's contract: the step says how PID 1 got into its cgroups.
constexpr const char* kStartedInside = "PID 1 started in its cgroup (clone3, CLONE_INTO_CGROUP)";
constexpr const char* kMovedItself = "PID 1 moves itself into its cgroups (cgroup.procs)";

// True where the container's cgroups are one v2 folder: a pure v2 host, run from the
// root cgroup or (a threaded cgroup, step 28) from one with processes.
bool one_v2_folder(const std::vector<std::string>& controllers) {
  const auto parents = common::find_cgroup_parents(controllers);
  return parents.size() == 1 && parents.front().version == 2;
}

TEST_F(Step30CloneIntoCgroup, Pid1StartsInsideItsCgroupWhereV2AllowsIt) {
  support::reread("What changed");
  if (const std::string why = support::no_cgroup_for("cpu", "30"); !why.empty())
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

TEST_F(Step30CloneIntoCgroup, TheContainerStillWorksAndEndsAsBefore) {
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

TEST_F(Step30CloneIntoCgroup, MemoryLimitStillHolds) {
  support::reread("Goal");
  expect_killed_by_memory_limit("30");
}

// Try this 1: on a pure v2 host, `strace -f -e trace=clone3,write` of steps 28 and 30:
// PID 1 writes "0" to its cgroup.procs in step 28; step 30 clones it in instead.
TEST_F(Step30CloneIntoCgroup, TryThis1_StraceShowsTheWriteInStep28AndClone3In23) {
  support::reread("Try this");
  if (!one_v2_folder({"pids"}))
    GTEST_SKIP() << "the exercise is for a pure v2 host: on v1 and hybrid hosts PID 1 moves "
                    "itself in, in both steps";
  if (support::run({"/bin/sh", "-c", "command -v strace"}).exit_code != 0)
    GTEST_SKIP() << "no strace on this host";
  // strace -f may split the call around another process's: `1 <unfinished ...>`.
  const std::regex moved(R"(write\([0-9]+</[^>]*/step28[^/>]*/cgroup\.procs>, "0", 1[) ])");
  const std::regex cloned(R"(clone3\(\{flags=[^}]*CLONE_INTO_CGROUP[^}]*cgroup=[0-9]+)");
  const std::vector<std::string> strace = {"strace", "-f", "-y", "-e", "trace=clone3,write"};
  std::vector<std::string> step28 = strace, step30 = strace;
  for (const std::string& arg : container_of(TRY_THIS_STEP_28, {"true"})) step28.push_back(arg);
  for (const std::string& arg : container({"true"})) step30.push_back(arg);
  const auto before = support::run(support::on_path(step28));
  EXPECT_EQ(before.exit_code, 0) << before.describe();
  EXPECT_TRUE(std::regex_search(before.err, moved)) << before.describe();
  const auto after = support::run(support::on_path(step30));
  EXPECT_EQ(after.exit_code, 0) << after.describe();
  EXPECT_TRUE(std::regex_search(after.err, cloned)) << after.describe();
  EXPECT_EQ(after.err.find("cgroup.procs>, \"0\""), std::string::npos) << after.describe();
}

// Try this 3: PID 1's /proc/PID/cgroup, read on the host, in steps 28 and 30: the same
// folder, but for the container's own name.
TEST_F(Step30CloneIntoCgroup, TryThis3_Pid1EndsInTheSameFolderInSteps28And30) {
  support::reread("Try this");
  std::vector<std::string> seen;
  for (const std::string& step : {std::string(TRY_THIS_STEP_28), program()}) {
    support::Subprocess process(container_of(step, {"/bin/sh", "-c", "echo ready; sleep 30"}));
    EXPECT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
    const pid_t init = support::host_pid_of_init(process.so_far().err);
    EXPECT_GT(init, 0) << process.so_far().describe();
    const std::string text = common::read_file("/proc/" + std::to_string(init) + "/cgroup");
    seen.push_back(std::regex_replace(text, std::regex("/step[0-9][0-9]-[0-9]+-[A-Za-z0-9]+"),
                                      "/stepNN-PID-RANDOM"));
    process.signal(SIGTERM);
    const auto result = process.wait(10s);
    EXPECT_EQ(result.exit_code, 128 + SIGTERM) << result.describe();
  }
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0], seen[1]);
  EXPECT_NE(seen[1].find("/stepNN-PID-RANDOM"), std::string::npos) << seen[1];
}

// Try this 2: without PID 1's unshare(CLONE_NEWCGROUP) (TRY_THIS_PROGRAM_2), the
// transcript's command lists the host's paths again, the container's own among them.
TEST_F(Step30CloneIntoCgroup, TryThis2_WithoutItsCgroupNamespaceTheHostsPathsStillShow) {
  support::reread("Try this");
  const std::vector<std::string> command = {"/bin/sh", "-c",
                                            "cut -d: -f3 /proc/self/cgroup | sort -u"};
  const auto edited = run_container_of(TRY_THIS_PROGRAM_2, command);
  EXPECT_EQ(edited.exit_code, 0) << edited.describe();
  EXPECT_TRUE(
      std::regex_search(edited.out, std::regex("(^|\\n)[^\\n]*/step30-[0-9]+-[A-Za-z0-9]+\\n")))
      << edited.describe();
  const auto step30 = run_container(command);
  EXPECT_EQ(step30.out, "/\n") << step30.describe();
}

}  // namespace
