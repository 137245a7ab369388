#include "common/log.hpp"

#include <unistd.h>

#include <cerrno>
#include <string>

namespace common {

namespace {

// A copy made before main runs: program_invocation_short_name points into argv[0], which a
// step's PID 1 wipes from step 22 on, and its lines would then start with ": ".
const std::string kProgramName = [] {
  const std::string_view name = program_invocation_short_name;
  return std::string(name.substr(0, name.find('_')));
}();

}  // namespace

std::string_view program_name() noexcept { return kProgramName; }

void log_line(std::string_view message) noexcept {
  std::string line;
  try {
    line.append(program_name()).append(": ").append(message).append("\n");
  } catch (...) {
    return;  // out of memory while reporting: nothing better to do
  }
  const int saved_errno = errno;  // callers often log right before reading errno
  const char* data = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t written = ::write(STDERR_FILENO, data, left);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) break;  // stderr closed: the message has nowhere to go
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  errno = saved_errno;
}

}  // namespace common
