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
  const std::string shell = dir + "/bin/sh";
  if (::lstat(shell.c_str(), &info) == -1) {
    throw RootfsError("rootfs " + dir + " has no /bin/sh (" + shell + ": " + std::strerror(errno) + ")" + kHowToFix);
  }
}

}  // namespace common
