#pragma once
/// \file
/// \brief The one-line system call check and the report of a failed run.

#include <concepts>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace common {

/// \brief Exit status of a step when the step itself fails (not the command it runs),
/// the value `docker run` uses for its own errors.
inline constexpr int kRuntimeFailure = 125;

/// \brief A failed system call, remembered with its name, its argument and errno.
///
/// what() reads like `chroot(/x/rootfs): No such file or directory`. When the error is
/// EPERM or EACCES and we are not root, it adds that the step needs root (CAP_SYS_ADMIN):
/// that is almost always why a namespace, mount, chroot or cgroup call is refused; or,
/// where the host restricts user namespaces, which setting does (user_namespace_restriction()).
class SyscallError : public std::runtime_error {
 public:
  /// \param error the errno value the call failed with.
  /// \param call the call's name, such as `chroot`.
  /// \param argument what the call worked on, such as a path; may be empty.
  SyscallError(int error, std::string_view call, std::string_view argument);

  /// \brief The errno value the call failed with.
  int error() const noexcept { return error_; }

 private:
  int error_;
};

/// \brief Throws SyscallError with the current errno when \p result is -1, else returns it.
///
/// Use it around every system call, one line each:
/// \code
/// common::check(::chroot(root), "chroot", root);
/// \endcode
/// \param result what the system call returned.
/// \param call the call's name for the message.
/// \param argument what it worked on for the message (optional).
/// \return \p result, so that `const pid_t pid = common::check(clone(...), "clone");`
/// reads naturally.
template <std::integral Result>
Result check(Result result, std::string_view call, std::string_view argument = {}) {
  if (result == -1) throw SyscallError(errno, call, argument);
  return result;
}

/// \brief Why this host refuses an ordinary user the user namespaces that rootless steps
/// (20 on) need, with the fix, in one line; "" if it does not restrict them. Reads
/// `user.max_user_namespaces` (0: none at all), Debian's old
/// `kernel.unprivileged_userns_clone` (0) and Ubuntu's
/// `kernel.apparmor_restrict_unprivileged_userns` (1: AppArmor gives the namespace no
/// capabilities) under \p proc_sys. SyscallError adds it to an EPERM, EACCES or ENOSPC
/// of an ordinary user.
std::string user_namespace_restriction(const std::filesystem::path& proc_sys = "/proc/sys");

/// \brief Prints `stepNN: <what went wrong>` on stderr and returns kRuntimeFailure.
///
/// Every step's `main` and every function it runs with clone(2) end with
/// `catch (const std::exception& error) { return common::report_failure(error); }`,
/// so destructors (the child stack, the cgroup folder) run before the process exits.
/// \param error the exception that stopped the step.
/// \return kRuntimeFailure.
int report_failure(const std::exception& error) noexcept;

}  // namespace common
