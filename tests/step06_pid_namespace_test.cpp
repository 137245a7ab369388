#include <csignal>
#include <fstream>
#include <regex>

#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
using Step06PidNamespace = support::ContainerTest;

TEST_F(Step06PidNamespace, CommandIsPid1) {
  support::reread("Goal");
  const auto result = run_container({"/bin/sh", "-c", "echo $$"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "1\n")
      << "`echo $$` inside should print 1: the command is PID 1 of a new PID namespace\n"
      << result.describe();
}

TEST_F(Step06PidNamespace, ParentReportsTheHostPid) {
  support::reread("What changed");
  // The command waits for the test, so that the reported PID can be looked up while the
  // container runs (no chroot yet: the flag file is the host's path).
  const support::TempDir flags;
  const std::string go = (flags.path() / "go").native();
  support::Subprocess process(
      container({"/bin/sh", "-c", "echo ready; while [ ! -e \"$0\" ]; do sleep 0.05; done", go}));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  // The step logs after clone returns, on stderr: it may come after the command's "ready".
  process.wait_for_output("in the step's PID namespace", 10s);
  std::smatch match;
  const std::string err = process.so_far().err;
  const bool logged =
      std::regex_search(err, match, std::regex("PID ([0-9]+) in the step's PID namespace"));
  // /proc/N/status's NSpid: N's PID in each PID namespace it is in, ours (the host's) first
  // (proc(5)). The container's PID 1 shows "N 1"; the step itself, or a PID of the wrong
  // namespace, shows something else.
  std::string nspid;
  if (logged) {
    std::ifstream status("/proc/" + match[1].str() + "/status");
    for (std::string line; std::getline(status, line);) {
      if (line.starts_with("NSpid:")) nspid = line.substr(line.find_first_not_of(" \t", 6));
    }
  }
  std::ofstream{go};
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  ASSERT_TRUE(logged) << "stderr should report the container's PID as the host sees it\n"
                      << result.describe();
  EXPECT_EQ(nspid, match[1].str() + "\t1")
      << "the reported PID should be the container's PID 1 as the host knows it; its /proc/"
      << match[1] << "/status has NSpid: " << nspid << "\n"
      << result.describe();
}

TEST_F(Step06PidNamespace, HostnameIsStillTheContainers) {
  support::reread("Run it");
  // No chroot yet: the rootfs's busybox by its host path.
  const auto result = run_container({(rootfs() / "bin" / "busybox").native(), "hostname"});
  EXPECT_EQ(result.out, "container\n") << result.describe();
}

// The host's ps, from "another terminal", while the step runs sleep 60.
TEST_F(Step06PidNamespace, TryThis1_HostSeesTheSleepUnderThePidTheStepPrinted) {
  support::reread("Try this");
  support::Subprocess process(container({"sleep", "60"}));
  ASSERT_TRUE(process.wait_for_output("in the step's PID namespace", 10s))
      << process.so_far().describe();
  const pid_t init = support::host_pid_of_init(process.so_far().err);
  const auto ps = support::run({"/usr/bin/ps", "-o", "pid,ppid,cmd", "-C", "sleep"});
  ::kill(init, SIGKILL);
  const auto result = process.wait(10s);
  EXPECT_TRUE(std::regex_search(ps.out, std::regex("(^|\n) *" + std::to_string(init) + " +" +
                                                   std::to_string(process.pid()) + " +sleep 60\n")))
      << "no sleep of PID " << init << " whose parent is the step (" << process.pid() << ")\n"
      << ps.describe() << result.describe();
}

// The same command in step 06 (PID 1) and step 03 (an ordinary process).
TEST_F(Step06PidNamespace, TryThis2_Pid1SurvivesItsOwnSigterm) {
  support::reread("Try this");
  const std::vector<std::string> command{"sh", "-c", "kill -TERM $$; echo survived"};
  const auto pid1 = run_container(command);
  EXPECT_EQ(pid1.exit_code, 0) << pid1.describe();
  EXPECT_EQ(pid1.out, "survived\n") << pid1.describe();
  std::vector<std::string> in_step03{TRY_THIS_STEP_03};
  in_step03.insert(in_step03.end(), command.begin(), command.end());
  const auto ordinary = support::run(in_step03);
  EXPECT_EQ(ordinary.exit_code, 143) << ordinary.describe();
  EXPECT_EQ(ordinary.out, "") << ordinary.describe();
}

}  // namespace
