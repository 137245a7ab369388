// Step 52: the bundle's process.rlimits hold in the container; one that cannot be had
// fails the step in one line before anything is made. Against step 51's code these fail:
// it refuses process.rlimits.

#include <signal.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/bundle_test.hpp"

namespace {

using namespace std::chrono_literals;

using Step52Rlimits = support::BundleTest;

// Soft and hard, as the command sees them (busybox's ulimit: -n soft, -Hn hard).
TEST_F(Step52Rlimits, TheBundlesLimitsHold) {
  support::reread("Goal");
  write_config(R"(["/bin/sh", "-c", "ulimit -n; ulimit -Hn; ulimit -c"],
      "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200},
                  {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}])");
  const auto result = run_bundle();
  EXPECT_EQ(result.out, "100\n200\n0\n") << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// Above the step's own hard limit, without CAP_SYS_RESOURCE (setpriv drops it, as some
// hosts' bounding sets do): one line, the limit asked for and the step's, exit 125, and
// nothing made (no container started).
TEST_F(Step52Rlimits, AHardLimitThatCannotBeHadFailsInOneLine) {
  support::reread("Pitfalls");
  rlimit ours{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &ours), 0);
  const std::string above = std::to_string(ours.rlim_max + 1);
  write_config(R"(["true"], "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 64, "hard": )" + above +
               "}]");
  const auto result = support::run({"/usr/bin/setpriv", "--bounding-set=-sys_resource", program(),
                                    "--bundle", bundle().native()});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_EQ(result.err, "step52: setrlimit(process.rlimits RLIMIT_NOFILE 64/" + above +
                            "; the step's hard limit: " + std::to_string(ours.rlim_max) +
                            "): Operation not permitted\n")
      << result.describe();
}

TEST_F(Step52Rlimits, AnUnknownTypeIsRefused) {
  support::reread("Concepts");
  write_config(R"(["true"], "rlimits": [{"type": "RLIMIT_NOPE", "soft": 1, "hard": 1}])");
  expect_refused("config.json: process.rlimits[0].type: not an RLIMIT_");
}

TEST_F(Step52Rlimits, ANegativeLimitIsRefused) {
  support::reread("Concepts");
  write_config(R"(["true"], "rlimits": [{"type": "RLIMIT_NOFILE", "soft": -1, "hard": 1}])");
  expect_refused("config.json: process.rlimits[0].soft: -1 is below 0");
}

// config.md: "If rlimits contains duplicated entries with same type, the runtime MUST
// generate an error."
TEST_F(Step52Rlimits, ATypeGivenTwiceIsRefused) {
  support::reread("Concepts");
  write_config(R"(["true"], "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200},
      {"type": "RLIMIT_NOFILE", "soft": 50, "hard": 60}])");
  expect_refused("config.json: process.rlimits[1].type: a second RLIMIT_NOFILE");
}

// The spec's values are uint64: 18446744073709551615 is RLIM_INFINITY, "unlimited" (the
// step's own RLIMIT_FSIZE is, on every machine these tests run on).
TEST_F(Step52Rlimits, UnlimitedIsTwoToThe64MinusOne) {
  support::reread("Concepts");
  rlimit ours{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &ours), 0);
  if (ours.rlim_max != RLIM_INFINITY) GTEST_SKIP() << "this step's RLIMIT_FSIZE has a limit";
  write_config(R"(["/bin/sh", "-c", "ulimit -f"], "rlimits": [{"type": "RLIMIT_FSIZE",
      "soft": 18446744073709551615, "hard": 18446744073709551615}])");
  const auto result = run_bundle();
  EXPECT_EQ(result.out, "unlimited\n") << result.describe();
}

// Try this 1: the step takes the limits before it makes anything, so it lives under them
// too: with three descriptors (0, 1 and 2 taken) its own next open, of the ids' lock, fails,
// exit 125, before anything is made.
TEST_F(Step52Rlimits, TryThis1_TheStepLivesUnderTheLimitsItTakes) {
  support::reread("Pitfalls");
  write_config(R"(["true"], "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 3, "hard": 3}])");
  expect_refused("step52: open(/run/container-course-ids.lock): Too many open files");
}

// Try this 2: RLIMIT_NPROC 3 binds the container's processes (host uid: its first id, counted
// in its user namespace): PID 1, sh and one sleep, then fork fails. The step, real uid 0 with
// far more than 3 processes on the host, forks its janitor and clones PID 1 past it.
TEST_F(Step52Rlimits, TryThis2_NprocBindsTheContainerNotTheStep) {
  support::reread("Pitfalls");
  write_config(R"(["sh", "-c", "for i in 1 2 3 4 5; do sleep 1 & echo started $i; done; wait"],
      "rlimits": [{"type": "RLIMIT_NPROC", "soft": 3, "hard": 3}])");
  const auto result = run_bundle();
  EXPECT_NE(result.err.find("container started"), std::string::npos) << result.describe();
  EXPECT_EQ(result.out, "started 1\n") << result.describe();
  EXPECT_NE(result.err.find("sh: can't fork: Resource temporarily unavailable"), std::string::npos)
      << result.describe();
}

// Try this 3: without root there is no pids cgroup, and PID 1 lowers RLIMIT_NPROC to the pids
// limit, 64 (step 37): podman's 32768 does not reach the command. Where the caller's hard
// limit is below 32768, the step cannot raise it (no CAP_SYS_RESOURCE) and fails first.
TEST_F(Step52Rlimits, TryThis3_RootlessPid1LowersTheBundlesNproc) {
  support::reread("Pitfalls");
  rlimit ours{};
  ASSERT_EQ(::getrlimit(RLIMIT_NPROC, &ours), 0);
  write_config(R"(["sh", "-c", "ulimit -u; ulimit -Hu"],
      "rlimits": [{"type": "RLIMIT_NPROC", "soft": 32768, "hard": 32768}])");
  const auto result = run_bundle({}, {.as_user = 65534});
  if (ours.rlim_max < 32768) {
    EXPECT_EQ(result.exit_code, 125) << result.describe();
    EXPECT_NE(result.err.find("RLIMIT_NPROC 32768/32768; the step's hard limit: " +
                              std::to_string(ours.rlim_max) + "): Operation not permitted"),
              std::string::npos)
        << result.describe();
    return;
  }
  EXPECT_NE(result.err.find("PID 1 limits the container to 64 processes with RLIMIT_NPROC"),
            std::string::npos)
      << result.describe();
  EXPECT_EQ(result.out, "64\n64\n") << result.describe();
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

// Try this 4: the limits the step gave PID 1 show in /proc/PID/limits, but a process without
// CAP_SYS_RESOURCE cannot change them, not even lower them (prlimit(2)): PID 1's user ids are
// the container's first host id, not the caller's. Hence the step takes them itself.
TEST_F(Step52Rlimits, TryThis4_PrlimitOnPid1NeedsCapSysResource) {
  support::reread("Pitfalls");
  if (support::run(support::on_path({"prlimit", "--version"})).exit_code == 127)
    GTEST_SKIP() << "no prlimit on this host (util-linux)";
  write_config(R"(["sleep", "30"],
      "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200}])");
  const std::filesystem::path pid_file = bundle() / "pid";
  const auto detached = support::run_into_file(
      step({"--detach", "--pid-file", pid_file, "--bundle", bundle()}), bundle() / "out");
  ASSERT_EQ(detached.exit_code, 0) << support::wait_for_text(bundle() / "out", "", 0ms);
  pid_t pid = -1;
  std::ifstream(pid_file) >> pid;
  ASSERT_GT(pid, 0);
  const auto limits = support::run(
      support::on_path({"grep", "open files", "/proc/" + std::to_string(pid) + "/limits"}));
  std::istringstream words(limits.out);  // Max open files 100 200 files
  std::string max, open, files, soft, hard;
  words >> max >> open >> files >> soft >> hard;
  EXPECT_EQ(soft + "/" + hard, "100/200") << limits.describe();
  const auto lowered =
      support::run(support::on_path({"setpriv", "--bounding-set=-sys_resource", "prlimit", "--pid",
                                     std::to_string(pid), "--nofile=50:50"}));
  EXPECT_EQ(lowered.exit_code, 1) << lowered.describe();
  EXPECT_EQ(lowered.err,
            "prlimit: failed to set the NOFILE resource limit: Operation not permitted\n")
      << lowered.describe();
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
}

// Without rlimits the container has the step's own.
TEST_F(Step52Rlimits, StillWithoutRlimitsTheStepsOwn) {
  support::reread("What changed");
  rlimit ours{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &ours), 0);
  write_config(R"(["/bin/sh", "-c", "ulimit -Hn"])");
  const auto result = run_bundle();
  EXPECT_EQ(result.out, std::to_string(ours.rlim_max) + "\n") << result.describe();
}

}  // namespace
