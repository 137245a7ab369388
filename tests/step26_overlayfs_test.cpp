#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "tests/support/step_test.hpp"

namespace {

namespace fs = std::filesystem;
using Step26Overlayfs = support::ContainerTest;

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

TEST_F(Step26Overlayfs, RmRfBinEtcInsideLeavesTheRootfsAsItWasAndTheNextRunWhole) {
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

TEST_F(Step26Overlayfs, KeepDirHoldsTheWritesForTheNextRun) {
  support::reread("What changed");
  const support::TempDir keep;
  keep.open_to_everyone();
  const std::string before = fingerprint(rootfs());
  const auto first = run_container({"--keep", keep.path().native(), "--", "/bin/sh", "-c",
                                    "echo kept > /etc/motd && rm /etc/hostname"});
  EXPECT_EQ(first.exit_code, 0) << first.describe();
  const auto second = run_container({"--keep", keep.path().native(), "--", "/bin/sh", "-c",
                                     "cat /etc/motd; test -e /etc/hostname || echo removed"});
  EXPECT_EQ(second.out, "kept\nremoved\n") << second.describe();
  EXPECT_EQ(fingerprint(rootfs()), before) << "the container changed its rootfs";
  // The layer holds the new file, and the deletion as a whiteout (a 0:0 character device).
  struct stat motd {
  }, whiteout{};
  ASSERT_EQ(::stat((keep.path() / "upper" / "etc" / "motd").c_str(), &motd), 0);
  EXPECT_NE(motd.st_uid, 0u)
      << "the layer is not idmapped: root inside is not the host's root there";
  ASSERT_EQ(::lstat((keep.path() / "upper" / "etc" / "hostname").c_str(), &whiteout), 0);
  EXPECT_TRUE(S_ISCHR(whiteout.st_mode) && whiteout.st_rdev == 0)
      << "no whiteout for /etc/hostname";
  expect_no_mounts_left();
}

TEST_F(Step26Overlayfs, RootlessTooAsNobody) {
  support::reread("Pitfalls");
  const std::string before = fingerprint(rootfs());
  const auto result = run_container({"/bin/sh", "-c", "echo hi > /made-inside && cat /made-inside"},
                                    {.as_user = 65534});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "hi\n") << result.describe();
  EXPECT_EQ(fingerprint(rootfs()), before);
}

TEST_F(Step26Overlayfs, APathTheOverlayCannotTakeIsRefused) {
  support::reread("Pitfalls");
  const auto result = run_container({"--keep", "/tmp/a,b", "/bin/true"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("a path with ',' or ':'"), std::string::npos) << result.describe();
}

}  // namespace
