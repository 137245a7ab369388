#include "tests/support/environment.hpp"

#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/cgroup.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "tests/support/subprocess.hpp"

namespace support {
namespace fs = std::filesystem;

fs::path built_rootfs() { return CONTAINER_ROOTFS; }

bool is_root() noexcept { return ::geteuid() == 0; }

namespace {

// The rootless tests run the checkout's programs as nobody, who may not pass through a
// folder of mode 0700 or 0750 above it (a `mktemp -d` folder, a home folder on Ubuntu).
// In this test's own mount namespace, each such folder on the way to `target` is covered
// by a tmpfs of mode 0755 that holds only the next folder of the way, bind-mounted back:
// nothing else of it shows, and the machine's folders keep their modes.
void make_reachable_by_everyone(const fs::path& target) {
  fs::path here = "/";
  for (const fs::path& part : target.relative_path()) {
    const fs::path next = here / part;
    struct stat folder {};
    common::check(::stat(here.c_str(), &folder), "stat", here.native());
    if ((folder.st_mode & S_IXOTH) == 0) {
      char stash[] = "/tmp/reachable-XXXXXX";
      if (::mkdtemp(stash) == nullptr) throw common::SyscallError(errno, "mkdtemp", stash);
      common::check(::mount(next.c_str(), stash, nullptr, MS_BIND | MS_REC, nullptr), "mount",
                    next.native());
      common::check(::mount("tmpfs", here.c_str(), "tmpfs", 0, "mode=755"), "mount",
                    "tmpfs on " + here.native());
      common::check(::mkdir(next.c_str(), 0755), "mkdir", next.native());
      common::check(::mount(stash, next.c_str(), nullptr, MS_MOVE, nullptr), "mount",
                    "MS_MOVE to " + next.native());
      common::check(::rmdir(stash), "rmdir", stash);
    }
    here = next;
  }
}

}  // namespace

void isolate_test_process() {
  common::check(::unshare(CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWIPC), "unshare",
                "CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWIPC");
  // Private, or mounts made here would still propagate to the machine (mount_namespaces(7)).
  common::check(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), "mount",
                "/ as private");
  make_reachable_by_everyone(fs::path(CONTAINER_ROOTFS).parent_path().parent_path());
}

std::string host_hostname() {
  char name[HOST_NAME_MAX + 1] = {};
  common::check(::gethostname(name, sizeof name - 1), "gethostname");
  return name;
}

std::vector<std::string> mounts_under(const fs::path& dir) {
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::vector<std::string> found;
  const std::string prefix = dir.native();
  for (std::string line; std::getline(mountinfo, line);) {
    // Field 5 is the mount point, with spaces written as \040 (proc(5)).
    std::istringstream fields(line);
    std::string id, parent, device, root, escaped;
    fields >> id >> parent >> device >> root >> escaped;
    // Copied rather than replaced in place: GCC 12 -O2 warns (-Wrestrict, a known false
    // positive) about std::string::replace here.
    std::string point;
    for (std::size_t i = 0; i < escaped.size(); ++i) {
      if (escaped.compare(i, 4, "\\040") == 0) {
        point += ' ';
        i += 3;
      } else {
        point += escaped[i];
      }
    }
    if (point == prefix || point.starts_with(prefix + "/")) found.push_back(point);
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return found;
}

void unmount_all_under(const fs::path& dir) {
  for (int round = 0; round < 10; ++round) {  // stacked mounts come off one per round
    const auto mounts = mounts_under(dir);
    if (mounts.empty()) return;
    for (const std::string& point : mounts) ::umount2(point.c_str(), MNT_DETACH);
  }
}

fs::path pids_cgroup_in(const std::string& proc_cgroup) {
  const common::PidsCgroupParent parent = common::find_pids_cgroup_parent();
  std::istringstream lines(proc_cgroup);
  for (std::string line; std::getline(lines, line);) {
    const bool pids =
        parent.version == 1 ? line.find(":pids:") != std::string::npos : line.starts_with("0::");
    const auto path = line.find(":/");
    if (pids && path != std::string::npos)
      return (parent.dir / line.substr(path + 2)).lexically_normal();
  }
  return {};
}

fs::path own_pids_cgroup() {
  const fs::path own = pids_cgroup_in(common::read_file("/proc/self/cgroup"));
  return own.empty() ? common::find_pids_cgroup_parent().dir.lexically_normal() : own;
}

void remove_cgroup(const fs::path& cgroup) {
  // Never this process's own cgroup or one above it (the hierarchy's root included): their
  // cgroup.procs list the test itself, its runner and, at the root, the whole machine.
  const fs::path target = cgroup.lexically_normal();
  const fs::path own = own_pids_cgroup();
  const fs::path from_target = own.lexically_relative(target);
  if (target.empty() || (!from_target.empty() && !from_target.native().starts_with(".."))) {
    throw std::runtime_error("remove_cgroup: " + cgroup.native() +
                             " holds this test (its cgroup is " + own.native() +
                             "): not removing it");
  }
  for (int attempt = 0; attempt < 100 && fs::exists(cgroup); ++attempt) {
    // A threaded cgroup (28 on, under a cgroup with processes) lists threads only: the
    // whole process of each dies (signal(7)).
    const bool v2 = fs::exists(cgroup / "cgroup.threads");
    std::istringstream procs(common::read_file(cgroup / (v2 ? "cgroup.threads" : "cgroup.procs")));
    for (pid_t member; procs >> member;) ::kill(member, SIGKILL);
    if (::rmdir(cgroup.c_str()) == 0) break;
    std::this_thread::sleep_for(10ms);
  }
}

std::vector<fs::path> cgroups_of(const std::vector<pid_t>& pids) {
  // Every hierarchy: /sys/fs/cgroup itself (v2), or each folder under it that is one (v1,
  // and v2's "unified" on a hybrid host); the same one only once ("cpu" links to
  // "cpu,cpuacct" on many hosts).
  std::vector<fs::path> hierarchies;
  std::error_code error;
  const fs::path mount = "/sys/fs/cgroup";
  if (fs::exists(mount / "cgroup.procs", error)) hierarchies.push_back(mount);
  // On a pure v2 host every folder under the mount is a cgroup of its one hierarchy
  // (user.slice...): searched from the mount, each is found once.
  const bool pure_v2 = fs::exists(mount / "cgroup.controllers", error);
  for (const auto& entry : fs::directory_iterator(mount, error)) {
    if (pure_v2) break;
    if (entry.is_symlink(error) || !fs::exists(entry.path() / "cgroup.procs", error)) continue;
    hierarchies.push_back(entry.path());
  }
  // Steps name their cgroups `<program>-<pid>-<random>`, at any depth (from step 26 on,
  // under the step's own cgroup).
  std::vector<fs::path> found;
  for (const fs::path& hierarchy : hierarchies) {
    for (auto it = fs::recursive_directory_iterator(
             hierarchy, fs::directory_options::skip_permission_denied, error);
         it != fs::recursive_directory_iterator(); it.increment(error)) {
      if (error || !it->is_directory(error) || it->is_symlink(error)) continue;
      const std::string name = it->path().filename();
      for (pid_t pid : pids) {
        // Appended piece by piece: GCC 12 -O2 warns (-Wrestrict, a known false positive)
        // about "-" + std::to_string(pid).
        std::string middle = "-";
        middle += std::to_string(pid);
        middle += '-';
        const auto at = name.find(middle);
        if (at == std::string::npos || at == 0 ||
            name.find('-', at + middle.size()) != std::string::npos)
          continue;
        found.push_back(it->path());
        it.disable_recursion_pending();
      }
    }
  }
  return found;
}

std::vector<fs::path> remove_cgroups_of(const std::vector<pid_t>& pids) {
  const std::vector<fs::path> found = cgroups_of(pids);
  for (const fs::path& cgroup : found) remove_cgroup_tree(cgroup);
  return found;
}

void remove_cgroup_tree(const fs::path& cgroup) {
  std::error_code error;
  std::vector<fs::path> inside;
  for (auto it = fs::recursive_directory_iterator(cgroup, error);
       it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (!error && it->is_directory(error)) inside.push_back(it->path());
  }
  for (auto it = inside.rbegin(); it != inside.rend(); ++it) remove_cgroup(*it);
  remove_cgroup(cgroup);
}

std::string no_ipc_sysctl_for_its_root() {
  static const std::string why = [] {
    ProcessOptions nobody;
    nobody.as_user = 65534;
    const ProcessResult result =
        run({"/usr/bin/unshare", "--user", "--map-root-user", "--ipc", "/bin/sh", "-c",
             "v=$(cat /proc/sys/kernel/shmmax) && echo $v >/proc/sys/kernel/shmmax"},
            20s, nobody);
    if (result.exit_code == 0) return std::string();
    return "root of an IPC namespace a user made may not write its kernel.shmmax on this "
           "kernel (unshare --user --map-root-user --ipc as nobody: " +
           result.err.substr(0, result.err.find('\n')) + ")";
  }();
  return why;
}

std::string no_cgroup_for(const std::string& controller, const std::string& step) {
  try {
    const common::CgroupParent own = common::find_cgroup_parents({controller}).front();
    const bool threaded = controller == "pids" || controller == "cpu";
    if (own.version != 2 || own.is_root || (threaded && step >= "28")) return "";
    // Steps 29 on make a memory cgroup under the nearest cgroup above that hands memory
    // down (memory in its cgroup.subtree_control), if there is one.
    const bool goes_up = controller == "memory" && step >= "29";
    for (fs::path dir = own.dir; goes_up && fs::exists(dir / "cgroup.controllers");
         dir = dir.parent_path()) {
      if (common::contains_word(common::read_file(dir / "cgroup.subtree_control"), "memory"))
        return "";
    }
    return "cgroup v2 from a cgroup with processes (" + own.dir.native() + "): no " + controller +
           " cgroup under it" + (goes_up ? ", nor above it" : "");
  } catch (const common::CgroupError& error) {
    return error.what();
  }
}

std::string not_beside_other_processes() {
  const common::CgroupParent own = common::find_cgroup_parents({"pids"}).front();
  if (own.version != 2) return "pids is on cgroup v1 here";
  if (own.is_root) return "the test starts in the root cgroup";
  return "";
}

std::string cannot_run_here(const std::string& program) {
  const std::string name = fs::path(program).filename();  // stepNN_topic
  const std::string step = name.substr(4, 2);
  if (!name.starts_with("step") || step < "26" || step >= "28") return "";
  const std::string why = no_cgroup_for("pids", step);
  return why.empty() ? "" : "step " + step + " refuses to run here, as it should (" + why + ")";
}

fs::path cgroup_of(pid_t pid, const std::string& controller) {
  return common::find_cgroup_parents({controller}, "/sys/fs/cgroup",
                                     "/proc/" + std::to_string(pid) + "/cgroup")
      .front()
      .dir;
}

std::string memory_limit_of(const fs::path& cgroup) {
  const bool v2 = fs::exists(cgroup / "memory.max");
  return common::read_file(cgroup / (v2 ? "memory.max" : "memory.limit_in_bytes"));
}

bool reaped_within(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (::waitpid(pid, nullptr, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

bool gone_within(const fs::path& path, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::error_code error;
  while (fs::exists(path, error)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "container-test-XXXXXX").native();
  if (::mkdtemp(pattern.data()) == nullptr) throw common::SyscallError(errno, "mkdtemp", pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  // A step under test may have left mounts here (step 08 does, by design). Detach them
  // before deleting, or remove_all would walk into a live /proc.
  unmount_all_under(path_);
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

void TempDir::open_to_everyone() const {
  using fs::perms;
  fs::permissions(path_, perms::owner_all | perms::group_read | perms::group_exec |
                             perms::others_read | perms::others_exec);
}

TempRootfs::TempRootfs(const fs::path& source) : root_(dir_.path() / "rootfs") {
  // From step 19 on, root inside the container is an unprivileged user outside: it must
  // be able to reach the copy.
  dir_.open_to_everyone();
  if (!fs::exists(source / "bin" / "sh")) {
    throw std::runtime_error("no rootfs at " + source.native() + ": run 'sudo make rootfs' first");
  }
  // cp -a keeps links, modes and the device nodes in /dev, which std::filesystem::copy cannot.
  // --one-file-system: a /proc that step 08 left mounted in the rootfs (on purpose) is
  // copied as its empty mount point; read, /proc/kmsg would block the copy for ever.
  const ProcessResult copy =
      run({"/bin/cp", "-a", "--one-file-system", source.native(), root_.native()}, 60s);
  if (copy.exit_code != 0)
    throw std::runtime_error("copying the rootfs failed: " + copy.describe());
}

}  // namespace support
