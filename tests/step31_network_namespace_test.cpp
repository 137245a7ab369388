#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;

using Step31NetworkNamespace = support::ContainerTest;

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
TEST_F(Step31NetworkNamespace, OnlyTheLoopbackDeviceExists) {
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

TEST_F(Step31NetworkNamespace, TheLoopbackDeviceIsUp) {
  support::reread("What changed");
  // ping needs lo up (and a raw socket: CAP_NET_RAW, kept since step 21).
  const auto result = run_container({"/bin/ping", "-c", "1", "-W", "2", "127.0.0.1"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_NE(result.out.find("1 packets received"), std::string::npos) << result.describe();
}

TEST_F(Step31NetworkNamespace, RootlessTooAsNobody) {
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

// Try this 1: `cat /proc/net/dev` inside step 30 (the host's devices) and step 31 (lo).
TEST_F(Step31NetworkNamespace, TryThis1_Step30ListsTheHostsDevicesStep31OnlyLo) {
  support::reread("Try this");
  std::ifstream file("/proc/net/dev");
  const std::string host((std::istreambuf_iterator<char>(file)), {});
  const auto step30 = run_container_of(TRY_THIS_STEP_30, {"/bin/cat", "/proc/net/dev"});
  EXPECT_EQ(step30.exit_code, 0) << step30.describe();
  EXPECT_EQ(interfaces(step30.out), interfaces(host)) << step30.describe();
  const auto step31 = run_container({"/bin/cat", "/proc/net/dev"});
  EXPECT_EQ(step31.exit_code, 0) << step31.describe();
  EXPECT_EQ(interfaces(step31.out), std::vector<std::string>{"lo"}) << step31.describe();
  // and a namespace of its own, also where the host has no device but lo (a guest kernel)
  const auto ns = run_container({"/bin/readlink", "/proc/self/ns/net"});
  EXPECT_NE(ns.out, std::filesystem::read_symlink("/proc/self/ns/net").native() + "\n")
      << ns.describe();
}

// Try this 3: a service on the host's 127.0.0.1 (on a port of the kernel's choice, not
// 5555, so that tests may run side by side), then `nc 127.0.0.1 PORT` inside steps 30 and 31.
TEST_F(Step31NetworkNamespace, TryThis3_Step30ReachesTheHostsLoopbackStep31IsRefused) {
  support::reread("Try this");
  const int sock = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_NE(sock, -1) << std::strerror(errno);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&address), sizeof address), 0)
      << std::strerror(errno);
  ASSERT_EQ(::listen(sock, 4), 0);
  ASSERT_EQ(::getsockname(sock, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string command =
      "echo hello | nc 127.0.0.1 " + std::to_string(ntohs(address.sin_port)) + "; echo status=$?";
  support::Subprocess step30(container_of(TRY_THIS_STEP_30, {"/bin/sh", "-c", command}));
  // The service: takes the connection, reads what comes, and closes it.
  pollfd waiting{sock, POLLIN, 0};
  ASSERT_EQ(::poll(&waiting, 1, 10000), 1) << "no connection from step 30's container";
  const int connection = ::accept4(sock, nullptr, nullptr, SOCK_CLOEXEC);
  ASSERT_NE(connection, -1) << std::strerror(errno);
  char received[16] = {};
  pollfd reading{connection, POLLIN, 0};
  if (::poll(&reading, 1, 10000) == 1) ::read(connection, received, sizeof received - 1);
  ::close(connection);
  const auto reached = step30.wait(10s);
  EXPECT_EQ(std::string(received), "hello\n");
  EXPECT_EQ(reached.out, "status=0\n") << reached.describe();
  const auto refused = run_container({"/bin/sh", "-c", command});
  ::close(sock);
  EXPECT_EQ(refused.out, "status=1\n") << refused.describe();
  EXPECT_NE(refused.err.find("Connection refused"), std::string::npos) << refused.describe();
}

// Try this 2: configure_network() returns at once (TRY_THIS_PROGRAM_2): lo stays down, and
// `ping -c 1 127.0.0.1` finds no route.
TEST_F(Step31NetworkNamespace, TryThis2_WithLoDownPingFindsNoRoute) {
  support::reread("Try this");
  const auto result = run_container_of(TRY_THIS_PROGRAM_2, {"/bin/ping", "-c", "1", "127.0.0.1"});
  EXPECT_NE(result.exit_code, 0) << result.describe();
  EXPECT_NE(result.err.find("ping: sendto: Network is unreachable"), std::string::npos)
      << result.describe();
  // The step itself brings lo up: the same ping answers.
  const auto step31 = run_container({"/bin/ping", "-c", "1", "-W", "2", "127.0.0.1"});
  EXPECT_EQ(step31.exit_code, 0) << step31.describe();
}

}  // namespace
