#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/files.hpp"
#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
using Step11InitDuties = support::ContainerTest;

// A command that runs for about `seconds` and prints `got-NAME` each time SIGNAME arrives.
std::vector<std::string> trapping(const std::string& name, int seconds = 2) {
  return {"/bin/sh", "-c",
          "trap 'echo got-" + name + "' " + name + "; echo ready; i=0; while [ $i -lt " +
              std::to_string(seconds * 10) + " ]; do sleep 0.1; i=$((i+1)); done; echo done"};
}

int count(const std::string& text, const std::string& word) {
  int found = 0;
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++found;
  return found;
}

const std::pair<int, const char*> kSignals[] = {
    {SIGHUP, "HUP"},   {SIGINT, "INT"},   {SIGQUIT, "QUIT"}, {SIGUSR1, "USR1"},
    {SIGUSR2, "USR2"}, {SIGPIPE, "PIPE"}, {SIGALRM, "ALRM"}, {SIGTERM, "TERM"}};

TEST_F(Step11InitDuties, EverySignalReachesATrappingCommandExactlyOnce) {
  support::reread("Goal");
  for (const auto& [number, name] : kSignals) {
    support::Subprocess process(container(trapping(name, 1)));
    ASSERT_TRUE(process.wait_for_output("ready", 10s)) << name << "\n"
                                                       << process.so_far().describe();
    process.signal(number);
    const auto result = process.wait(10s);
    EXPECT_EQ(count(result.out, std::string("got-") + name), 1)
        << "SIG" << name << " sent once to the step\n"
        << result.describe();
    EXPECT_EQ(result.exit_code, 0) << name << "\n" << result.describe();
  }
}

// Whether the container's PID 1 (host PID `init`) has a child running `name` yet: a shell
// that has not yet exec'd catches some signals itself (busybox sh, SIGINT and SIGQUIT).
bool wait_for_command(pid_t init, const std::string& name) {
  const std::string children =
      "/proc/" + std::to_string(init) + "/task/" + std::to_string(init) + "/children";
  for (int i = 0; i < 200; ++i) {
    std::istringstream pids(common::read_file(children));
    for (pid_t pid; pids >> pid;) {
      std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
      std::string line;
      if (std::getline(comm, line) && line == name) return true;
    }
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

TEST_F(Step11InitDuties, EverySignalThatKillsTheCommandEndsTheContainerWith128PlusN) {
  support::reread("What changed");
  for (const auto& [number, name] : kSignals) {
    support::Subprocess process(container({"/bin/sleep", "30"}));
    ASSERT_TRUE(process.wait_for_output("container started", 10s)) << name << "\n"
                                                                   << process.so_far().describe();
    ASSERT_TRUE(wait_for_command(support::host_pid_of_init(process.so_far().err), "sleep"))
        << process.so_far().describe();
    process.signal(number);
    const auto result = process.wait(10s);
    EXPECT_EQ(result.exit_code, 128 + number) << "SIG" << name << "\n" << result.describe();
    expect_nothing_left_running(result);
  }
  expect_no_mounts_left();  // and TearDown checks that no cgroup is left
}

TEST_F(Step11InitDuties, ClosedStderrDoesNotKillTheStep) {
  support::reread("Pitfalls");
  // As in `step11 ... 2>&1 | true`: the step's first message meets a closed pipe.
  const auto result =
      run_container({"/bin/sh", "-c", "sleep 0.2; exit 3"}, {.stderr_closed = true});
  EXPECT_EQ(result.exit_code, 3) << "SIGPIPE from its own message must not end the step\n"
                                 << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step11InitDuties, EarlySigtermStillNeverLeavesAnythingBehind) {
  support::reread("Pitfalls");
  std::mt19937 random(42);
  for (int i = 0; i < 200; ++i) {
    support::Subprocess process(container({"/bin/true"}));
    std::this_thread::sleep_for(std::chrono::microseconds(random() % 4000));
    process.signal(SIGTERM);
    const auto result = process.wait(10s);
    ASSERT_TRUE(result.exit_code == 0 || result.exit_code == 143) << "start " << i << "\n"
                                                                  << result.describe();
    ASSERT_FALSE(result.left_processes) << "start " << i << "\n" << result.describe();
  }
  expect_no_mounts_left();  // and TearDown checks all 200 for a cgroup left behind
}

// Ctrl-C in a real terminal: the kernel sends SIGINT to the terminal's whole foreground
// process group. Run the step on a pseudo-terminal, as a shell would, and type it.
TEST_F(Step11InitDuties, CtrlCInATerminalReachesTheCommandOnce) {
  support::reread("Goal");
  support::Subprocess process(container(trapping("INT", 3)), {.terminal = true});
  const bool ready = process.wait_for_output("ready", 10s);
  if (ready) {
    std::this_thread::sleep_for(200ms);
    process.type("\x03");  // what Ctrl-C types
    process.wait_for_output("done", 10s);
  }
  const auto result = process.wait(10s);
  ASSERT_TRUE(ready) << "the container never said ready:\n" << result.describe();
  EXPECT_EQ(count(result.out, "got-INT"), 1) << "one Ctrl-C, seen by the command this many times:\n"
                                             << result.describe();
  EXPECT_NE(result.out.find("done"), std::string::npos)
      << "the command did not run on after its trap:\n"
      << result.describe();
  EXPECT_EQ(result.exit_code, 0)
      << "the step should end with the command's status 0, not be killed by SIGINT:\n"
      << result.describe();
  expect_nothing_left_running(result);
  expect_no_mounts_left();  // and TearDown checks that no cgroup is left
}

TEST_F(Step11InitDuties, ExitStatusesStillPassBack) {
  support::reread("Run it");
  const auto ok = run_container({"/bin/sh", "-c", "exit 3"});
  EXPECT_EQ(ok.exit_code, 3) << ok.describe();
  const auto missing = run_container({"/no/such/command"});
  EXPECT_EQ(missing.exit_code, 127) << missing.describe();
  expect_no_mounts_left();
}

// The exercise's command on a terminal: three Ctrl-C, then `kill` of the step.
TEST_F(Step11InitDuties, TryThis1_OneGotIntPerCtrlCThenKillEndsItWith143) {
  support::reread("Try this");
  support::Subprocess process(
      container({"sh", "-c", "trap \"echo got INT\" INT; while :; do sleep 1; done"}),
      {.terminal = true});
  ASSERT_TRUE(process.wait_for_output("container started", 10s)) << process.so_far().describe();
  // On a terminal the step's stderr is in out.
  ASSERT_TRUE(wait_for_command(support::host_pid_of_init(process.so_far().out), "sh"))
      << process.so_far().describe();
  std::this_thread::sleep_for(300ms);  // the shell sets its trap
  for (int press = 1; press <= 3; ++press) {
    process.type("\x03");
    for (int i = 0; i < 50 && count(process.so_far().out, "got INT") < press; ++i)
      process.wait_for_output("\x01", 100ms);  // reads what came meanwhile
  }
  process.signal(SIGTERM);
  const auto result = process.wait(10s);
  EXPECT_EQ(count(result.out, "got INT"), 3) << "three Ctrl-C\n" << result.describe();
  EXPECT_EQ(result.exit_code, 143) << result.describe();
  expect_nothing_left_running(result);
  expect_no_mounts_left();  // and TearDown checks that no cgroup is left
}

// The exercise's race, made certain: the step's stderr is a FIFO this test has filled, so
// its first message (the cgroup's, written after mkdir) blocks it there, and SIGTERM
// comes then. With sigprocmask moved after the cgroup is made (the tests' CMakeLists.txt),
// the signal kills it and the folder stays; the step as it is, its signals blocked from
// the start, goes on once the FIFO is read, and removes its folder.
struct BlockedStart {
  support::ProcessResult result;
  std::vector<std::filesystem::path> left;  // cgroup folders left when it ended
};
BlockedStart sigterm_at_first_message(const std::vector<std::string>& step) {
  const support::TempDir dir;
  const std::string fifo = (dir.path() / "stderr").native();
  if (::mkfifo(fifo.c_str(), 0600) != 0) throw std::runtime_error("mkfifo");
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  const int filler = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
  const std::string page(4096, '.');
  while (::write(filler, page.data(), page.size()) > 0) {
  }
  while (::write(filler, ".", 1) > 0) {
  }
  ::close(filler);
  std::vector<std::string> argv{"/bin/sh", "-c", "exec \"$@\" 2>\"$0\"", fifo};
  argv.insert(argv.end(), step.begin(), step.end());
  support::Subprocess process(argv);  // the step, by exec: the same PID
  std::vector<std::filesystem::path> made;
  for (int i = 0; i < 200 && made.empty(); ++i, std::this_thread::sleep_for(25ms))
    made = support::cgroups_of({process.pid()});
  process.signal(SIGTERM);
  // Read the FIFO until every writer (the step, and PID 1 and the command if they ran) is gone.
  char buffer[4096];
  for (int i = 0; i < 400; ++i) {
    const ssize_t got = ::read(reader, buffer, sizeof buffer);
    if (got == 0) break;
    if (got < 0) std::this_thread::sleep_for(25ms);
  }
  ::close(reader);
  BlockedStart outcome{process.wait(10s), support::cgroups_of({process.pid()})};
  if (made.empty()) outcome.result.err += "(no cgroup folder was made while it was blocked)";
  for (const auto& cgroup : outcome.left) support::remove_cgroup(cgroup);
  return outcome;
}

TEST_F(Step11InitDuties, TryThis2_ASignalBetweenMkdirAndSigprocmaskLeavesTheFolder) {
  support::reread("Try this");
  const auto edited =
      sigterm_at_first_message({TRY_THIS_PROGRAM_2, "--rootfs", rootfs().native(), "true"});
  EXPECT_EQ(edited.result.exit_code, 128 + SIGTERM) << edited.result.describe();
  EXPECT_EQ(edited.left.size(), 1u) << "sigprocmask after the cgroup: its folder should stay\n"
                                    << edited.result.describe();
  const auto step = sigterm_at_first_message(container({"true"}));
  EXPECT_TRUE(step.result.exit_code == 0 || step.result.exit_code == 143) << step.result.describe();
  EXPECT_TRUE(step.left.empty()) << "the step left " << step.left.front();
  expect_no_mounts_left();
}

}  // namespace
