#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <utility>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/rootfs.hpp"
#include "tests/support/environment.hpp"

namespace {

namespace fs = std::filesystem;

TEST(Files, WriteThenReadBack) {
  const support::TempDir dir;
  const fs::path file = dir.path() / "value";
  std::ofstream(file).close();
  common::write_file(file, "5");
  EXPECT_EQ(common::read_file(file), "5");
}

TEST(Files, WriteDoesNotCreateAndNamesThePath) {
  const support::TempDir dir;
  const fs::path file = dir.path() / "missing";
  try {
    common::write_file(file, "1");
    FAIL() << "no error";
  } catch (const common::SyscallError& error) {
    EXPECT_EQ(std::string(error.what()), "open(" + file.native() + "): No such file or directory");
  }
  EXPECT_FALSE(fs::exists(file));
}

TEST(Files, ReadMissingNamesThePath) {
  EXPECT_THROW(common::read_file("/no/such/file"), common::SyscallError);
}

TEST(Files, ContainsWord) {
  EXPECT_TRUE(common::contains_word("cpuset cpu io memory pids\n", "pids"));
  EXPECT_TRUE(common::contains_word("pids", "pids"));
  EXPECT_FALSE(common::contains_word("cpuset cpu io memory\n", "pids"));
  EXPECT_FALSE(common::contains_word("pidsx cpu", "pids"));
  EXPECT_FALSE(common::contains_word("", "pids"));
}

TEST(RequireRootfs, MissingFolderNamesItAndTheFix) {
  try {
    common::require_rootfs("/no/such/rootfs", "/bin/sh");
    FAIL() << "no error";
  } catch (const common::RootfsError& error) {
    const std::string text = error.what();
    EXPECT_NE(text.find("/no/such/rootfs: No such file or directory"), std::string::npos) << text;
    EXPECT_NE(text.find("make rootfs"), std::string::npos) << text;
  }
}

TEST(RequireRootfs, MissingAlpineRootfsNamesItsScript) {
  try {
    common::require_rootfs("/no/such/rootfs/alpine/", "/bin/sh");
    FAIL() << "no error";
  } catch (const common::RootfsError& error) {
    EXPECT_NE(std::string(error.what()).find("rootfs/build-alpine.sh"), std::string::npos)
        << error.what();
  }
}

TEST(RequireRootfs, FolderWithoutShellIsRefusedWhenTheShellRuns) {
  const support::TempDir dir;
  fs::create_directories(dir.path() / "etc");
  for (const char* shell : {"/bin/sh", "sh"}) {
    try {
      common::require_rootfs(dir.path(), shell);
      FAIL() << "no error for " << shell;
    } catch (const common::RootfsError& error) {
      EXPECT_NE(std::string(error.what()).find("has no /bin/sh"), std::string::npos)
          << error.what();
    }
  }
}

TEST(RequireRootfs, FolderWithoutShellIsAcceptedForAnotherCommand) {
  // `--rootfs DIR /bin/busybox echo hi` needs no /bin/sh (unshare runs it too).
  const support::TempDir dir;
  fs::create_directories(dir.path() / "bin");
  EXPECT_NO_THROW(common::require_rootfs(dir.path(), "/bin/busybox"));
}

TEST(RequireRootfs, EmptyFolderIsRefused) {
  const support::TempDir dir;
  EXPECT_THROW(common::require_rootfs(dir.path(), "/bin/busybox"), common::RootfsError);
}

TEST(RequireRootfs, MissingMountPointIsNamed) {
  const support::TempDir dir;
  fs::create_directories(dir.path() / "bin");
  fs::create_symlink("busybox", dir.path() / "bin" / "sh");
  EXPECT_NO_THROW(common::require_rootfs(dir.path(), "/bin/sh"));
  try {
    common::require_rootfs(dir.path(), "/bin/sh", {"proc"});
    FAIL() << "no error";
  } catch (const common::RootfsError& error) {
    EXPECT_NE(std::string(error.what()).find("has no folder /proc to mount on"), std::string::npos)
        << error.what();
  }
  fs::create_directories(dir.path() / "proc");
  EXPECT_NO_THROW(common::require_rootfs(dir.path(), "/bin/sh", {"proc"}));
}

TEST(RequireRootfs, AFileIsRefused) {
  const support::TempDir dir;
  std::ofstream(dir.path() / "file").close();
  EXPECT_THROW(common::require_rootfs(dir.path() / "file", "/bin/sh"), common::RootfsError);
}

TEST(RequireRootfs, TheHostRootIsRefused) {
  EXPECT_THROW(common::require_rootfs("/", "/bin/busybox"), common::RootfsError);
  EXPECT_THROW(common::require_rootfs("/usr/..", "/bin/sh", {"proc"}), common::RootfsError);
}

// --keep DIR (step 35): checked through a descriptor of the folder.
std::string why_not_private(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_DIRECTORY | O_CLOEXEC);
  if (fd == -1) return "open failed";
  const std::string why = common::why_not_private(fd);
  ::close(fd);
  return why;
}

TEST(WhyNotPrivate, AFolderOfOurOwnInOneOfOursIsPrivate) {
  const support::TempDir dir;  // mkdtemp(3): 0700, ours, in /tmp (root's, sticky)
  EXPECT_EQ(why_not_private(dir.path()), "");
  fs::create_directory(dir.path() / "layers");
  EXPECT_EQ(why_not_private(dir.path() / "layers"), "");
}

TEST(WhyNotPrivate, AFolderOthersMayWriteInIsNot) {
  const support::TempDir dir;
  fs::create_directory(dir.path() / "layers");
  fs::permissions(dir.path() / "layers", fs::perms::others_write, fs::perm_options::add);
  EXPECT_EQ(why_not_private(dir.path() / "layers"), "others may write in it");
  // Nor one in a folder others may write in, without the sticky bit: they could rename it.
  fs::permissions(dir.path() / "layers", fs::perms::others_write, fs::perm_options::remove);
  fs::permissions(dir.path(), fs::perms::others_all, fs::perm_options::add);
  EXPECT_EQ(why_not_private(dir.path() / "layers"),
            "others may write in the folder it is in, and rename it");
  fs::permissions(dir.path(), fs::perms::sticky_bit, fs::perm_options::add);
  EXPECT_EQ(why_not_private(dir.path() / "layers"), "");
}

TEST(WhyNotPrivate, AnotherUsersFolderIsNot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root, to give a folder away";
  const support::TempDir dir;
  fs::create_directory(dir.path() / "layers");
  ASSERT_EQ(::chown((dir.path() / "layers").c_str(), 65534, 65534), 0);
  EXPECT_EQ(why_not_private(dir.path() / "layers"), "it is uid 65534's, not yours");
  ASSERT_EQ(::chown(dir.path().c_str(), 65534, 65534), 0);
  fs::create_directory(dir.path() / "mine");
  EXPECT_EQ(why_not_private(dir.path() / "mine"),
            "the folder it is in is uid 65534's, who may rename it");
  ASSERT_EQ(::chown(dir.path().c_str(), 0, 0), 0);
}

TEST(RequireRootfs, AbsoluteShellLinkIsAccepted) {
  // Alpine's /bin/sh -> /bin/busybox only resolves inside the chroot.
  const support::TempDir dir;
  fs::create_directories(dir.path() / "bin");
  fs::create_symlink("/bin/busybox-that-only-exists-inside", dir.path() / "bin" / "sh");
  EXPECT_NO_THROW(common::require_rootfs(dir.path(), "/bin/sh"));
}

// Search permission as path_resolution(7) gives it: the owner's bit for the owner, the
// group's for the group, everyone else's for everyone else; checked down to the rootfs.
TEST(RequireReachableBy, EachFolderMustLetThatUserPass) {
  const support::TempDir dir;  // mkdtemp(3): 0700, ours
  fs::create_directories(dir.path() / "rootfs");
  const uid_t stranger = 2000000000;
  try {
    common::require_reachable_by(dir.path() / "rootfs", stranger, stranger);
    ADD_FAILURE() << "a 0700 folder above the rootfs was accepted";
  } catch (const common::RootfsError& error) {
    const std::string what = error.what();
    EXPECT_NE(what.find("may not pass through " + dir.path().native() + " (mode 0700"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("chmod o+x " + dir.path().native()), std::string::npos) << what;
    if (::geteuid() == 0) {  // the owner by the name /etc/passwd gives
      EXPECT_NE(what.find("(mode 0700, owner root)"), std::string::npos) << what;
    }
  }
  EXPECT_NO_THROW(
      common::require_reachable_by(dir.path() / "rootfs", ::geteuid(), stranger));  // the owner
  ::chmod(dir.path().c_str(), 0710);
  EXPECT_NO_THROW(
      common::require_reachable_by(dir.path() / "rootfs", stranger, ::getegid()));  // the group
  EXPECT_THROW(common::require_reachable_by(dir.path() / "rootfs", stranger, stranger),
               common::RootfsError);
  ::chmod(dir.path().c_str(), 0701);
  EXPECT_NO_THROW(
      common::require_reachable_by(dir.path() / "rootfs", stranger, stranger));  // others
  ::chmod((dir.path() / "rootfs").c_str(), 0700);  // the rootfs itself too
  EXPECT_THROW(common::require_reachable_by(dir.path() / "rootfs", stranger, stranger),
               common::RootfsError);
}

// Whether \p fd is an open descriptor of this process (fcntl(2) F_GETFD: EBADF if not).
bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

TEST(Fd, ClosesWhenItGoesOutOfScope) {
  int raw = -1;
  {
    const common::Fd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    raw = fd.get();
    ASSERT_TRUE(is_open(raw));
  }
  EXPECT_FALSE(is_open(raw));
}

TEST(Fd, AMoveHandsTheDescriptorOverAndClosesTheOldOne) {
  common::Fd first(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  common::Fd second(::open("/dev/zero", O_RDONLY | O_CLOEXEC));
  const int kept = first.get(), replaced = second.get();
  second = std::move(first);
  EXPECT_EQ(second.get(), kept);
  EXPECT_EQ(first.get(), -1);  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_FALSE(is_open(replaced));
  EXPECT_TRUE(is_open(kept));
}

// The type of the file system under a path, and what an idmapped mount there needs.
TEST(FilesystemType, NamesProcAndSaysWhatAnIdmappedMountNeeds) {
  EXPECT_EQ(common::filesystem_type("/proc"), "proc");
  EXPECT_EQ(common::idmap_support("/proc"), "on proc");
  EXPECT_THROW(common::filesystem_type("/no/such/folder"), common::SyscallError);
  const std::string type = common::filesystem_type("/dev/shm");
  if (type == "tmpfs") {
    EXPECT_EQ(common::idmap_support("/dev/shm"), "on tmpfs (idmapped mounts from Linux 6.3)");
  }
}

// --- send_fd, receive_fd ----------------------------------------------------------------

class SocketPair : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends_), 0)
        << std::strerror(errno);
  }
  void TearDown() override {
    for (const int end : ends_)
      if (end != -1) ::close(end);
  }
  int ends_[2] = {-1, -1};
};

TEST_F(SocketPair, TheReceivedDescriptorIsTheSameOpenFileAndClosedOnExec) {
  const common::Fd sent(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  ASSERT_NE(sent.get(), -1) << std::strerror(errno);
  common::send_fd(ends_[1], sent.get(), "a file");
  const common::Fd received = common::receive_fd(ends_[0], "a file");
  ASSERT_NE(received.get(), -1);
  EXPECT_NE(received.get(), sent.get());
  struct stat a {
  }, b{};
  ASSERT_EQ(::fstat(sent.get(), &a), 0);
  ASSERT_EQ(::fstat(received.get(), &b), 0);
  EXPECT_EQ(a.st_dev, b.st_dev);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(::fcntl(received.get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  // One open file, two descriptors: a seek through one moves the other.
  ASSERT_EQ(::lseek(sent.get(), 7, SEEK_SET), 7);
  EXPECT_EQ(::lseek(received.get(), 0, SEEK_CUR), 7);
}

TEST_F(SocketPair, AClosedEndGivesNoDescriptor) {
  ::close(std::exchange(ends_[1], -1));
  EXPECT_EQ(common::receive_fd(ends_[0], "a terminal").get(), -1);
}

// Non-blocking, with the other end still open: none sent yet is no descriptor, at once.
TEST_F(SocketPair, NonBlockingNoneSentGivesNoDescriptor) {
  ASSERT_EQ(::fcntl(ends_[0], F_SETFL, O_NONBLOCK), 0) << std::strerror(errno);
  EXPECT_EQ(common::receive_fd(ends_[0], "PID 1").get(), -1);
}

TEST_F(SocketPair, AMessageWithoutADescriptorIsAnError) {
  ASSERT_EQ(::write(ends_[1], "x", 1), 1);
  try {
    common::receive_fd(ends_[0], "a terminal");
    FAIL() << "a byte alone was taken for a descriptor";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("a terminal: the message holds no descriptor"),
              std::string::npos)
        << error.what();
  }
}

TEST(SendFd, AFailureNamesTheCallAndWhat) {
  try {
    common::send_fd(-1, 0, "a terminal");
    FAIL() << "sendmsg on -1 succeeded";
  } catch (const common::SyscallError& error) {
    EXPECT_NE(std::string(error.what()).find("sendmsg(a terminal)"), std::string::npos)
        << error.what();
  }
  try {
    common::receive_fd(-1, "a terminal");
    FAIL() << "recvmsg on -1 succeeded";
  } catch (const common::SyscallError& error) {
    EXPECT_NE(std::string(error.what()).find("recvmsg(a terminal)"), std::string::npos)
        << error.what();
  }
}

}  // namespace
