#pragma once
/// \file
/// \brief Running a program the way a user would, with its output captured and a timeout.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace support {

using namespace std::chrono_literals;

/// \brief What a user would have seen of a finished program.
struct ProcessResult {
  int exit_code = -1;  ///< as a shell reports it: 128+N for signal N; -1 if timed out
  std::string out;  ///< everything written to stdout
  std::string err;  ///< everything written to stderr
  bool timed_out = false;  ///< the program was killed for running too long
  /// When the program ended, processes it started were still running in its process
  /// group (they are killed then, so no test leaves processes behind).
  bool left_processes = false;

  /// \brief Exit status, stdout and stderr, for assertion messages.
  std::string describe() const;
};

/// \brief How to start a program.
struct ProcessOptions {
  /// Variables added to (or replacing those of) the test's own environment.
  std::vector<std::string> extra_env;
  /// Run as this user and group instead (for "fails without root" tests).
  std::optional<uid_t> as_user;
  /// Written to the program's stdin, which is then closed.
  std::string input;
  /// Its stdin a pipe kept open until Subprocess::close_input() or wait(): a command that
  /// reads it (`exec cat`) runs until the test is done with it, not for a guessed while.
  bool input_open = false;
  /// Working directory; empty: the test's own.
  std::string cwd;
  /// Its stderr is a pipe nobody reads (as in `prog 2>&1 | true`): a write there gets
  /// EPIPE and SIGPIPE.
  bool stderr_closed = false;
  /// Its standard input, output and error are a new pseudo-terminal, the controlling
  /// terminal of a session of its own whose foreground process group it leads, as a
  /// shell in a terminal window starts a command (pty(7), credentials(7)). What it
  /// writes, echoed input included, is in ProcessResult::out; `input` and
  /// Subprocess::type() are typed on the terminal.
  bool terminal = false;
  /// Supplementary groups to run with (setgroups(2)), as a user in those groups would;
  /// empty: the test's own. Needs root.
  std::vector<gid_t> groups;
  /// Runs it in a user namespace of its own that maps the host's ids 0-65535 to
  /// themselves, and in which no further user namespace may be made
  /// (`user.max_user_namespaces` 0 there: the limit is per user namespace,
  /// user_namespaces(7)), as on a host with unprivileged user namespaces off. Needs root.
  bool user_namespaces_off = false;
};

/// \brief A started program in a process group of its own. When it ends, whatever it left
/// running in that group is killed (and reported in ProcessResult::left_processes); the
/// destructor kills the whole group if it is still running, so a failed assertion never
/// leaves a process behind.
class Subprocess {
 public:
  /// \brief Starts \p argv in a process group of its own. Throws on fork/pipe failure.
  Subprocess(const std::vector<std::string>& argv, const ProcessOptions& options = {});
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  /// \brief Its process ID.
  pid_t pid() const noexcept { return pid_; }
  /// \brief Sends signal \p signal_number to the program itself (not its group).
  void signal(int signal_number) const;
  /// \brief Types \p text on its terminal (ProcessOptions::terminal); "\x03" is Ctrl-C.
  void type(std::string_view text) const;
  /// \brief Its terminal's size, {rows, columns} (TIOCGWINSZ; ProcessOptions::terminal).
  std::pair<int, int> terminal_size() const;
  /// \brief Resizes its terminal, as a terminal window does (TIOCSWINSZ): the kernel then
  /// sends SIGWINCH to the terminal's foreground process group (ioctl_tty(2)).
  void resize_terminal(int rows, int columns) const;
  /// \brief Reads its output until \p needle shows in stdout or stderr, or \p timeout passes.
  /// \return whether the text appeared.
  bool wait_for_output(std::string_view needle, std::chrono::milliseconds timeout);
  /// \brief Closes its stdin (ProcessOptions::input_open): a reader gets end of file.
  void close_input() noexcept;
  /// \brief Closes its stdin, waits at most \p timeout for it to end, then kills it;
  /// returns what it did.
  ProcessResult wait(std::chrono::milliseconds timeout = 20s);
  /// \brief What it has written so far.
  const ProcessResult& so_far() const noexcept { return result_; }

 private:
  // Reads whatever is available until the deadline or until both pipes are closed.
  void pump(std::chrono::steady_clock::time_point deadline, std::string_view needle = {});
  void kill_all() noexcept;

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  int terminal_fd_ = -1;  // the pseudo-terminal's master side, with ProcessOptions::terminal
  int in_fd_ = -1;  // its stdin's writing end, with ProcessOptions::input_open
  bool reaped_ = false;
  ProcessResult result_;
};

/// \brief Starts \p argv and waits for it: Subprocess(argv, options).wait(timeout).
ProcessResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 20s,
                  const ProcessOptions& options = {});

/// \brief The PIDs of every program this test process started with Subprocess, so that
/// what they leave behind (cgroup folders named after them) can be found.
const std::vector<pid_t>& started_pids();

/// \brief Kills (SIGKILL) and reaps every process re-parented to this one (see
/// become_subreaper()): what a program under test left running after it ended. Those
/// that end within 5 seconds (a step's janitor) are reaped and do not count, also those
/// handed over late by an orphan still ending.
/// \return how many of them were still running (zombies only reaped do not count).
int kill_orphans();

/// \brief Makes this test process the reaper of orphaned descendants (PR_SET_CHILD_SUBREAPER),
/// so a child that a program under test abandons is re-parented to us and can be counted.
void become_subreaper();

/// \brief Reaps children of this process that nobody waited for and returns how many
/// there were (see become_subreaper()). Waits up to \p grace for late ones to end.
int reap_orphans(std::chrono::milliseconds grace = 500ms);

}  // namespace support
