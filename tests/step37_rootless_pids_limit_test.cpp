#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;

// Rootless, as nobody (uid 65534): the step may make no cgroup here, so PID 1 sets
// RLIMIT_NPROC to the pids limit. Root-run, the pids cgroup of the steps before.
const support::ProcessOptions kNobody{.as_user = 65534};

// Starts background sleeps until the shell cannot fork one (busybox sh then exits 2), at
// most `cap`; each one started is counted on stdout. PID 1 ends with the shell, and the
// kernel kills the sleeps left in its PID namespace (step 06).
std::vector<std::string> sleeps_until_refused(int cap) {
  return {"/bin/sh", "-c",
          "i=0; while [ $i -lt " + std::to_string(cap) +
              " ]; do sleep 20 & i=$((i+1)); echo started $i; done"};
}

class Step37RootlessPidsLimit : public support::ContainerTest {};

// The default limit, 64, holds without root: PID 1, the shell and 62 sleeps are 64
// processes, and the 63rd sleep is refused (EAGAIN).
TEST_F(Step37RootlessPidsLimit, RootlessTheDefaultLimitStopsAForkBomb) {
  support::reread("Goal");
  const auto result = run_container(sleeps_until_refused(200), kNobody, 30s);
  EXPECT_EQ(result.exit_code, 2) << result.describe();
  EXPECT_NE(result.err.find("PID 1 limits the container to 64 processes with RLIMIT_NPROC"),
            std::string::npos)
      << result.describe();
  EXPECT_NE(result.out.find("started 62\n"), std::string::npos) << result.describe();
  EXPECT_EQ(result.out.find("started 63\n"), std::string::npos) << result.describe();
  EXPECT_NE(result.err.find("can't fork: Resource temporarily unavailable"), std::string::npos)
      << result.describe();
}

// --pids-max 5 without root runs (step 36 exits 125) and holds: PID 1, the shell and
// three sleeps; the fourth is refused.
TEST_F(Step37RootlessPidsLimit, RootlessPidsMaxFiveRefusesTheFourthSleep) {
  support::reread("Run it");
  const auto result = run_container(
      [] {
        auto argv = sleeps_until_refused(10);
        argv.insert(argv.begin(), {"--pids-max", "5"});
        return argv;
      }(),
      kNobody);
  EXPECT_EQ(result.exit_code, 2) << result.describe();
  EXPECT_EQ(result.out, "started 1\nstarted 2\nstarted 3\n") << result.describe();
  EXPECT_NE(result.err.find("can't fork"), std::string::npos) << result.describe();
}

// The count is of uid 0 in the container's user namespace: eight sleeps of uid 65534
// outside, more than the limit, take nothing from it.
TEST_F(Step37RootlessPidsLimit, RootlessTheCallersOtherProcessesAreNotCounted) {
  support::reread("Goal");
  std::vector<std::unique_ptr<support::Subprocess>> outside;
  for (int i = 0; i < 8; ++i)
    outside.push_back(std::make_unique<support::Subprocess>(
        std::vector<std::string>{"/bin/sleep", "30"}, kNobody));
  auto argv = sleeps_until_refused(10);
  argv.insert(argv.begin(), {"--pids-max", "5"});
  const auto result = run_container(argv, kNobody);
  outside.clear();  // killed and reaped
  EXPECT_EQ(result.exit_code, 2) << result.describe();
  EXPECT_EQ(result.out, "started 1\nstarted 2\nstarted 3\n") << result.describe();
}

// Root inside holds no CAP_SYS_RESOURCE in the host's user namespace: it cannot raise the
// hard limit back (setrlimit(2): EPERM).
TEST_F(Step37RootlessPidsLimit, RootlessRootInsideCannotRaiseTheLimit) {
  support::reread("Pitfalls");
  const auto result = run_container(
      {"/bin/sh", "-c", "ulimit -u 100000 || echo refused; grep 'Max processes' /proc/1/limits"},
      kNobody);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_NE(result.out.find("refused\nMax processes             64                   64"),
            std::string::npos)
      << result.describe();
  EXPECT_NE(result.err.find("Operation not permitted"), std::string::npos) << result.describe();
}

// A memory or CPU limit needs a cgroup: without one it is still refused, never dropped.
TEST_F(Step37RootlessPidsLimit, StillRootlessMemoryAndCpusWithoutACgroupExit125) {
  support::reread("Pitfalls");
  for (const char* option : {"--memory", "--cpus"}) {
    const auto result = run_container(
        {option, option == std::string("--memory") ? "64M" : "1", "/bin/true"}, kNobody);
    EXPECT_EQ(result.exit_code, 125) << result.describe();
    EXPECT_EQ(result.err.find("container started"), std::string::npos) << result.describe();
  }
}

// Run by root, the pids cgroup limits the container as before, and no rlimit is set.
TEST_F(Step37RootlessPidsLimit, StillAsRootThePidsCgroupLimits) {
  support::reread("What changed");
  auto argv = sleeps_until_refused(10);
  argv.insert(argv.begin(), {"--pids-max", "5"});
  argv.back() = "grep 'Max processes' /proc/1/limits; " + argv.back();
  const auto result = run_container(argv);
  EXPECT_EQ(result.exit_code, 2) << result.describe();
  EXPECT_NE(result.err.find("pids.max 5"), std::string::npos) << result.describe();
  EXPECT_EQ(result.err.find("RLIMIT_NPROC"), std::string::npos) << result.describe();
  EXPECT_EQ(result.out.find("Max processes             5 "), std::string::npos)
      << result.describe();
  EXPECT_NE(result.out.find("started 3\n"), std::string::npos) << result.describe();
  EXPECT_EQ(result.out.find("started 4\n"), std::string::npos) << result.describe();
}

// The soft and hard "Max processes" of /proc/1/limits (proc(5)) in `out`, or "".
std::string max_processes(const std::string& out) {
  std::smatch match;
  if (!std::regex_search(out, match, std::regex("Max processes +(\\S+) +(\\S+)"))) return "";
  return match[1].str() + " " + match[2].str();
}

// Try this 1: step 36 shows the caller's RLIMIT_NPROC, step 37 the pids limit, 64 64.
TEST_F(Step37RootlessPidsLimit, TryThis1_Step36ShowsTheCallersLimitStep37Its64) {
  support::reread("Try this");
  rlimit own{};
  ASSERT_EQ(::getrlimit(RLIMIT_NPROC, &own), 0) << std::strerror(errno);
  const auto shown = [](rlim_t value) {
    return value == RLIM_INFINITY ? std::string("unlimited") : std::to_string(value);
  };
  const std::vector<std::string> command = {"/bin/grep", "processes", "/proc/1/limits"};
  const auto step36 = run_container_of(TRY_THIS_STEP_36, command, kNobody);
  EXPECT_EQ(max_processes(step36.out), shown(own.rlim_cur) + " " + shown(own.rlim_max))
      << step36.describe();
  const auto step37 = run_container(command, kNobody);
  EXPECT_EQ(max_processes(step37.out), "64 64") << step37.describe();
}

// Try this 2: root inside cannot raise the limit: "Operation not permitted".
TEST_F(Step37RootlessPidsLimit, TryThis2_UlimitIsStillRefused) {
  support::reread("Try this");
  const auto result = run_container({"/bin/sh", "-c", "ulimit -u 100000"}, kNobody);
  EXPECT_NE(result.exit_code, 0) << result.describe();
  EXPECT_NE(result.err.find("Operation not permitted"), std::string::npos) << result.describe();
}

// Try this 3: with --pids-max 3, PID 1, the shell and the sleep fit; with 2 the sleep is
// refused.
TEST_F(Step37RootlessPidsLimit, TryThis3_ThreeFitTwoRefuseTheSleep) {
  support::reread("Try this");
  const std::vector<std::string> command = {"/bin/sh", "-c", "sleep 1 & wait"};
  auto three = command, two = command;
  three.insert(three.begin(), {"--pids-max", "3"});
  two.insert(two.begin(), {"--pids-max", "2"});
  const auto fits = run_container(three, kNobody);
  EXPECT_EQ(fits.exit_code, 0) << fits.describe();
  const auto refused = run_container(two, kNobody);
  EXPECT_NE(refused.err.find("can't fork: Resource temporarily unavailable"), std::string::npos)
      << refused.describe();
}

}  // namespace
