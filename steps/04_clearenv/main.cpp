// Step 04: the child starts with an empty environment, so nothing of the host's
// environment leaks into the command. The chapter is steps/04_clearenv/README.md.

#include <sched.h>  // clone
#include <sys/mman.h>  // mmap, mprotect, munmap
#include <sys/wait.h>  // waitpid
#include <unistd.h>  // execvp

#include <cerrno>
#include <csignal>  // SIGCHLD
#include <cstddef>
#include <cstdlib>  // clearenv
#include <cstring>  // strerror
#include <exception>
#include <string>
#include <vector>

#include "common/command_line.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/log.hpp"

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

// Replaces this process with the command. execvp(3) searches PATH for its name and takes
// the arguments as an array of C strings ending with a null pointer. It returns only if
// it failed; then we return what a shell would (sh(1), "Exit Status"): 127 if nothing of
// that name was found, 126 if it was found but could not run.
int exec_command(const std::vector<std::string>& command) {
  std::vector<char*> argv;
  for (const std::string& word : command) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  const int error = errno;
  // EACCES also comes from a folder of PATH we may not search, though the name may be in
  // none of them (execvp(3)): then, as for a shell, it was not found.
  if (error == EACCES && !common::found_in_path(command[0])) {
    common::log("execvp(", command[0], "): not found (and a folder of PATH could not be searched)");
    return 127;
  }
  common::log("execvp(", command[0], "): ", std::strerror(error));
  return error == ENOENT || error == ENOTDIR ? 127 : 126;
}

// Our environment (HOME, SSH_AUTH_SOCK, tokens...) belongs to the host. clearenv(3)
// empties it for this process only: the parent's copy is untouched. It only resets
// `environ`, so it cannot fail in glibc; execvp then searches glibc's default PATH.
void clear_environment() { ::clearenv(); }

// clone(2) runs this function in the new process; what it returns is the process's exit
// status. execvp(3) replaces the whole program with the command, so it returns only if
// the command could not run.
int child(void* arg) {
  const auto& command_line = *static_cast<const common::CommandLine*>(arg);
  clear_environment();
  return exec_command(command_line.command);
}

}  // namespace

// Every step's main has this shape: when a step fails, report_failure prints why as
// `stepNN: ...` on stderr and the step exits 125, after destructors have cleaned up.
int main(int argc, char* argv[]) try {
  common::CommandLine command_line = common::parse_command_line(argc, argv);

  ChildStack stack;
  // The child gets a copy of our memory, so it can read command_line through this pointer.
  const pid_t pid = common::check(::clone(child, stack.top(), SIGCHLD, &command_line), "clone");

  return wait_for(pid);
} catch (const std::exception& error) {
  return common::report_failure(error);
}
