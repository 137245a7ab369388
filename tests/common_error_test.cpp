#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "common/error.hpp"
#include "common/log.hpp"
#include "tests/support/environment.hpp"

namespace {

TEST(Check, ReturnsTheResultWhenTheCallSucceeded) {
  EXPECT_EQ(common::check(42, "call"), 42);
  EXPECT_EQ(common::check(0L, "call"), 0L);
}

TEST(Check, ThrowsWithCallArgumentAndReasonWhenTheCallFailed) {
  try {
    common::check(::open("/no/such/file", O_RDONLY), "open", "/no/such/file");
    FAIL() << "check did not throw";
  } catch (const common::SyscallError& error) {
    EXPECT_STREQ(error.what(), "open(/no/such/file): No such file or directory");
    EXPECT_EQ(error.error(), ENOENT);
  }
}

TEST(SyscallError, SaysRootIsNeededForEpermWhenNotRoot) {
  // Build the error as an ordinary user, in a child, so the test runs the same as root.
  EXPECT_EXIT(
      {
        if (::geteuid() == 0 && ::setuid(65534) == -1) std::_Exit(2);
        const common::SyscallError error(EPERM, "clone", "CLONE_NEWUTS");
        std::fputs(error.what(), stderr);
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0),
      "clone\\(CLONE_NEWUTS\\): Operation not permitted \\(this needs root, CAP_SYS_ADMIN");
}

TEST(ReportFailure, PrintsPrefixedMessageAndReturns125) {
  ::testing::internal::CaptureStderr();
  const int status = common::report_failure(common::SyscallError(ENOENT, "chroot", "/x"));
  const std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(status, 125);
  EXPECT_EQ(status, common::kRuntimeFailure);
  EXPECT_EQ(printed, "common: chroot(/x): No such file or directory\n");
}

TEST(Log, ProgramNameIsTheBinaryNameUpToTheFirstUnderscore) {
  // This test binary is common_test.
  EXPECT_EQ(common::program_name(), "common");
}

TEST(Log, WritesOneWholePrefixedLineToStderr) {
  ::testing::internal::CaptureStderr();
  common::log("started ", 3, " of ", 5);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "common: started 3 of 5\n");
}

TEST(Log, KeepsErrno) {
  errno = EBUSY;
  ::testing::internal::CaptureStderr();
  common::log_line("x");
  ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(errno, EBUSY);
}

}  // namespace

namespace {

namespace fs = std::filesystem;

// A /proc/sys of the test's own, with one setting written.
class FakeProcSys {
 public:
  FakeProcSys(const std::string& file, const std::string& value) {
    fs::create_directories((dir_.path() / file).parent_path());
    std::ofstream(dir_.path() / file) << value << "\n";
  }
  const fs::path& path() const { return dir_.path(); }

 private:
  support::TempDir dir_;
};

TEST(UserNamespaceRestriction, NamesEachSettingAndItsFix) {
  EXPECT_EQ(
      common::user_namespace_restriction(FakeProcSys("user/max_user_namespaces", "15000").path()),
      "");
  const std::string none =
      common::user_namespace_restriction(FakeProcSys("user/max_user_namespaces", "0").path());
  EXPECT_NE(none.find("user.max_user_namespaces is 0; sudo sysctl -w user.max_user_namespaces="),
            std::string::npos);
  const std::string debian = common::user_namespace_restriction(
      FakeProcSys("kernel/unprivileged_userns_clone", "0").path());
  EXPECT_NE(debian.find("sudo sysctl -w kernel.unprivileged_userns_clone=1"), std::string::npos);
  EXPECT_EQ(common::user_namespace_restriction(
                FakeProcSys("kernel/unprivileged_userns_clone", "1").path()),
            "");
  const std::string ubuntu = common::user_namespace_restriction(
      FakeProcSys("kernel/apparmor_restrict_unprivileged_userns", "1").path());
  EXPECT_NE(ubuntu.find("sudo make apparmor"), std::string::npos);
}

}  // namespace
