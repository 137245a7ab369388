// Step 02: clone(2) a child process that greets; the parent waits for it and passes
// its exit status on. The chapter is steps/02_clone/README.md.

#include <sched.h>  // clone
#include <sys/mman.h>  // mmap, mprotect, munmap
#include <sys/wait.h>  // waitpid

#include <cerrno>
#include <csignal>  // SIGCHLD
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "common/error.hpp"

namespace {

// The stack clone(2) wants us to give the child: 8 MiB from mmap(2) (what `ulimit -s` gives
// a main thread; untouched pages cost nothing) above a guard page, so that an overflow is a
// SIGSEGV, not silent damage. Unmapped when it goes out of scope.
class ChildStack {
 public:
  ChildStack() {
    void* memory = ::mmap(nullptr, kGuard + kSize, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (memory == MAP_FAILED) throw common::SyscallError(errno, "mmap", "child stack");
    base_ = static_cast<char*>(memory);
    if (::mprotect(base_, kGuard, PROT_NONE) == -1) {
      const int error = errno;
      ::munmap(base_, kGuard + kSize);
      throw common::SyscallError(error, "mprotect", "guard page");
    }
  }
  ~ChildStack() { ::munmap(base_, kGuard + kSize); }
  ChildStack(const ChildStack&) = delete;
  ChildStack& operator=(const ChildStack&) = delete;
  // clone(2) takes the top: stacks grow down on all processors Linux runs on but HP PA.
  void* top() const { return base_ + kGuard + kSize; }

 private:
  static constexpr std::size_t kGuard = 64 * 1024;  // whole pages of 4, 16 or 64 KiB
  static constexpr std::size_t kSize = 8 * 1024 * 1024;
  char* base_ = nullptr;
};

// The exit status a shell reports for a child (sh(1)): its exit code, or 128+N if signal N
// killed it (wait(2); without WUNTRACED, waitpid reports no other case).
int exit_status(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  return 128 + WTERMSIG(wait_status);
}

// Waits for our child `pid` to end, which also reaps it (else it stays a zombie, wait(2)).
int wait_for(pid_t pid) {
  int status = 0;
  common::check(::waitpid(pid, &status, 0), "waitpid", std::to_string(pid));
  return exit_status(status);
}

// clone(2) runs this function in the new process; what it returns is the exit status.
int child(void* /*arg*/) {
  std::puts("Hello from the child!");
  // Returning ends the process with the exit system call, not exit(3): stdio is not flushed.
  std::fflush(stdout);
  return EXIT_SUCCESS;
}

}  // namespace

// Every step's main has this shape: when a step fails, report_failure prints why as
// `stepNN: ...` on stderr and the step exits 125, after destructors have cleaned up.
int main() try {
  std::puts("Hello, World! (parent)");
  // The child starts with a copy of our memory, unwritten stdout buffer included:
  // flush it first, or the greeting is printed twice when stdout is a pipe or a file.
  std::fflush(stdout);

  ChildStack stack;
  // SIGCHLD: the signal the kernel sends us when the child ends, as after fork(2); without
  // it waitpid(2) needs __WCLONE to see the child at all (clone(2), "The child
  // termination signal").
  const pid_t pid = common::check(::clone(child, stack.top(), SIGCHLD, nullptr), "clone");

  return wait_for(pid);  // and exit with its status (the article drops it)
} catch (const std::exception& error) {
  return common::report_failure(error);
}
