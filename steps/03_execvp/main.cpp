// Step 03: the child runs a real program, CMD (default /bin/sh), with execvp(3), and
// its exit status comes back to whoever started us. The chapter is steps/03_execvp/README.md.

#include <sched.h>  // clone

#include <csignal>  // SIGCHLD
#include <exception>

#include "common/command_line.hpp"
#include "common/error.hpp"
#include "common/exec.hpp"
#include "common/process.hpp"
#include "common/stack.hpp"

namespace {

// clone(2) runs this function in the new process. It does not return: execvp(3)
// replaces the whole program with the command (or exits 126/127 if it cannot).
int child(void* arg) {
  const auto& command_line = *static_cast<const common::CommandLine*>(arg);
  common::exec_command(command_line.command);
}

}  // namespace

int main(int argc, char* argv[]) try {
  common::CommandLine command_line = common::parse_command_line(argc, argv);

  common::ChildStack stack;
  // The child gets a copy of our memory, so it can read command_line through this pointer.
  const pid_t pid = common::check(::clone(child, stack.top(), SIGCHLD, &command_line), "clone");

  return common::wait_for(pid);
} catch (const std::exception& error) {
  return common::report_failure(error);
}
