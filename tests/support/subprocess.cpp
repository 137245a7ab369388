#include "tests/support/subprocess.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/error.hpp"
#include "common/files.hpp"

namespace support {
namespace {

std::vector<pid_t>& started() {
  static std::vector<pid_t> pids;
  return pids;
}

void set_env(const std::vector<std::string>& assignments) {
  for (const std::string& assignment : assignments) {
    const auto equals = assignment.find('=');
    ::setenv(assignment.substr(0, equals).c_str(),
             equals == std::string::npos ? "" : assignment.c_str() + equals + 1, 1);
  }
}

// The child side of the fork: wire the pipes (or the terminal, named \p terminal), drop
// privileges if asked, exec.
// ProcessOptions::user_namespaces_off, the child's side: a user namespace, whose maps the
// parent writes while we are stopped (only a writer with CAP_SETUID outside may map more
// than its own id), then the limit, which root of the namespace may set.
void enter_user_namespace_without_more() {
  if (::unshare(CLONE_NEWUSER) == -1) {
    std::fprintf(stderr, "support: unshare(CLONE_NEWUSER): %s\n", std::strerror(errno));
    ::_exit(126);
  }
  ::raise(SIGSTOP);
  const int limit = ::open("/proc/sys/user/max_user_namespaces", O_WRONLY | O_CLOEXEC);
  if (limit == -1 || ::write(limit, "0", 1) != 1) {
    std::fprintf(stderr, "support: cannot set user.max_user_namespaces: %s\n",
                 std::strerror(errno));
    ::_exit(126);
  }
  ::close(limit);
}

[[noreturn]] void become(const std::vector<std::string>& argv, const ProcessOptions& options,
                         int in, int out, int err, const std::string& terminal) {
  if (terminal.empty()) {
    ::setpgid(0, 0);
  } else {
    // A session leader without a terminal acquires the first one it opens (credentials(7)),
    // and its process group becomes the terminal's foreground group.
    const int tty = ::setsid() == -1 ? -1 : ::open(terminal.c_str(), O_RDWR);
    if (tty == -1) {
      std::fprintf(stderr, "support: cannot open terminal %s: %s\n", terminal.c_str(),
                   std::strerror(errno));
      ::_exit(126);
    }
    in = out = err = tty;
  }
  ::dup2(in, STDIN_FILENO);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(err, STDERR_FILENO);
  if (options.stderr_closed) {
    int broken[2];
    if (::pipe(broken) == 0) {
      ::close(broken[0]);
      ::dup2(broken[1], STDERR_FILENO);
      ::close(broken[1]);
    }
  }
  set_env(options.extra_env);
  if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) == -1) {
    std::fprintf(stderr, "support: cannot chdir to %s: %s\n", options.cwd.c_str(),
                 std::strerror(errno));
    ::_exit(126);
  }
  if (options.user_namespaces_off) enter_user_namespace_without_more();
  if (!options.groups.empty() && ::setgroups(options.groups.size(), options.groups.data()) == -1) {
    std::fprintf(stderr, "support: cannot set groups: %s\n", std::strerror(errno));
    ::_exit(126);
  }
  if (options.as_user) {
    const gid_t group = *options.as_user;
    if (::setgroups(0, nullptr) == -1 || ::setgid(group) == -1 ||
        ::setuid(*options.as_user) == -1) {
      std::fprintf(stderr, "support: cannot become user %u: %s\n", *options.as_user,
                   std::strerror(errno));
      ::_exit(126);
    }
  }
  std::vector<char*> args;
  for (const std::string& word : argv) args.push_back(const_cast<char*>(word.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  std::fprintf(stderr, "support: cannot run %s: %s\n", args[0], std::strerror(errno));
  ::_exit(127);
}

}  // namespace

std::string ProcessResult::describe() const {
  std::string text = timed_out ? "timed out (killed)" : "exit status " + std::to_string(exit_code);
  text += "\n--- stdout ---\n" + out + "--- stderr ---\n" + err + "---";
  return text;
}

Subprocess::Subprocess(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty()) throw std::invalid_argument("Subprocess: empty command");
  int in[2], out[2], err[2];
  common::check(::pipe2(in, O_CLOEXEC), "pipe2", "stdin");
  common::check(::pipe2(out, O_CLOEXEC), "pipe2", "stdout");
  common::check(::pipe2(err, O_CLOEXEC), "pipe2", "stderr");
  std::string terminal;
  if (options.terminal) {
    terminal_fd_ = common::check(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), "posix_openpt");
    common::check(::grantpt(terminal_fd_), "grantpt");
    common::check(::unlockpt(terminal_fd_), "unlockpt");
    terminal = ::ptsname(terminal_fd_);
    resize_terminal(24, 80);  // a new pseudo-terminal is 0 by 0; a window has a size
  }
  std::fflush(nullptr);  // or the child would repeat our buffered output
  pid_ = common::check(::fork(), "fork", argv[0]);
  if (pid_ == 0) become(argv, options, in[0], out[1], err[1], terminal);
  started().push_back(pid_);
  if (options.user_namespaces_off) {
    int status = 0;
    if (::waitpid(pid_, &status, WUNTRACED) != pid_ || !WIFSTOPPED(status)) {
      throw std::runtime_error("support: " + argv[0] + " did not stop in its user namespace");
    }
    const std::string proc = "/proc/" + std::to_string(pid_);
    common::write_file(proc + "/uid_map", "0 0 65536");
    common::write_file(proc + "/gid_map", "0 0 65536");
    common::check(::kill(pid_, SIGCONT), "kill", "SIGCONT");
  }
  // Also here: whichever runs first, the group exists before a kill. Not for a session
  // leader: setsid(2) fails for a process that already leads a group.
  if (!options.terminal) ::setpgid(pid_, pid_);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  // A pipe holds 64 KiB: plenty for the few lines the tests send.
  if (!options.input.empty() && !options.terminal) {
    [[maybe_unused]] const ssize_t written =
        ::write(in[1], options.input.data(), options.input.size());
  }
  if (options.input_open && !options.terminal) {
    in_fd_ = in[1];
  } else {
    ::close(in[1]);
  }
  out_fd_ = options.terminal ? common::check(::dup(terminal_fd_), "dup", "terminal") : out[0];
  err_fd_ = err[0];
  if (options.terminal) type(options.input);
}

void Subprocess::type(std::string_view text) const {
  if (terminal_fd_ == -1) throw std::logic_error("Subprocess::type: the program has no terminal");
  if (!text.empty())
    common::check(::write(terminal_fd_, text.data(), text.size()), "write", "terminal");
}

std::pair<int, int> Subprocess::terminal_size() const {
  winsize size{};
  common::check(::ioctl(terminal_fd_, TIOCGWINSZ, &size), "ioctl", "TIOCGWINSZ");
  return {size.ws_row, size.ws_col};
}

void Subprocess::resize_terminal(int rows, int columns) const {
  winsize size{};
  size.ws_row = static_cast<unsigned short>(rows);
  size.ws_col = static_cast<unsigned short>(columns);
  common::check(::ioctl(terminal_fd_, TIOCSWINSZ, &size), "ioctl", "TIOCSWINSZ");
}

Subprocess::~Subprocess() {
  close_input();
  kill_all();
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
  if (terminal_fd_ >= 0) ::close(terminal_fd_);
}

void Subprocess::signal(int signal_number) const {
  if (!reaped_) ::kill(pid_, signal_number);
}

void Subprocess::kill_all() noexcept {
  if (reaped_) return;
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) == -1 && errno == EINTR) {
  }
  reaped_ = true;
}

void Subprocess::pump(std::chrono::steady_clock::time_point deadline, std::string_view needle) {
  for (;;) {
    if (!needle.empty() && (result_.out.find(needle) != std::string::npos ||
                            result_.err.find(needle) != std::string::npos)) {
      return;
    }
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    const int open_fds = (out_fd_ >= 0) + (err_fd_ >= 0);
    if (open_fds == 0) return;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    const int ready = ::poll(fds, 2, static_cast<int>(std::min<long>(left.count(), 100)));
    if (ready < 0 && errno != EINTR) return;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      const ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
      if (got > 0) {
        (i == 0 ? result_.out : result_.err).append(buffer, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        (i == 0 ? out_fd_ : err_fd_) = -1;
      }
    }
  }
}

bool Subprocess::wait_for_output(std::string_view needle, std::chrono::milliseconds timeout) {
  pump(std::chrono::steady_clock::now() + timeout, needle);
  return result_.out.find(needle) != std::string::npos ||
         result_.err.find(needle) != std::string::npos;
}

void Subprocess::close_input() noexcept {
  if (in_fd_ >= 0) ::close(in_fd_);
  in_fd_ = -1;
}

ProcessResult Subprocess::wait(std::chrono::milliseconds timeout) {
  close_input();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reaped_) {
    pump(std::min(deadline, std::chrono::steady_clock::now() + 50ms));
    int status = 0;
    const pid_t ended = ::waitpid(pid_, &status, WNOHANG);
    if (ended == pid_) {
      reaped_ = true;
      // As a shell reports it: the exit code, or 128+N for signal N.
      result_.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      // The group outlives its leader while members remain (and its ID is not reused).
      if (::kill(-pid_, 0) == 0) {
        result_.left_processes = true;
        ::kill(-pid_, SIGKILL);
      }
    } else if (std::chrono::steady_clock::now() >= deadline) {
      kill_all();
      result_.timed_out = true;
      result_.exit_code = -1;
    }
  }
  // What it wrote last may still be in the pipes; a descendant it left running may hold
  // them open, so only drain for a moment.
  pump(std::min(deadline, std::chrono::steady_clock::now() + 500ms));
  return result_;
}

ProcessResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                  const ProcessOptions& options) {
  Subprocess process(argv, options);
  return process.wait(timeout);
}

const std::vector<pid_t>& started_pids() { return started(); }

namespace {

// This process's children that Subprocess did not start, with their state letter from
// /proc/PID/stat ("PID (comm) STATE PPID ...": comm may hold spaces and parentheses).
std::vector<std::pair<pid_t, char>> orphans_of_ours() {
  std::vector<std::pair<pid_t, char>> found;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat;
    try {
      stat = common::read_file(entry.path() / "stat");
    } catch (const common::SyscallError&) {
      continue;  // ended meanwhile
    }
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 1));
    char state = 0;
    pid_t parent = 0;
    fields >> state >> parent;
    const pid_t pid = std::stoi(name);
    if (parent != ::getpid() ||
        std::find(started().begin(), started().end(), pid) != started().end())
      continue;
    found.emplace_back(pid, state);
  }
  return found;
}

}  // namespace

int kill_orphans() {
  // A helper a step starts outside its container (step 13's janitor) ends right after the
  // step: give such processes a moment before calling them left behind. It may come late:
  // a step with threads, killed with the shell that started it, is a zombie once its main
  // thread has ended, and hands us its children only when its last thread has, after which
  // wait(2) can reap it. So reap zombies as they come and wait until none is left: a
  // moment with no orphan running is no end.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  for (auto orphans = orphans_of_ours();
       !orphans.empty() && std::chrono::steady_clock::now() < deadline;
       orphans = orphans_of_ours()) {
    for (const auto& [pid, state] : orphans)
      if (state == 'Z') ::waitpid(pid, nullptr, WNOHANG);
    std::this_thread::sleep_for(20ms);
  }
  // Then kill what is left, and in turn what those hand over as they end.
  int left = 0;
  for (int round = 0; round < 10; ++round) {
    const auto orphans = orphans_of_ours();
    if (orphans.empty()) break;
    for (const auto& [pid, state] : orphans) {
      left += state != 'Z';
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  return left;
}

void become_subreaper() {
  common::check(::prctl(PR_SET_CHILD_SUBREAPER, 1), "prctl", "PR_SET_CHILD_SUBREAPER");
}

int reap_orphans(std::chrono::milliseconds grace) {
  int count = 0;
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (;;) {
    const pid_t ended = ::waitpid(-1, nullptr, WNOHANG);
    if (ended > 0) {
      ++count;
      continue;
    }
    if (ended == -1) return count;  // ECHILD: no children left
    if (std::chrono::steady_clock::now() >= deadline) return count + 1;  // one still running
    std::this_thread::sleep_for(10ms);
  }
}

}  // namespace support
