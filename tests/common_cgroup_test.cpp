// The cgroup probe against fake cgroup trees in a temporary folder, so pure v2, hybrid
// and legacy v1 hosts are all covered whatever this machine has; and once against the
// real /sys/fs/cgroup.
#include <gtest/gtest.h>

#include <fstream>

#include "common/cgroup.hpp"
#include "tests/support/environment.hpp"

namespace {

namespace fs = std::filesystem;
using common::CgroupLayout;

// A fake cgroup mount: files are created with the given content, folders as needed.
class FakeCgroupTree : public ::testing::Test {
 protected:
  void file(const fs::path& relative, const std::string& content = "") {
    fs::create_directories((root() / relative).parent_path());
    std::ofstream(root() / relative) << content;
  }
  fs::path root() const { return dir_.path(); }

 private:
  support::TempDir dir_;
};

TEST_F(FakeCgroupTree, UnifiedWithPidsEnabled) {
  file("cgroup.controllers", "cpuset cpu io memory pids\n");
  file("cgroup.subtree_control", "cpu memory pids\n");
  file("cgroup.procs");
  const auto parent = common::find_pids_cgroup_parent(root());
  EXPECT_EQ(parent.layout, CgroupLayout::unified);
  EXPECT_EQ(parent.version, 2);
  EXPECT_EQ(parent.dir, root());
  EXPECT_FALSE(parent.enable_in_subtree);
}

TEST_F(FakeCgroupTree, UnifiedWithPidsAvailableButNotEnabled) {
  file("cgroup.controllers", "cpu io memory pids\n");
  file("cgroup.subtree_control", "memory\n");
  const auto parent = common::find_pids_cgroup_parent(root());
  EXPECT_EQ(parent.version, 2);
  EXPECT_TRUE(parent.enable_in_subtree);
}

TEST_F(FakeCgroupTree, UnifiedWithoutPidsIsAClearError) {
  file("cgroup.controllers", "cpu io memory\n");
  file("cgroup.subtree_control", "");
  try {
    common::find_pids_cgroup_parent(root());
    FAIL() << "no error: the container would run unlimited";
  } catch (const common::CgroupError& error) {
    const std::string text = error.what();
    EXPECT_NE(text.find("has no pids controller"), std::string::npos) << text;
    EXPECT_NE(text.find("cpu io memory"), std::string::npos) << text;
  }
}

TEST_F(FakeCgroupTree, HybridUsesTheV1PidsHierarchy) {
  // This VM's layout: v1 controllers beside an empty v2 tree at unified/.
  file("unified/cgroup.controllers", "");
  file("unified/cgroup.subtree_control", "");
  file("pids/cgroup.procs");
  file("pids/tasks");
  file("memory/cgroup.procs");
  const auto parent = common::find_pids_cgroup_parent(root());
  EXPECT_EQ(parent.layout, CgroupLayout::hybrid);
  EXPECT_EQ(parent.version, 1);
  EXPECT_EQ(parent.dir, root() / "pids");
  EXPECT_FALSE(parent.enable_in_subtree);
}

TEST_F(FakeCgroupTree, HybridWithPidsOnTheV2Side) {
  file("unified/cgroup.controllers", "pids\n");
  file("unified/cgroup.subtree_control", "");
  file("memory/cgroup.procs");
  const auto parent = common::find_pids_cgroup_parent(root());
  EXPECT_EQ(parent.layout, CgroupLayout::hybrid);
  EXPECT_EQ(parent.version, 2);
  EXPECT_EQ(parent.dir, root() / "unified");
  EXPECT_TRUE(parent.enable_in_subtree);
}

TEST_F(FakeCgroupTree, HybridWithoutPidsAnywhereIsAClearError) {
  file("unified/cgroup.controllers", "");
  file("unified/cgroup.subtree_control", "");
  file("memory/cgroup.procs");
  EXPECT_THROW(common::find_pids_cgroup_parent(root()), common::CgroupError);
}

TEST_F(FakeCgroupTree, LegacyV1) {
  file("pids/cgroup.procs");
  file("pids/tasks");
  file("cpu/cgroup.procs");
  const auto parent = common::find_pids_cgroup_parent(root());
  EXPECT_EQ(parent.layout, CgroupLayout::legacy);
  EXPECT_EQ(parent.version, 1);
  EXPECT_EQ(parent.dir, root() / "pids");
}

TEST_F(FakeCgroupTree, NoCgroupsAtAllIsAClearError) {
  try {
    common::find_pids_cgroup_parent(root());
    FAIL() << "no error";
  } catch (const common::CgroupError& error) {
    EXPECT_NE(std::string(error.what()).find("no pids cgroup under " + root().native()),
              std::string::npos)
        << error.what();
  }
}

TEST(CgroupLayoutName, Names) {
  EXPECT_EQ(common::to_string(CgroupLayout::unified), "unified");
  EXPECT_EQ(common::to_string(CgroupLayout::hybrid), "hybrid");
  EXPECT_EQ(common::to_string(CgroupLayout::legacy), "legacy");
}

TEST(LiveCgroup, ThisHostHasAUsablePidsParent) {
  const auto parent = common::find_pids_cgroup_parent();
  EXPECT_TRUE(fs::exists(parent.dir / "cgroup.procs")) << parent.dir;
  if (parent.version == 2) {
    EXPECT_TRUE(fs::exists(parent.dir / "cgroup.subtree_control")) << parent.dir;
  }
}

}  // namespace
