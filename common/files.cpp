#include "common/files.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>

#include "common/error.hpp"

namespace common {
Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ != -1) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ != -1) ::close(fd_);
}

void write_file(const std::filesystem::path& path, std::string_view content) {
  Fd fd(check(::open(path.c_str(), O_WRONLY | O_CLOEXEC), "open", path.native()));
  const ssize_t written =
      check(::write(fd.get(), content.data(), content.size()), "write", path.native());
  if (static_cast<std::size_t>(written) != content.size())
    throw SyscallError(EIO, "write", path.native());
}

std::string read_file(const std::filesystem::path& path) {
  Fd fd(check(::open(path.c_str(), O_RDONLY | O_CLOEXEC), "open", path.native()));
  std::string content;
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got == -1 && errno == EINTR) continue;
    if (check(got, "read", path.native()) == 0) break;
    content.append(buffer, static_cast<std::size_t>(got));
  }
  return content;
}

bool contains_word(std::string_view list, std::string_view word) noexcept {
  std::size_t start = 0;
  while (start < list.size()) {
    const std::size_t end = list.find_first_of(" \n\t", start);
    const std::string_view item =
        list.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (item == word) return true;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return false;
}

Fd open_as_checked(const std::string& path, int checked) {
  Fd opened(::open(path.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (opened.get() == -1) throw SyscallError(errno, "open", path);
  struct stat now = {}, then = {};
  if (::fstat(opened.get(), &now) == -1) throw SyscallError(errno, "fstat", path);
  if (::fstat(checked, &then) == -1) throw SyscallError(errno, "fstat", path + " as checked");
  if (now.st_dev != then.st_dev || now.st_ino != then.st_ino)
    throw std::runtime_error(path + " is no longer the folder that was checked");
  return opened;
}

bool found_in_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return true;
  const char* path = std::getenv("PATH");
  std::istringstream folders(path != nullptr ? path : "/bin:/usr/bin");
  for (std::string folder; std::getline(folders, folder, ':');) {
    // An empty entry is the working directory (execvp(3)).
    const std::string candidate = (folder.empty() ? "." : folder) + "/" + name;
    struct stat info {};
    if (::stat(candidate.c_str(), &info) == 0) return true;
  }
  return false;
}

namespace {

// One byte of data (a stream socket's message must carry some) and room for one
// descriptor in the ancillary data (cmsg(3)).
struct OneFdMessage {
  char byte = 0;
  iovec data{&byte, 1};
  alignas(cmsghdr) char space[CMSG_SPACE(sizeof(int))] = {};
  msghdr header{nullptr, 0, &data, 1, space, sizeof space, 0};
};

}  // namespace

void send_fd(int sock, int fd, std::string_view what) {
  OneFdMessage message;
  cmsghdr* rights = CMSG_FIRSTHDR(&message.header);
  rights->cmsg_level = SOL_SOCKET;
  rights->cmsg_type = SCM_RIGHTS;
  rights->cmsg_len = CMSG_LEN(sizeof fd);
  std::memcpy(CMSG_DATA(rights), &fd, sizeof fd);
  if (::sendmsg(sock, &message.header, MSG_NOSIGNAL) == -1)
    throw SyscallError(errno, "sendmsg", what);
}

Fd receive_fd(int sock, std::string_view what) {
  OneFdMessage message;
  const ssize_t got = ::recvmsg(sock, &message.header, MSG_CMSG_CLOEXEC);
  if (got == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Fd();  // none sent yet
  if (got == -1) throw SyscallError(errno, "recvmsg", what);
  const cmsghdr* rights = CMSG_FIRSTHDR(&message.header);
  if (got == 0 && rights == nullptr) return Fd();
  if (rights == nullptr || rights->cmsg_level != SOL_SOCKET || rights->cmsg_type != SCM_RIGHTS ||
      rights->cmsg_len != CMSG_LEN(sizeof(int)))
    throw std::runtime_error(std::string(what) + ": the message holds no descriptor");
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(rights), sizeof fd);
  return Fd(fd);
}

}  // namespace common
