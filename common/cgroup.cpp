#include "common/cgroup.hpp"

#include <algorithm>
#include <sstream>
#include <string>

#include "common/files.hpp"

namespace common {
namespace {

namespace fs = std::filesystem;

// A v2 parent: pids must be listed in cgroup.controllers (available from above) and is
// ready for children once listed in cgroup.subtree_control too.
PidsCgroupParent v2_parent(CgroupLayout layout, const fs::path& dir) {
  const std::string controllers = read_file(dir / "cgroup.controllers");
  if (!contains_word(controllers, "pids")) {
    throw CgroupError(
        "cgroup v2 at " + dir.native() + " has no pids controller (cgroup.controllers: '" +
        controllers.substr(0, controllers.find('\n')) +
        "'); the kernel needs CONFIG_CGROUP_PIDS, or pids is bound to a v1 hierarchy");
  }
  const bool enabled = contains_word(read_file(dir / "cgroup.subtree_control"), "pids");
  return {layout, 2, dir, !enabled};
}

}  // namespace

std::string_view to_string(CgroupLayout layout) noexcept {
  switch (layout) {
    case CgroupLayout::unified:
      return "unified";
    case CgroupLayout::hybrid:
      return "hybrid";
    case CgroupLayout::legacy:
      return "legacy";
  }
  return "unknown";
}

PidsCgroupParent find_pids_cgroup_parent(const fs::path& mount) {
  std::error_code ignored;
  if (fs::exists(mount / "cgroup.controllers", ignored))
    return v2_parent(CgroupLayout::unified, mount);

  const fs::path v1_pids = mount / "pids";
  const bool has_v1_pids = fs::exists(v1_pids / "cgroup.procs", ignored);
  if (fs::exists(mount / "unified" / "cgroup.controllers", ignored)) {
    if (has_v1_pids) return {CgroupLayout::hybrid, 1, v1_pids, false};
    return v2_parent(CgroupLayout::hybrid, mount / "unified");
  }
  if (has_v1_pids) return {CgroupLayout::legacy, 1, v1_pids, false};

  throw CgroupError(
      "no pids cgroup under " + mount.native() +
      ": neither cgroup v2 (cgroup.controllers) nor a v1 pids hierarchy (pids/cgroup.procs);"
      " is cgroupfs mounted there?");
}

std::vector<CgroupParent> find_cgroup_parents(const std::vector<std::string>& controllers,
                                              const fs::path& mount, const fs::path& self_cgroup) {
  std::error_code ignored;
  const fs::path v2_mount =
      fs::exists(mount / "cgroup.controllers", ignored) ? mount : mount / "unified";
  std::vector<CgroupParent> parents;
  // A path of /proc/self/cgroup ("/" or "/a/b") below a hierarchy's mount point.
  const auto under = [](const fs::path& base, const std::string& path) {
    return path == "/" ? base : base / path.substr(1);
  };
  // The group for `dir`, made on first use.
  const auto group = [&](int version, const fs::path& dir, bool is_root) -> CgroupParent& {
    for (CgroupParent& parent : parents) {
      if (parent.dir == dir) return parent;
    }
    return parents.emplace_back(CgroupParent{version, dir, {}, is_root});
  };
  std::istringstream lines(read_file(self_cgroup));
  std::string v2_path;
  std::vector<std::string> found;
  for (std::string line; std::getline(lines, line);) {
    const auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string list = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    if (list.empty()) {
      v2_path = path;
      continue;
    }
    // Mounted at mount/<the line's list> ("cpu,cpuacct"), which systemd also links as
    // mount/<each controller>.
    const fs::path dir = mount / list;
    std::replace(list.begin(), list.end(), ',', ' ');
    for (const std::string& controller : controllers) {
      if (!contains_word(list, controller)) continue;
      const fs::path at = fs::exists(dir / "cgroup.procs", ignored) ? dir : mount / controller;
      if (!fs::exists(at / "cgroup.procs", ignored)) continue;
      group(1, under(at, path), path == "/").controllers.push_back(controller);
      found.push_back(controller);
    }
  }
  for (const std::string& controller : controllers) {
    if (std::find(found.begin(), found.end(), controller) != found.end()) continue;
    if (v2_path.empty() || !fs::exists(v2_mount / "cgroup.controllers", ignored) ||
        !contains_word(read_file(v2_mount / "cgroup.controllers"), controller)) {
      throw CgroupError("no " + controller + " controller on this host: neither a v1 hierarchy (" +
                        (mount / controller).native() + ") nor listed in " +
                        (v2_mount / "cgroup.controllers").native());
    }
    group(2, under(v2_mount, v2_path), v2_path == "/").controllers.push_back(controller);
  }
  return parents;
}

}  // namespace common
