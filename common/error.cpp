#include "common/error.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log.hpp"

namespace common {
namespace {

std::string describe(int error, std::string_view call, std::string_view argument) {
  std::string text(call);
  text.append("(").append(argument).append("): ").append(std::strerror(error));
  if ((error == EPERM || error == EACCES) && ::geteuid() != 0) {
    text.append(" (this needs root, CAP_SYS_ADMIN: run it with sudo)");
  }
  return text;
}

}  // namespace

SyscallError::SyscallError(int error, std::string_view call, std::string_view argument)
    : std::runtime_error(describe(error, call, argument)), error_(error) {}

int report_failure(const std::exception& error) noexcept {
  log_line(error.what());
  return kRuntimeFailure;
}

}  // namespace common
