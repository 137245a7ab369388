#include <filesystem>
#include <sstream>
#include <string>

#include "tests/support/step_test.hpp"

namespace {

using Step24NetworkNamespace = support::ContainerTest;

// The interfaces /proc/net/dev lists (proc(5)): two header lines, then "name: counters".
std::vector<std::string> interfaces(const std::string& proc_net_dev) {
  std::vector<std::string> names;
  std::istringstream lines(proc_net_dev);
  std::string line;
  for (int header = 0; header < 2 && std::getline(lines, line); ++header) {
  }
  while (std::getline(lines, line)) {
    const auto colon = line.find(':');
    const auto start = line.find_first_not_of(' ');
    if (colon != std::string::npos) names.push_back(line.substr(start, colon - start));
  }
  return names;
}

// A network namespace of its own (a host with nothing but lo, as a test guest, would show
// only lo without one): its own namespace inode, and only its own lo in it.
TEST_F(Step24NetworkNamespace, OnlyTheLoopbackDeviceExists) {
  support::reread("Goal");
  const auto result =
      run_container({"/bin/sh", "-c", "readlink /proc/self/ns/net; cat /proc/net/dev"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  const std::string host = std::filesystem::read_symlink("/proc/self/ns/net").native();
  EXPECT_FALSE(result.out.starts_with(host + "\n")) << "the host's network namespace\n"
                                                    << result.describe();
  EXPECT_EQ(interfaces(result.out.substr(result.out.find('\n') + 1)),
            std::vector<std::string>{"lo"})
      << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step24NetworkNamespace, TheLoopbackDeviceIsUp) {
  support::reread("What changed");
  // ping needs lo up (and a raw socket: CAP_NET_RAW, kept since step 17).
  const auto result = run_container({"/bin/ping", "-c", "1", "-W", "2", "127.0.0.1"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_NE(result.out.find("1 packets received"), std::string::npos) << result.describe();
}

TEST_F(Step24NetworkNamespace, RootlessTooAsNobody) {
  support::reread("Pitfalls");
  const auto result = run_container(
      {"/bin/sh", "-c", "readlink /proc/self/ns/net; cat /proc/net/dev"}, {.as_user = 65534});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  const std::string host = std::filesystem::read_symlink("/proc/self/ns/net").native();
  EXPECT_FALSE(result.out.starts_with(host + "\n")) << "the host's network namespace\n"
                                                    << result.describe();
  EXPECT_EQ(interfaces(result.out.substr(result.out.find('\n') + 1)),
            std::vector<std::string>{"lo"})
      << result.describe();
}

}  // namespace
