#pragma once
/// \file
/// \brief A fixture for the tests of the steps that read an OCI bundle (Part 3): the bundle
/// is the folder of the test's rootfs copy, with root.path "rootfs", relative to it.
/// Header-only, as step_test.hpp.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/step_test.hpp"

namespace support {

/// \brief Writes \p text as the config.json of the bundle \p bundle.
inline void write_config_text(const std::filesystem::path& bundle, const std::string& text) {
  std::ofstream(bundle / "config.json") << text;
}

/// \brief Writes into \p bundle a config.json that runs \p process: the JSON of process.args
/// and of the process's keys after it ("cwd" is "/" unless it has one; "user" is root's), in
/// root.path "rootfs", with \p more (top-level members, each ending with a comma) before
/// "process".
inline void write_config(const std::filesystem::path& bundle, const std::string& process,
                         const std::string& more = "") {
  const bool has_cwd = process.find("\"cwd\"") != std::string::npos;
  write_config_text(bundle, "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, " +
                                more + "\"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, " +
                                (has_cwd ? "" : "\"cwd\": \"/\", ") + "\"args\": " + process +
                                "}}\n");
}

/// \brief Runs \p argv with stdin from /dev/null and stdout and stderr into the file \p out,
/// as a detached container's step must be run: the container keeps its step's stdout and
/// stderr after the step ends, so a reader of a pipe would wait for the container.
inline ProcessResult run_into_file(const std::vector<std::string>& argv,
                                   const std::filesystem::path& out,
                                   const ProcessOptions& options = {}) {
  std::vector<std::string> shell = {"/bin/sh", "-c", "exec \"$@\" >\"$0\" 2>&1 </dev/null",
                                    out.native()};
  shell.insert(shell.end(), argv.begin(), argv.end());
  return run(shell, std::chrono::seconds(20), options);
}

/// \brief The contents of \p file once they hold \p text, or after \p limit as they are.
inline std::string wait_for_text(const std::filesystem::path& file, const std::string& text,
                                 std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    std::ifstream in(file);
    const std::string contents{std::istreambuf_iterator<char>(in), {}};
    if (contents.find(text) != std::string::npos || std::chrono::steady_clock::now() > deadline)
      return contents;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

/// \brief Whether \p path is gone within \p limit (a cgroup folder a janitor removes).
inline bool gone_within(const std::filesystem::path& path, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::filesystem::exists(path)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

/// \brief A test of a step that runs a bundle (`--bundle DIR`).
class BundleTest : public ContainerTest {
 protected:
  /// \brief The bundle: the folder that holds this test's rootfs copy.
  std::filesystem::path bundle() const { return rootfs().parent_path(); }
  /// \brief support::write_config_text() into bundle().
  void write_config_text(const std::string& text) const {
    support::write_config_text(bundle(), text);
  }
  /// \brief support::write_config() into bundle().
  void write_config(const std::string& process, const std::string& more = "") const {
    support::write_config(bundle(), process, more);
  }
  /// \brief Runs the step with `--bundle <bundle()>` followed by \p more.
  ProcessResult run_bundle(const std::vector<std::string>& more = {},
                           const ProcessOptions& options = {}) const {
    std::vector<std::string> args = {"--bundle", bundle().native()};
    args.insert(args.end(), more.begin(), more.end());
    ProcessResult result = run_step(args, options);
    expect_nothing_left_running(result);
    return result;
  }
  /// \brief The bundle is refused before anything is made: exit 125 and one line on
  /// stderr, holding \p what (the file, the key and the reason).
  void expect_refused(const std::string& what) const {
    const ProcessResult result = run_bundle();
    EXPECT_EQ(result.exit_code, 125) << result.describe();
    EXPECT_NE(result.err.find(what), std::string::npos) << result.describe();
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.describe();
    EXPECT_EQ(result.err.find("container started"), std::string::npos) << result.describe();
    expect_no_mounts_left();
  }
};

/// \brief A runtime step's \p program with `--root BUNDLE/state` and \p args, such as
/// {"start", "box"}: the containers' folders go in \p bundle.
inline ProcessResult runtime_in(const std::string& program, const std::filesystem::path& bundle,
                                const std::vector<std::string>& args) {
  std::vector<std::string> argv = {program, "--root", (bundle / "state").native()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

/// \brief `create [EXTRA...] --pid-file BUNDLE/pid --bundle BUNDLE ID` by runtime_in(), the
/// container's output into BUNDLE/out (run_into_file()).
inline ProcessResult create_in(const std::string& program, const std::filesystem::path& bundle,
                               const std::string& id, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {program, "--root", (bundle / "state").native(), "create"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.insert(argv.end(),
              {"--pid-file", (bundle / "pid").native(), "--bundle", bundle.native(), id});
  return run_into_file(argv, bundle / "out");
}

/// \brief The PID create_in() wrote in BUNDLE/pid, or -1.
inline pid_t pid_in(const std::filesystem::path& bundle) {
  pid_t pid = -1;
  std::ifstream(bundle / "pid") >> pid;
  return pid;
}

/// \brief A test of a step that is a runtime (`create`, `start`...): its containers' folders
/// in state(), the output of each container in out().
class RuntimeTest : public BundleTest {
 protected:
  /// \brief Where the container's stdout and stderr go (the test's pipes would wait for it).
  std::filesystem::path out() const { return bundle() / "out"; }
  /// \brief The `--pid-file` of create().
  std::filesystem::path pid_file() const { return bundle() / "pid"; }
  /// \brief The runtime's `--root`.
  std::filesystem::path state() const { return bundle() / "state"; }
  /// \brief support::create_in() this test's bundle.
  ProcessResult create(const std::string& id) const { return create_in(program(), bundle(), id); }
  /// \brief support::runtime_in() this test's bundle.
  ProcessResult runtime(const std::vector<std::string>& args) const {
    return runtime_in(program(), bundle(), args);
  }
  /// \brief support::pid_in() this test's bundle.
  pid_t pid1() const { return pid_in(bundle()); }
  /// \brief What the containers wrote to out() so far.
  std::string output() const { return wait_for_text(out(), "", std::chrono::milliseconds(0)); }
};

}  // namespace support
