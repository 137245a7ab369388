#pragma once
// Where the last step's time goes: its run under strace, cut into phases at the system
// calls that begin each (see phases.cpp).
#include <filesystem>
#include <string>
#include <vector>

namespace bench {

// A Markdown section: the median of each phase over `runs` traced runs of `argv`, the
// system calls each phase makes, and the costs to check (the bounding-set prctl loop, the
// janitor's fork, loading libstdc++, the cgroup.procs writes). Or one line saying why
// not (no strace). Traces go to `scratch`; `untraced_ms` is the bench's median, to compare.
std::string phase_breakdown(const std::vector<std::string>& argv, int runs,
                            const std::filesystem::path& scratch, double untraced_ms);

}  // namespace bench
