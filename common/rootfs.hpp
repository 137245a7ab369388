#pragma once
/// \file
/// \brief Checking a root filesystem before a container is built on it.

#include <sys/types.h>

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

/// \brief Refuses a rootfs that a container's root, mapped to an unprivileged \p uid and
/// \p gid on the host (steps 19 on, run as root), could not reach.
///
/// Every folder from `/` down to \p dir must let that user search it: by its owner's,
/// group's or everyone else's `x` bit, whichever applies (path_resolution(7); ACLs are not
/// read). A home folder of mode 0750 or 0700 does not, and PID 1's first mount of the rootfs
/// would fail with a bare EACCES. Throws RootfsError naming the folder, its mode and owner,
/// and both fixes; does nothing when \p dir cannot be resolved (require_rootfs says why).
void require_reachable_by(const std::string& dir, uid_t uid, gid_t gid);

/// \brief Why the open folder \p fd is no safe place for layers a container writes (step
/// 33's `--keep DIR`), or "" if it is: the caller's own (its effective uid), writable by
/// nobody else, in a folder of root's or the caller's that others cannot write unless it
/// has the sticky bit (else they could rename it away and put another in its place,
/// unlink(2)). Read through the descriptor (fstat(2), fstatat(2) of ".."), never the path,
/// which a link could redirect. Throws SyscallError when either call fails.
std::string why_not_private(int fd);

/// \brief The type of the file system \p dir is on, by its statfs(2) magic number: "tmpfs",
/// "ext4" (also ext2 and ext3), "xfs", "btrfs", "overlay", "nfs", "hostfs" and a few more;
/// any other as its number ("0x…"). For error messages: an idmapped mount (step 33)
/// works on some types only. Throws SyscallError when statfs fails.
/// \param dir a path on the file system.
std::string filesystem_type(const std::string& dir);

/// \brief For the error of an idmapped mount of \p dir (step 33): "on TYPE", and the first
/// kernel whose TYPE allows idmapped mounts, or that it has none (ext4 and xfs 5.12, btrfs
/// 5.15, overlay 5.19, tmpfs 6.3, fuse 6.12 where its daemon allows; nfs, hostfs and 9p
/// none), as "on tmpfs (idmapped mounts from Linux 6.3)".
/// \param dir a path on the file system.
std::string idmap_support(const std::string& dir);

}  // namespace common
