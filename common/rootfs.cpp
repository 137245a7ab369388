#include "common/rootfs.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace common {
namespace {

constexpr const char* kHowToFix =
    "; build the default one with 'make rootfs', or pass --rootfs DIR";

}  // namespace

void require_rootfs(const std::string& dir) {
  struct stat info {};
  if (::stat(dir.c_str(), &info) == -1) {
    throw RootfsError("rootfs " + dir + ": " + std::strerror(errno) + kHowToFix);
  }
  if (!S_ISDIR(info.st_mode)) throw RootfsError("rootfs " + dir + ": Not a directory" + kHowToFix);
  // The host's own root (`--rootfs /`, or a path that leads there): a container on it
  // would mount its /proc over the host's and share every file with it.
  struct stat host_root {};
  if (::stat("/", &host_root) == 0 && host_root.st_dev == info.st_dev && host_root.st_ino == info.st_ino) {
    throw RootfsError("rootfs " + dir + " is the host's own root: a container needs a folder of its own" +
                      kHowToFix);
  }
  const std::string shell = dir + "/bin/sh";
  if (::lstat(shell.c_str(), &info) == -1) {
    throw RootfsError("rootfs " + dir + " has no /bin/sh (" + shell + ": " + std::strerror(errno) + ")" + kHowToFix);
  }
}

}  // namespace common
