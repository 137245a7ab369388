// Step 02: clone(2) a child process that greets; the parent waits for it and passes
// its exit status on. The chapter is steps/02_clone/README.md.

#include <sched.h>  // clone

#include <csignal>  // SIGCHLD
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "common/error.hpp"
#include "common/process.hpp"
#include "common/stack.hpp"

namespace {

// clone(2) runs this function in the new process; what it returns is the exit status.
int child(void* /*arg*/) {
  std::puts("Hello from the child!");
  // Returning from here ends the process with the raw exit system call, not exit(3)
  // (glibc's clone wrapper does that), so stdio buffers are not flushed for us.
  std::fflush(stdout);
  return EXIT_SUCCESS;
}

}  // namespace

int main() try {
  std::puts("Hello, World! (parent)");
  // The child starts with a copy of our memory, unwritten stdout buffer included:
  // flush it first, or the greeting is printed twice when stdout is a pipe or a file.
  std::fflush(stdout);

  common::ChildStack stack;
  // SIGCHLD: the signal the kernel sends us when the child ends, as fork(2) does; without
  // it waitpid(2) needs __WCLONE to see the child at all (clone(2), "The child
  // termination signal").
  const pid_t pid = common::check(::clone(child, stack.top(), SIGCHLD, nullptr), "clone");

  // Wait for it, or it stays a zombie, and exit with its status (the article drops it).
  return common::wait_for(pid);
} catch (const std::exception& error) {
  return common::report_failure(error);
}
