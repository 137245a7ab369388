#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;

// No chroot before step 07: the commands are the host's, so use the rootfs's busybox
// by its host path rather than rely on the host having a hostname program (its shell
// runs its own applets first).
class Step05UtsNamespace : public support::ContainerTest {
 protected:
  std::string busybox() const { return (rootfs() / "bin" / "busybox").native(); }
};

TEST_F(Step05UtsNamespace, HostnameInsideIsTheContainers) {
  support::reread("Goal");
  const auto result = run_container({busybox(), "hostname"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "container\n") << "hostname inside should be the container's own\n"
                                       << result.describe();
  EXPECT_NE(result.out, support::host_hostname() + "\n")
      << "inside, the hostname is still the host's";
}

TEST_F(Step05UtsNamespace, ChangingTheHostnameInsideLeavesTheHostsAlone) {
  support::reread("Pitfalls");
  const std::string before = support::host_hostname();
  const auto result = run_container({busybox(), "sh", "-c", "hostname renamed-inside && hostname"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "renamed-inside\n") << result.describe();
  EXPECT_EQ(support::host_hostname(), before)
      << "the host was renamed: the UTS namespace is missing";
}

TEST_F(Step05UtsNamespace, ExitStatusStillPassesBack) {
  support::reread("Run it");
  EXPECT_EQ(run_container({"/bin/sh", "-c", "exit 42"}).exit_code, 42);
}

// Runs the step as the unprivileged user nobody; needs root to switch to it. A copy in
// a folder anyone can read, since the build folder may be private (a 0700 checkout).
TEST_F(Step05UtsNamespace, WithoutRootSaysRootIsNeeded) {
  support::reread("Pitfalls");
  const support::TempDir dir;
  const auto copy = dir.path() / "step";
  dir.open_to_everyone();
  std::filesystem::copy_file(support::program_under_test(), copy);
  const auto result = support::run({copy.native(), "/bin/true"}, 20s, {.as_user = 65534});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("Operation not permitted"), std::string::npos) << result.describe();
  EXPECT_NE(result.err.find("root"), std::string::npos)
      << "the error should say that root (CAP_SYS_ADMIN) is needed\n"
      << result.describe();
}

// Typed in the step's shell (the host's sh: no chroot yet, so busybox's hostname by path).
TEST_F(Step05UtsNamespace, TryThis1_HostnameSetInsideLeavesTheHostsAlone) {
  support::reread("Try this");
  const std::string before = support::host_hostname();
  const auto result = run_container({}, {.input = busybox() + " hostname hacked\nexit\n"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(support::host_hostname(), before);
}

TEST_F(Step05UtsNamespace, TryThis2_TheUtsNamespacesDiffer) {
  support::reread("Try this");
  const auto result = run_container({busybox(), "readlink", "/proc/self/ns/uts"});
  const std::string host = std::filesystem::read_symlink("/proc/self/ns/uts").native();
  EXPECT_TRUE(host.starts_with("uts:[")) << host;
  EXPECT_TRUE(result.out.starts_with("uts:[")) << result.describe();
  EXPECT_NE(result.out, host + "\n") << result.describe();
}

}  // namespace
