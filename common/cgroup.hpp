#pragma once
/// \file
/// \brief Finding where a container's cgroups can be created on this host (cgroup v1, v2 or both).
///
/// Only the probe lives here: which layout the host has and which folder is the parent.
/// Creating, joining and removing the cgroup is step 10's lesson (and step 26's, under the
/// step's own cgroup) and stays in their code.

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace common {

/// \brief How the host mounts its cgroup hierarchies (cgroups(7), "cgroups version 1 and 2").
enum class CgroupLayout {
  unified,  ///< pure cgroup v2: `/sys/fs/cgroup` is cgroup2 (most distributions since 2021)
  hybrid,  ///< v1 controllers under `/sys/fs/cgroup/<name>`, v2 at `/sys/fs/cgroup/unified`
  legacy,  ///< v1 only: one folder per controller under `/sys/fs/cgroup`
};

/// \brief `unified`, `hybrid` or `legacy`.
/// \param layout the layout to name.
std::string_view to_string(CgroupLayout layout) noexcept;

/// \brief The folder under which a new pids cgroup is created, and how.
struct PidsCgroupParent {
  CgroupLayout layout;  ///< the host's layout
  int version;  ///< 1 or 2: the hierarchy the pids controller is attached to
  std::filesystem::path dir;  ///< the parent folder: the root of that hierarchy
  /// cgroup v2 only: `pids` is not yet in `dir/cgroup.subtree_control`, so `+pids` must be
  /// written there before a child cgroup gets `pids.max` (cgroup-v2.rst, "Enabling and
  /// Disabling"). The hierarchy's root is exempt from the no-internal-processes rule,
  /// which is why the parent is the root.
  bool enable_in_subtree;
};

/// \brief The host has no usable pids controller; what() says what was found.
class CgroupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// \brief Looks at the cgroup mount \p mount and finds where pids cgroups go.
///
/// Detection reads files, so it runs on fake trees in tests too: a `cgroup.controllers`
/// file exists only in a cgroup v2 folder, `cgroup.procs` in every cgroup folder.
///  - `mount/cgroup.controllers` exists: unified (v2), parent `mount`.
///  - `mount/unified/cgroup.controllers` exists: hybrid; pids is v1 at `mount/pids` if
///    mounted there, otherwise v2 at `mount/unified` if listed in its controllers.
///  - `mount/pids/cgroup.procs` exists: legacy (v1), parent `mount/pids`.
/// Throws CgroupError when none fits or pids is not available: a container must never
/// run unlimited without saying so.
/// \param mount where cgroups are mounted, `/sys/fs/cgroup` on every systemd host.
PidsCgroupParent find_pids_cgroup_parent(const std::filesystem::path& mount = "/sys/fs/cgroup");

/// \brief A cgroup hierarchy the container gets a folder in (step 26 on): one on a pure v2
/// host, up to one per controller on a v1 or hybrid host.
struct CgroupParent {
  int version;  ///< 1 or 2
  std::filesystem::path dir;  ///< the step's own cgroup in this hierarchy
  std::vector<std::string> controllers;  ///< the controllers asked for that this hierarchy has
  bool is_root;  ///< `dir` is the hierarchy's root (/proc/self/cgroup says "/")
};

/// \brief Where the container's cgroups go: under the step's own cgroup, in each hierarchy
/// holding one of \p controllers, so limits the host put on the step hold for the
/// container too.
///
/// Reads \p self_cgroup (cgroups(7), "/proc/[pid]/cgroup"): a line of hierarchy ID,
/// controllers and path per v1 hierarchy, and one with ID 0 and no controllers for v2. A
/// controller on a v1 line is found at `mount/<the line's controllers>/path` (such as
/// `cpu,cpuacct`) or `mount/<controller>/path`; any other must be listed in the v2 hierarchy's
/// `cgroup.controllers` (`mount`, or `mount/unified` on a hybrid host). Throws CgroupError
/// naming a controller that is nowhere.
/// \param controllers such as `{"pids", "memory", "cpu"}`.
/// \param mount where cgroups are mounted.
/// \param self_cgroup the file to read, /proc/self/cgroup but in tests.
std::vector<CgroupParent> find_cgroup_parents(
    const std::vector<std::string>& controllers,
    const std::filesystem::path& mount = "/sys/fs/cgroup",
    const std::filesystem::path& self_cgroup = "/proc/self/cgroup");

}  // namespace common
