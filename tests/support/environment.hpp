#pragma once
/// \file
/// \brief What a test needs to know about its surroundings: the program under test,
/// the rootfs, root privileges and the host's state.

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace support {

/// \brief The rootfs `make rootfs` builds; tests copy it, never use it in place.
std::filesystem::path built_rootfs();

/// \brief Whether this process runs as root.
bool is_root() noexcept;

/// \brief Moves this process into new UTS, mount and IPC namespaces (unshare(2)), its
/// mounts made private, so nothing it or its children do to hostname, mounts and System V
/// or POSIX IPC objects reaches the machine (a step before 34 leaves its container's IPC
/// objects in the test's namespace, gone with it). Needs root. Throws SyscallError.
void isolate_test_process();

/// \brief The host's hostname, as gethostname(2) reports it.
std::string host_hostname();

/// \brief Mount points at or below \p dir in this process's mount namespace, deepest first.
std::vector<std::string> mounts_under(const std::filesystem::path& dir);

/// \brief Detaches (umount2 MNT_DETACH) everything mounted at or below \p dir.
void unmount_all_under(const std::filesystem::path& dir);

/// \brief The host folder of the pids cgroup (v1), or of the cgroup v2, that the text of
/// a /proc/PID/cgroup file (cgroups(7)) names; empty if it names none.
/// \param proc_cgroup the file's text.
std::filesystem::path pids_cgroup_in(const std::string& proc_cgroup);

/// \brief The folder of this process's own pids cgroup (v1), or its cgroup v2 folder.
std::filesystem::path own_pids_cgroup();

/// \brief Removes the cgroup folder \p cgroup, killing whatever still runs in it first.
/// Throws for this process's own cgroup or any above it, which it never touches.
void remove_cgroup(const std::filesystem::path& cgroup);

/// \brief remove_cgroup() for \p cgroup and every cgroup nested in it, deepest first.
void remove_cgroup_tree(const std::filesystem::path& cgroup);

/// \brief Why \p step, run by this test, cannot have a cgroup of its own for \p controller
/// (such as `memory`), or "" if it can: no such controller on the host (a v1 layout on a
/// kernel without CONFIG_MEMCG_V1), or cgroup v2 from a cgroup other than the root, which
/// holds processes: steps 26 and 27 enable no controller there, steps 28 on the threaded
/// ones (pids, cpu), and steps 29 on for memory go up to the nearest cgroup that hands
/// memory down (none above it: no memory cgroup; chapter 29).
std::string no_cgroup_for(const std::string& controller, const std::string& step);

/// \brief Why this test's cgroups are not beside other processes here, or "" if they are:
/// cgroup v2 from a cgroup other than the root (a desktop's session scope; make
/// test-hosts' desktop layout), where steps 28 on make threaded cgroups (chapter 28) and
/// 27 on a memory cgroup higher up (chapter 29).
std::string not_beside_other_processes();

/// \brief Why the step \p program cannot run at all from where this test runs, as root,
/// or "" if it can: steps 26 and 27 from a cgroup v2 cgroup with processes in it (a
/// desktop's session scope; make test-hosts' desktop layout) refuse to run without their
/// pids cgroup (chapter 26), where steps 28 on make a threaded one.
std::string cannot_run_here(const std::string& program);

/// \brief Why root inside an IPC namespace that an ordinary user made (the steps' own from
/// 29 on) may not write that namespace's sysctls, such as `kernel.shmmax`, on this kernel,
/// or "" if it may, as on Linux 6.18: on older kernels only the host's root may, and
/// chapter 38's write before the step fails anyway. Asks `unshare` as nobody. Needs root.
std::string no_ipc_sysctl_for_its_root();

/// \brief The host folder of \p pid's cgroup for \p controller, from /proc/PID/cgroup as
/// this test (in the host's cgroup namespace) sees it: its v1 hierarchy's line, else the
/// v2 line. Throws common::CgroupError if the host has no such controller.
std::filesystem::path cgroup_of(pid_t pid, const std::string& controller);

/// \brief The memory limit written in \p cgroup, a memory cgroup's host folder, as its file
/// reads: `memory.max` on cgroup v2, `memory.limit_in_bytes` on v1 (bytes and a newline).
std::string memory_limit_of(const std::filesystem::path& cgroup);

/// \brief Reaps \p pid, a child of this process (or of its subreaper), waiting at most
/// \p limit for it to end. True if it ended.
bool reaped_within(pid_t pid, std::chrono::milliseconds limit);

/// \brief Waits at most \p limit for \p path to stop existing. True if it is gone.
bool gone_within(const std::filesystem::path& path, std::chrono::milliseconds limit);

/// \brief Cgroup folders named after the programs \p pids, as steps name theirs,
/// `<program>-<pid>-<random>`, at any depth of every cgroup hierarchy (outermost only).
std::vector<std::filesystem::path> cgroups_of(const std::vector<pid_t>& pids);

/// \brief Cgroup folders that the programs \p pids started left behind, found by the name
/// steps give them, `<program>-<pid>-<random>`, at any depth of every cgroup hierarchy:
/// whatever still runs in each (and in folders nested in it) is killed, then each is
/// removed, deepest first. Returns the folders found.
std::vector<std::filesystem::path> remove_cgroups_of(const std::vector<pid_t>& pids);

/// \brief A fresh temporary folder, removed (with anything mounted in it) when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  /// \brief The folder.
  const std::filesystem::path& path() const noexcept { return path_; }
  /// \brief Lets every user read and enter the folder (mkdtemp(3) makes it 0700), for
  /// programs run as nobody.
  void open_to_everyone() const;

 private:
  std::filesystem::path path_;
};

/// \brief A private copy of the built rootfs, so tests can run in parallel (`ctest -j`)
/// and mount into it without touching the shared one. Its destructor unmounts whatever
/// a step left mounted in it, then deletes it.
class TempRootfs {
 public:
  /// \brief Copies \p source (default: the rootfs `make rootfs` builds).
  explicit TempRootfs(const std::filesystem::path& source = built_rootfs());
  /// \brief The copy's root folder, to pass as `--rootfs`.
  const std::filesystem::path& path() const noexcept { return root_; }

 private:
  TempDir dir_;
  std::filesystem::path root_;
};

}  // namespace support

/// Skips the current test, with the reason, unless it runs as root.
#define SKIP_UNLESS_ROOT()                                                       \
  do {                                                                           \
    if (!::support::is_root()) GTEST_SKIP() << "needs root: run sudo make test"; \
  } while (0)
