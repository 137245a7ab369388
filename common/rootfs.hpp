#pragma once
/// \file
/// \brief Checking a root filesystem before a container is built on it.

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
/// \p dir must be a folder other than the host's root `/` with a `bin/sh` in it (a file or a link: lstat, because an
/// absolute link such as Alpine's `/bin/sh -> /bin/busybox` only resolves once chrooted).
/// Called before anything is created, so a bad path leaves nothing behind. Throws
/// RootfsError saying what is wrong and how to build the default rootfs.
/// \param dir the folder the container will use as `/`.
void require_rootfs(const std::string& dir);

}  // namespace common
