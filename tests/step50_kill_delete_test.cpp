// Step 50: `kill ID [SIGNAL]` signals the container, `delete ID` removes what is left of a
// stopped one, and `delete --force ID` kills it first. Against step 49's code these fail:
// `kill` and `delete` are taken for commands.

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/bundle_test.hpp"

namespace {

using namespace std::chrono_literals;
using Step50KillDelete = support::RuntimeTest;

// TERM by name, passed on by PID 1 to the command, whose trap runs; then delete removes
// the stopped container's folder and its cgroups are gone.
TEST_F(Step50KillDelete, KillTermReachesTheCommandAndDeleteLeavesNothing) {
  support::reread("Goal");
  write_config(
      R"(["/bin/sh", "-c", "trap 'echo got-TERM; exit 7' TERM; echo ready; while :; do sleep 0.1; done"])");
  ASSERT_EQ(create("box").exit_code, 0) << output();
  const pid_t pid = pid1();
  const std::filesystem::path pids = support::cgroup_of(pid, "pids");
  ASSERT_EQ(runtime({"start", "box"}).exit_code, 0);
  ASSERT_NE(support::wait_for_text(out(), "ready\n", 10s).find("ready\n"), std::string::npos);
  const auto killed = runtime({"kill", "box", "SIGTERM"});
  ASSERT_EQ(killed.exit_code, 0) << killed.describe();
  EXPECT_NE(support::wait_for_text(out(), "got-TERM", 10s).find("got-TERM"), std::string::npos)
      << output();
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  const auto deleted = runtime({"delete", "box"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.describe();
  EXPECT_FALSE(std::filesystem::exists(state() / "box"));
  EXPECT_TRUE(support::gone_within(pids, 5s)) << pids;
}

// Signals by number, as podman sends them: 9 ends a created container.
TEST_F(Step50KillDelete, KillByNumber) {
  support::reread("What changed");
  write_config(R"(["true"])");
  ASSERT_EQ(create("box").exit_code, 0) << output();
  const pid_t pid = pid1();
  ASSERT_EQ(runtime({"kill", "box", "9"}).exit_code, 0);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  EXPECT_NE(runtime({"state", "box"}).out.find("\"status\": \"stopped\""), std::string::npos);
  EXPECT_EQ(runtime({"kill", "box", "9"}).exit_code, 125) << "a stopped container has no process";
  EXPECT_EQ(runtime({"delete", "box"}).exit_code, 0);
}

// delete refuses a container that runs; --force kills it first and waits for its end.
TEST_F(Step50KillDelete, DeleteForceKillsFirst) {
  support::reread("What changed");
  write_config(R"(["sleep", "60"])");
  ASSERT_EQ(create("box").exit_code, 0) << output();
  const pid_t pid = pid1();
  const std::filesystem::path pids = support::cgroup_of(pid, "pids");
  ASSERT_EQ(runtime({"start", "box"}).exit_code, 0);
  const auto refused = runtime({"delete", "box"});
  ASSERT_EQ(refused.exit_code, 125) << refused.describe();
  EXPECT_NE(refused.err.find("running: use --force"), std::string::npos) << refused.describe();
  EXPECT_EQ(runtime({"delete", "--force", "box"}).exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(state() / "box"));
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  EXPECT_TRUE(support::gone_within(pids, 5s)) << pids;
}

// delete --force of a container that is not there succeeds (as runc's): podman's cleanup
// may come after a failed create.
TEST_F(Step50KillDelete, DeleteForceOfNoContainerSucceeds) {
  support::reread("Pitfalls");
  EXPECT_EQ(runtime({"delete", "--force", "nobox"}).exit_code, 0);
  EXPECT_EQ(runtime({"delete", "nobox"}).exit_code, 125);
}

// A create killed before it recorded PID 1 leaves a folder with no pid record: --force
// removes it, so that a cleanup after a failed create (podman's) leaves nothing.
TEST_F(Step50KillDelete, DeleteForceRemovesAFolderWithoutARecord) {
  support::reread("What changed");
  std::filesystem::create_directories(state() / "half");
  std::ofstream(state() / "half" / "exec.fifo");
  EXPECT_EQ(runtime({"delete", "half"}).exit_code, 125);
  EXPECT_TRUE(std::filesystem::exists(state() / "half"));
  EXPECT_EQ(runtime({"delete", "--force", "half"}).exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(state() / "half"));
}

TEST_F(Step50KillDelete, AnUnknownSignalIsRefused) {
  support::reread("Pitfalls");
  write_config(R"(["true"])");
  ASSERT_EQ(create("box").exit_code, 0) << output();
  const pid_t pid = pid1();
  const auto result = runtime({"kill", "box", "NOSUCH"});
  ASSERT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("kill: not a signal: NOSUCH"), std::string::npos) << result.describe();
  EXPECT_EQ(runtime({"delete", "--force", "box"}).exit_code, 0);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
}

// state still tells created from running from stopped.
TEST_F(Step50KillDelete, StillStateSaysCreated) {
  support::reread("Goal");
  write_config(R"(["true"])");
  ASSERT_EQ(create("box").exit_code, 0) << output();
  const pid_t pid = pid1();
  EXPECT_NE(runtime({"state", "box"}).out.find("\"status\": \"created\""), std::string::npos);
  ::kill(pid, SIGKILL);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  std::filesystem::remove_all(state() / "box");  // step 49 has no delete
}

// Try this 1: a TERM to a created container waits in PID 1, which has every signal blocked;
// after start, PID 1 passes it on before the shell has set its trap: the shell dies of it,
// `ready` never shows, and the container is stopped.
TEST_F(Step50KillDelete, TryThis1_ASignalToACreatedContainerWaitsForStart) {
  support::reread("Pitfalls");
  write_config(
      R"(["sh", "-c", "trap 'echo got TERM; exit 3' TERM; echo ready; while :; do sleep 1; done"])");
  ASSERT_EQ(create("box").exit_code, 0) << output();
  const pid_t pid = pid1();
  const auto killed = runtime({"kill", "box"});
  ASSERT_EQ(killed.exit_code, 0) << killed.describe();
  std::this_thread::sleep_for(200ms);
  EXPECT_NE(runtime({"state", "box"}).out.find("\"status\": \"created\""), std::string::npos)
      << "a TERM ended the created container";
  ASSERT_EQ(runtime({"start", "box"}).exit_code, 0);
  EXPECT_TRUE(support::reaped_within(pid, 5s)) << "the command ran on";
  EXPECT_NE(runtime({"state", "box"}).out.find("\"status\": \"stopped\""), std::string::npos);
  EXPECT_EQ(output().find("ready"), std::string::npos) << output();
  EXPECT_EQ(runtime({"delete", "box"}).exit_code, 0);
}

// Try this 2: names as sigabbrev_np spells them (upper case; POLL, not IO) and numbers from
// 1: `term`, `IO` and `0` are each refused.
TEST_F(Step50KillDelete, TryThis2_NamesAsSigabbrevSpellsThemNumbersFrom1) {
  support::reread("What changed");
  write_config(R"(["true"])");
  ASSERT_EQ(create("box").exit_code, 0) << output();
  const pid_t pid = pid1();
  for (const std::string name : {"term", "IO", "0"}) {
    const auto result = runtime({"kill", "box", name});
    ASSERT_EQ(result.exit_code, 125) << result.describe();
    EXPECT_NE(result.err.find("kill: not a signal: " + name + "\n"), std::string::npos)
        << result.describe();
  }
  EXPECT_EQ(runtime({"kill", "box", "POLL"}).exit_code, 0) << "signal 29's name";
  EXPECT_EQ(runtime({"delete", "--force", "box"}).exit_code, 0);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
}

// The processes in PID 1's pids cgroup whose command line is `sleep 1000`.
std::vector<pid_t> sleepers(const std::filesystem::path& cgroup) {
  std::vector<pid_t> found;
  std::ifstream procs(cgroup / "cgroup.procs");
  for (pid_t pid; procs >> pid;) {
    std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
    const std::string args{std::istreambuf_iterator<char>(cmdline), {}};
    if (args == std::string("sleep\0"
                            "1000\0",
                            11))
      found.push_back(pid);
  }
  return found;
}

// Try this 3: KILL ends PID 1, and the kernel kills the rest of its namespace: both
// `sleep 1000` are gone.
TEST_F(Step50KillDelete, TryThis3_KillEndsTheWholeNamespace) {
  support::reread("Goal");
  write_config(R"(["sh", "-c", "sleep 1000 & sleep 1000"])");
  ASSERT_EQ(create("box").exit_code, 0) << output();
  const pid_t pid = pid1();
  const std::filesystem::path pids = support::cgroup_of(pid, "pids");
  ASSERT_EQ(runtime({"start", "box"}).exit_code, 0);
  std::vector<pid_t> sleeping;
  for (int tries = 0; tries < 250 && (sleeping = sleepers(pids)).size() < 2; ++tries)
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(sleeping.size(), 2U);
  const auto killed = runtime({"kill", "box", "KILL"});
  ASSERT_EQ(killed.exit_code, 0) << killed.describe();
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  for (const pid_t sleeper : sleeping)
    EXPECT_TRUE(support::gone_within("/proc/" + std::to_string(sleeper), 5s)) << sleeper;
  EXPECT_NE(runtime({"state", "box"}).out.find("\"status\": \"stopped\""), std::string::npos);
  EXPECT_TRUE(support::gone_within(pids, 5s)) << pids;
  EXPECT_EQ(runtime({"delete", "box"}).exit_code, 0);
}

}  // namespace
