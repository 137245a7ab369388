// make bench: what each isolation layer costs. Times `/bin/true` from the rootfs run
// bare (fork + exec), through each step program from 03 on, and through unshare, bwrap
// and runc where they are installed, interleaved round after round; prints a Markdown
// table and writes an SVG bar chart. Needs root.
//
//   container_bench --bin DIR --rootfs DIR [--runs N] [--warmup N] [--seed N] [--svg FILE]
//   [--markdown FILE]
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/cgroup.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "tests/support/environment.hpp"
#include "tests/support/steps.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// How a row's program is put in a cgroup, made for each run and removed after it (both
// timed): not at all; by its child writing cgroup.procs (with a pids limit, or in a v2
// cgroup without controllers); or by clone3 with CLONE_INTO_CGROUP.
enum class Join { none, pids_procs, v2_procs, v2_clone3 };

struct Row {
  Row(std::string name_, std::string what_, std::vector<std::string> argv_ = {})
      : name(std::move(name_)), what(std::move(what_)), argv(std::move(argv_)) {}
  std::string name;  // first column
  std::string what;  // what this row adds
  std::vector<std::string> argv;
  Join join = Join::none;
  fs::path cgroup_parent;  // where its cgroups are made, when it joins one
  bool installed = true;  // false: a peer that is not on this machine
  std::vector<double> ms;  // wall time of each timed run
  long peak_rss_kib = 0;  // the largest ru_maxrss of the runtime process
  int failures = 0;
};

struct Options {
  fs::path bin;
  fs::path rootfs;
  int runs = 30;
  int warmup = 3;
  // Each round runs the rows in a new order, drawn from this seed: in a fixed order a row
  // would always follow the same one, and inherit its after-effects (a cgroup migration
  // makes the next one cheap). Printed, and given back with --seed to repeat the order.
  std::uint32_t seed = std::random_device{}();
  fs::path svg;
  fs::path markdown;
};

std::optional<fs::path> find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

// In a child: stdio on /dev/null, then the row's program.
[[noreturn]] void exec_row(std::vector<char*>& args) {
  const int null = ::open("/dev/null", O_RDWR);
  ::dup2(null, 0);
  ::dup2(null, 1);
  ::dup2(null, 2);
  ::execv(args[0], args.data());
  ::_exit(127);
}

// Runs argv with stdio on /dev/null (in a cgroup of its own if the row says so); returns
// its wall time and records its peak RSS.
double time_once(Row& row) {
  std::vector<char*> args;
  for (std::string& word : row.argv) args.push_back(word.data());
  args.push_back(nullptr);
  const auto start = Clock::now();
  fs::path cgroup;
  if (row.join != Join::none) {
    std::string name = (row.cgroup_parent / "bench-XXXXXX").native();
    if (::mkdtemp(name.data()) == nullptr) throw common::SyscallError(errno, "mkdtemp", name);
    cgroup = name;
    if (row.join == Join::pids_procs) common::write_file(cgroup / "pids.max", "5");
  }
  pid_t pid = -1;
  if (row.join == Join::v2_clone3) {
    const int folder = static_cast<int>(
        common::check(::open(cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC), "open"));
    clone_args clone{};
    clone.flags = CLONE_INTO_CGROUP;
    clone.exit_signal = SIGCHLD;
    clone.cgroup = static_cast<std::uint64_t>(folder);
    pid = static_cast<pid_t>(common::check(::syscall(SYS_clone3, &clone, sizeof clone), "clone3"));
    if (pid == 0) exec_row(args);
    ::close(folder);
  } else {
    pid = common::check(::fork(), "fork");
    if (pid == 0) {
      if (!cgroup.empty()) {
        const int procs = ::open((cgroup / "cgroup.procs").c_str(), O_WRONLY);
        if (procs == -1 || ::write(procs, "0", 1) != 1) ::_exit(126);
      }
      exec_row(args);
    }
  }
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) == -1) {
    if (errno != EINTR) throw common::SyscallError(errno, "wait4", row.name);
  }
  for (int attempt = 0;
       !cgroup.empty() && attempt < 100 && ::rmdir(cgroup.c_str()) == -1 && errno == EBUSY;
       ++attempt) {
    ::usleep(1000);
  }
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++row.failures;
  row.peak_rss_kib = std::max(row.peak_rss_kib, usage.ru_maxrss);
  return ms;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double index = p * static_cast<double>(values.size() - 1);
  const auto low = static_cast<std::size_t>(index);
  const std::size_t high = std::min(low + 1, values.size() - 1);
  return values[low] + (values[high] - values[low]) * (index - static_cast<double>(low));
}

std::string fixed(double value, int digits = 2) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(digits) << value;
  return text.str();
}

// An OCI bundle for runc over the same rootfs, isolated as the last step is (but for its
// user namespace, idmapped rootfs and overlay): PID, UTS, mount, network, IPC and cgroup
// namespaces, the step's limits, its cgroups under the bench's own (a relative
// cgroupsPath, as runc resolves it from its own cgroup).
void write_runc_bundle(const fs::path& bundle, const fs::path& rootfs) {
  fs::create_directories(bundle);
  std::ofstream config(bundle / "config.json");
  config << R"({
  "ociVersion": "1.0.2",
  "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["/bin/true"],
              "env": ["PATH=/bin:/sbin:/usr/bin:/usr/sbin"], "cwd": "/"},
  "root": {"path": ")"
         << rootfs.native() << R"(", "readonly": false},
  "hostname": "container",
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
  "linux": {"namespaces": [{"type": "pid"}, {"type": "uts"}, {"type": "mount"}, {"type": "network"},
                           {"type": "ipc"}, {"type": "cgroup"}],
            "cgroupsPath": "bench-runc-)"
         << ::getpid() << R"(",
            "resources": {"pids": {"limit": 5}, "memory": {"limit": 67108864},
                          "cpu": {"quota": 100000, "period": 100000}}}
}
)";
}

// The unshare row's command, run in a fresh pids cgroup under the bench's own.
Row unshare_in_pids_cgroup(const fs::path& rootfs) {
  Row row{"unshare in a pids cgroup",
          "as unshare, in a pids cgroup made, joined and removed as by step 10"};
  const auto path = find_in_path("unshare");
  const common::CgroupParent parent = common::find_cgroup_parents({"pids"}).front();
  // On v2 a new cgroup has pids.max only if its parent hands pids down (step 20).
  row.installed = path && (parent.version == 1 ||
                           common::contains_word(
                               common::read_file(parent.dir / "cgroup.subtree_control"), "pids"));
  if (!row.installed) return row;
  row.argv = {
      path->native(),       "--fork",   "--pid", "--uts", "--mount", "--root=" + rootfs.native(),
      "--mount-proc=/proc", "/bin/true"};
  row.join = Join::pids_procs;
  row.cgroup_parent = parent.dir;
  return row;
}

// This process's cgroup in the v2 hierarchy (/sys/fs/cgroup, or its "unified" on a hybrid
// host); empty if there is none.
fs::path own_v2_cgroup() {
  const fs::path mount =
      fs::exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
  if (!fs::exists(mount / "cgroup.controllers")) return {};
  std::istringstream lines(common::read_file("/proc/self/cgroup"));
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("0::")) return line == "0::/" ? mount : mount / line.substr(4);
  }
  return {};
}

// "a hostname of its own (UTS namespace)", from the first line of the step's chapter,
// "# Step 05: a hostname of its own (UTS namespace)".
std::string chapter_title(const std::string& step) {
  std::ifstream chapter(std::string(PROJECT_SOURCE_DIR) + "/steps/" + step + "/README.md");
  std::string line;
  std::getline(chapter, line);
  const auto colon = line.find(": ");
  if (colon == std::string::npos)
    throw std::runtime_error("steps/" + step + "/README.md has no title line");
  return line.substr(colon + 2);
}

std::vector<Row> rows_for(const Options& options, const fs::path& rootfs, const fs::path& scratch) {
  const std::string true_path = (rootfs / "bin" / "true").native();
  std::vector<Row> rows;
  rows.emplace_back("fork + exec", "the floor: no isolation", std::vector<std::string>{true_path});
  // Every step from 03 on (CMakeLists.txt's list), each described by its chapter's title.
  std::vector<std::pair<std::string, std::string>> steps;
  for (const std::string& step : support::steps_from("03"))
    steps.emplace_back(step, chapter_title(step));
  for (const auto& [step, what] : steps) {
    // Steps 03-06 have no chroot: give them the rootfs's true by its host path.
    const bool chroots = step >= "07";
    std::vector<std::string> argv{(options.bin / ("step" + step)).native(), "--rootfs",
                                  rootfs.native()};
    // From step 21 on, the limits a docker user would set: a cgroup in each hierarchy.
    if (step >= "21") argv.insert(argv.end(), {"--memory", "64M", "--cpus", "1"});
    if (step >= "25") argv.push_back("--net");
    argv.push_back(chroots ? "/bin/true" : true_path);
    rows.emplace_back("step" + step, what, argv);
    // Beside step 10: unshare in a pids cgroup made, joined and removed the same way.
    if (step == "10_pids_cgroup") rows.push_back(unshare_in_pids_cgroup(rootfs));
  }
  // The two ways into a cgroup on v2 (which a hybrid host has too, without controllers).
  const auto v2_parent = own_v2_cgroup();
  for (const auto& [name, join] : {std::pair{"fork, join a v2 cgroup", Join::v2_procs},
                                   {"clone3 into a v2 cgroup", Join::v2_clone3}}) {
    Row row{name,
            join == Join::v2_procs ? "fork + exec; the child writes cgroup.procs of a new cgroup"
                                   : "clone3(CLONE_INTO_CGROUP) + exec into a new cgroup",
            std::vector<std::string>{true_path}};
    row.join = join;
    row.cgroup_parent = v2_parent;
    row.installed = !v2_parent.empty();
    rows.push_back(row);
  }
  Row unshare{"unshare", "util-linux: PID, UTS, mount ns, `--root`, `--mount-proc`"};
  if (const auto path = find_in_path("unshare")) {
    unshare.argv = {
        path->native(),       "--fork",   "--pid", "--uts", "--mount", "--root=" + rootfs.native(),
        "--mount-proc=/proc", "/bin/true"};
  } else {
    unshare.installed = false;
  }
  rows.push_back(unshare);
  Row bwrap{"bwrap", "bubblewrap: PID, UTS, mount ns, bind rootfs, /proc"};
  if (const auto path = find_in_path("bwrap")) {
    bwrap.argv = {path->native(), "--unshare-pid", "--unshare-uts", "--bind", rootfs.native(), "/",
                  "--proc",       "/proc",         "/bin/true"};
  } else {
    bwrap.installed = false;
  }
  rows.push_back(bwrap);
  // The isolation of the last step, as bubblewrap spells it; but its seccomp filter (bwrap
  // loads only a compiled one), cgroups and limits (bwrap makes none) and overlay (not in
  // bwrap 0.8).
  Row bwrap_full{"bwrap (as step 27)",
                 "+ user, IPC, network, cgroup ns, /dev, tmpfs /tmp, no capabilities"};
  if (const auto path = find_in_path("bwrap")) {
    bwrap_full.argv = {path->native(),
                       "--unshare-user",
                       "--unshare-pid",
                       "--unshare-uts",
                       "--unshare-ipc",
                       "--unshare-net",
                       "--unshare-cgroup",
                       "--bind",
                       rootfs.native(),
                       "/",
                       "--dev",
                       "/dev",
                       "--proc",
                       "/proc",
                       "--tmpfs",
                       "/tmp",
                       "--cap-drop",
                       "ALL",
                       "--new-session",
                       "--die-with-parent",
                       "/bin/true"};
  } else {
    bwrap_full.installed = false;
  }
  rows.push_back(bwrap_full);
  Row runc{"runc", "OCI runtime: PID, UTS, mount, network, IPC, cgroup ns, pivot_root, limits"};
  if (const auto path = find_in_path("runc")) {
    write_runc_bundle(scratch / "bundle", rootfs);
    runc.argv = {path->native(),
                 "--root",
                 (scratch / "runc-state").native(),
                 "run",
                 "--bundle",
                 (scratch / "bundle").native(),
                 "bench-" + std::to_string(::getpid())};
  } else {
    runc.installed = false;
  }
  rows.push_back(runc);
  return rows;
}

// The colour of a row's bar: the floor, a step of the course, or a peer runtime.
const char* colour_of(const Row& row) {
  if (row.name == "fork + exec") return "#7a7a7a";
  return row.name.starts_with("step") ? "#4a7ebb" : "#d08c35";
}

// A round axis step for a scale up to `widest` ms: 1, 2 or 5 times a power of ten, giving
// about five ticks.
double tick_step(double widest) {
  const double rough = widest / 5;
  double power = 1;
  while (power * 10 <= rough) power *= 10;
  while (power > rough) power /= 10;
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    if (power * factor >= rough) return power * factor;
  }
  return power * 10;
}

// A horizontal bar chart: the median as a bar (its value at the bar's end), the p90 as a
// whisker from there (its value after the whisker), an axis in ms under the bars and a
// legend for the colours.
void write_svg(const fs::path& file, const std::vector<Row>& rows) {
  double widest = 0;
  for (const Row& row : rows)
    if (row.installed) widest = std::max(widest, percentile(row.ms, 0.9));
  if (widest <= 0) widest = 1;
  const double step = tick_step(widest);
  const double scale_end = std::ceil(widest / step) * step;
  const int label = 190, chart = 520, bar_height = 22, gap = 8, top = 62, right = 150;
  const int bars_end = top + static_cast<int>(rows.size()) * (bar_height + gap);
  const int height = bars_end + 45;
  const auto x_of = [&](double ms) { return label + ms / scale_end * chart; };
  std::ofstream svg(file);
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << label + chart + right
      << "\" height=\"" << height << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
      << "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">Start to exit of "
         "/bin/true, in ms"
         " (shorter is faster)</text>\n";
  // The legend: the three colours, then how to read a row.
  int x = 10;
  for (const auto& [colour, text] : {std::pair{"#7a7a7a", "fork + exec (the floor)"},
                                     {"#4a7ebb", "the course's steps"},
                                     {"#d08c35", "other runtimes"}}) {
    svg << "<rect x=\"" << x << "\" y=\"32\" width=\"12\" height=\"12\" fill=\"" << colour << "\"/>"
        << "<text x=\"" << x + 17 << "\" y=\"42\">" << text << "</text>\n";
    x += 30 + static_cast<int>(std::string_view(text).size()) * 6;
  }
  svg << "<text x=\"" << x + 10
      << "\" y=\"42\" fill=\"#444\">bar: median; line: to the 90th percentile</text>\n";
  // Grid lines and the axis, under the bars.
  for (double tick = 0; tick <= scale_end + step / 2; tick += step) {
    const double tx = x_of(tick);
    svg << "<line x1=\"" << fixed(tx, 1) << "\" x2=\"" << fixed(tx, 1) << "\" y1=\"" << top - 4
        << "\" y2=\"" << bars_end << "\" stroke=\"#e4e4e4\"/>\n"
        << "<text x=\"" << fixed(tx, 1) << "\" y=\"" << bars_end + 15
        << "\" text-anchor=\"middle\">" << fixed(tick, step < 1 ? 1 : 0) << "</text>\n";
  }
  svg << "<line x1=\"" << label << "\" x2=\"" << label + chart << "\" y1=\"" << bars_end
      << "\" y2=\"" << bars_end << "\" stroke=\"#444\"/>\n"
      << "<text x=\"" << label + chart / 2 << "\" y=\"" << bars_end + 33
      << "\" text-anchor=\"middle\">"
      << "milliseconds</text>\n";
  int y = top;
  for (const Row& row : rows) {
    svg << "<text x=\"" << label - 8 << "\" y=\"" << y + 15 << "\" text-anchor=\"end\">" << row.name
        << "</text>\n";
    if (!row.installed) {
      svg << "<text x=\"" << label + 4 << "\" y=\"" << y + 15
          << "\" fill=\"#888\">not installed</text>\n";
    } else {
      const double median = percentile(row.ms, 0.5), p90 = percentile(row.ms, 0.9);
      const double end = x_of(median), end90 = x_of(p90);
      svg << "<rect x=\"" << label << "\" y=\"" << y << "\" width=\""
          << fixed(std::max(end - label, 1.0), 1) << "\" height=\"" << bar_height << "\" fill=\""
          << colour_of(row) << "\"/>\n"
          << "<line x1=\"" << fixed(end, 1) << "\" x2=\"" << fixed(end90, 1) << "\" y1=\"" << y + 11
          << "\" y2=\"" << y + 11 << "\" stroke=\"#222\"/>\n"
          << "<line x1=\"" << fixed(end90, 1) << "\" x2=\"" << fixed(end90, 1) << "\" y1=\""
          << y + 6 << "\" y2=\"" << y + 16 << "\" stroke=\"#222\"/>\n";
      // The median inside its bar when it fits, else after the whisker with the p90.
      if (end - label >= 48) {
        svg << "<text x=\"" << fixed(end - 4, 1) << "\" y=\"" << y + 15
            << "\" text-anchor=\"end\" fill=\"#fff\">" << fixed(median) << "</text>\n"
            << "<text x=\"" << fixed(end90 + 5, 1) << "\" y=\"" << y + 15 << "\" fill=\"#555\">p90 "
            << fixed(p90) << "</text>\n";
      } else {
        svg << "<text x=\"" << fixed(end90 + 5, 1) << "\" y=\"" << y + 15 << "\" fill=\"#222\">"
            << fixed(median) << " <tspan fill=\"#555\">(p90 " << fixed(p90) << ")</tspan></text>\n";
      }
    }
    y += bar_height + gap;
  }
  svg << "</svg>\n";
}

std::string markdown_table(const std::vector<Row>& rows, const Options& options) {
  double bare = 0, unshare = 0;
  for (const Row& row : rows) {
    if (row.name == "fork + exec") bare = percentile(row.ms, 0.5);
    if (row.name == "unshare" && row.installed) unshare = percentile(row.ms, 0.5);
  }
  std::ostringstream table;
  table << "| Runtime | What it does | Median ms | p90 ms | x bare | x unshare | Peak RSS KiB |\n"
        << "|---|---|---:|---:|---:|---:|---:|\n";
  for (const Row& row : rows) {
    table << "| " << row.name << " | " << row.what << " | ";
    if (!row.installed) {
      table << "not installed | | | | |\n";
      continue;
    }
    const double median = percentile(row.ms, 0.5);
    table << fixed(median) << " | " << fixed(percentile(row.ms, 0.9)) << " | "
          << fixed(median / bare, 1) << " | " << (unshare > 0 ? fixed(median / unshare, 2) : "")
          << " | " << row.peak_rss_kib << " |";
    if (row.failures > 0) table << " (" << row.failures << " failed runs)";
    table << "\n";
  }
  table << "\n"
        << options.runs << " interleaved rounds after " << options.warmup
        << " warm-up rounds, the rows in a shuffled order each round (seed " << options.seed
        << "); wall time from fork to exit; peak RSS of the runtime's own process.\n";
  return table.str();
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--bin")
      options.bin = value();
    else if (arg == "--rootfs")
      options.rootfs = value();
    else if (arg == "--runs")
      options.runs = std::stoi(value());
    else if (arg == "--warmup")
      options.warmup = std::stoi(value());
    else if (arg == "--seed")
      options.seed = static_cast<std::uint32_t>(std::stoul(value()));
    else if (arg == "--svg")
      options.svg = value();
    else if (arg == "--markdown")
      options.markdown = value();
    else
      throw std::runtime_error("unknown option " + arg);
  }
  if (options.bin.empty() || options.rootfs.empty() || options.runs < 1) {
    throw std::runtime_error(
        "usage: container_bench --bin DIR --rootfs DIR [--runs N] [--warmup N] [--seed N] [--svg "
        "FILE] "
        "[--markdown FILE]");
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) try {
  const Options options = parse(argc, argv);
  if (::geteuid() != 0)
    throw std::runtime_error("needs root: the steps create namespaces (sudo make bench)");
  // Namespaces of our own: nothing a runtime leaves mounted reaches the host.
  support::isolate_test_process();
  const support::TempDir scratch;
  const support::TempRootfs copy(options.rootfs);
  const fs::path& rootfs = copy.path();
  std::vector<Row> rows = rows_for(options, rootfs, scratch.path());

  std::cerr << "bench: " << options.warmup << " warm-up and " << options.runs << " timed rounds of "
            << rows.size() << " rows, interleaved in a shuffled order (--seed " << options.seed
            << ")\n";
  std::mt19937 shuffle(options.seed);
  std::vector<std::size_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  for (int round = 0; round < options.warmup + options.runs; ++round) {
    std::shuffle(order.begin(), order.end(), shuffle);
    for (const std::size_t index : order) {
      Row& row = rows[index];
      if (!row.installed) continue;
      const double ms = time_once(row);
      if (round >= options.warmup) row.ms.push_back(ms);
      // Step 08 leaves /proc mounted by design; take it down outside the timing, or
      // every later run would work on a longer mount table.
      if (row.name == "step08_mount_proc") support::unmount_all_under(rootfs / "proc");
    }
  }

  const std::string table = markdown_table(rows, options);
  std::cout << table;
  if (!options.markdown.empty()) std::ofstream(options.markdown) << table;
  if (!options.svg.empty()) {
    write_svg(options.svg, rows);
    std::cerr << "bench: chart written to " << options.svg.native() << "\n";
  }
  int failed = 0;
  for (const Row& row : rows) failed += row.failures;
  if (failed > 0) std::cerr << "bench: " << failed << " runs failed (see the table)\n";
  return failed > 0 ? 1 : 0;
} catch (const std::exception& error) {
  std::cerr << "bench: " << error.what() << "\n";
  return 1;
}
