#include "common/cgroup.hpp"

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
    throw CgroupError("cgroup v2 at " + dir.native() +
                      " has no pids controller (cgroup.controllers: '" +
                      controllers.substr(0, controllers.find('\n')) +
                      "'); the kernel needs CONFIG_CGROUP_PIDS, or pids is bound to a v1 hierarchy");
  }
  const bool enabled = contains_word(read_file(dir / "cgroup.subtree_control"), "pids");
  return {layout, 2, dir, !enabled};
}

}  // namespace

std::string_view to_string(CgroupLayout layout) noexcept {
  switch (layout) {
    case CgroupLayout::unified: return "unified";
    case CgroupLayout::hybrid: return "hybrid";
    case CgroupLayout::legacy: return "legacy";
  }
  return "unknown";
}

PidsCgroupParent find_pids_cgroup_parent(const fs::path& mount) {
  std::error_code ignored;
  if (fs::exists(mount / "cgroup.controllers", ignored)) return v2_parent(CgroupLayout::unified, mount);

  const fs::path v1_pids = mount / "pids";
  const bool has_v1_pids = fs::exists(v1_pids / "cgroup.procs", ignored);
  if (fs::exists(mount / "unified" / "cgroup.controllers", ignored)) {
    if (has_v1_pids) return {CgroupLayout::hybrid, 1, v1_pids, false};
    return v2_parent(CgroupLayout::hybrid, mount / "unified");
  }
  if (has_v1_pids) return {CgroupLayout::legacy, 1, v1_pids, false};

  throw CgroupError("no pids cgroup under " + mount.native() +
                    ": neither cgroup v2 (cgroup.controllers) nor a v1 pids hierarchy (pids/cgroup.procs);"
                    " is cgroupfs mounted there?");
}

}  // namespace common
