#pragma once
/// \file
/// \brief The byte layout of rtnetlink requests (netlink(7), rtnetlink(7)): what a chapter
/// sends is its lesson (steps 31 and 32 write out the message types, the fixed parts and
/// the attributes); the padding, the lengths and reading the kernel's answer are not.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace common {

/// \brief One request: a `nlmsghdr`, a fixed part (`ifinfomsg`, `ifaddrmsg`, `rtmsg`),
/// then attributes, each a `rtattr` header and a value padded to 4 bytes; attributes may
/// nest. The header asks for an acknowledgement (`NLM_F_ACK`).
class NetlinkMessage {
 public:
  /// \param type such as `RTM_NEWLINK`.
  /// \param flags beyond `NLM_F_REQUEST | NLM_F_ACK`, such as `NLM_F_CREATE | NLM_F_EXCL`.
  NetlinkMessage(std::uint16_t type, std::uint16_t flags = 0);

  /// \brief Appends the fixed part, or any plain struct, as it is.
  /// \param part the struct to copy in.
  template <typename Part>
  NetlinkMessage& add(const Part& part) {
    append(&part, sizeof part);
    return *this;
  }
  /// \brief Appends an attribute holding \p size bytes from \p data.
  /// \param type such as `IFLA_IFNAME`.
  /// \param data the value.
  /// \param size its length in bytes.
  NetlinkMessage& attribute(std::uint16_t type, const void* data, std::size_t size);
  /// \brief Appends an attribute holding \p text and a terminating NUL (names, kinds).
  /// \param type such as `IFLA_IFNAME`.
  /// \param text the string.
  NetlinkMessage& attribute(std::uint16_t type, std::string_view text);
  /// \brief Starts an attribute whose value is the attributes added until end_nested().
  /// \param type such as `IFLA_LINKINFO`.
  /// \return where it starts, for end_nested().
  std::size_t begin_nested(std::uint16_t type);
  /// \brief Ends the attribute begun at \p start, setting its length.
  /// \param start what begin_nested() returned.
  NetlinkMessage& end_nested(std::size_t start);
  /// \brief The whole message, its length set in the header.
  const std::vector<std::byte>& bytes();

 private:
  void append(const void* data, std::size_t size);
  std::vector<std::byte> bytes_;
};

/// \brief Sends \p message on the `NETLINK_ROUTE` socket \p socket and reads the kernel's
/// answer, an `NLMSG_ERROR` message whose error is 0 (acknowledged) or minus an errno.
/// Throws SyscallError naming \p what with that errno.
/// \param socket from `socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)`.
/// \param message the request.
/// \param what what it asks for, for the error, such as `lo up`.
void netlink_request(int socket, NetlinkMessage& message, std::string_view what);

}  // namespace common
