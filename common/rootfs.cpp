#include "common/rootfs.hpp"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include "common/error.hpp"

namespace common {
namespace {

// What to do about a bad rootfs: the Alpine one has its own script (rootfs/build-alpine.sh).
std::string how_to_fix(const std::string& dir) {
  std::filesystem::path path = std::filesystem::path(dir).lexically_normal();
  if (!path.has_filename()) path = path.parent_path();  // "rootfs/alpine/"
  if (path.filename() == "alpine") {
    return "; build the Alpine one with 'sh rootfs/build-alpine.sh' (needs internet), or use the "
           "default "
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
  if (!S_ISDIR(info.st_mode))
    throw RootfsError("rootfs " + dir + ": Not a directory" + how_to_fix(dir));
  // The host's own root (`--rootfs /`, or a path that leads there): a container on it
  // would mount its /proc over the host's and share every file with it.
  struct stat host_root {};
  if (::stat("/", &host_root) == 0 && host_root.st_dev == info.st_dev &&
      host_root.st_ino == info.st_ino) {
    throw RootfsError("rootfs " + dir +
                      " is the host's own root: a container needs a folder of its own" +
                      how_to_fix(dir));
  }
  std::error_code error;
  if (std::filesystem::is_empty(dir, error) && !error)
    throw RootfsError("rootfs " + dir + " is empty" + how_to_fix(dir));
  if (command == "/bin/sh" || command == "sh") {
    const std::string shell = dir + "/bin/sh";
    if (::lstat(shell.c_str(), &info) == -1) {
      throw RootfsError("rootfs " + dir + " has no /bin/sh to run (" + shell + ": " +
                        std::strerror(errno) + "); name a command it has, or" + how_to_fix(dir));
    }
  }
  for (const char* mount_point : mount_points) {
    const std::string path = dir + "/" + mount_point;
    if (::stat(path.c_str(), &info) == -1 || !S_ISDIR(info.st_mode)) {
      throw RootfsError("rootfs " + dir + " has no folder /" + mount_point +
                        " to mount on (mkdir " + path + ")");
    }
  }
}

namespace {

// The name /etc/passwd gives `uid` (passwd(5)), or its number: read by hand, not with
// getpwuid(3), whose NSS modules a statically linked step (the release build) cannot load.
std::string user_name(uid_t uid) {
  std::ifstream passwd("/etc/passwd");
  for (std::string line; std::getline(passwd, line);) {
    const auto name_end = line.find(':');
    const auto uid_at = line.find(':', name_end == std::string::npos ? line.size() : name_end + 1);
    if (uid_at == std::string::npos) continue;
    const auto uid_end = line.find(':', uid_at + 1);
    if (line.substr(uid_at + 1, uid_end - uid_at - 1) == std::to_string(uid))
      return line.substr(0, name_end);
  }
  return std::to_string(uid);
}

}  // namespace

void require_reachable_by(const std::string& dir, uid_t uid, gid_t gid) {
  std::error_code error;
  const std::filesystem::path full = std::filesystem::canonical(dir, error);
  if (error) return;  // require_rootfs names what is wrong with it
  std::filesystem::path folder;
  for (const auto& part : full) {
    folder /= part;  // "/", then each folder down to the rootfs itself
    struct stat info {};
    if (::stat(folder.c_str(), &info) == -1) return;
    // The owner's bits, else the group's, else everyone else's (path_resolution(7)).
    const mode_t search = info.st_uid == uid ? S_IXUSR : info.st_gid == gid ? S_IXGRP : S_IXOTH;
    if ((info.st_mode & search) != 0) continue;
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    throw RootfsError("rootfs " + dir + ": the container's root, uid " + std::to_string(uid) +
                      " on the host, may not pass through " + folder.native() + " (mode " + mode +
                      ", owner " + user_name(info.st_uid) + "); let others pass (chmod o+x " +
                      folder.native() + "), or copy the rootfs out (sudo cp -a " + dir +
                      " /var/tmp/rootfs) and pass --rootfs /var/tmp/rootfs");
  }
}

std::string why_not_private(int fd) {
  struct stat own = {}, parent = {};
  if (::fstat(fd, &own) == -1) throw SyscallError(errno, "fstat", "the folder");
  if (::fstatat(fd, "..", &parent, 0) == -1) throw SyscallError(errno, "fstatat", "..");
  const uid_t me = ::geteuid();
  if (own.st_uid != me) return "it is uid " + std::to_string(own.st_uid) + "'s, not yours";
  if ((own.st_mode & 022) != 0) return "others may write in it";
  if (parent.st_uid != 0 && parent.st_uid != me)
    return "the folder it is in is uid " + std::to_string(parent.st_uid) + "'s, who may rename it";
  if ((parent.st_mode & 022) != 0 && (parent.st_mode & S_ISVTX) == 0)
    return "others may write in the folder it is in, and rename it";
  return "";
}

std::string filesystem_type(const std::string& dir) {
  struct statfs info = {};
  if (::statfs(dir.c_str(), &info) == -1) throw SyscallError(errno, "statfs", dir);
  switch (static_cast<unsigned long>(info.f_type)) {
    case TMPFS_MAGIC:
      return "tmpfs";
    case EXT4_SUPER_MAGIC:
      return "ext4";
    case XFS_SUPER_MAGIC:
      return "xfs";
    case BTRFS_SUPER_MAGIC:
      return "btrfs";
    case OVERLAYFS_SUPER_MAGIC:
      return "overlay";
    case NFS_SUPER_MAGIC:
      return "nfs";
    case HOSTFS_SUPER_MAGIC:
      return "hostfs";
    case V9FS_MAGIC:
      return "9p";
    case FUSE_SUPER_MAGIC:
      return "fuse";
    case PROC_SUPER_MAGIC:
      return "proc";
  }
  char number[32];
  std::snprintf(number, sizeof number, "0x%lx", static_cast<unsigned long>(info.f_type));
  return number;
}

std::string idmap_support(const std::string& dir) {
  const std::string type = filesystem_type(dir);
  for (const auto& [name, since] : {std::pair{"ext4", "5.12"},
                                    {"xfs", "5.12"},
                                    {"btrfs", "5.15"},
                                    {"overlay", "5.19"},
                                    {"tmpfs", "6.3"},
                                    {"fuse", "6.12"}}) {
    if (type == name) return "on " + type + " (idmapped mounts from Linux " + since + ")";
  }
  if (type == "nfs" || type == "hostfs" || type == "9p")
    return "on " + type + " (no idmapped mounts)";
  return "on " + type;
}

}  // namespace common
