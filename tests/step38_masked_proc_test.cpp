#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/step_test.hpp"

namespace {

namespace fs = std::filesystem;

// Rootless, as nobody (uid 65534): the masks need no root.
const support::ProcessOptions kNobody{.as_user = 65534};

// Docker's masked folders that this machine's kernel has (no sound card: no asound): the
// container sees the same kernel.
std::vector<std::string> masked_folders_here() {
  std::vector<std::string> found;
  for (const char* folder : {"/proc/acpi", "/proc/asound", "/proc/scsi"})
    if (fs::is_directory(folder)) found.push_back(folder);
  return found;
}

// Reads the masked files that every kernel has, then lists each masked folder this one has
// and tries to write in it (it says so if it could).
std::string read_the_masked_paths() {
  std::string script = "cat /proc/interrupts /proc/keys";
  for (const std::string& folder : masked_folders_here())
    script +=
        "; ls -A " + folder + "; touch " + folder + "/x 2>/dev/null && echo wrote in " + folder;
  return script + "; echo end";
}

// Writes kernel.shmmax the value it holds: a sysctl of the container's own IPC namespace,
// which its root owns (steps 36 and 37 let it write there). Nothing changes either way.
const std::string kWriteOwnSysctl =
    "v=$(cat /proc/sys/kernel/shmmax) && echo $v >/proc/sys/kernel/shmmax && echo written";

class Step38MaskedProc : public support::ContainerTest {};

// /proc/interrupts (the host's devices and their activity) and /proc/keys read empty:
// /dev/null is bound on them. The masked folders list nothing, and take no file: an empty
// read-only tmpfs.
TEST_F(Step38MaskedProc, TheMaskedPathsReadEmpty) {
  support::reread("Goal");
  const auto result = run_container({"/bin/sh", "-c", read_the_masked_paths()});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "end\n") << result.describe();
  expect_no_mounts_left();
}

// /proc/sys is read-only: even the sysctl root inside owns gets EROFS.
TEST_F(Step38MaskedProc, ProcSysRefusesEvenTheContainersOwnSysctls) {
  support::reread("Goal");
  const auto result = run_container({"/bin/sh", "-c", kWriteOwnSysctl});
  EXPECT_NE(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "") << result.describe();
  EXPECT_NE(result.err.find("/proc/sys/kernel/shmmax: Read-only file system"), std::string::npos)
      << result.describe();
}

// Without root the same: the container's user namespace owns its mount namespace, and
// may stack mounts on /proc.
TEST_F(Step38MaskedProc, RootlessTheMasksHoldToo) {
  support::reread("What changed");
  const auto read = run_container({"/bin/sh", "-c", read_the_masked_paths()}, kNobody);
  EXPECT_EQ(read.exit_code, 0) << read.describe();
  EXPECT_EQ(read.out, "end\n") << read.describe();
  const auto write = run_container({"/bin/sh", "-c", kWriteOwnSysctl}, kNobody);
  EXPECT_NE(write.err.find("/proc/sys/kernel/shmmax: Read-only file system"), std::string::npos)
      << write.describe();
}

// Each read-only path this kernel has is a mount of its own, ro, and still nosuid, nodev,
// noexec as /proc is (proc(5): mountinfo's fifth field is the mount point, the sixth
// its options).
TEST_F(Step38MaskedProc, TheReadOnlyPathsAreReadOnlyMounts) {
  support::reread("What changed");
  const auto result = run_container({"/bin/cat", "/proc/self/mountinfo"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  for (const char* path :
       {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}) {
    if (!fs::exists(path)) continue;
    EXPECT_NE(result.out.find(std::string(" ") + path + " ro,nosuid,nodev,noexec,"),
              std::string::npos)
        << path << " is no read-only mount\n"
        << result.describe();
  }
}

// The command cannot take a mask off: umount needs CAP_SYS_ADMIN (gone since 21) and the
// filter refuses it (22).
TEST_F(Step38MaskedProc, TheCommandCannotUnmountAMask) {
  support::reread("Pitfalls");
  const auto result =
      run_container({"/bin/sh", "-c", "umount /proc/interrupts; cat /proc/interrupts; echo end"});
  EXPECT_EQ(result.out, "end\n") << result.describe();
  EXPECT_NE(result.err.find("Operation not permitted"), std::string::npos) << result.describe();
}

// Try this 1: step 37 shows the host's interrupts, heading and first line; step 38 nothing.
TEST_F(Step38MaskedProc, TryThis1_Step37ShowsTheHostsInterruptsStep38Nothing) {
  support::reread("Try this");
  const std::vector<std::string> command = {"head", "-2", "/proc/interrupts"};
  const auto step37 = run_container_of(TRY_THIS_STEP_37, command, kNobody);
  EXPECT_NE(step37.out.find("CPU0"), std::string::npos) << step37.describe();
  const auto step38 = run_container(command, kNobody);
  EXPECT_EQ(step38.exit_code, 0) << step38.describe();
  EXPECT_EQ(step38.out, "") << step38.describe();
}

// Try this 2: the masks in mountinfo: /dev/null (devtmpfs's /null) on the files, proc's
// own folders bound read-only.
TEST_F(Step38MaskedProc, TryThis2_MountinfoShowsTheMasks) {
  support::reread("Try this");
  const auto result = run_container({"/bin/grep", " /proc/", "/proc/self/mountinfo"}, kNobody);
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_NE(result.out.find("/null /proc/interrupts "), std::string::npos) << result.describe();
  EXPECT_NE(result.out.find("/sys /proc/sys ro,"), std::string::npos) << result.describe();
}

// Try this 3: step 37 writes its IPC namespace's kernel.shmmax; step 38 gets EROFS. An
// older kernel lets no IPC namespace's root write it: the answer's "written" cannot show.
TEST_F(Step38MaskedProc, TryThis3_Step37WritesTheSysctlStep38Refuses) {
  support::reread("Try this");
  if (const std::string why = support::no_ipc_sysctl_for_its_root(); !why.empty())
    GTEST_SKIP() << why;
  const std::vector<std::string> command = {"/bin/sh", "-c", kWriteOwnSysctl};
  const auto step37 = run_container_of(TRY_THIS_STEP_37, command, kNobody);
  EXPECT_EQ(step37.out, "written\n") << step37.describe();
  const auto step38 = run_container(command, kNobody);
  EXPECT_NE(step38.err.find("Read-only file system"), std::string::npos) << step38.describe();
}

}  // namespace
