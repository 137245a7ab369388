#include "common/error.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "common/log.hpp"

namespace common {
namespace {

// The first line of a file of /proc/sys, or "" if it cannot be read (no such setting).
std::string setting(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string value;
  std::getline(in, value);
  return value;
}

// Root of a user namespace other than the host's: its uid_map is not the identity
// "0 0 4294967295" of the initial one (user_namespaces(7)).
bool root_of_a_user_namespace() {
  if (::geteuid() != 0) return false;
  std::ifstream map("/proc/self/uid_map");
  unsigned long long inside = 0, outside = 0, count = 0;
  return map >> inside >> outside >> count &&
         !(inside == 0 && outside == 0 && count == 4294967295ULL);
}

std::string describe(int error, std::string_view call, std::string_view argument) {
  std::string text(call);
  text.append("(").append(argument).append("): ").append(std::strerror(error));
  if (error != EPERM && error != EACCES && error != ENOSPC) return text;
  // Without root, a user namespace is what makes namespaces and mounts possible (step
  // 19 on): where the host restricts them, the call that makes one fails, or (AppArmor)
  // a later call of its root. Then say which setting does it and how to lift it.
  const bool in_own_namespace = root_of_a_user_namespace();
  if (argument.find("CLONE_NEWUSER") != std::string_view::npos || in_own_namespace) {
    const std::string restriction = user_namespace_restriction();
    if (!restriction.empty())
      return text.append(" (this host restricts user namespaces: ").append(restriction).append(")");
  }
  if (::geteuid() != 0 && error != ENOSPC)
    text.append(" (this needs root, CAP_SYS_ADMIN: run it with sudo)");
  return text;
}

}  // namespace

std::string user_namespace_restriction(const std::filesystem::path& proc_sys) {
  if (setting(proc_sys / "user/max_user_namespaces") == "0") {
    return "user.max_user_namespaces is 0; sudo sysctl -w user.max_user_namespaces=15000 lifts it, "
           "or use sudo";
  }
  if (setting(proc_sys / "kernel/unprivileged_userns_clone") == "0") {
    return "kernel.unprivileged_userns_clone is 0 (Debian before 11); sudo sysctl -w "
           "kernel.unprivileged_userns_clone=1 "
           "lifts it, or use sudo";
  }
  if (setting(proc_sys / "kernel/apparmor_restrict_unprivileged_userns") == "1") {
    return "AppArmor gives unprivileged user namespaces no capabilities "
           "(kernel.apparmor_restrict_unprivileged_userns, "
           "Ubuntu 23.10 on); sudo make apparmor lets the course's steps have them, or use sudo";
  }
  return "";
}

SyscallError::SyscallError(int error, std::string_view call, std::string_view argument)
    : std::runtime_error(describe(error, call, argument)), error_(error) {}

int report_failure(const std::exception& error) noexcept {
  log_line(error.what());
  return kRuntimeFailure;
}

}  // namespace common
