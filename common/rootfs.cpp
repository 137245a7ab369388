#include "common/rootfs.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace common {
namespace {

// What to do about a bad rootfs: the Alpine one has its own script (rootfs/build-alpine.sh).
std::string how_to_fix(const std::string& dir) {
  std::filesystem::path path = std::filesystem::path(dir).lexically_normal();
  if (!path.has_filename()) path = path.parent_path();  // "rootfs/alpine/"
  if (path.filename() == "alpine") {
    return "; build the Alpine one with 'sh rootfs/build-alpine.sh' (needs internet), or use the default "
           "(make rootfs)";
  }
  return "; build the default one with 'make rootfs', or pass --rootfs DIR";
}

}  // namespace

void require_rootfs(const std::string& dir, const std::string& command,
                    std::initializer_list<const char*> mount_points) {
  struct stat info {};
  if (::stat(dir.c_str(), &info) == -1) {
    throw RootfsError("rootfs " + dir + ": " + std::strerror(errno) + how_to_fix(dir));
  }
  if (!S_ISDIR(info.st_mode)) throw RootfsError("rootfs " + dir + ": Not a directory" + how_to_fix(dir));
  // The host's own root (`--rootfs /`, or a path that leads there): a container on it
  // would mount its /proc over the host's and share every file with it.
  struct stat host_root {};
  if (::stat("/", &host_root) == 0 && host_root.st_dev == info.st_dev && host_root.st_ino == info.st_ino) {
    throw RootfsError("rootfs " + dir + " is the host's own root: a container needs a folder of its own" +
                      how_to_fix(dir));
  }
  std::error_code error;
  if (std::filesystem::is_empty(dir, error) && !error) throw RootfsError("rootfs " + dir + " is empty" + how_to_fix(dir));
  if (command == "/bin/sh" || command == "sh") {
    const std::string shell = dir + "/bin/sh";
    if (::lstat(shell.c_str(), &info) == -1) {
      throw RootfsError("rootfs " + dir + " has no /bin/sh to run (" + shell + ": " + std::strerror(errno) +
                        "); name a command it has, or" + how_to_fix(dir));
    }
  }
  for (const char* mount_point : mount_points) {
    const std::string path = dir + "/" + mount_point;
    if (::stat(path.c_str(), &info) == -1 || !S_ISDIR(info.st_mode)) {
      throw RootfsError("rootfs " + dir + " has no folder /" + mount_point + " to mount on (mkdir " + path + ")");
    }
  }
}

}  // namespace common
