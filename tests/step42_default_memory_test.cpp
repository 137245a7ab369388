#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/step_test.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class Step42DefaultMemory : public support::ContainerTest {
 protected:
  // The memory limit of the container's cgroup, read on the host while it runs.
  std::string memory_limit(const std::vector<std::string>& options) {
    std::vector<std::string> args = options;
    args.insert(args.end(), {"/bin/sh", "-c", "echo ready; exec sleep 1"});
    support::Subprocess process(container(args));
    const pid_t init = support::running_init(process);
    EXPECT_GT(init, 0) << process.so_far().describe();
    const std::string limit =
        init > 0 ? support::memory_limit_of(support::cgroup_of(init, "memory")) : "";
    expect_nothing_left_running(process.wait(10s));
    return limit;
  }
  void copy_attacker() const {
    fs::copy_file(ESCAPE_PROGRAM, rootfs() / "escape");
    fs::permissions(rootfs() / "escape", fs::perms::all);
  }
};

// Run by root without --memory, the container's cgroup has a memory limit of 512 MiB
// (step 41's has none).
TEST_F(Step42DefaultMemory, WithoutMemoryTheContainerGets512MiB) {
  support::reread("Goal");
  if (const std::string why = support::no_cgroup_for("memory", "42"); !why.empty())
    GTEST_SKIP() << why;
  EXPECT_EQ(memory_limit({}), "536870912\n");
}

// --memory still says how much, more or less than the default.
TEST_F(Step42DefaultMemory, StillTheMemoryOptionOverridesTheDefault) {
  support::reread("What changed");
  if (const std::string why = support::no_cgroup_for("memory", "42"); !why.empty())
    GTEST_SKIP() << why;
  EXPECT_EQ(memory_limit({"--memory", "64M"}), "67108864\n");
  EXPECT_EQ(memory_limit({"--memory", "1G"}), "1073741824\n");
}

// Try this 1: the attacker's 600 MiB. Step 41 lets it have them; here the kernel kills it
// at 512 MiB, and the step says which limit did.
TEST_F(Step42DefaultMemory, TryThis1_TheMemoryHogIsKilledAt512MiB) {
  support::reread("Try this");
  if (const std::string why = support::no_cgroup_for("memory", "42"); !why.empty())
    GTEST_SKIP() << why;
  copy_attacker();
  const auto result = run_container({"/escape", "memory_hog"}, {}, 120s);  // slow in UML
  EXPECT_NE(result.out.find("blocked memory_hog: killed"), std::string::npos) << result.describe();
  EXPECT_NE(result.err.find("killed: memory limit of 536870912 bytes reached"), std::string::npos)
      << result.describe();
}

// Try this 2: rootless, nobody has no memory cgroup (none is delegated to it): the
// container runs, without a memory limit, and the step says so in one line. The pids
// limit stays, in PID 1's RLIMIT_NPROC (step 37).
TEST_F(Step42DefaultMemory, TryThis2_RootlessRunsWithoutAMemoryLimitAndSaysSo) {
  support::reread("Pitfalls");
  const auto result = run_container({"/bin/true"}, {.as_user = 65534});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  const std::string line = "): the container runs without a memory limit";
  const std::size_t at = result.err.find(line);
  EXPECT_NE(at, std::string::npos) << result.describe();
  EXPECT_EQ(result.err.find(line, at + 1), std::string::npos) << "said twice\n"
                                                              << result.describe();
  EXPECT_NE(result.err.find("limits the container to 64 processes"), std::string::npos)
      << result.describe();
}

// A limit asked for is never dropped: rootless, --memory is refused as before.
TEST_F(Step42DefaultMemory, StillAnAskedForMemoryLimitIsRefusedNotDropped) {
  support::reread("Pitfalls");
  for (const std::string option : {"--memory", "--cpus"}) {
    const auto result = run_container({option, option == "--cpus" ? "0.5" : "64M", "/bin/true"},
                                      {.as_user = 65534});
    EXPECT_EQ(result.exit_code, 125) << result.describe();
    EXPECT_EQ(result.err.find("container started"), std::string::npos) << result.describe();
  }
}

}  // namespace
