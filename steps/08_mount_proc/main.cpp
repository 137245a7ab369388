// Step 08: the child mounts a proc filesystem at the rootfs's /proc, so ps shows the
// container's processes only. The mount outlives the container (no mount namespace yet:
// step 09 fixes that). Needs root. The chapter is steps/08_mount_proc/README.md.

#include <sched.h>  // clone, CLONE_NEW*
#include <sys/mount.h>  // mount
#include <unistd.h>  // sethostname, chroot, chdir

#include <csignal>  // SIGCHLD
#include <cstdlib>  // clearenv, setenv
#include <exception>
#include <string_view>

#include "common/command_line.hpp"
#include "common/error.hpp"
#include "common/exec.hpp"
#include "common/log.hpp"
#include "common/process.hpp"
#include "common/rootfs.hpp"
#include "common/stack.hpp"

namespace {

constexpr std::string_view kHostname = "container";
// Every entry absolute: a relative one (the article's "usr/bin") is searched from the
// working directory, wherever that happens to be.
constexpr const char* kPath = "/bin:/sbin:/usr/bin:/usr/sbin";
constexpr const char* kTerm = "xterm";

// clone(2) runs this function in the new process. It does not return: execvp(3)
// replaces the whole program with the command (or exits 126/127 if it cannot).
int child(void* arg) try {
  const auto& command_line = *static_cast<const common::CommandLine*>(arg);
  // We are in a new UTS namespace: this name is seen only by us and our children
  // (uts_namespaces(7)). In the host's namespace it would rename the machine.
  common::check(::sethostname(kHostname.data(), kHostname.size()), "sethostname", kHostname);
  // From here on "/" means the rootfs for us and our children (chroot(2)). chroot does
  // not move the working directory: without chdir("/") we would still stand in the
  // host's tree, and "cd .." would walk out of the jail.
  common::check(::chroot(command_line.rootfs.c_str()), "chroot", command_line.rootfs);
  common::check(::chdir("/"), "chdir", "/");
  // A new proc filesystem mounted from inside the new PID namespace lists that namespace's
  // processes only (pid_namespaces(7), "/proc and PID namespaces"). nosuid, nodev, noexec:
  // nothing in /proc needs them, as in every distribution's fstab. Without a mount
  // namespace this mount lands in the host's mount table and stays after we exit.
  common::check(::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr),
                "mount", "proc on /proc");
  // Our environment (HOME, SSH_AUTH_SOCK, tokens...) belongs to the host. clearenv(3)
  // empties it for this process only: the parent's copy is untouched. It only resets
  // `environ`, so it cannot fail in glibc; execvp then searches glibc's default PATH.
  ::clearenv();
  // The programs are now the rootfs's: say where they are, and what terminal we have.
  common::check(::setenv("PATH", kPath, 1), "setenv", "PATH");
  common::check(::setenv("TERM", kTerm, 1), "setenv", "TERM");
  common::exec_command(command_line.command);
} catch (const std::exception& error) {
  return common::report_failure(error);
}

}  // namespace

int main(int argc, char* argv[]) try {
  common::CommandLine command_line = common::parse_command_line(argc, argv);
  // Refuse a missing or empty rootfs now, before anything is created for it.
  common::require_rootfs(command_line.rootfs);

  common::ChildStack stack;
  // The child gets a copy of our memory, so it can read command_line through this pointer.
  // CLONE_NEWUTS and CLONE_NEWPID need CAP_SYS_ADMIN: without root, clone fails with EPERM.
  const pid_t pid = common::check(
      ::clone(child, stack.top(), CLONE_NEWUTS | CLONE_NEWPID | SIGCHLD, &command_line), "clone",
      "CLONE_NEWUTS | CLONE_NEWPID");
  // clone returns the child's PID in *our* namespace; in its new one it is PID 1
  // (pid_namespaces(7)). The host's tools (ps, kill) know it by this number.
  common::log("container started: its PID 1 is PID ", pid, " on the host");

  return common::wait_for(pid);
} catch (const std::exception& error) {
  return common::report_failure(error);
}
