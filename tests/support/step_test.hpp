#pragma once
/// \file
/// \brief Fixtures for a step's tests: run the program under test as a user would.
/// Header-only: PROGRAM_UNDER_TEST differs per test executable.

#include <grp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/environment.hpp"
#include "tests/support/program.hpp"
#include "tests/support/subprocess.hpp"

namespace support {

/// \brief The container's PID 1 as the host knows it, from the step's line "its PID 1 is
/// PID N in the step's PID namespace" (the host's, for the tests) in \p err; -1 if there is none.
inline pid_t host_pid_of_init(const std::string& err) {
  std::smatch match;
  if (!std::regex_search(err, match, std::regex("PID 1 is PID ([0-9]+)"))) return -1;
  return std::stoi(match[1]);
}

/// \brief Waits until the command of \p process (a step whose command prints "ready") runs
/// and the step has logged PID 1's number, then returns that number: PID 1 is in its
/// cgroups by then (it may join them itself). -1 if either is missing after 10 seconds.
inline pid_t running_init(Subprocess& process) {
  using namespace std::chrono_literals;
  if (!process.wait_for_output("PID 1 is PID", 10s) || !process.wait_for_output("ready", 10s))
    return -1;
  return host_pid_of_init(process.so_far().err);
}

/// \brief The host uid that root inside PID \p pid's user namespace is (the second field
/// of its uid_map, user_namespaces(7)), or 0 if uid 0 is not mapped first.
inline unsigned host_root_of(pid_t pid) {
  std::ifstream map("/proc/" + std::to_string(pid) + "/uid_map");
  unsigned inside = 1, outside = 0;
  map >> inside >> outside;
  return inside == 0 ? outside : 0;
}

/// \brief What kill(2) of \p target with SIGKILL gives a host process with uid and gid
/// \p id and no groups: 0, or the errno.
inline int kill_as(unsigned id, pid_t target) {
  const pid_t child = ::fork();
  if (child == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(id, id, id) != 0 ||
        ::setresuid(id, id, id) != 0)
      ::_exit(255);
    ::_exit(::kill(target, SIGKILL) == 0 ? 0 : errno);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

/// \brief \p argv as a shell runs a command: its program found on `$PATH` (run() and
/// Subprocess take the program's path), such as `ls` or `strace` on the host.
inline std::vector<std::string> on_path(std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"/bin/sh", "-c", "exec \"$0\" \"$@\""});
  return argv;
}

/// \brief Names the part of the chapter a student should reread when this test fails;
/// `make check` prints it (recorded as the test property `reread`).
inline void reread(const std::string& section) {
  ::testing::Test::RecordProperty("reread", section);
}

/// \brief A test that runs the step program without privileges or a rootfs.
class StepTest : public ::testing::Test {
 protected:
  /// As root, in namespaces of the test's own (isolate_test_process()): a step that
  /// changes the hostname changes the test's copy, and the checkout is reachable for the
  /// tests that run a step as nobody.
  void SetUp() override {
    if (is_root()) isolate_test_process();
  }
  /// \brief The step program the test runs: program_under_test(), unless a test that runs
  /// many steps says which.
  virtual std::string program() const { return program_under_test(); }
  /// \brief The program under test followed by \p args.
  std::vector<std::string> step(const std::vector<std::string>& args = {}) const {
    std::vector<std::string> argv{program()};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  /// \brief Runs the program under test with \p args and waits at most \p timeout.
  ProcessResult run_step(const std::vector<std::string>& args, const ProcessOptions& options = {},
                         std::chrono::milliseconds timeout = 20s) const {
    return run(step(args), timeout, options);
  }
};

/// \brief A test of a container step: needs root, gets its own rootfs copy, and checks
/// that the host's hostname is the same after the test as before.
///
/// The test process first moves into a UTS and a mount namespace of its own
/// (isolate_test_process()): the step sees them as "the host", so a wrong program (a
/// student's step 05 without CLONE_NEWUTS, step 08's leftover /proc) changes only the
/// test's copies, which die with it, and never the machine's.
class ContainerTest : public StepTest {
 protected:
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    if (const std::string why = cannot_run_here(program()); !why.empty()) GTEST_SKIP() << why;
    isolate_test_process();
    // A container that outlives its step is re-parented to us, so TearDown finds it.
    become_subreaper();
    rootfs_.emplace();
    hostname_ = host_hostname();
  }
  void TearDown() override {
    if (!rootfs_) return;
    EXPECT_EQ(host_hostname(), hostname_)
        << "the host's hostname changed: only the container's may";
    // Whatever the step left, the test removes, so that a wrong step (or lab) leaves the
    // machine as it found it; and says so, since a step must not leave anything.
    EXPECT_EQ(kill_orphans(), 0) << "processes of the container outlived the step (killed now)";
    const auto cgroups = remove_cgroups_of(started_pids());
    EXPECT_TRUE(cgroups.empty()) << "the step left its cgroup " << cgroups.front()
                                 << " (removed now)";
  }
  /// \brief The program under test with `--rootfs <this test's copy>` and \p args.
  std::vector<std::string> container(const std::vector<std::string>& args = {}) const {
    return container_of(program(), args);
  }
  /// \brief Another step's program, \p step_program (such as `TRY_THIS_STEP_14`,
  /// for a chapter's "Try this" that compares two steps), with `--rootfs <this test's copy>`
  /// and \p args.
  std::vector<std::string> container_of(const std::string& step_program,
                                        const std::vector<std::string>& args = {}) const {
    std::vector<std::string> argv{step_program, "--rootfs", rootfs().native()};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  /// \brief Runs container(\p args) and waits at most \p timeout.
  ProcessResult run_container(const std::vector<std::string>& args,
                              const ProcessOptions& options = {},
                              std::chrono::milliseconds timeout = 20s) const {
    return run_container_of(program(), args, options, timeout);
  }
  /// \brief Runs container_of(\p step_program, \p args) and waits at most \p timeout.
  ProcessResult run_container_of(const std::string& step_program,
                                 const std::vector<std::string>& args,
                                 const ProcessOptions& options = {},
                                 std::chrono::milliseconds timeout = 20s) const {
    ProcessResult result = run(container_of(step_program, args), timeout, options);
    expect_nothing_left_running(result);
    return result;
  }
  /// \brief Fails the test if processes of the container outlived the step program.
  static void expect_nothing_left_running(const ProcessResult& result) {
    EXPECT_FALSE(result.left_processes)
        << "processes of the container were still running after the step ended\n"
        << result.describe();
  }
  /// \brief Removes \p folder from this test's rootfs copy and runs the step: it must be
  /// refused (125) for want of that mount point before any container starts.
  ProcessResult run_without_mount_point(const std::string& folder) const {
    std::filesystem::remove(rootfs() / folder);
    ProcessResult result = run_container({"/bin/true"});
    EXPECT_EQ(result.exit_code, 125) << result.describe();
    EXPECT_NE(result.err.find("has no folder /" + folder + " to mount on"), std::string::npos)
        << result.describe();
    EXPECT_EQ(result.err.find("container started"), std::string::npos) << result.describe();
    return result;
  }
  /// \brief Runs `dd` with a 64 MiB buffer under `--memory 16M`: the step must end with
  /// dd's own status, 137 (SIGKILL: 128 + 9), and say that the memory limit killed it.
  /// Skips the test, with the reason, where \p step (such as "19") can have no memory
  /// cgroup here (no_cgroup_for()): call it last in the test.
  void expect_killed_by_memory_limit(const std::string& step) const {
    if (const std::string why = no_cgroup_for("memory", step); !why.empty()) GTEST_SKIP() << why;
    const auto result = run_container(
        {"--memory", "16M", "/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"});
    EXPECT_EQ(result.exit_code, 137) << result.describe();
    EXPECT_NE(result.err.find("killed: memory limit of"), std::string::npos) << result.describe();
  }
  /// \brief This test's rootfs copy.
  const std::filesystem::path& rootfs() const { return rootfs_->path(); }
  /// \brief Fails the test if anything is still mounted in this test's rootfs.
  void expect_no_mounts_left() const {
    const auto left = mounts_under(rootfs());
    EXPECT_TRUE(left.empty()) << "still mounted on the host after the container ended: "
                              << left.front();
  }

 private:
  std::optional<TempRootfs> rootfs_;
  std::string hostname_;
};

}  // namespace support
