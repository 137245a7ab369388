#pragma once
/// \file
/// \brief Waiting for a child and turning how it ended into an exit status.

#include <sys/types.h>

namespace common {

/// \brief The exit status a shell would report for a wait(2) status.
///
/// A child that exited gives its exit code (0–255); one killed by signal N gives 128+N,
/// as in sh(1) and docker, so `kill -TERM` shows up as 143.
/// \param wait_status the status filled in by waitpid(2).
/// \return 0–255 for an exit, 128+N for signal N.
int exit_status(int wait_status) noexcept;

/// \brief Waits for the child \p pid to end and returns exit_status() of it.
///
/// Retries when a signal handler interrupts the wait (EINTR), so a step that forwards
/// signals keeps waiting. Throws SyscallError if waitpid(2) fails otherwise.
/// \param pid a child of this process.
int wait_for(pid_t pid);

}  // namespace common
