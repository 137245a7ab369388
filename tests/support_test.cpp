// The test harness itself: a test that cannot fail is a defect, and so is a harness
// that hides a hang or an orphan.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "tests/support/environment.hpp"
#include "tests/support/subprocess.hpp"

namespace {

using namespace std::chrono_literals;

TEST(Subprocess, CapturesOutputAndStatus) {
  const auto result = support::run({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.out, "out\n");
  EXPECT_EQ(result.err, "err\n");
  EXPECT_FALSE(result.timed_out);
}

TEST(Subprocess, FeedsInput) {
  const auto result = support::run({"/bin/cat"}, 5s, {.input = "hello\n"});
  EXPECT_EQ(result.out, "hello\n");
}

TEST(Subprocess, KillsAHungProgramAtTheTimeout) {
  const auto start = std::chrono::steady_clock::now();
  const auto result = support::run({"/bin/sleep", "30"}, 300ms);
  EXPECT_TRUE(result.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(Subprocess, ReportsSignalsAs128PlusN) {
  EXPECT_EQ(support::run({"/bin/sh", "-c", "kill -TERM $$"}).exit_code, 143);
}

TEST(Subprocess, WaitsForOutput) {
  support::Subprocess process({"/bin/sh", "-c", "echo ready; exec sleep 30"});
  EXPECT_TRUE(process.wait_for_output("ready", 5s));
  process.signal(SIGTERM);
  const auto result = process.wait(5s);
  EXPECT_EQ(result.exit_code, 143);
  EXPECT_FALSE(result.left_processes);
}

TEST(Subprocess, ReportsAndKillsWhatTheProgramLeftRunning) {
  support::become_subreaper();  // the orphaned sleep comes to us, so we can reap it below
  support::Subprocess process({"/bin/sh", "-c", "sleep 30 & echo ready; wait"});
  EXPECT_TRUE(process.wait_for_output("ready", 5s));
  process.signal(SIGTERM);  // the shell ends, its sleep would go on
  const auto result = process.wait(5s);
  EXPECT_EQ(result.exit_code, 143);
  EXPECT_TRUE(result.left_processes);
  EXPECT_EQ(support::reap_orphans(2s), 1);  // killed, so it ends at once
  EXPECT_NE(::kill(-process.pid(), 0), 0) << "the leftover sleep is still running";
}

TEST(Subprocess, ExtraEnvironment) {
  const auto result = support::run({"/bin/sh", "-c", "echo $X"}, 5s, {.extra_env = {"X=42"}});
  EXPECT_EQ(result.out, "42\n");
}

TEST(Orphans, AnAbandonedChildIsCounted) {
  support::become_subreaper();
  const auto result = support::run({"/bin/sh", "-c", "sleep 0.2 & exit 0"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(support::reap_orphans(2s), 1);
  EXPECT_EQ(support::reap_orphans(), 0);
}

// Ends like a step with threads (43 on) killed with the shell that started it: its main
// thread first, then its other thread 500 ms later; only then is its child, a janitor,
// re-parented to the test. The janitor writes to \p done when its work is done, 300 ms later.
[[noreturn]] void end_like_a_killed_step(int done) {
  if (::fork() == 0) {
    std::this_thread::sleep_for(800ms);
    ::_exit(::write(done, "1", 1) == 1 ? 0 : 1);
  }
  std::thread([] {
    std::this_thread::sleep_for(500ms);
    ::_exit(0);
  }).detach();
  ::syscall(SYS_exit, 0);  // this thread only (exit(2)): a zombie while the other runs
  ::_exit(0);
}

// Such a step shows as a zombie while its last thread ends, its janitor not yet ours: a
// kill_orphans() that stopped waiting then killed the janitor before it had removed the
// step's cgroups (a mutant of step 43 killed at its test's timeout left two behind).
TEST(Orphans, AJanitorThatComesLateGetsToFinish) {
  support::become_subreaper();
  int done[2];
  ASSERT_EQ(::pipe2(done, O_CLOEXEC | O_NONBLOCK), 0);
  const pid_t shell = ::fork();  // `sh -c "step | cat"`, killed
  if (shell == 0) {
    if (::fork() == 0) end_like_a_killed_step(done[1]);
    ::_exit(0);
  }
  ::close(done[1]);
  ::waitpid(shell, nullptr, 0);
  EXPECT_EQ(support::kill_orphans(), 0);
  char byte = 0;
  EXPECT_EQ(::read(done[0], &byte, 1), 1) << "kill_orphans() did not wait for the janitor";
  support::reap_orphans(2s);  // the janitor, if kill_orphans() left it running
  ::close(done[0]);
}

TEST(TempDir, IsRemovedWithWhatIsMountedInIt) {
  std::filesystem::path where;
  {
    const support::TempDir dir;
    where = dir.path();
    EXPECT_TRUE(std::filesystem::is_directory(where));
    EXPECT_TRUE(support::mounts_under(where).empty());
  }
  EXPECT_FALSE(std::filesystem::exists(where));
}

}  // namespace
