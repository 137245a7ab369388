#include "common/process.hpp"

#include <sys/wait.h>

#include <cerrno>
#include <string>

#include "common/error.hpp"

namespace common {

int exit_status(int wait_status) noexcept {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return kRuntimeFailure;  // stopped or continued: waitpid without WUNTRACED never says so
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) == -1) {
    if (errno != EINTR) throw SyscallError(errno, "waitpid", std::to_string(pid));
  }
  return exit_status(status);
}

}  // namespace common
