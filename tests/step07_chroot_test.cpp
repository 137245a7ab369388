#include <fstream>
#include <set>
#include <sstream>

#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;

using Step07Chroot = support::ContainerTest;

TEST_F(Step07Chroot, RootIsTheRootfs) {
  support::reread("Goal");
  std::ofstream(rootfs() / "only-in-this-rootfs").close();
  const auto result = run_container({"/bin/ls", "/"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_NE(result.out.find("only-in-this-rootfs"), std::string::npos)
      << "`ls /` inside should list the rootfs folder\n"
      << result.describe();
}

TEST_F(Step07Chroot, HostFilesAreInvisible) {
  support::reread("Goal");
  const support::TempDir host_dir;
  std::ofstream(host_dir.path() / "host-secret").close();
  const auto result =
      run_container({"/bin/sh", "-c", "ls " + (host_dir.path() / "host-secret").native()});
  EXPECT_NE(result.exit_code, 0) << "a file of the host is visible inside\n" << result.describe();
}

TEST_F(Step07Chroot, WorkingDirectoryIsTheNewRoot) {
  support::reread("Pitfalls");
  const auto result = run_container({"/bin/sh", "-c", "pwd; cd ..; pwd"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "/\n/\n")
      << "pwd inside should be /, and stay / after cd .. (chdir after chroot)\n"
      << result.describe();
}

TEST_F(Step07Chroot, PathIsAbsoluteAndTermIsSet) {
  support::reread("Pitfalls");
  const auto result =
      run_container({"/bin/sh", "-c", "echo \"$PATH\"; echo \"${TERM:+term set}\""});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  const std::string path = result.out.substr(0, result.out.find('\n'));
  EXPECT_FALSE(path.empty()) << "PATH is not set inside\n" << result.describe();
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find(':', start), path.size());
    EXPECT_EQ(path.substr(start, 1), "/")
        << "PATH entry '" << path.substr(start, end - start) << "' is not absolute";
    start = end + 1;
  }
  EXPECT_NE(result.out.find("term set"), std::string::npos) << "TERM is not set inside\n"
                                                            << result.describe();
}

TEST_F(Step07Chroot, CommandsComeFromTheRootfs) {
  support::reread("Run it");
  // The rootfs has busybox only: its `ls` says so in --help, the host's does not.
  const auto result = run_container({"/bin/sh", "-c", "readlink /bin/ls"});
  EXPECT_EQ(result.out, "busybox\n") << result.describe();
}

// chroot belongs in the child: a step that changed its own root would do the rest of its
// work (and any later clean-up) inside the rootfs. /proc/PID/root shows a process's root.
TEST_F(Step07Chroot, OnlyTheChildChangesItsRoot) {
  support::reread("What changed");
  support::Subprocess process(container({"/bin/sh", "-c", "echo ready; sleep 1"}));
  ASSERT_TRUE(process.wait_for_output("ready", 10s)) << process.so_far().describe();
  const std::string step = "/proc/" + std::to_string(process.pid());
  const auto root = std::filesystem::read_symlink(step + "/root");
  EXPECT_EQ(root, "/") << "the step itself (the parent) was chrooted to " << root;
  // ... and the child, the container's PID 1, was: its root is the rootfs (proc(5),
  // /proc/PID/root; /proc/PID/task/TID/children lists the step's children).
  pid_t child = -1;
  std::ifstream(step + "/task/" + std::to_string(process.pid()) + "/children") >> child;
  ASSERT_GT(child, 0) << "the step has no child\n" << process.so_far().describe();
  EXPECT_EQ(std::filesystem::read_symlink("/proc/" + std::to_string(child) + "/root"), rootfs())
      << "the container's PID 1 should have the rootfs as its root";
  const auto result = process.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
}

TEST_F(Step07Chroot, MissingRootfsIsRefusedBeforeAnythingStarts) {
  support::reread("Pitfalls");
  const std::string missing = (rootfs() / "no-such-folder").native();
  const auto result = run_step({"--rootfs", missing, "/bin/true"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find(missing), std::string::npos) << "stderr should name the rootfs\n"
                                                         << result.describe();
  EXPECT_NE(result.err.find("make rootfs"), std::string::npos)
      << "stderr should say how to build one\n"
      << result.describe();
  EXPECT_EQ(result.err.find("container started"), std::string::npos)
      << "a container was started anyway\n"
      << result.describe();
  expect_no_mounts_left();
}

TEST_F(Step07Chroot, RootfsWithoutShellIsRefusedOnlyWhenTheShellRuns) {
  support::reread("Pitfalls");
  std::filesystem::remove(rootfs() / "bin" / "sh");
  auto result = run_container({"/bin/busybox", "echo", "hi"});
  EXPECT_EQ(result.exit_code, 0) << "a command other than the shell needs no /bin/sh\n"
                                 << result.describe();
  EXPECT_EQ(result.out, "hi\n") << result.describe();
  result = run_container({});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("has no /bin/sh"), std::string::npos) << result.describe();
}

TEST_F(Step07Chroot, EmptyRootfsIsRefused) {
  support::reread("Pitfalls");
  const support::TempDir empty;
  const auto result = run_step({"--rootfs", empty.path().native(), "/bin/true"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("is empty"), std::string::npos) << result.describe();
}

// The Alpine download needs the internet, which the tests do without: what the answer
// claims, that any folder with a /bin/sh will do, is tried on a rootfs of that one file
// (busybox, which runs as sh by that name), and on rootfs/alpine if it was built.
TEST_F(Step07Chroot, TryThis1_AnyRootfsWithAShellWillDo) {
  support::reread("Try this");
  const support::TempDir other;
  std::filesystem::create_directory(other.path() / "bin");
  std::filesystem::copy_file(rootfs() / "bin" / "busybox", other.path() / "bin" / "sh");
  const auto result =
      support::run({program(), "--rootfs", other.path().native(), "/bin/sh", "-c", "echo $0 /*"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "/bin/sh /bin\n") << "a / of one folder\n" << result.describe();
  const auto alpine = std::filesystem::path(CONTAINER_ROOTFS).parent_path() / "alpine";
  if (!std::filesystem::exists(alpine / "bin" / "sh")) return;
  // The tests never change rootfs/: the step writes nothing here.
  const auto in_alpine = support::run({program(), "--rootfs", alpine.native(), "/bin/true"});
  EXPECT_EQ(in_alpine.exit_code, 0) << in_alpine.describe();
}

// With chdir("/") removed (the tests' CMakeLists.txt), started from a folder of the host.
TEST_F(Step07Chroot, TryThis2_WithoutChdirCdDotDotWalksOut) {
  support::reread("Try this");
  const support::TempDir host_dir;
  const std::string walk = "pwd; cd ..; pwd; cd ../../../../../../..; ls";
  const auto step = run_container({"/bin/sh", "-c", walk}, {.cwd = host_dir.path().native()});
  EXPECT_TRUE(step.out.starts_with("/\n/\n")) << step.describe();
  const auto edited =
      support::run({TRY_THIS_PROGRAM_2, "--rootfs", rootfs().native(), "/bin/sh", "-c", walk}, 20s,
                   {.cwd = host_dir.path().native()});
  EXPECT_EQ(edited.exit_code, 0) << edited.describe();
  const std::string first_pwd = edited.out.substr(0, edited.out.find('\n'));
  // The shell stands outside its root: getcwd(3) cannot name the folder (ENOENT).
  EXPECT_FALSE(first_pwd.starts_with("/")) << edited.describe();
  // Then `ls` lists the host's root, not the rootfs's.
  std::set<std::string> host_root;
  for (const auto& entry : std::filesystem::directory_iterator("/"))
    if (!entry.path().filename().native().starts_with("."))
      host_root.insert(entry.path().filename().native());
  std::set<std::string> listed;
  std::istringstream lines(edited.out);
  for (std::string line; std::getline(lines, line);) listed.insert(line);
  for (const std::string& name : host_root)
    EXPECT_TRUE(listed.contains(name)) << name << " of the host's / not listed\n"
                                       << edited.describe();
}

}  // namespace
