#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/support/step_test.hpp"

namespace {

using Step08MountProc = support::ContainerTest;

// The PIDs `ps` printed, one per line after the header.
std::vector<long> listed_pids(const std::string& ps_output) {
  std::vector<long> pids;
  const std::regex line("^ *([0-9]+) ", std::regex::multiline);
  for (auto it = std::sregex_iterator(ps_output.begin(), ps_output.end(), line);
       it != std::sregex_iterator(); ++it) {
    pids.push_back(std::stol((*it)[1]));
  }
  return pids;
}

TEST_F(Step08MountProc, PsListsOnlyTheContainersProcesses) {
  support::reread("Goal");
  const auto result = run_container({"/bin/ps"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  const auto pids = listed_pids(result.out);
  ASSERT_FALSE(pids.empty()) << "ps inside lists no process: is proc mounted at /proc?\n"
                             << result.describe();
  EXPECT_LE(pids.size(), 3u) << "ps inside lists processes of the host\n" << result.describe();
  EXPECT_EQ(pids.front(), 1) << result.describe();
}

TEST_F(Step08MountProc, ProcShowsTheContainersPid1) {
  support::reread("What changed");
  // PID 1 of the container is the command itself: a /proc of its PID namespace shows this
  // very command line as /proc/1/cmdline (its words each end with a NUL, proc(5)). The
  // host's /proc shows the host's init, whatever that is; an empty /proc shows nothing.
  const std::string script = "cat /proc/1/cmdline | tr '\\0' '|'";
  const auto result = run_container({"/bin/sh", "-c", script});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "/bin/sh|-c|" + script + "|")
      << "/proc/1 should be the command: is /proc the host's?\n"
      << result.describe();
}

// The proc mount of a step that ran, in the mount table of the test (the host, for the step).
int proc_mounts_at(const std::filesystem::path& dir) {
  std::ifstream mounts("/proc/self/mounts");
  int count = 0;
  for (std::string source, target, type, rest;
       mounts >> source >> target >> type && std::getline(mounts, rest);) {
    if (target == dir.native() && type == "proc") ++count;
  }
  return count;
}

TEST_F(Step08MountProc, MountThisStepLeavesCanBeCleanedUp) {
  support::reread("Pitfalls");
  const auto result = run_container({"/bin/true"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  // Without a mount namespace, the container's proc stays mounted on the host after the
  // container ends: the chapter shows it, step 09 unmounts it, step 14 keeps it off the
  // host. The test takes it down itself.
  EXPECT_EQ(proc_mounts_at(rootfs() / "proc"), 1)
      << "the step should have mounted a proc at " << rootfs() / "proc"
      << " (and left it: nothing unmounts it yet)";
  support::unmount_all_under(rootfs());
  expect_no_mounts_left();
}

TEST_F(Step08MountProc, RootfsWithoutProcIsRefusedBeforeTheContainerStarts) {
  support::reread("What changed");
  run_without_mount_point("proc");
}

TEST_F(Step08MountProc, TryThis1_EveryRunLeavesOneMoreProcMount) {
  support::reread("Try this");
  for (int run = 1; run <= 3; ++run) {
    const auto result = run_container({"/bin/true"});
    EXPECT_EQ(result.exit_code, 0) << result.describe();
    const auto grep =
        support::run({"/usr/bin/grep", "-c", (rootfs() / "proc").native(), "/proc/mounts"});
    EXPECT_EQ(grep.out, std::to_string(run) + "\n") << "after run " << run << "\n"
                                                    << grep.describe();
  }
  support::unmount_all_under(rootfs());
  expect_no_mounts_left();
}

// Typed in the step's shell.
TEST_F(Step08MountProc, TryThis2_Pid1IsTheCommand) {
  support::reread("Try this");
  const auto result = run_container({}, {.input = "cat /proc/1/cmdline\n"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, std::string("/bin/sh") + '\0') << result.describe();
  support::unmount_all_under(rootfs());
}

}  // namespace
