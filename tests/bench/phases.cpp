// Where the last step's time goes. The step runs under strace; each phase begins at the
// first system call of a kind that only it makes (a mkdir under /sys/fs/cgroup, the clone
// with CLONE_NEWUSER, pivot_root...) and ends where the next begins, so the phases add up
// to the step's wall time. Two kinds of trace:
//  - timed: `strace -f --seccomp-bpf -e trace=<those calls>`; the kernel stops the step
//    only at them (seccomp(2), SECCOMP_RET_TRACE), so strace adds little. The median of
//    each phase over a few runs.
//  - counted: one `strace -f -T -y` of every call, for how many calls each phase makes
//    and what single calls cost (-T: time in the kernel, plus a little of strace's).
#include "tests/bench/phases.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/subprocess.hpp"

namespace bench {
namespace {

namespace fs = std::filesystem;

// One system call of the trace: who, when it began and returned, and its line.
struct Call {
  long pid = 0;
  double start = 0, end = 0;  // seconds
  std::string name;  // "mkdir"; "+++" for a process's end
  std::string text;  // the whole line, for arguments and paths
};

// A line of `strace -f -ttt -T`: "PID SECONDS name(args) = result <duration>", split in
// two when another process's call comes between ("<unfinished ...>", then "<... name
// resumed>", printed when it returns), or "PID SECONDS +++ exited with 0 +++".
std::vector<Call> read_trace(const fs::path& file) {
  std::vector<Call> calls;
  std::map<long, std::size_t> unfinished;  // pid -> its call waiting for "resumed"
  std::ifstream lines(file);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    Call call;
    if (!(fields >> call.pid >> call.start)) continue;
    std::string rest;
    std::getline(fields >> std::ws, rest);
    call.end = call.start;
    call.text = rest;
    if (rest.starts_with("<... ")) {
      if (const auto open = unfinished.find(call.pid); open != unfinished.end()) {
        calls[open->second].end = call.start;
        calls[open->second].text += rest;
        unfinished.erase(open);
      }
      continue;
    }
    if (rest.starts_with("+++")) {
      call.name = "+++";
    } else if (const auto paren = rest.find('('); paren != std::string::npos) {
      call.name = rest.substr(0, paren);
    } else {
      continue;  // "--- SIGCHLD ...": a signal, not a call
    }
    if (rest.ends_with("<unfinished ...>")) {
      unfinished[call.pid] = calls.size();
    } else if (const auto open = rest.rfind(" <");
               open != std::string::npos && rest.ends_with(">")) {
      call.end = call.start + std::strtod(rest.c_str() + open + 2, nullptr);
    }
    calls.push_back(call);
  }
  return calls;
}

// A phase begins at the first call named `call` (or one of "a|b") whose line holds `holds`,
// at or after the beginning of the phase before; at its return if `at_return`.
struct Phase {
  const char* what;
  const char* call;
  const char* holds;
  bool at_return;
};

// The last step's order of work (main, then PID 1's container_init, then the command's
// become_command). A phase whose call a step does not make is folded into the one before.
constexpr Phase kPhases[] = {
    {"exec of the step, its start-up (ld.so, if linked dynamically), static init", "execve", "",
     false},
    {"command line, rootfs checks (main's first call: sigprocmask)", "rt_sigprocmask", "SIG_BLOCK",
     false},
    {"cgroups made: mkdir, limits", "mkdir", "/sys/fs/cgroup", false},
    {"janitor: pidfd_open, fork; socket pair", "pidfd_open", "", false},
    {"clone with namespaces (user, UTS, PID, mount, network, IPC)", "clone|clone3", "CLONE_NEWUSER",
     false},
    {"step: id maps, veth, idmapped rootfs, go-ahead; meanwhile PID 1 joins its cgroups "
     "(cgroup.procs) and waits",
     "clone|clone3", "CLONE_NEWUSER", true},
    // PID 1's first call once the step's go-ahead has come: setgroups, as it becomes root
    // inside (the go-ahead itself is a read or a recvmsg, and so are the janitor's calls).
    {"PID 1: root inside, die-with-step, hostname, network (lo, eth0, route)", "setgroups", "",
     false},
    {"mounts: all private, rootfs, overlay, /proc, /dev, /tmp", "mount", "MS_PRIVATE", false},
    {"pivot_root, old root detached", "pivot_root", "", false},
    {"/proc masked, descriptors closed, environment, clone of the command", "umount2", "\".\"",
     true},
    {"command: bounding set (a prctl per capability)", "setpgid", "(0, 0", false},
    {"command: capset, ambient, no_new_privs, seccomp filter", "capget|capset", "", false},
    {"execve /bin/true, its run and exit", "rt_sigprocmask", "SIG_UNBLOCK", false},
    {"teardown: PID 1 reaps, unmounts /proc, exits; the kernel frees the namespaces", "exit_group",
     "", false},
    {"cgroups removed (rmdir), the step exits", "rmdir", "", false},
};
constexpr std::size_t kCount = std::size(kPhases);

bool is(const Call& call, std::string_view names) {
  for (std::size_t from = 0;;) {
    const std::size_t bar = names.find('|', from);
    if (names.substr(from, bar - from) == call.name) return true;
    if (bar == std::string_view::npos) return false;
    from = bar + 1;
  }
}

// When each phase begins (nullopt: not seen), and when the step ended.
struct Cuts {
  std::optional<double> begin[kCount];
  double end = 0;
};

Cuts cut(const std::vector<Call>& calls) {
  Cuts cuts;
  if (calls.empty()) return cuts;
  const long step = calls.front().pid;
  double from = calls.front().start;
  for (std::size_t i = 0; i < kCount; ++i) {
    for (const Call& call : calls) {
      if (call.start >= from && is(call, kPhases[i].call) &&
          call.text.find(kPhases[i].holds) != std::string::npos) {
        cuts.begin[i] = from = kPhases[i].at_return ? call.end : call.start;
        break;
      }
    }
  }
  for (const Call& call : calls) {
    if (call.pid == step && call.name == "+++") cuts.end = call.start;
  }
  return cuts;
}

// The length of each phase: to the beginning of the next one seen, or the step's end.
std::vector<double> lengths(const Cuts& cuts) {
  std::vector<double> ms(kCount, 0);
  for (std::size_t i = 0; i < kCount; ++i) {
    if (!cuts.begin[i]) continue;
    double next = cuts.end;
    for (std::size_t j = i + 1; j < kCount; ++j) {
      if (cuts.begin[j]) {
        next = *cuts.begin[j];
        break;
      }
    }
    ms[i] = std::max(0.0, (next - *cuts.begin[i]) * 1000);
  }
  return ms;
}

// Which phase a moment belongs to.
std::size_t phase_at(const Cuts& cuts, double when) {
  std::size_t found = 0;
  for (std::size_t i = 0; i < kCount; ++i) {
    if (cuts.begin[i] && *cuts.begin[i] <= when) found = i;
  }
  return found;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

std::string fixed(double value, int digits = 2) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(digits) << value;
  return text.str();
}

std::optional<std::string> strace_path() {
  for (const char* dir : {"/usr/bin", "/bin", "/usr/local/bin"}) {
    const fs::path path = fs::path(dir) / "strace";
    if (fs::exists(path)) return path.native();
  }
  return std::nullopt;
}

// Runs argv under strace with `options`, its trace in `file`; false if either failed.
bool trace(const std::string& strace, std::vector<std::string> options, const fs::path& file,
           const std::vector<std::string>& argv) {
  std::vector<std::string> command{strace, "-f", "-ttt", "-T", "-o", file.native()};
  command.insert(command.end(), options.begin(), options.end());
  command.insert(command.end(), argv.begin(), argv.end());
  return support::run(command, std::chrono::seconds(60)).exit_code == 0;
}

}  // namespace

std::string phase_breakdown(const std::vector<std::string>& argv, int runs, const fs::path& scratch,
                            double untraced_ms) {
  const std::string step = fs::path(argv.front()).filename().native();
  std::ostringstream page;
  page << "\n## Where " << step << "'s time goes\n\n";
  const auto strace = strace_path();
  if (!strace)
    return page.str() + "strace is not installed (apt-get install strace): no breakdown.\n";
  // The timed traces: the kernel stops the step only at the calls that begin a phase.
  std::string stops = "exit_group";
  for (const Phase& phase : kPhases) stops += std::string(",") + phase.call;
  std::replace(stops.begin(), stops.end(), '|', ',');
  std::vector<std::vector<double>> timed(kCount);
  std::vector<double> totals;
  for (int run = 0; run < runs; ++run) {
    const fs::path file = scratch / ("phases-" + std::to_string(run) + ".txt");
    if (!trace(*strace, {"--seccomp-bpf", "-e", "trace=" + stops}, file, argv))
      return page.str() + "strace of " + step + " failed: no breakdown.\n";
    const Cuts cuts = cut(read_trace(file));
    const std::vector<double> ms = lengths(cuts);
    for (std::size_t i = 0; i < kCount; ++i) timed[i].push_back(ms[i]);
    if (cuts.begin[0]) totals.push_back((cuts.end - *cuts.begin[0]) * 1000);
  }
  // The counted trace: every call, with its time in the kernel (-T) and its descriptors'
  // paths (-y).
  const fs::path full = scratch / "phases-all.txt";
  if (!trace(*strace, {"-y"}, full, argv))
    return page.str() + "strace -y of " + step + " failed.\n";
  const std::vector<Call> calls = read_trace(full);
  const Cuts cuts = cut(calls);
  std::vector<int> counted(kCount, 0);
  std::vector<const Call*> slowest(kCount, nullptr);
  int bounding = 0;
  std::vector<std::string> objects;
  double bounding_ms = 0;
  std::vector<std::string> joins, made;
  std::string janitor;
  for (const Call& call : calls) {
    if (call.name == "+++") continue;
    const std::size_t phase = phase_at(cuts, call.start);
    ++counted[phase];
    if (!call.name.starts_with("exit") && call.name != "poll" && call.name != "rt_sigtimedwait" &&
        call.name != "wait4" &&
        (!slowest[phase] || call.end - call.start > slowest[phase]->end - slowest[phase]->start))
      slowest[phase] = &call;
    const std::string kernel_ms = fixed((call.end - call.start) * 1000, 3);
    if (call.text.find("PR_CAPBSET_DROP") != std::string::npos) {
      ++bounding;
      bounding_ms += (call.end - call.start) * 1000;
    }
    // openat(AT_FDCWD, "/lib/x86_64-linux-gnu/libc.so.6", ...): the quoted path
    if (const auto quote = call.text.find('"');
        call.name == "openat" && phase == 0 && quote != std::string::npos) {
      const std::string path =
          call.text.substr(quote + 1, call.text.find('"', quote + 1) - quote - 1);
      if (path.find(".so") != std::string::npos) objects.push_back(fs::path(path).filename());
    }
    if (call.name == "write" && call.text.find("/cgroup.procs>") != std::string::npos)
      joins.push_back(kernel_ms);
    if (call.name == "mkdir" && call.text.find("\"/sys/fs/cgroup/") != std::string::npos)
      made.push_back(kernel_ms);
    if (is(call, "clone|clone3") && janitor.empty() && cuts.begin[3] &&
        call.start >= *cuts.begin[3])
      janitor = kernel_ms;
  }
  page << "`" << step
       << "` as the bench runs it, under `strace -f --seccomp-bpf`: the kernel stops it only at "
          "the calls that begin a phase, so strace adds little. Median of "
       << runs << " runs: " << fixed(median(totals)) << " ms traced, against " << fixed(untraced_ms)
       << " ms untraced (the bench's median). Each phase runs from the first call of its kind to "
          "the next phase's; the phases add up to the whole run. System calls: from one more run "
          "traced call by call (`strace -f -T -y`), any process.\n\n"
       << "| Phase | Median ms | Share | System calls | Slowest call (-T ms) |\n"
       << "|---|---:|---:|---:|---|\n";
  const double total = median(totals) > 0 ? median(totals) : 1;
  for (std::size_t i = 0; i < kCount; ++i) {
    const double ms = median(timed[i]);
    page << "| " << kPhases[i].what << " | " << fixed(ms) << " | " << fixed(100 * ms / total, 0)
         << "% | " << counted[i] << " | ";
    if (slowest[i])
      page << slowest[i]->name << " " << fixed((slowest[i]->end - slowest[i]->start) * 1000, 3);
    page << " |\n";
  }
  const auto list = [](const std::vector<std::string>& values) {
    std::string text;
    for (const std::string& value : values) text += (text.empty() ? "" : ", ") + value;
    return text.empty() ? std::string("none") : text;
  };
  page << "\nSingle calls, time in the kernel (`-T`, ms, from the call-by-call run):\n\n"
       << "- the bounding set: " << bounding << " prctl(PR_CAPBSET_DROP), " << fixed(bounding_ms, 3)
       << " ms in all (plus a PR_CAPBSET_READ each)\n"
       << "- the janitor's fork: " << (janitor.empty() ? "none" : janitor) << "\n"
       << "- mkdir of each cgroup: " << list(made) << "\n"
       << "- each write of \"0\" to cgroup.procs: " << list(joins) << "\n"
       << "- what ld.so opens before main: "
       << (objects.empty() ? "nothing (the step is linked statically)" : list(objects)) << "\n";
  return page.str();
}

}  // namespace bench
