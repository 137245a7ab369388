#pragma once
/// \file
/// \brief Reading and writing small files such as cgroup control files.

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

namespace common {

/// \brief Writes \p content to the existing file \p path with one write(2).
///
/// Control files (cgroups, /proc) take one value per write and report a bad value as
/// the write's error, so the write is checked, not just the open. Throws SyscallError
/// naming the path, e.g. `write(/sys/fs/cgroup/x/pids.max): Invalid argument`.
/// \param path an existing file; it is not created.
/// \param content the bytes to write.
void write_file(const std::filesystem::path& path, std::string_view content);

/// \brief Reads the whole file \p path. Throws SyscallError naming the path.
/// \param path the file to read.
std::string read_file(const std::filesystem::path& path);

/// \brief True if the space-separated list \p list contains \p word, as in a cgroup v2
/// `cgroup.controllers` or `cgroup.subtree_control` file ("cpu io memory pids").
/// \param list the words, separated by spaces or newlines.
/// \param word the word to look for.
bool contains_word(std::string_view list, std::string_view word) noexcept;

/// \brief True if execvp(3) could have found \p name: it holds a `/` (then it is not
/// searched for), or a folder of `PATH` (glibc's default `/bin:/usr/bin` when unset) has an
/// entry of that name that this process can see.
///
/// execvp reports EACCES both for a file it may not run and for a folder of PATH it may
/// not search; this tells the two apart, so a name that is nowhere gives 127 as in a shell.
/// \param name the command's first word.
bool found_in_path(const std::string& name);

/// \brief An open file descriptor, closed when it goes out of scope: no descriptor a step
/// opens leaks when a later call throws, as a raw `int` would.
///
/// The destructor's close(2) is not checked: every descriptor a step holds is a socket, a
/// folder or a mount it only reads from or passes on, where a failed close loses nothing,
/// and close must not be retried on Linux (close(2), "Dealing with error returns").
class Fd {
 public:
  /// \brief Takes ownership of \p fd (-1: none).
  explicit Fd(int fd = -1) noexcept : fd_(fd) {}
  /// \brief Takes over \p other's descriptor.
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  /// \brief Closes ours, then takes over \p other's.
  Fd& operator=(Fd&& other) noexcept;
  ~Fd();
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  /// \brief The descriptor, still ours (-1: none).
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

/// \brief The folder at \p path, opened (O_PATH, O_NOFOLLOW) only if it is still the one
/// \p checked is open on: same device and inode (stat(2)). For a check made through one
/// descriptor and a use that needs a path again (step 35: overlayfs takes its layers by
/// path, as /proc/self/fd/N): a folder swapped in between is refused, not used. Throws
/// SyscallError when a call fails, std::runtime_error when it is another folder.
Fd open_as_checked(const std::string& path, int checked);

/// \brief Sends a copy of the descriptor \p fd over the Unix socket \p sock, as
/// SCM_RIGHTS ancillary data with one byte (unix(7)): the receiver gets a new descriptor
/// of the same open file, as runc hands a terminal to the caller of `--console-socket`.
/// Throws SyscallError when sendmsg(2) fails.
/// \param sock a connected Unix socket (a socketpair(2) end).
/// \param fd the descriptor to send; still ours after.
/// \param what what it is, for the error message.
void send_fd(int sock, int fd, std::string_view what);

/// \brief Receives a descriptor sent by send_fd() over \p sock, close-on-exec. An empty
/// Fd if the other end was closed without sending one (end of file), or if \p sock is
/// non-blocking and none has been sent (EAGAIN). Throws SyscallError
/// when recvmsg(2) fails, std::runtime_error when the message holds no descriptor.
/// \param sock a connected Unix socket.
/// \param what what it is, for the error message.
Fd receive_fd(int sock, std::string_view what);

}  // namespace common
