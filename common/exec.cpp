#include "common/exec.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log.hpp"

namespace common {

void exec_command(const std::vector<std::string>& command) noexcept {
  if (command.empty()) {
    log_line("no command to run");
    ::_exit(kCommandNotFound);
  }
  std::vector<char*> argv;
  argv.reserve(command.size() + 1);
  for (const std::string& word : command) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);  // execvp(3): the array must end with a null pointer

  ::execvp(argv[0], argv.data());

  // Only reached when execvp failed. ENOENT/ENOTDIR: nothing by that name; anything
  // else (EACCES, ENOEXEC, ...): it is there but cannot run. Same split as sh(1).
  const int error = errno;
  log("execvp(", command[0], "): ", std::strerror(error));
  ::_exit(error == ENOENT || error == ENOTDIR ? kCommandNotFound : kCommandNotExecutable);
}

}  // namespace common
