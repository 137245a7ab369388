#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "common/cgroup.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Step26CgroupNamespace = support::ContainerTest;

// A pids cgroup under the test's own, to start the step in, as a host would put a user's
// shell in a limited cgroup; removed with whatever is left in it.
class CallerCgroup {
 public:
  CallerCgroup() {
    std::string name =
        (support::own_pids_cgroup() / ("caller-" + std::to_string(::getpid()) + "-XXXXXX"))
            .native();
    if (::mkdtemp(name.data()) == nullptr) throw common::SyscallError(errno, "mkdtemp", name);
    dir_ = name;
    // Under a thread root (on a desktop, a step from 28 on makes the test's own cgroup
    // one) only a threaded cgroup may hold processes (cgroup-v2.rst, "Threads").
    const fs::path type = support::own_pids_cgroup() / "cgroup.type";
    if (fs::exists(type) && common::read_file(type) != "domain\n")
      common::write_file(dir_ / "cgroup.type", "threaded");
  }
  ~CallerCgroup() { support::remove_cgroup_tree(dir_); }
  CallerCgroup(const CallerCgroup&) = delete;
  CallerCgroup& operator=(const CallerCgroup&) = delete;
  const fs::path& dir() const { return dir_; }
  // argv run from inside this cgroup: a shell moves itself in, then becomes argv.
  std::vector<std::string> wrap(const std::vector<std::string>& argv) const {
    std::vector<std::string> wrapped = {
        "/bin/sh", "-c", "echo 0 > \"$0/cgroup.procs\" && exec \"$@\"", dir_.native()};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    return wrapped;
  }

 private:
  fs::path dir_;
};

// The pids controller is on cgroup v2 (pure v2, or a hybrid host's v2 side).
bool pids_on_v2() { return common::find_cgroup_parents({"pids"}).front().version == 2; }

TEST_F(Step26CgroupNamespace, ContainerSeesEachOfItsCgroupsAsTheRoot) {
  support::reread("Goal");
  const auto result = run_container({"/bin/cat", "/proc/self/cgroup"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  ASSERT_FALSE(result.out.empty()) << result.describe();
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(line.ends_with(":/"))
        << "inside a cgroup namespace every path is /, got: " << line << "\n"
        << result.describe();
  }
  expect_no_mounts_left();
}

TEST_F(Step26CgroupNamespace, ContainersCgroupIsUnderTheCallersOwn) {
  support::reread("What changed");
  const CallerCgroup caller;
  if (pids_on_v2()) {
    // cgroup v2: the caller's cgroup holds the step, and a cgroup with processes cannot
    // have children that hold ours (but threaded ones, step 28): as root, the step refuses
    // and says what to do, rather than run the container without a limit.
    const auto result = support::run(caller.wrap(container({"/bin/true"})), 20s);
    EXPECT_EQ(result.exit_code, 125) << result.describe();
    EXPECT_NE(result.err.find("holds processes"), std::string::npos) << result.describe();
    EXPECT_EQ(result.err.find("container started"), std::string::npos) << result.describe();
    return;
  }
  support::Subprocess process(caller.wrap(container({"/bin/sh", "-c", "echo ready; sleep 2"})));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const pid_t init = support::host_pid_of_init(process.so_far().err);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const fs::path container = support::cgroup_of(init, "pids");
  const fs::path inside = container.lexically_relative(caller.dir());
  EXPECT_FALSE(inside.empty() || inside.native().starts_with(".."))
      << "the container's cgroup " << container << " is not under the caller's " << caller.dir();
  EXPECT_NE(container, caller.dir())
      << "on v1 the container gets a pids cgroup of its own, under the caller's";
  EXPECT_EQ(common::read_file(container / "pids.max"), "5\n");
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  expect_nothing_left_running(result);
  EXPECT_FALSE(fs::exists(container)) << container << " is left behind";
}

// Whether \p cgroup is \p caller or a cgroup nested in it.
bool is_at_or_under(const fs::path& cgroup, const fs::path& caller) {
  const fs::path inside = cgroup.lexically_relative(caller);
  return !inside.empty() && !inside.native().starts_with("..");
}

TEST_F(Step26CgroupNamespace, KillNineOfTheStepStillRemovesTheNestedCgroup) {
  support::reread("Pitfalls");
  if (pids_on_v2())
    GTEST_SKIP() << "cgroup v2: step 26 refuses to run from a cgroup with processes";
  const CallerCgroup caller;
  support::Subprocess process(caller.wrap(container({"/bin/sh", "-c", "echo ready; sleep 30"})));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const pid_t init = support::host_pid_of_init(process.so_far().err);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const fs::path container = support::cgroup_of(init, "pids");
  // The cgroup the janitor must remove is the nested one, under the caller's.
  EXPECT_TRUE(is_at_or_under(container, caller.dir()))
      << "the container's cgroup " << container << " is not under the caller's " << caller.dir();
  process.signal(SIGKILL);
  process.wait(10s);
  EXPECT_TRUE(support::reaped_within(init, 5s))
      << "the container's PID 1 still runs 5 s after the step was killed";
  if (container != caller.dir()) {
    EXPECT_TRUE(support::gone_within(container, 5s))
        << "kill -9 of the step left its cgroup " << container;
  }
}

TEST_F(Step26CgroupNamespace, TheCommandCannotMoveOutOfItsCgroup) {
  support::reread("Pitfalls");
  if (pids_on_v2())
    GTEST_SKIP() << "cgroup v2: step 26 refuses to run from a cgroup with processes";
  // Started from a cgroup of the host's: whatever the command tries, it stays under it.
  // No cgroup file system inside (no /sys, and mount is refused): the command has no
  // cgroup.procs to write to, and its own paths show nothing of the host's tree, only
  // "/" (cgroup_namespaces(7)): no path names a cgroup outside its own.
  const CallerCgroup caller;
  support::Subprocess process(
      caller.wrap(container({"/bin/sh", "-c",
                             "ls /sys/fs/cgroup 2>&1; mount -t cgroup2 none /tmp 2>&1; cut -d: -f3 "
                             "/proc/self/cgroup | sort -u; "
                             "echo ready; sleep 2"})));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const pid_t init = support::host_pid_of_init(process.so_far().err);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const fs::path container = support::cgroup_of(init, "pids");
  EXPECT_TRUE(is_at_or_under(container, caller.dir()))
      << "the command runs in " << container << ", out of the caller's cgroup " << caller.dir();
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_NE(result.out.find("No such file or directory"), std::string::npos) << result.describe();
  EXPECT_NE(result.out.find("ermission denied"), std::string::npos) << result.describe();
  EXPECT_NE(result.out.find("\n/\nready\n"), std::string::npos)
      << "inside, every cgroup path should be /\n"
      << result.describe();
  expect_nothing_left_running(result);
  expect_no_mounts_left();
}

// The folders nested in \p cgroup, by name.
std::vector<std::string> folders_in(const fs::path& cgroup) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(cgroup))
    if (entry.is_directory()) names.push_back(entry.path().filename());
  return names;
}

// Try this 1: from a shell in a pids cgroup of its own (`demo`, on a v1 host), the step
// with `sleep 30`: `demo` holds a step26-<pid>-<random> folder, then only its own files.
TEST_F(Step26CgroupNamespace, TryThis1_TheCallersCgroupHoldsTheContainersWhileItRuns) {
  support::reread("Try this");
  if (pids_on_v2())
    GTEST_SKIP() << "the exercise is for a v1 host: on v2 step 26 refuses to run from a cgroup "
                    "with processes";
  const CallerCgroup demo;
  support::Subprocess process(demo.wrap(container({"/bin/sh", "-c", "echo ready; sleep 30"})));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const auto running = folders_in(demo.dir());
  ASSERT_EQ(running.size(), 1U) << demo.dir();
  EXPECT_TRUE(std::regex_match(running.front(), std::regex("step26-[0-9]+-[A-Za-z0-9]+")))
      << running.front();
  process.signal(SIGTERM);
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 128 + SIGTERM) << result.describe();
  EXPECT_TRUE(folders_in(demo.dir()).empty()) << demo.dir() << " still holds a folder";
}

// Try this 2: `cat /proc/self/cgroup` inside step 25 (the host's paths) and step 26 (/).
TEST_F(Step26CgroupNamespace, TryThis2_Step25ShowsTheHostsPathsStep26Root) {
  support::reread("Try this");
  const auto step25 = run_container_of(TRY_THIS_STEP_25, {"/bin/cat", "/proc/self/cgroup"});
  EXPECT_EQ(step25.exit_code, 0) << step25.describe();
  const std::regex pids_line(pids_on_v2() ? "(^|\n)0::/([^\n]*/)?step25-[0-9]+-[^/\n]+\n"
                                          : ":pids:/([^\n]*/)?step25-[0-9]+-[^/\n]+\n");
  EXPECT_TRUE(std::regex_search(step25.out, pids_line)) << step25.describe();
  const auto step26 = run_container({"/bin/cat", "/proc/self/cgroup"});
  EXPECT_EQ(step26.exit_code, 0) << step26.describe();
  std::istringstream lines(step26.out);
  for (std::string line; std::getline(lines, line);)
    EXPECT_TRUE(line.ends_with(":/")) << line << "\n" << step26.describe();
}

// Try this 3: CLONE_NEWCGROUP in the clone flags instead of PID 1's unshare
// (TRY_THIS_PROGRAM_3), and item 2's `cat /proc/self/cgroup`: the namespace's root is the
// step's cgroup, so the pids line (v2: the one line) names the container's, below it.
TEST_F(Step26CgroupNamespace, TryThis3_ANamespaceMadeAtCloneShowsTheContainersCgroup) {
  support::reread("Try this");
  const auto result = run_container_of(TRY_THIS_PROGRAM_3, {"/bin/cat", "/proc/self/cgroup"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  const std::regex pids_line(pids_on_v2() ? "(^|\\n)0::/step26-[0-9]+-[A-Za-z0-9]+\\n"
                                          : ":pids:/step26-[0-9]+-[A-Za-z0-9]+\\n");
  EXPECT_TRUE(std::regex_search(result.out, pids_line)) << result.describe();
  // Made by PID 1 once in its cgroup, as the step does, the namespace shows / there.
  const auto step26 = run_container({"/bin/cat", "/proc/self/cgroup"});
  EXPECT_FALSE(std::regex_search(step26.out, std::regex("/step26-"))) << step26.describe();
  EXPECT_TRUE(
      std::regex_search(step26.out, std::regex(pids_on_v2() ? "(^|\\n)0::/\\n" : ":pids:/\\n")))
      << step26.describe();
}

}  // namespace
