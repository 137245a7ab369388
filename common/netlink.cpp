#include "common/netlink.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/error.hpp"

namespace common {

NetlinkMessage::NetlinkMessage(std::uint16_t type, std::uint16_t flags) {
  nlmsghdr header{};
  header.nlmsg_type = type;
  header.nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
  header.nlmsg_seq = 1;
  append(&header, sizeof header);
}

void NetlinkMessage::append(const void* data, std::size_t size) {
  const auto* from = static_cast<const std::byte*>(data);
  bytes_.insert(bytes_.end(), from, from + size);
  bytes_.resize(NLMSG_ALIGN(bytes_.size()));  // every part starts on 4 bytes (NLMSG_ALIGNTO)
}

NetlinkMessage& NetlinkMessage::attribute(std::uint16_t type, const void* data, std::size_t size) {
  const nlattr header{static_cast<std::uint16_t>(NLA_HDRLEN + size), type};
  const std::size_t start = bytes_.size();
  append(&header, sizeof header);
  bytes_.resize(start + NLA_HDRLEN);
  append(data, size);
  return *this;
}

NetlinkMessage& NetlinkMessage::attribute(std::uint16_t type, std::string_view text) {
  const std::string with_nul(text);
  return attribute(type, with_nul.c_str(), with_nul.size() + 1);
}

std::size_t NetlinkMessage::begin_nested(std::uint16_t type) {
  const std::size_t start = bytes_.size();
  const nlattr header{0, type};
  append(&header, sizeof header);
  return start;
}

NetlinkMessage& NetlinkMessage::end_nested(std::size_t start) {
  const auto length = static_cast<std::uint16_t>(bytes_.size() - start);
  std::memcpy(bytes_.data() + start, &length, sizeof length);  // nla_len comes first
  return *this;
}

const std::vector<std::byte>& NetlinkMessage::bytes() {
  const auto length = static_cast<std::uint32_t>(bytes_.size());
  std::memcpy(bytes_.data(), &length, sizeof length);  // nlmsg_len comes first
  return bytes_;
}

void netlink_request(int socket, NetlinkMessage& message, std::string_view what) {
  const std::vector<std::byte>& bytes = message.bytes();
  check(::send(socket, bytes.data(), bytes.size(), 0), "send", what);
  struct {
    nlmsghdr header;
    nlmsgerr error;
  } answer{};
  check(::recv(socket, &answer, sizeof answer, 0), "recv", what);
  if (answer.header.nlmsg_type != NLMSG_ERROR) throw SyscallError(EPROTO, "netlink", what);
  if (answer.error.error != 0) throw SyscallError(-answer.error.error, "netlink", what);
}

}  // namespace common
