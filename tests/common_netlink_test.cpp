#include <gtest/gtest.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "common/error.hpp"
#include "common/netlink.hpp"
#include "tests/support/environment.hpp"

namespace {

TEST(NetlinkMessage, LaysOutHeaderPartAndPaddedAttributes) {
  ifinfomsg link{};
  link.ifi_index = 7;
  common::NetlinkMessage message(RTM_NEWLINK, NLM_F_CREATE);
  message.add(link).attribute(IFLA_IFNAME, "eth0");
  const std::size_t nested = message.begin_nested(IFLA_LINKINFO);
  message.attribute(IFLA_INFO_KIND, "veth").end_nested(nested);
  const auto& bytes = message.bytes();
  nlmsghdr header{};
  std::memcpy(&header, bytes.data(), sizeof header);
  EXPECT_EQ(header.nlmsg_len, bytes.size());
  EXPECT_EQ(header.nlmsg_type, RTM_NEWLINK);
  EXPECT_EQ(header.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE);
  // header 16, ifinfomsg 16, "eth0\0" as 4 + 5 padded to 12, then the nest: 4 + (4 + 5 -> 12).
  EXPECT_EQ(bytes.size(), 16u + 16u + 12u + 16u);
  nlattr name{};
  std::memcpy(&name, bytes.data() + 32, sizeof name);
  EXPECT_EQ(name.nla_type, IFLA_IFNAME);
  EXPECT_EQ(name.nla_len, 4u + 5u);
  EXPECT_EQ(std::memcmp(bytes.data() + 36, "eth0", 5), 0);
  nlattr info{};
  std::memcpy(&info, bytes.data() + 44, sizeof info);
  EXPECT_EQ(info.nla_type, IFLA_LINKINFO);
  EXPECT_EQ(info.nla_len, 4u + 12u);
}

// In a child with a network namespace of its own: lo up through netlink_request, then a
// request for a device that does not exist, which must throw ENODEV.
TEST(NetlinkRequest, SetsLoUpAndThrowsTheKernelsErrno) {
  SKIP_UNLESS_ROOT();
  const pid_t child = ::fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    if (::unshare(CLONE_NEWNET) == -1) ::_exit(10);
    const int sock = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    ifinfomsg link{};
    link.ifi_index = static_cast<int>(::if_nametoindex("lo"));
    link.ifi_flags = link.ifi_change = IFF_UP;
    common::NetlinkMessage up(RTM_NEWLINK);
    try {
      common::netlink_request(sock, up.add(link), "lo up");
    } catch (...) {
      ::_exit(11);
    }
    ifreq request{};
    std::strcpy(request.ifr_name, "lo");
    if (::ioctl(sock, SIOCGIFFLAGS, &request) == -1 || (request.ifr_flags & IFF_UP) == 0)
      ::_exit(12);
    link.ifi_index = 9999;
    common::NetlinkMessage missing(RTM_NEWLINK);
    try {
      common::netlink_request(sock, missing.add(link), "device 9999 up");
      ::_exit(13);
    } catch (const common::SyscallError& error) {
      ::_exit(error.error() == ENODEV ? 0 : 14);
    }
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "10: unshare, 11: lo up threw, 12: lo not up, 13: no error, 14: not ENODEV";
}

}  // namespace
