// Every chapter's "Run it" section, run against the built steps: a chapter whose
// transcript no longer matches its program fails here.
//
// Each chapter's commands run in one shell (so `echo $?` sees the previous command), in
// a UTS and mount namespace of the test's own, with a private copy of the rootfs mounted
// over the default one: the chapters' commands (step 08 leaves /proc mounted) cannot
// touch the machine. `sudo` commands run as root; other commands that run a step run as
// the user nobody, as a reader without sudo would.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "tests/support/environment.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/support/transcript.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr std::string_view kBinInDocs = "./build/default/bin/";

std::vector<std::string> chapters() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(fs::path(PROJECT_SOURCE_DIR) / "steps")) {
    if (fs::exists(entry.path() / "README.md")) names.push_back(entry.path().filename());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read(const fs::path& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string marker(std::size_t index) { return "\n@@command " + std::to_string(index) + "@@\n"; }

// The shell line for one documented command.
std::string shell_line(const std::string& command, const std::string& bin_dir) {
  if (command.starts_with("sudo "))
    return replace_all(command.substr(5), kBinInDocs, bin_dir + "/");
  std::string line = replace_all(command, kBinInDocs, bin_dir + "/");
  if (line == command) return line;  // not a step: a shell builtin or a host tool
  // A user's PATH: root's may hold folders nobody cannot search, which execvp reports.
  return "setpriv --reuid=65534 --regid=65534 --clear-groups env PATH=/usr/local/bin:/usr/bin:/bin "
         "sh -c '" +
         replace_all(line, "'", "'\\''") + "'";
}

// Lines starting with the step's prefix come from the runtime, the rest from the
// command; each kind keeps its order, but the two may interleave either way. A line that
// is only `…` (any number of lines) stands in both.
std::pair<std::vector<std::string>, std::vector<std::string>> by_source(
    const std::vector<std::string>& lines, const std::string& prefix) {
  std::pair<std::vector<std::string>, std::vector<std::string>> split;
  for (const std::string& line : lines) {
    if (line == "…") split.first.push_back(line);
    (line.starts_with(prefix) ? split.first : split.second).push_back(line);
  }
  return split;
}

std::string show(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += "    " + line + "\n";
  return text.empty() ? "    (nothing)\n" : text;
}

// Takes off, in the test's own mount namespace, every mount in a `rootfs/busybox` folder
// that was there before the test (a /proc that a reader's step 08 left on the machine, in
// this checkout or another): the chapters count `rootfs/busybox/proc` in /proc/mounts, and
// must count only the mounts of the steps they run. Called before the rootfs copy is
// mounted, it leaves the test's own alone.
void detach_leftover_rootfs_mounts() {
  std::vector<std::string> leftovers;
  std::ifstream mounts("/proc/self/mounts");
  for (std::string source, target, rest;
       mounts >> source >> target && std::getline(mounts, rest);) {
    if (target.find("rootfs/busybox/") != std::string::npos) leftovers.push_back(target);
  }
  // Deepest first; one already gone with the mount above it is no error.
  std::sort(leftovers.rbegin(), leftovers.rend());
  for (const std::string& target : leftovers) ::umount2(target.c_str(), MNT_DETACH);
}

// For each program in \p bin, a script in \p dir that notes its PID in \p pids, then
// becomes the program (so the PID is the program's): the cgroups a step leaves are named
// after it.
void write_recording_wrappers(const fs::path& bin, const fs::path& dir, const fs::path& pids) {
  std::ofstream{pids};
  fs::permissions(pids, fs::perms::all & ~(fs::perms::owner_exec | fs::perms::group_exec |
                                           fs::perms::others_exec));
  for (const auto& entry : fs::directory_iterator(BIN_DIR)) {
    if (!entry.is_regular_file()) continue;
    const fs::path wrapper = dir / entry.path().filename();
    std::ofstream(wrapper) << "#!/bin/sh\necho $$ >>" << pids << " 2>/dev/null\nexec "
                           << bin / entry.path().filename() << " \"$@\"\n";
    fs::permissions(wrapper, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                 fs::perms::others_read | fs::perms::others_exec);
  }
}

std::vector<pid_t> recorded_pids(const fs::path& pids) {
  std::vector<pid_t> found;
  std::ifstream file(pids);
  for (pid_t pid; file >> pid;) found.push_back(pid);
  return found;
}

class ChapterTranscript : public ::testing::TestWithParam<std::string> {};

TEST_P(ChapterTranscript, RunItMatchesTheProgram) {
  SKIP_UNLESS_ROOT();
  const std::string chapter = GetParam();
  const fs::path readme = fs::path(PROJECT_SOURCE_DIR) / "steps" / chapter / "README.md";
  const auto commands = support::parse_run_it(read(readme));
  ASSERT_FALSE(commands.empty()) << readme << " has no commands in its \"## Run it\" section";

  support::isolate_test_process();
  detach_leftover_rootfs_mounts();
  const support::TempRootfs rootfs;
  common::check(::mount(rootfs.path().c_str(), CONTAINER_ROOTFS, nullptr, MS_BIND, nullptr),
                "mount", "rootfs copy");
  // The programs, where the user nobody can reach them whatever the checkout's permissions.
  const support::TempDir alias;
  alias.open_to_everyone();
  const fs::path bin = alias.path() / "bin";
  fs::create_directory(bin);
  common::check(::mount(BIN_DIR, bin.c_str(), nullptr, MS_BIND, nullptr), "mount", "bin");
  // What the chapter's commands run: wrappers that note each step's PID.
  const fs::path wrappers = alias.path() / "run";
  const fs::path pids = alias.path() / "pids";
  fs::create_directory(wrappers);
  write_recording_wrappers(bin, wrappers, pids);

  std::string script = "exec 2>&1\n";
  for (std::size_t i = 0; i < commands.size(); ++i) {
    // The marker must not change $?, which the next command may be `echo $?`.
    script += "status=$?; printf '" + replace_all(marker(i), "\n", "\\n") + "'; (exit $status)\n" +
              shell_line(commands[i].command, wrappers) + "\n";
  }
  const auto result = support::run({"/bin/sh", "-c", script}, 60s, {.cwd = PROJECT_SOURCE_DIR});
  // A step must leave no cgroup behind; the test removes what one left, and says so.
  const auto cgroups = support::remove_cgroups_of(recorded_pids(pids));
  for (const fs::path& cgroup : cgroups) {
    ADD_FAILURE() << "the chapter's commands left the cgroup " << cgroup << " (removed now)";
  }
  ASSERT_FALSE(result.timed_out) << result.describe();

  const std::string prefix = "step" + chapter.substr(0, 2) + ": ";
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const std::size_t start = result.out.find(marker(i));
    ASSERT_NE(start, std::string::npos)
        << "the transcript stopped before `" << commands[i].command << "`\n"
        << result.describe();
    const std::size_t from = start + marker(i).size();
    const std::size_t end =
        i + 1 < commands.size() ? result.out.find(marker(i + 1), from) : result.out.size();
    const auto actual = support::split_lines(std::string_view(result.out).substr(from, end - from));
    const auto [want_runtime, want_command] = by_source(commands[i].expected, prefix);
    const auto [got_runtime, got_command] = by_source(actual, prefix);
    EXPECT_TRUE(support::lines_match(want_runtime, got_runtime) &&
                support::lines_match(want_command, got_command))
        << readme << ", \"Run it\": `$ " << commands[i].command << "`\n  the chapter shows:\n"
        << show(commands[i].expected) << "  the program printed:\n"
        << show(actual);
  }
}

INSTANTIATE_TEST_SUITE_P(Chapters, ChapterTranscript, ::testing::ValuesIn(chapters()),
                         [](const auto& info) { return "step" + info.param.substr(0, 2); });

}  // namespace
