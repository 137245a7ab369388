// make bench is a tool, not a timed test: this only checks that it runs and prints
// every row (a peer that is not installed says so instead of a number).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "tests/support/environment.hpp"
#include "tests/support/subprocess.hpp"

namespace {

using namespace std::chrono_literals;

TEST(BenchSmoke, PrintsEveryRowAndWritesTheChart) {
  SKIP_UNLESS_ROOT();
  const support::TempDir out;
  const auto svg = out.path() / "bench.svg";
  const auto result = support::run({BENCH_PROGRAM, "--bin", BIN_DIR, "--rootfs", CONTAINER_ROOTFS, "--runs", "2",
                                    "--warmup", "1", "--svg", svg.native()},
                                   120s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  for (const char* row : {"| fork + exec |", "| step03_execvp |", "| step04_clearenv |", "| step05_uts_namespace |",
                          "| step06_pid_namespace |", "| step07_chroot |", "| step08_mount_proc |",
                          "| step09_nested_clone |", "| step10_pids_cgroup |", "| unshare in a pids cgroup |", "| step11_init_duties |", "| step12_mount_namespace |", "| step13_pivot_root |", "| step14_dev_sys_tmp |", "| step15_user_namespace |", "| step16_capabilities |", "| step17_seccomp |", "| step18_cgroup_namespace |", "| step19_resource_limits |", "| step20_clone_into_cgroup |", "| step21_network_namespace |", "| step22_veth |", "| step23_idmapped_rootfs |", "| step24_overlayfs |", "| fork, join a v2 cgroup |", "| clone3 into a v2 cgroup |", "| unshare |", "| bwrap |", "| bwrap (as step 24) |", "| runc |"}) {
    EXPECT_NE(result.out.find(row), std::string::npos) << "no row " << row << "\n" << result.describe();
  }
  std::ifstream chart(svg);
  const std::string text{std::istreambuf_iterator<char>(chart), std::istreambuf_iterator<char>()};
  EXPECT_TRUE(text.starts_with("<svg")) << svg << " is not an SVG chart";
  // An axis in ms, a legend for the three colours, and each value where it belongs.
  for (const char* part : {">milliseconds</text>", "the floor", "the course's steps", "other runtimes", ">p90 "}) {
    EXPECT_NE(text.find(part), std::string::npos) << "the chart has no " << part;
  }
}

}  // namespace
