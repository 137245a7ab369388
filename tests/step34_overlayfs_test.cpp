#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <string>

#include "tests/support/step_test.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Step34Overlayfs = support::ContainerTest;

// Everything about a tree that a container could change: each entry's path, type, mode,
// owner and size, a link's target and a file's bytes, hashed into one line each.
std::string fingerprint(const fs::path& root) {
  std::ostringstream all;
  std::vector<fs::path> paths;
  for (const auto& entry : fs::recursive_directory_iterator(root)) paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());
  for (const fs::path& path : paths) {
    struct stat info {};
    ::lstat(path.c_str(), &info);
    all << path.lexically_relative(root).native() << ' ' << info.st_mode << ' ' << info.st_uid
        << ':' << info.st_gid << ' ' << info.st_size;
    if (S_ISLNK(info.st_mode)) all << " -> " << fs::read_symlink(path).native();
    if (S_ISREG(info.st_mode)) {
      std::ifstream file(path, std::ios::binary);
      const std::string bytes{std::istreambuf_iterator<char>(file),
                              std::istreambuf_iterator<char>()};
      all << " #" << std::hash<std::string>{}(bytes);
    }
    all << '\n';
  }
  return all.str();
}

TEST_F(Step34Overlayfs, RmRfBinEtcInsideLeavesTheRootfsAsItWasAndTheNextRunWhole) {
  support::reread("Goal");
  const std::string before = fingerprint(rootfs());
  const auto result =
      run_container({"--pids-max", "20", "--", "/bin/busybox", "sh", "-c",
                     "rm -rf /bin /etc && echo x > /newfile && chmod 4755 /newfile && ls /"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(("\n" + result.out).find("\nbin\n"), std::string::npos)
      << "/bin should be gone inside\n"
      << result.describe();
  EXPECT_NE(result.out.find("newfile\n"), std::string::npos) << result.describe();
  EXPECT_EQ(fingerprint(rootfs()), before) << "the container changed its rootfs";
  const auto again =
      run_container({"/bin/sh", "-c", "ls /bin/sh /etc/passwd; test -e /newfile || echo fresh"});
  EXPECT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_EQ(again.out, "/bin/sh\n/etc/passwd\nfresh\n") << again.describe();
  expect_no_mounts_left();
}

TEST_F(Step34Overlayfs, RootlessTooAsNobody) {
  support::reread("Pitfalls");
  const std::string before = fingerprint(rootfs());
  const auto result = run_container({"/bin/sh", "-c", "echo hi > /made-inside && cat /made-inside"},
                                    {.as_user = 65534});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "hi\n") << result.describe();
  EXPECT_EQ(fingerprint(rootfs()), before);
}

TEST_F(Step34Overlayfs, APathTheOverlayCannotTakeIsRefused) {
  support::reread("Pitfalls");
  // The rootfs, by a path with a comma in it: a link to it.
  const support::TempDir place;
  fs::create_directory_symlink(rootfs(), place.path() / "a,b");
  const auto result = run_step({"--rootfs", (place.path() / "a,b").native(), "/bin/true"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("a path with ',' or ':'"), std::string::npos) << result.describe();
}

// Try this 1: `touch /etc/x` inside; the rootfs on the host has no x.
TEST_F(Step34Overlayfs, TryThis1_AFileMadeInsideIsNotInTheRootfs) {
  support::reread("Try this");
  const auto result = run_container({"/bin/touch", "/etc/x"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_FALSE(fs::exists(rootfs() / "etc" / "x"));
  expect_no_mounts_left();
}

// Try this 2: `grep overlay /proc/self/mountinfo` inside: the overlay on /, with the
// paths PID 1 gave it before pivot_root.
TEST_F(Step34Overlayfs, TryThis2_OneOverlayOnRootWithTheHostsPaths) {
  support::reread("Try this");
  const auto result = run_container({"/bin/grep", "overlay", "/proc/self/mountinfo"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '\n'), 1) << result.describe();
  const std::string root = rootfs().native();
  EXPECT_TRUE(std::regex_search(result.out, std::regex("^[0-9]+ [0-9]+ [0-9]+:[0-9]+ / / ")))
      << result.describe();
  for (const std::string& option : {",lowerdir=" + root + ",", ",upperdir=" + root + "/tmp/upper,",
                                    ",workdir=" + root + "/", std::string(",userxattr")}) {
    EXPECT_NE(result.out.find(option), std::string::npos) << option << "\n" << result.describe();
  }
}

// Try this 3: `rm /etc/passwd; ls /etc; id` inside: no passwd, no user name; the host's
// file is still there.
TEST_F(Step34Overlayfs, TryThis3_WithoutPasswdIdPrintsNoUserName) {
  support::reread("Try this");
  const auto result = run_container({"/bin/sh", "-c", "rm /etc/passwd; ls /etc; id"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out.find("passwd"), std::string::npos) << result.describe();
  EXPECT_TRUE(result.out.ends_with("\nuid=0 gid=0(root)\n")) << result.describe();
  EXPECT_TRUE(fs::exists(rootfs() / "etc" / "passwd"));
}

}  // namespace
