#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Step32Veth = support::ContainerTest;

// The gateway the container routes through, from busybox `ip route`, then one ping to it.
const std::string kPingTheHost =
    "gw=$(ip route | sed -n 's/^default via \\([0-9.]*\\).*/\\1/p'); echo gateway=$gw; ping -c 1 "
    "-W 2 $gw";

// The step's line "cable NAME A <-> eth0 B inside": the host end's name and both addresses.
struct CableLine {
  std::string host_end, host_address, container_address;
};
CableLine cable_of(const std::string& err) {
  std::smatch match;
  if (!std::regex_search(err, match,
                         std::regex("cable ([^ ]+) ([0-9.]+) <-> eth0 ([0-9.]+) inside")))
    return {};
  return {match[1], match[2], match[3]};
}

// Whether the host has a network device called `name` (sysfs lists each, net/core).
bool host_has_device(const std::string& name) {
  return !name.empty() && fs::exists("/sys/class/net/" + name);
}

// Waits up to 5 s for the kernel to delete `name` (it does so when the container's network
// namespace goes, in a work queue: a moment after its last process).
bool device_goes(const std::string& name) {
  return support::gone_within("/sys/class/net/" + name, 5s);
}

TEST_F(Step32Veth, WithoutNetStillOnlyLoopback) {
  support::reread("Goal");
  const auto result =
      run_container({"/bin/sh", "-c", "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "lo\n") << result.describe();
  EXPECT_EQ(result.err.find("cable"), std::string::npos) << result.describe();
}

TEST_F(Step32Veth, WithNetTheContainerPingsTheHostEndAndTheHostPingsBack) {
  support::reread("What changed");
  support::Subprocess process(container({"--net", "--pids-max", "20", "--", "/bin/sh", "-c",
                                         kPingTheHost + " && echo ready && sleep 3"}));
  ASSERT_TRUE(process.wait_for_output("ready", 15s)) << process.so_far().describe();
  const std::string out = process.so_far().out;
  EXPECT_NE(out.find("1 packets received"), std::string::npos) << process.so_far().describe();
  const CableLine cable = cable_of(process.so_far().err);
  ASSERT_FALSE(cable.host_end.empty()) << "no line \"cable NAME A <-> eth0 B inside\"\n"
                                       << process.so_far().describe();
  EXPECT_NE(out.find("gateway=" + cable.host_address + "\n"), std::string::npos)
      << process.so_far().describe();
  EXPECT_TRUE(host_has_device(cable.host_end)) << cable.host_end;
  // From the host to the container's end, with the rootfs's busybox.
  const auto back = support::run({(rootfs() / "bin" / "busybox").native(), "ping", "-c", "1", "-W",
                                  "2", cable.container_address},
                                 10s);
  EXPECT_EQ(back.exit_code, 0) << back.describe();
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_TRUE(device_goes(cable.host_end))
      << cable.host_end << " is left on the host after the container ended";
}

// Also Try this 3: `kill -9` the step while it runs; its device is gone from the host.
TEST_F(Step32Veth, TryThis3_KillNineOfTheStepLeavesNoDeviceOnTheHost) {
  support::reread("Pitfalls");
  support::Subprocess process(container({"--net", "--", "/bin/sh", "-c", "echo ready; sleep 30"}));
  ASSERT_TRUE(process.wait_for_output("ready", 15s)) << process.so_far().describe();
  const CableLine cable = cable_of(process.so_far().err);
  ASSERT_TRUE(host_has_device(cable.host_end)) << process.so_far().describe();
  process.signal(SIGKILL);
  process.wait(10s);
  EXPECT_TRUE(device_goes(cable.host_end))
      << "kill -9 of the step left " << cable.host_end << " on the host";
}

TEST_F(Step32Veth, TheHostsLoopbackServicesStayOutOfReach) {
  support::reread("Pitfalls");
  // A service bound to the host's 127.0.0.1 only: it accepts connections to that address,
  // which inside is the container's own lo; the cable leads to the host end's address.
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
  const std::string port = std::to_string(ntohs(address.sin_port));
  const auto result = run_container(
      {"--net", "--pids-max", "20", "--", "/bin/sh", "-c",
       "gw=$(ip route | sed -n 's/^default via \\([0-9.]*\\).*/\\1/p'); nc -w 2 $gw " + port +
           " </dev/null && echo "
           "reached || echo refused; nc -w 2 127.0.0.1 " +
           port + " </dev/null && echo reached || echo refused"});
  ::close(sock);
  EXPECT_EQ(result.out, "refused\nrefused\n")
      << "neither the host's end nor 127.0.0.1 leads to the host's service\n"
      << result.describe();
}

TEST_F(Step32Veth, NetWithoutRootIsRefused) {
  support::reread("Pitfalls");
  const auto result = run_container({"--net", "/bin/true"}, {.as_user = 65534});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("--net needs root"), std::string::npos) << result.describe();
}

// Try this 1: `--net sleep 30`; on the host `ip -br addr` shows the host's end, with a
// /30 address picked from the step's PID, and the container's address answers a ping.
TEST_F(Step32Veth, TryThis1_TheHostsEndAndAPingToTheContainer) {
  support::reread("Try this");
  support::Subprocess process(container({"--net", "--", "/bin/sh", "-c", "echo ready; sleep 30"}));
  ASSERT_TRUE(process.wait_for_output("ready", 15s)) << process.so_far().describe();
  const CableLine cable = cable_of(process.so_far().err);
  ASSERT_TRUE(host_has_device(cable.host_end)) << process.so_far().describe();
  const auto brief =
      support::run(support::on_path({"ip", "-br", "addr", "show", "dev", cable.host_end}));
  std::smatch match;
  ASSERT_TRUE(
      std::regex_search(brief.out, match,
                        std::regex("^(step32-[0-9]+)@if2 +UP +169\\.254\\.([0-9]+)\\.([0-9]+)/30( "
                                   "fe80::[0-9a-f:]+/64)? *\n$")))
      << brief.describe();
  EXPECT_EQ(match[1], cable.host_end);
  const int y = std::stoi(match[3]);
  EXPECT_EQ(y % 4, 1) << brief.out;
  EXPECT_EQ(cable.container_address, "169.254." + match[2].str() + "." + std::to_string(y + 1))
      << process.so_far().describe();
  const auto ping = support::run({(rootfs() / "bin" / "busybox").native(), "ping", "-c", "1", "-W",
                                  "2", cable.container_address},
                                 10s);
  EXPECT_EQ(ping.exit_code, 0) << ping.describe();
  EXPECT_NE(ping.out.find("from " + cable.container_address), std::string::npos) << ping.describe();
  process.signal(SIGTERM);
  process.wait(10s);
  EXPECT_TRUE(device_goes(cable.host_end)) << cable.host_end;
}

// A TCP port no one listens on now, for a server to take (the kernel's choice, so that
// tests may run side by side).
std::string free_port() {
  const int sock = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  socklen_t length = sizeof address;
  ::bind(sock, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(sock, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(sock);
  return std::to_string(ntohs(address.sin_port));
}

// Try this 2: a server on the host (the rootfs's busybox `nc -l -p PORT`); inside, with
// --net, `echo hello | nc GATEWAY PORT` reaches it, `nc 127.0.0.1 PORT` is refused.
TEST_F(Step32Veth, TryThis2_TheHostsEndReachesAServerOnEveryAddress) {
  support::reread("Try this");
  const std::string port = free_port();
  support::Subprocess server({(rootfs() / "bin" / "busybox").native(), "nc", "-l", "-p", port});
  std::this_thread::sleep_for(300ms);
  const auto result = run_container(
      {"--net", "--", "/bin/sh", "-c",
       "gw=$(ip route | sed -n 's/^default via \\([0-9.]*\\).*/\\1/p'); echo hello | nc $gw " +
           port + "; echo status=$?; nc 127.0.0.1 " + port + " </dev/null; echo status=$?"},
      {}, 30s);
  const auto served = server.wait(10s);
  EXPECT_EQ(served.out, "hello\n") << served.describe();
  EXPECT_EQ(result.out, "status=0\nstatus=1\n") << result.describe();
  EXPECT_NE(result.err.find("Connection refused"), std::string::npos) << result.describe();
}

}  // namespace
