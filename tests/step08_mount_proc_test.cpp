#include <regex>

#include "tests/support/step_test.hpp"

namespace {

using Step08MountProc = support::ContainerTest;

// The PIDs `ps` printed, one per line after the header.
std::vector<long> listed_pids(const std::string& ps_output) {
  std::vector<long> pids;
  const std::regex line("^ *([0-9]+) ", std::regex::multiline);
  for (auto it = std::sregex_iterator(ps_output.begin(), ps_output.end(), line); it != std::sregex_iterator(); ++it) {
    pids.push_back(std::stol((*it)[1]));
  }
  return pids;
}

TEST_F(Step08MountProc, PsListsOnlyTheContainersProcesses) {
  support::reread("Goal");
  const auto result = run_container({"/bin/ps"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  const auto pids = listed_pids(result.out);
  ASSERT_FALSE(pids.empty()) << "ps inside lists no process: is proc mounted at /proc?\n" << result.describe();
  EXPECT_LE(pids.size(), 3u) << "ps inside lists processes of the host\n" << result.describe();
  EXPECT_EQ(pids.front(), 1) << result.describe();
}

TEST_F(Step08MountProc, ProcShowsTheContainersPid1) {
  support::reread("What changed");
  const auto result = run_container({"/bin/sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_FALSE(result.out.empty()) << result.describe();
  EXPECT_EQ(result.out.find("systemd"), std::string::npos) << "/proc is the host's\n" << result.describe();
}

TEST_F(Step08MountProc, MountThisStepLeavesCanBeCleanedUp) {
  support::reread("Pitfalls");
  const auto result = run_container({"/bin/true"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  // Without a mount namespace, /proc stays mounted on the host after the container ends:
  // the chapter shows it, step 09 fixes it. The test takes it down itself.
  support::unmount_all_under(rootfs());
  expect_no_mounts_left();
}

TEST_F(Step08MountProc, RootfsWithoutProcIsRefusedBeforeTheContainerStarts) {
  support::reread("What changed");
  run_without_mount_point("proc");
}

}  // namespace
