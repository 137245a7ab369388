// Step 09: the container's first process stays as its PID 1 and runs the command as its
// own child, so it can do an init's duties (reap orphans, forward signals, pass the
// command's status back) and unmount /proc when the command ends. A mount namespace keeps
// that mount off the host. Needs root. The chapter is steps/09_nested_clone/README.md.

#include <sched.h>  // clone, CLONE_NEW*
#include <sys/mount.h>  // mount, umount2
#include <sys/wait.h>  // waitpid
#include <unistd.h>  // sethostname, chroot, chdir

#include <cerrno>
#include <csignal>  // SIGCHLD, sigaction, kill
#include <cstdlib>  // clearenv, setenv
#include <cstring>  // strerror, strsignal
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

// What `kill`, Ctrl-C and a closed terminal send. We pass them on to the command.
constexpr int kForwardedSignals[] = {SIGTERM, SIGINT, SIGHUP};

// Where forward_signal() sends what it catches. A handler may only share data of type
// volatile sig_atomic_t with the rest of the program (signal-safety(7)).
volatile sig_atomic_t g_forward_to = 0;

void forward_signal(int signal_number) {
  ::kill(g_forward_to, signal_number);  // kill(2) is async-signal-safe
}

sigset_t forwarded_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int signal_number : kForwardedSignals) sigaddset(&set, signal_number);
  return set;
}

// Holds the forwarded signals back until forward_signals_to() has somewhere to send
// them: one that arrives meanwhile stays pending instead of being lost, or killing us
// and leaving the container behind (sigprocmask(2)).
void block_forwarded_signals() {
  const sigset_t set = forwarded_signals();
  common::check(::sigprocmask(SIG_BLOCK, &set, nullptr), "sigprocmask", "SIG_BLOCK");
}

// From now on SIGTERM, SIGINT and SIGHUP sent to us go to `pid`; pending ones go now.
void forward_signals_to(pid_t pid) {
  g_forward_to = pid;
  struct sigaction action {};
  action.sa_handler = forward_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int signal_number : kForwardedSignals) {
    common::check(::sigaction(signal_number, &action, nullptr), "sigaction", ::strsignal(signal_number));
  }
  const sigset_t set = forwarded_signals();
  common::check(::sigprocmask(SIG_UNBLOCK, &set, nullptr), "sigprocmask", "SIG_UNBLOCK");
}

// The container's second process: it becomes the command. The signal mask survives
// execve(2), so unblock what we inherited blocked, or the command could never be stopped.
int command(void* arg) try {
  const auto& command_line = *static_cast<const common::CommandLine*>(arg);
  const sigset_t set = forwarded_signals();
  common::check(::sigprocmask(SIG_UNBLOCK, &set, nullptr), "sigprocmask", "SIG_UNBLOCK");
  common::exec_command(command_line.command);
} catch (const std::exception& error) {
  return common::report_failure(error);
}

// An init's wait loop. Every process orphaned in the namespace is re-parented to PID 1
// (pid_namespaces(7)), so wait for any child, reaping each so none stays a zombie, until
// the command itself has ended; then its status is the container's.
int reap_until(pid_t command_pid) {
  for (;;) {
    int status = 0;
    const pid_t ended = ::waitpid(-1, &status, 0);
    if (ended == -1 && errno == EINTR) continue;
    common::check(ended, "waitpid", "-1");
    if (ended == command_pid) return common::exit_status(status);
  }
}

// clone(2) runs this function in the new process: the container's PID 1. It sets the
// container up, runs the command as its child and cleans up after it.
int container_init(void* arg) try {
  const auto& command_line = *static_cast<const common::CommandLine*>(arg);
  // We are in a new UTS namespace: this name is seen only by us and our children
  // (uts_namespaces(7)). In the host's namespace it would rename the machine.
  common::check(::sethostname(kHostname.data(), kHostname.size()), "sethostname", kHostname);
  // Our new mount namespace is a copy of the host's. systemd marks mounts "shared", and
  // a mount under a shared one propagates back to the host even from another namespace
  // (mount_namespaces(7), "Shared subtrees"): make all of ours private first.
  common::check(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), "mount",
                "/ as private");
  // From here on "/" means the rootfs for us and our children (chroot(2)). chroot does
  // not move the working directory: without chdir("/") we would still stand in the
  // host's tree, and "cd .." would walk out of the jail.
  common::check(::chroot(command_line.rootfs.c_str()), "chroot", command_line.rootfs);
  common::check(::chdir("/"), "chdir", "/");
  // A new proc filesystem mounted from inside the new PID namespace lists that namespace's
  // processes only (pid_namespaces(7), "/proc and PID namespaces"). nosuid, nodev, noexec:
  // nothing in /proc needs them, as in every distribution's fstab. In our own mount
  // namespace the host never sees it, and it vanishes with the namespace.
  common::check(::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr),
                "mount", "proc on /proc");
  // Our environment (HOME, SSH_AUTH_SOCK, tokens...) belongs to the host. clearenv(3)
  // empties it for this process only: the parent's copy is untouched. It only resets
  // `environ`, so it cannot fail in glibc; execvp then searches glibc's default PATH.
  ::clearenv();
  // The programs are now the rootfs's: say where they are, and what terminal we have.
  common::check(::setenv("PATH", kPath, 1), "setenv", "PATH");
  common::check(::setenv("TERM", kTerm, 1), "setenv", "TERM");

  // execvp would replace us and nobody would be left to clean up: run the command as a
  // child instead (it gets PID 2) and stay, as PID 1, until it ends.
  common::ChildStack stack;
  const pid_t pid = common::check(::clone(command, stack.top(), SIGCHLD, arg), "clone", "command");
  // The kernel only delivers to a namespace's PID 1 the signals it has a handler for,
  // so without this a `kill` from the host would be silently dropped.
  forward_signals_to(pid);
  const int status = reap_until(pid);

  // Clean up what we mounted (umount(2)); MNT_DETACH, because a leftover background
  // process may still be using /proc. A failure must not hide the command's status.
  if (::umount2("/proc", MNT_DETACH) == -1) {
    common::log("umount2(/proc): ", std::strerror(errno));
  }
  return status;  // when PID 1 ends, the kernel kills what is left in the namespace
} catch (const std::exception& error) {
  return common::report_failure(error);
}

}  // namespace

int main(int argc, char* argv[]) try {
  common::CommandLine command_line = common::parse_command_line(argc, argv);
  // Refuse a missing or empty rootfs now, before anything is created for it.
  common::require_rootfs(command_line.rootfs);

  block_forwarded_signals();  // the children inherit the mask and unblock when ready
  common::ChildStack stack;
  // The child gets a copy of our memory, so it can read command_line through this pointer.
  // CLONE_NEW* need CAP_SYS_ADMIN: without root, clone fails with EPERM.
  const pid_t pid = common::check(
      ::clone(container_init, stack.top(), CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS | SIGCHLD,
              &command_line),
      "clone", "CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS");
  // clone returns the child's PID in *our* namespace; in its new one it is PID 1
  // (pid_namespaces(7)). The host's tools (ps, kill) know it by this number.
  common::log("container started: its PID 1 is PID ", pid, " on the host");
  forward_signals_to(pid);  // a `kill` of this process reaches the command through PID 1

  return common::wait_for(pid);
} catch (const std::exception& error) {
  return common::report_failure(error);
}
