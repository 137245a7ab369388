#pragma once
/// \file
/// \brief Replacing the current process with the container's command.

#include <string>
#include <vector>

namespace common {

/// \brief Exit status when the command cannot be found, as in sh(1) and docker.
inline constexpr int kCommandNotFound = 127;
/// \brief Exit status when the command exists but cannot be executed.
inline constexpr int kCommandNotExecutable = 126;

/// \brief Runs \p command with execvp(3), which replaces this process and never returns.
///
/// `command[0]` is looked up in `PATH` (or glibc's default `/bin:/usr/bin` when PATH is
/// unset). If execvp fails, it prints `stepNN: execvp(name): reason` and ends the
/// process with _exit(2): 127 if the name was not found, 126 otherwise (found but not
/// executable). _exit, because this runs in a child: exit(3) would run the parent's
/// atexit handlers and flush its copies of stdio buffers a second time.
/// \param command the program and its arguments; must not be empty.
[[noreturn]] void exec_command(const std::vector<std::string>& command) noexcept;

}  // namespace common
