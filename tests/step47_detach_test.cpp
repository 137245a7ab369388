// Step 47: with --detach the step ends once the container runs, and the container goes
// on; its janitor removes its cgroups once it ends. Against step 46's code these fail: it
// has no --detach (125, unknown option).

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/bundle_test.hpp"

namespace {

using namespace std::chrono_literals;

// The processes this test adopted (it is a subreaper) whose command line holds \p text, as
// `ps -eo pid,ppid,pgid,args | grep` finds them: PID and process group of each.
std::vector<std::pair<pid_t, pid_t>> adopted_with(const std::string& text) {
  std::vector<std::pair<pid_t, pid_t>> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat_file(entry.path() / "stat");
    const std::string stat{std::istreambuf_iterator<char>(stat_file), {}};
    std::istringstream after_name(stat.substr(stat.rfind(')') + 1));
    char state = 0;
    pid_t parent = 0, group = 0;
    if (!(after_name >> state >> parent >> group) || parent != ::getpid() || state == 'Z') continue;
    std::ifstream cmdline_file(entry.path() / "cmdline");
    const std::string cmdline{std::istreambuf_iterator<char>(cmdline_file), {}};
    if (cmdline.find(text) != std::string::npos) found.emplace_back(std::stoi(name), group);
  }
  return found;
}

class Step47Detach : public support::BundleTest {
 protected:
  std::filesystem::path out() const { return bundle() / "out"; }
  std::filesystem::path pid_file() const { return bundle() / "pid"; }
  support::ProcessResult detach() const {
    return support::run_into_file(
        step({"--detach", "--pid-file", pid_file(), "--bundle", bundle()}), out());
  }
  pid_t pid1() const {
    pid_t pid = -1;
    std::ifstream(pid_file()) >> pid;
    return pid;
  }
};

// The step ends (0) while the command still sleeps; the pid file names PID 1, which runs
// on, and the command's output and status come after.
TEST_F(Step47Detach, TheStepEndsAndTheContainerGoesOn) {
  support::reread("Goal");
  write_config(R"(["/bin/sh", "-c", "echo started; sleep 3; echo done"])");
  const auto result = detach();
  EXPECT_EQ(result.exit_code, 0) << support::wait_for_text(out(), "done", 0ms);
  const pid_t pid = pid1();
  ASSERT_GT(pid, 0) << "no PID in the pid file";
  EXPECT_EQ(::kill(pid, 0), 0) << "PID 1 is not running after the step ended";
  EXPECT_EQ(support::wait_for_text(out(), "done", 0ms).find("done"), std::string::npos)
      << "the step waited for the command";
  EXPECT_NE(support::wait_for_text(out(), "done", 10s).find("started\ndone\n"), std::string::npos)
      << support::wait_for_text(out(), "done", 0ms);
  EXPECT_TRUE(support::reaped_within(pid, 5s)) << "PID 1 did not end";
}

// Once PID 1 ends, the janitor removes the container's cgroups: nothing is left.
TEST_F(Step47Detach, TheJanitorRemovesTheCgroupsAfterTheContainer) {
  support::reread("What changed");
  write_config(R"(["/bin/sh", "-c", "sleep 1"])");
  ASSERT_EQ(detach().exit_code, 0) << support::wait_for_text(out(), "", 0ms);
  const pid_t pid = pid1();
  ASSERT_GT(pid, 0);
  const std::filesystem::path pids = support::cgroup_of(pid, "pids");
  EXPECT_NE(pids.filename().native().find("step47"), std::string::npos) << pids;
  EXPECT_TRUE(std::filesystem::exists(pids)) << "the cgroup went with the step";
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  EXPECT_TRUE(support::gone_within(pids, 5s)) << pids << " stays after the container";
}

// kill -9 of PID 1: the janitor removes the cgroups all the same.
TEST_F(Step47Detach, AfterKillMinus9OfPid1NothingIsLeft) {
  support::reread("Pitfalls");
  write_config(R"(["sleep", "30"])");
  ASSERT_EQ(detach().exit_code, 0) << support::wait_for_text(out(), "", 0ms);
  const pid_t pid = pid1();
  ASSERT_GT(pid, 0);
  const std::filesystem::path pids = support::cgroup_of(pid, "pids");
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  EXPECT_TRUE(support::gone_within(pids, 5s)) << pids << " stays after the container";
}

// A bundle the step cannot honour (a hostname over 64 bytes, step 46) fails the detached
// step before PID 1 exists: exit 125, no PID in --pid-file.
TEST_F(Step47Detach, ABundleRefusedFailsTheStepBeforePid1) {
  support::reread("What changed");
  write_config(R"(["true"])", "\"hostname\": \"" + std::string(70, 'h') + "\",");
  const auto result = detach();
  EXPECT_EQ(result.exit_code, 125);
  EXPECT_NE(support::wait_for_text(out(), "", 0ms).find("hostname: longer than 64 bytes"),
            std::string::npos)
      << support::wait_for_text(out(), "", 0ms);
  EXPECT_EQ(support::wait_for_text(out(), "", 0ms).find("container started"), std::string::npos);
}

// A failure after PID 1 is set up (a pid file that cannot be written): the step kills PID 1,
// which no longer dies with it, and leaves nothing, root and rootless (without root here no
// cgroup, no janitor); TearDown finds no process and no cgroup.
TEST_F(Step47Detach, AFailureAfterPid1IsSetUpLeavesNothing) {
  support::reread("Pitfalls");
  write_config(R"(["sleep", "30"])");
  for (const std::optional<uid_t> user : {std::optional<uid_t>(), std::optional<uid_t>(65534)}) {
    std::ofstream(out()).flush();
    std::filesystem::permissions(out(), std::filesystem::perms::all);
    const auto result = support::run_into_file(
        step({"--detach", "--pid-file", "/no/such/folder/pid", "--bundle", bundle()}), out(),
        {.as_user = user});
    EXPECT_EQ(result.exit_code, 125);
    EXPECT_NE(support::wait_for_text(out(), "", 0ms).find("--pid-file: cannot write"),
              std::string::npos)
        << support::wait_for_text(out(), "", 0ms);
    EXPECT_EQ(support::kill_orphans(), 0) << "PID 1 outlived the step";
  }
}

// A terminal would lose its relay with the step: refused, and so is the step's own.
TEST_F(Step47Detach, ATerminalIsRefused) {
  support::reread("Pitfalls");
  write_config(R"(["true"])");
  const auto result = run_step({"--detach", "--bundle", bundle().native()}, {.terminal = true});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.out.find("--detach: a terminal is not supported"), std::string::npos)
      << result.describe();
}

// Try this 1: on a terminal, --detach is refused while any of stdin, stdout and stderr is
// it (stdout redirected alone is not enough), before anything is made; with all three
// redirected, the step runs.
TEST_F(Step47Detach, TryThis1_ATerminalOnAnyOfStdinStdoutStderrIsRefused) {
  support::reread("Goal");
  write_config(R"(["true"])");
  const std::vector<std::string> detach = step({"--detach", "--bundle", bundle()});
  for (const std::string redirect : {"", ">\"$0\"", "</dev/null >\"$0\" 2>&1"}) {
    std::vector<std::string> shell = {"/bin/sh", "-c", "exec \"$@\" " + redirect, out()};
    shell.insert(shell.end(), detach.begin(), detach.end());
    const auto result = support::run(shell, 20s, {.terminal = true});
    const std::string said = result.out + support::wait_for_text(out(), "", 0ms);
    if (redirect.find("2>&1") == std::string::npos) {
      EXPECT_EQ(result.exit_code, 125) << redirect << "\n" << result.describe();
      EXPECT_NE(said.find("step47: --detach: a terminal is not supported by this step: "
                          "redirect 0-2"),
                std::string::npos)
          << redirect << "\n"
          << said;
      EXPECT_EQ(said.find("container started"), std::string::npos) << said;
    } else {
      EXPECT_EQ(result.exit_code, 0) << said;
      EXPECT_NE(said.find("container started"), std::string::npos) << said;
    }
  }
  const pid_t pid = support::host_pid_of_init(support::wait_for_text(out(), "", 0ms));
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
}

// Try this 2: be conmon. The step's parent, a shell, is no subreaper: it cannot wait for
// PID 1 (127, "not known by the invoking shell"). This test is one, as conmon: it adopts
// PID 1 when the step ends and gets its status, the command's 3.
TEST_F(Step47Detach, TryThis2_OnlyASubreaperGetsPid1sStatus) {
  support::reread("Pitfalls");
  write_config(R"(["sh", "-c", "sleep 0.5; exit 3"])");
  std::vector<std::string> shell = {"/bin/sh", "-c",
                                    "out=$0 pid_file=$1; shift; \"$@\" </dev/null >\"$out\" 2>&1; "
                                    "echo step $?; wait \"$(cat \"$pid_file\")\"; echo wait $?",
                                    out(), pid_file()};
  const std::vector<std::string> detach =
      step({"--detach", "--pid-file", pid_file(), "--bundle", bundle()});
  shell.insert(shell.end(), detach.begin(), detach.end());
  const auto result = support::run(shell);
  EXPECT_EQ(result.out, "step 0\nwait 127\n")
      << result.describe() << support::wait_for_text(out(), "", 0ms);
  const pid_t pid = pid1();
  ASSERT_GT(pid, 0);
  const std::filesystem::path pids = support::cgroup_of(pid, "pids");
  int status = -1;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (::waitpid(pid, &status, WNOHANG) != pid && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(WIFEXITED(status)) << "PID 1 was not adopted by this test, a subreaper";
  EXPECT_EQ(WEXITSTATUS(status), 3);
  EXPECT_TRUE(support::gone_within(pids, 5s)) << pids;
}

// Try this 3: after the step, the one process with its command line is the janitor, adopted
// like PID 1 (here by this test), in a process group of its own; PID 1 wiped its command
// line (step 22). kill -9 of PID 1: the janitor removes the cgroups and ends.
TEST_F(Step47Detach, TryThis3_TheJanitorWaitsForPid1) {
  support::reread("What changed");
  write_config(R"(["sleep", "30"])");
  ASSERT_EQ(detach().exit_code, 0) << support::wait_for_text(out(), "", 0ms);
  const pid_t pid = pid1();
  ASSERT_GT(pid, 0);
  const std::filesystem::path pids = support::cgroup_of(pid, "pids");
  const auto found = adopted_with(program());
  ASSERT_EQ(found.size(), 1u) << "processes with the step's command line, adopted by the test";
  const auto [janitor, group] = found.front();
  EXPECT_NE(janitor, pid);
  EXPECT_EQ(group, janitor) << "the janitor is not in a process group of its own";
  EXPECT_FALSE(support::reaped_within(janitor, 500ms)) << "the janitor ended before PID 1";
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  EXPECT_TRUE(support::reaped_within(janitor, 5s)) << "the janitor did not end";
  EXPECT_FALSE(std::filesystem::exists(pids)) << pids;
}

// Without --detach the step still waits, and the status is the command's.
TEST_F(Step47Detach, StillWithoutDetachTheStepWaits) {
  support::reread("Goal");
  write_config(R"(["/bin/sh", "-c", "sleep 0.5; exit 4"])");
  const auto result = run_bundle();
  EXPECT_EQ(result.exit_code, 4) << result.describe();
}

}  // namespace
