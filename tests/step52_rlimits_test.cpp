// Step 52: the bundle's process.rlimits hold in the container; one that cannot be had
// fails the step in one line before anything is made. Against step 51's code these fail:
// it refuses process.rlimits.

#include <sys/resource.h>

#include <string>
#include <vector>

#include "tests/support/bundle_test.hpp"

namespace {

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
  expect_refused("config.json: process.rlimits[0].soft: -1 is out of range");
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
