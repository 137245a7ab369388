#pragma once
/// \file
/// \brief Runtime messages: one line on stderr, prefixed with the step's name.

#include <sstream>
#include <string>
#include <string_view>

namespace common {

/// \brief The prefix of every runtime message, such as `step07`.
///
/// It is the program's own name (`program_invocation_short_name`, see
/// program_invocation_name(3)) up to its first `_`: `step07_chroot` says `step07`,
/// and a student's `lab07_chroot` says `lab07`.
std::string_view program_name() noexcept;

/// \brief Writes `program_name(): message` and a newline to stderr in one write(2).
///
/// One write keeps lines whole when the container's processes write to the same
/// terminal. The command's own output never goes through here.
void log_line(std::string_view message) noexcept;

/// \brief Formats its arguments with `operator<<` and hands the line to log_line().
/// \param parts anything an `std::ostream` can print.
template <typename... Parts>
void log(const Parts&... parts) {
  std::ostringstream line;
  (line << ... << parts);
  log_line(line.str());
}

}  // namespace common
