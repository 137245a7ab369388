#include <mqueue.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>
#include <string>

#include "tests/support/step_test.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// System V keys and POSIX queue names of this test's own (its IPC namespace, made by
// isolate_test_process(), is the host's for the step).
const key_t kKey = 0x25000000 + (::getpid() & 0xffff);
const std::string kQueue = "/step36-test-" + std::to_string(::getpid());

class Step36IpcNamespace : public support::ContainerTest {
 protected:
  void SetUp() override {
    support::ContainerTest::SetUp();
    if (IsSkipped()) return;
    fs::copy_file(ESCAPE_PROGRAM, rootfs() / "escape");
    fs::permissions(rootfs() / "escape", fs::perms::all);
  }
  // Whether the host's IPC namespace holds the segment kKey or the queue kQueue; removes
  // them, so that a step that leaves them (33) leaves nothing.
  static bool host_has_them() {
    bool found = false;
    if (const int id = ::shmget(kKey, 0, 0); id != -1) {
      found = true;
      ::shmctl(id, IPC_RMID, nullptr);
    }
    return ::mq_unlink(kQueue.c_str()) == 0 || found;
  }
};

// A host program's shared memory segment and message queue, open to everyone: inside,
// /proc/sysvipc/shm lists neither the segment nor anything of the host's, and
// /dev/mqueue is the container's own, empty.
TEST_F(Step36IpcNamespace, TheHostsIpcObjectsAreOutOfSight) {
  support::reread("Goal");
  const int segment = ::shmget(kKey, 4096, IPC_CREAT | IPC_EXCL | 0666);
  ASSERT_NE(segment, -1) << std::strerror(errno);
  const mqd_t queue = ::mq_open(kQueue.c_str(), O_CREAT | O_EXCL | O_RDWR, 0666, nullptr);
  ASSERT_NE(queue, static_cast<mqd_t>(-1)) << std::strerror(errno);
  ::mq_close(queue);
  const auto result = run_container(
      {"/bin/sh", "-c", "tail -n +2 /proc/sysvipc/shm | wc -l; ls -A /dev/mqueue | wc -l"});
  ::shmctl(segment, IPC_RMID, nullptr);
  ::mq_unlink(kQueue.c_str());
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "0\n0\n") << "the host's segments and queues seen inside\n"
                                  << result.describe();
  expect_no_mounts_left();
}

// What the container makes, /dev/mqueue shows inside, and the host never sees.
TEST_F(Step36IpcNamespace, DevMqueueShowsTheContainersQueuesAndTheHostNone) {
  support::reread("What changed");
  const auto result = run_container({"/bin/sh", "-c",
                                     "/escape make_ipc " + std::to_string(kKey) + " " + kQueue +
                                         " && ls /dev/mqueue && mount | grep ' /dev/mqueue '"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_NE(result.out.find("\n" + kQueue.substr(1) + "\n"), std::string::npos)
      << result.describe();
  EXPECT_NE(result.out.find("mqueue on /dev/mqueue type mqueue (rw,nosuid,nodev,noexec"),
            std::string::npos)
      << result.describe();
  EXPECT_FALSE(host_has_them()) << "the container's IPC objects are the host's";
  expect_no_mounts_left();
}

// Rootless too: the IPC namespace belongs to the container's user namespace, where PID 1
// may mount mqueue.
TEST_F(Step36IpcNamespace, RootlessAsNobodyTheObjectsAreItsOwnToo) {
  support::reread("Pitfalls");
  const auto result = run_container(
      {"/bin/sh", "-c",
       "/escape make_ipc " + std::to_string(kKey) + " " + kQueue + " && ls /dev/mqueue"},
      {.as_user = 65534});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_NE(result.out.find("\n" + kQueue.substr(1) + "\n"), std::string::npos)
      << result.describe();
  EXPECT_FALSE(host_has_them()) << "the container's IPC objects are the host's";
}

// Try this 1: `readlink /proc/self/ns/ipc` on the host (here the test's own IPC namespace,
// isolate_test_process()), inside step 34 (the same) and step 36 (another).
TEST_F(Step36IpcNamespace, TryThis1_Step34SharesTheHostsIpcNamespaceStep36HasItsOwn) {
  support::reread("Try this");
  const std::string host = fs::read_symlink("/proc/self/ns/ipc").native() + "\n";
  EXPECT_TRUE(host.starts_with("ipc:[")) << host;
  const std::vector<std::string> command = {"/bin/readlink", "/proc/self/ns/ipc"};
  const auto step34 = run_container_of(TRY_THIS_STEP_34, command);
  EXPECT_EQ(step34.out, host) << step34.describe();
  const auto step36 = run_container(command);
  EXPECT_EQ(step36.exit_code, 0) << step36.describe();
  EXPECT_TRUE(step36.out.starts_with("ipc:[")) << step36.describe();
  EXPECT_NE(step36.out, host) << step36.describe();
}

// Try this 2: a message queue on the host (as `ipcmk -Q` makes), then
// `cat /proc/sysvipc/msg` inside step 34 (the queue is listed) and step 36 (the heading only).
TEST_F(Step36IpcNamespace, TryThis2_Step34ListsTheHostsQueueStep36OnlyTheHeading) {
  support::reread("Try this");
  const int queue = ::msgget(IPC_PRIVATE, IPC_CREAT | 0644);
  ASSERT_NE(queue, -1) << std::strerror(errno);
  const std::vector<std::string> command = {"/bin/cat", "/proc/sysvipc/msg"};
  const auto step34 = run_container_of(TRY_THIS_STEP_34, command);
  const auto step36 = run_container(command);
  ::msgctl(queue, IPC_RMID, nullptr);
  EXPECT_TRUE(std::regex_search(step34.out, std::regex("\\n +0 +" + std::to_string(queue) + " ")))
      << step34.describe();
  EXPECT_TRUE(step36.out.starts_with("       key      msqid")) << step36.describe();
  EXPECT_EQ(std::count(step36.out.begin(), step36.out.end(), '\n'), 1) << step36.describe();
}

}  // namespace
