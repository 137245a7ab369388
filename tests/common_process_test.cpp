#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "common/error.hpp"
#include "common/process.hpp"

namespace {

pid_t child_that(void (*body)()) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    body();
    ::_exit(0);
  }
  return pid;
}

TEST(ExitStatus, ExitCodesPassThrough) {
  for (int code : {0, 1, 42, 255}) EXPECT_EQ(common::exit_status(W_EXITCODE(code, 0)), code);
}

TEST(ExitStatus, SignalNBecomes128PlusN) {
  EXPECT_EQ(common::exit_status(W_EXITCODE(0, SIGTERM)), 143);
  EXPECT_EQ(common::exit_status(W_EXITCODE(0, SIGKILL)), 137);
}

TEST(WaitFor, ReturnsTheChildsExitCode) {
  EXPECT_EQ(common::wait_for(child_that([] { ::_exit(42); })), 42);
}

TEST(WaitFor, ReturnsTheSignalThatKilledTheChild) {
  EXPECT_EQ(common::wait_for(child_that([] { ::raise(SIGKILL); })), 128 + SIGKILL);
}

TEST(WaitFor, KeepsWaitingWhenASignalInterrupts) {
  // A handler without SA_RESTART makes waitpid fail with EINTR; wait_for must go on.
  struct sigaction action {};
  action.sa_handler = [](int) {};
  struct sigaction old {};
  ASSERT_EQ(::sigaction(SIGUSR1, &action, &old), 0);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::kill(parent, SIGUSR1);
    ::usleep(100'000);
    ::_exit(5);
  }
  EXPECT_EQ(common::wait_for(pid), 5);
  ::sigaction(SIGUSR1, &old, nullptr);
}

TEST(WaitFor, ThrowsForAProcessThatIsNotOurChild) {
  EXPECT_THROW(common::wait_for(1), common::SyscallError);
}

}  // namespace
