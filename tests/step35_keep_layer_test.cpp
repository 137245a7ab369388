// Step 35: --keep DIR keeps the overlay's upper layer for the next run, and refuses a
// folder another user could have prepared. Against step 34's code --keep is no option.

#include <sys/stat.h>

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
using Step35KeepLayer = support::ContainerTest;

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

TEST_F(Step35KeepLayer, KeepDirHoldsTheWritesForTheNextRun) {
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

// The attack of issue 22, from an ordinary user's side: in a folder anyone may write (as
// /tmp), nobody makes L with L/upper -> a folder of root's; root then runs --keep L.
// Without the checks chown(2) followed the link, gave the folder to root inside, and the
// container wrote into it.
TEST_F(Step35KeepLayer, KeepRefusesAFolderAnotherUserPlantedALinkIn) {
  support::reread("Pitfalls");
  const support::TempDir place;
  fs::permissions(place.path(), fs::perms::all | fs::perms::sticky_bit);
  const fs::path victim = place.path() / "victim", planted = place.path() / "L";
  fs::create_directory(victim);
  const auto plant = support::run({"/bin/sh", "-c", "mkdir L && ln -s \"$0\" L/upper", victim}, 5s,
                                  {.as_user = 65534, .cwd = place.path().native()});
  ASSERT_EQ(plant.exit_code, 0) << plant.describe();
  const auto result =
      run_container({"--keep", planted.native(), "/bin/sh", "-c", "echo x > /planted"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("--keep " + planted.native() + ": refused, it is uid 65534's"),
            std::string::npos)
      << "one line, naming the folder and why\n"
      << result.describe();
  struct stat target {};
  ASSERT_EQ(::stat(victim.c_str(), &target), 0);
  EXPECT_EQ(target.st_uid, 0u) << "the link's target was given to the container";
  EXPECT_EQ(target.st_mode & 07777, 0755u) << "the link's target changed its mode";
  EXPECT_TRUE(fs::is_empty(victim)) << "the container wrote through the planted link";
  expect_no_mounts_left();
}

// A --keep folder of root's, in a folder only root may write: used, and made root
// inside's alone, also where an earlier run left its layers open to everyone (0755).
TEST_F(Step35KeepLayer, KeepMakesTheLayersRootInsidesAlone) {
  support::reread("What changed");
  const support::TempDir place;
  place.open_to_everyone();
  const fs::path keep = place.path() / "layer";
  fs::create_directories(keep / "upper");
  fs::permissions(keep, fs::perms::owner_all);
  fs::permissions(keep / "upper", fs::perms::owner_all | fs::perms::group_read |
                                      fs::perms::group_exec | fs::perms::others_read |
                                      fs::perms::others_exec);
  const auto result = run_container({"--keep", keep.native(), "/bin/sh", "-c", "echo x > /made"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_TRUE(fs::exists(keep / "upper" / "made")) << result.describe();
  struct stat dir {};
  ASSERT_EQ(::stat(keep.c_str(), &dir), 0);
  EXPECT_EQ(dir.st_uid, 0u);
  EXPECT_EQ(dir.st_mode & 07777, 0711u) << "others may pass through DIR, not list it";
  for (const char* layer : {"upper", "work"}) {
    struct stat info {};
    ASSERT_EQ(::lstat((keep / layer).c_str(), &info), 0) << layer;
    EXPECT_EQ(info.st_uid, 2000000000u) << layer << " is not root inside's";
    EXPECT_EQ(info.st_mode & 07777, 0700u) << layer << " is open to other users of the host";
  }
  expect_no_mounts_left();
}

TEST_F(Step35KeepLayer, APathTheOverlayCannotTakeIsRefused) {
  support::reread("Pitfalls");
  const auto result = run_container({"--keep", "/tmp/a,b", "/bin/true"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("a path with ',' or ':'"), std::string::npos) << result.describe();
}

// Try this 1: two runs with --keep DIR: the second sees the first's file. Then `ls -ld`
// DIR and DIR/upper, and `ls DIR/upper` as an ordinary user (nobody).
TEST_F(Step35KeepLayer, TryThis1_TheSecondRunSeesTheFileOthersCannotList) {
  support::reread("Try this");
  const support::TempDir place;
  place.open_to_everyone();
  const std::string layer = (place.path() / "layer").native();
  const auto first = run_container({"--keep", layer, "/bin/touch", "/made-first"});
  EXPECT_EQ(first.exit_code, 0) << first.describe();
  const auto second = run_container({"--keep", layer, "/bin/ls", "/made-first"});
  EXPECT_EQ(second.exit_code, 0) << second.describe();
  EXPECT_EQ(second.out, "/made-first\n") << second.describe();
  const auto listed = support::run(support::on_path({"ls", "-ld", layer, layer + "/upper"}));
  EXPECT_TRUE(std::regex_search(listed.out,
                                std::regex("^drwx--x--x [0-9]+ root +root .*\n"
                                           "drwx------ [0-9]+ 2000000000 2000000000 .*/upper\n$")))
      << listed.describe();
  const auto as_nobody =
      support::run(support::on_path({"ls", layer + "/upper"}), 5s, {.as_user = 65534});
  EXPECT_NE(as_nobody.exit_code, 0) << as_nobody.describe();
  EXPECT_NE(as_nobody.err.find("Permission denied"), std::string::npos) << as_nobody.describe();
  expect_no_mounts_left();
}

// Try this 2: --keep OPEN/layer, where OPEN is mode 777: refused, and the layer folder the
// step made is removed.
TEST_F(Step35KeepLayer, TryThis2_AFolderInAFolderAnyoneMayWriteIsRefused) {
  support::reread("Try this");
  const support::TempDir place;
  place.open_to_everyone();
  const fs::path open = place.path() / "open";
  fs::create_directory(open);
  fs::permissions(open, fs::perms::all);
  const auto result = run_container({"--keep", (open / "layer").native(), "/bin/true"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("others may write in the folder it is in, and rename it"),
            std::string::npos)
      << result.describe();
  EXPECT_FALSE(fs::exists(open / "layer")) << "the step left the layer it made";
}

// Try this 3: K and V of root's (700), K/upper -> V; --keep K: the link is not followed.
TEST_F(Step35KeepLayer, TryThis3_ALinkInAFolderOfRootsIsNotFollowed) {
  support::reread("Try this");
  const support::TempDir place;
  const fs::path k = place.path() / "k", v = place.path() / "v";
  fs::create_directory(k);
  fs::create_directory(v);
  fs::permissions(k, fs::perms::owner_all);
  fs::permissions(v, fs::perms::owner_all);
  fs::create_directory_symlink(v, k / "upper");
  const auto result = run_container({"--keep", k.native(), "/bin/true"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("step35: openat(" + k.native() + "/upper): Not a directory"),
            std::string::npos)
      << result.describe();
  struct stat target {};
  ASSERT_EQ(::stat(v.c_str(), &target), 0);
  EXPECT_EQ(target.st_uid, 0u) << "the link's target was given to the container";
  EXPECT_EQ(target.st_mode & 07777, 0700u);
}

}  // namespace
