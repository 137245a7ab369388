#pragma once
/// \file
/// \brief Checking a root filesystem before a container is built on it.

#include <initializer_list>
#include <stdexcept>
#include <string>

namespace common {

/// \brief A rootfs that cannot be used; what() names the path and how to fix it.
class RootfsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// \brief Refuses a rootfs that would only fail later, inside the container.
///
/// \p dir must be a folder other than the host's root `/`, and not empty. When the
/// command is the shell (`/bin/sh` or `sh`, the default), it must hold a `bin/sh` (a file or
/// a link: lstat, because an absolute link such as Alpine's `/bin/sh -> /bin/busybox` only
/// resolves once chrooted); any other command is left to execvp, which reports 127.
/// Each of \p mount_points (such as `proc`) must be a folder in it, since a step mounts
/// there. Called before anything is created, so a bad rootfs leaves nothing behind.
/// Throws RootfsError saying what is wrong and how to fix it.
/// \param dir the folder the container will use as `/`.
/// \param command the program the container runs first (`command_line.command[0]`).
/// \param mount_points folders, relative to \p dir, that the step mounts file systems on.
void require_rootfs(const std::string& dir, const std::string& command,
                    std::initializer_list<const char*> mount_points = {});

}  // namespace common
