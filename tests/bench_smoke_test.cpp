// make bench is a tool, not a timed test: this only checks that it runs and prints
// every row (a peer that is not installed says so instead of a number).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "tests/support/environment.hpp"
#include "tests/support/steps.hpp"
#include "tests/support/subprocess.hpp"

namespace {

using namespace std::chrono_literals;

TEST(BenchSmoke, PrintsEveryRowAndWritesTheChart) {
  SKIP_UNLESS_ROOT();
  const support::TempDir out;
  const auto svg = out.path() / "bench.svg";
  const auto result =
      support::run({BENCH_PROGRAM, "--bin", BIN_DIR, "--rootfs", CONTAINER_ROOTFS, "--runs", "2",
                    "--warmup", "1", "--phase-runs", "1", "--svg", svg.native()},
                   120s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  // The rows ran in a shuffled order, and the seed that repeats it is printed.
  EXPECT_NE(result.out.find("shuffled order each round (seed "), std::string::npos)
      << result.describe();
  // A row for every step from 03 on (CMakeLists.txt's list), and the peers beside them.
  std::vector<std::string> rows = {"| fork + exec |",
                                   "| unshare in a pids cgroup |",
                                   "| fork, join a v2 cgroup |",
                                   "| clone3 into a v2 cgroup |",
                                   "| unshare |",
                                   "| bwrap |",
                                   "| runc |"};
  for (const std::string& step : support::steps_from("03")) rows.push_back("| step" + step + " |");
  // Beside the last step, bwrap isolated as it is, without and with the step's cgroups.
  const std::string last = support::all_steps().back();
  rows.push_back("| bwrap (as step" + last + ") |");
  rows.push_back("| bwrap (as step" + last + ") in its cgroups |");
  for (const std::string& row : rows) {
    EXPECT_NE(result.out.find(row), std::string::npos) << "no row " << row << "\n"
                                                       << result.describe();
  }
  // Each step beside its like-for-like peer as a ratio, and what each peer leaves out.
  for (const std::string& line : std::vector<std::string>{
           "Like for like (median over median):",
           "- step" + last + " / bwrap (as step" + last + ") in its cgroups: ",
           "- step" + last + " / runc: ", "What each peer does not do that its step does:"}) {
    EXPECT_NE(result.out.find(line), std::string::npos) << "no line " << line << "\n"
                                                        << result.describe();
  }
  // Where the last step's time goes: a table of phases (or why not: no strace).
  EXPECT_NE(result.out.find("## Where step" + last + "'s time goes"), std::string::npos)
      << result.describe();
  EXPECT_TRUE(result.out.find("| Phase | Median ms | Share |") != std::string::npos ||
              result.out.find("strace is not installed") != std::string::npos)
      << result.describe();
  // Every phase seen, each with its system calls: a phase whose first call is missed reads
  // 0, and so does every one after it.
  if (result.out.find("| Phase | Median ms | Share |") != std::string::npos) {
    EXPECT_EQ(result.out.find(" | 0 |  |\n"), std::string::npos) << result.describe();
  }
  std::ifstream chart(svg);
  const std::string text{std::istreambuf_iterator<char>(chart), std::istreambuf_iterator<char>()};
  EXPECT_TRUE(text.starts_with("<svg")) << svg << " is not an SVG chart";
  // An axis in ms, a legend for the three colours, and each value where it belongs.
  for (const char* part :
       {">milliseconds</text>", "the floor", "the course's steps", "other runtimes", ">p90 "}) {
    EXPECT_NE(text.find(part), std::string::npos) << "the chart has no " << part;
  }
}

}  // namespace
