// Step 48: `create ID` sets the container up and leaves PID 1 waiting, `start ID` lets it
// run the command. Against step 47's code these fail: `create` is taken for a command.

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/bundle_test.hpp"

namespace {

using namespace std::chrono_literals;

class Step48CreateStart : public support::RuntimeTest {
 protected:
  support::ProcessResult start(const std::string& id) const { return runtime({"start", id}); }
};

// After create, PID 1 runs and the command has not started; start starts it, once.
TEST_F(Step48CreateStart, CreateWaitsAndStartRunsTheCommand) {
  support::reread("Goal");
  write_config(R"(["/bin/sh", "-c", "echo the-command-ran; exit 4"])");
  ASSERT_EQ(create("box").exit_code, 0) << output();
  const pid_t pid = pid1();
  ASSERT_GT(pid, 0) << "no PID in the pid file";
  EXPECT_EQ(::kill(pid, 0), 0) << "PID 1 is not running after create";
  EXPECT_TRUE(std::filesystem::exists(state() / "box" / "exec.fifo"));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(output().find("the-command-ran"), std::string::npos) << "it ran before start";
  const auto started = start("box");
  EXPECT_EQ(started.exit_code, 0) << started.describe();
  EXPECT_NE(support::wait_for_text(out(), "the-command-ran\n", 10s).find("the-command-ran\n"),
            std::string::npos)
      << output();
  ASSERT_FALSE(std::filesystem::exists(state() / "box")) << "start leaves the folder";
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  const auto again = start("box");
  EXPECT_EQ(again.exit_code, 125) << again.describe();
}

// Two containers may not share an ID: the second create is refused, the first stays.
TEST_F(Step48CreateStart, AnIdInUseIsRefused) {
  support::reread("What changed");
  write_config(R"(["true"])");
  ASSERT_EQ(create("box").exit_code, 0) << output();
  const pid_t pid = pid1();
  const auto second = create("box");
  EXPECT_EQ(second.exit_code, 125);
  EXPECT_NE(output().find("File exists"), std::string::npos) << output();
  EXPECT_EQ(start("box").exit_code, 0);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
}

// An ID is a name in --root, not a path out of it.
TEST_F(Step48CreateStart, AnIdThatIsAPathIsRefused) {
  support::reread("Pitfalls");
  write_config(R"(["true"])");
  for (const std::string id : {"../box", "a/b", "..", ""}) {
    EXPECT_EQ(create(id).exit_code, 125) << id;
    EXPECT_NE(output().find("give one ID, a name without '/'"), std::string::npos) << output();
  }
  EXPECT_FALSE(std::filesystem::exists(bundle() / "box"));
}

// A create that fails once PID 1 is set up (its --pid-file is a folder) leaves no folder.
TEST_F(Step48CreateStart, AFailedCreateLeavesNothing) {
  support::reread("What changed");
  write_config(R"(["true"])");
  std::filesystem::create_directory(bundle() / "pid");
  EXPECT_EQ(create("box").exit_code, 125) << output();
  EXPECT_NE(output().find("container started"), std::string::npos) << "PID 1 set up: " << output();
  EXPECT_TRUE(std::filesystem::exists(state())) << "create made --root";
  EXPECT_FALSE(std::filesystem::exists(state() / "box")) << output();
}

// Killed while created, PID 1's janitor removes its cgroups; start then finds nothing.
TEST_F(Step48CreateStart, ACreatedContainerKilledLeavesNoCgroup) {
  support::reread("Pitfalls");
  write_config(R"(["true"])");
  ASSERT_EQ(create("box").exit_code, 0) << output();
  const pid_t pid = pid1();
  ASSERT_GT(pid, 0);
  const std::filesystem::path pids = support::cgroup_of(pid, "pids");
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  EXPECT_TRUE(support::gone_within(pids, 5s)) << pids;
  std::filesystem::remove_all(state() / "box");  // the folder: `delete`'s, from a later step
}

// Try this 1: cat, a reader of the FIFO, lets PID 1 go as start would: it prints PID 1's
// byte and the command runs. The folder stays, and a start after it waits 10 s for a
// byte that never comes.
TEST_F(Step48CreateStart, TryThis1_CatOnTheFifoLetsPid1Go) {
  support::reread("Goal");
  write_config(R"(["echo", "the command runs"])");
  ASSERT_EQ(create("box").exit_code, 0) << output();
  const pid_t pid = pid1();
  ASSERT_GT(pid, 0);
  const auto cat = support::run(support::on_path({"cat", state() / "box" / "exec.fifo"}), 10s);
  EXPECT_EQ(cat.out, "1") << cat.describe();
  EXPECT_NE(support::wait_for_text(out(), "the command runs\n", 10s).find("the command runs\n"),
            std::string::npos)
      << output();
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  EXPECT_TRUE(std::filesystem::exists(state() / "box"));
  const auto started = start("box");
  EXPECT_EQ(started.exit_code, 125) << started.describe();
  EXPECT_NE(started.err.find("PID 1 did not go on within 10 s"), std::string::npos)
      << started.describe();
  std::filesystem::remove_all(state() / "box");  // the folder: `delete`'s, from a later step
}

// Try this 2: podman's first words, --log-format=json --log FILE, are not the step's yet.
TEST_F(Step48CreateStart, TryThis2_PodmansLogOptionsAreRefused) {
  support::reread("Pitfalls");
  write_config(R"(["true"])");
  const auto result =
      run_step({"--root", state().native(), "--log-format=json", "--log",
                (bundle() / "log").native(), "create", "--bundle", bundle().native(), "box"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_EQ(result.err, "step48: unknown option '--log-format=json' (try --help)\n")
      << result.describe();
  EXPECT_FALSE(std::filesystem::exists(state() / "box"));
}

// Try this 3: PID 1 killed after create: the janitor removes the cgroups, but the folder
// stays, and start fails after 10 s, as nothing will ever write to the FIFO.
TEST_F(Step48CreateStart, TryThis3_APid1KilledBeforeStartLeavesItsFolder) {
  support::reread("Pitfalls");
  write_config(R"(["true"])");
  ASSERT_EQ(create("box").exit_code, 0) << output();
  const pid_t pid = pid1();
  ASSERT_GT(pid, 0);
  const std::filesystem::path pids = support::cgroup_of(pid, "pids");
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  EXPECT_TRUE(support::gone_within(pids, 5s)) << pids;
  EXPECT_TRUE(std::filesystem::exists(state() / "box" / "exec.fifo"));
  const auto started = start("box");
  EXPECT_EQ(started.exit_code, 125) << started.describe();
  EXPECT_NE(started.err.find("PID 1 did not go on within 10 s"), std::string::npos)
      << started.describe();
  std::filesystem::remove_all(state() / "box");  // the folder: `delete`'s, from a later step
}

// --detach still runs the container at once.
TEST_F(Step48CreateStart, StillDetachRunsAtOnce) {
  support::reread("Goal");
  write_config(R"(["/bin/sh", "-c", "echo ran"])");
  const auto result = support::run_into_file(
      step({"--detach", "--pid-file", pid_file(), "--bundle", bundle()}), out());
  EXPECT_EQ(result.exit_code, 0) << output();
  EXPECT_NE(support::wait_for_text(out(), "ran\n", 10s).find("ran\n"), std::string::npos);
  EXPECT_TRUE(support::reaped_within(pid1(), 5s));
}

}  // namespace
