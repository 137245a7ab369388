#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/files.hpp"
#include "tests/support/step_test.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class Step39IdRanges : public support::ContainerTest {
 protected:
  std::vector<std::string> sleeper(const std::string& step) const {
    return container_of(step, {"/bin/sh", "-c", "echo ready; exec sleep 3"});
  }
};

// The attacker's side: a host process with one container's ids (a set-user-ID file it
// made, run on the host) kills the other container's PID 1 in step 38, where every
// container's root is host uid 2000000000. From step 39: EPERM (and tests/property_test.cpp
// tries it on every later step).
TEST_F(Step39IdRanges, OneContainersIdsCannotKillAnothersProcesses) {
  support::reread("Goal");
  for (const std::string& step : {std::string(TRY_THIS_STEP_38), program()}) {
    support::Subprocess attacker(sleeper(step)), victim(sleeper(step));
    const pid_t from = support::running_init(attacker), to = support::running_init(victim);
    ASSERT_GT(from, 0) << attacker.so_far().describe();
    ASSERT_GT(to, 0) << victim.so_far().describe();
    const int error = support::kill_as(support::host_root_of(from), to);
    if (step == program()) {
      EXPECT_EQ(error, EPERM) << std::strerror(error);
      EXPECT_EQ(victim.wait(10s).exit_code, 0) << "the other container was killed";
    } else {
      EXPECT_EQ(error, 0) << "step 38: " << std::strerror(error);
      victim.wait(10s);
    }
    attacker.wait(10s);
  }
}

// A container with --keep still takes range 0, as in step 38: every kept layer's, with no
// lock (step 40 gives each layer a range of its own).
TEST_F(Step39IdRanges, StillAKeptLayerIsRangeZeros) {
  support::reread("Pitfalls");
  support::TempDir place;
  place.open_to_everyone();  // the container's root, another host uid, passes through
  const std::string keep = (place.path() / "layer").native();
  const auto result = run_container({"--keep", keep, "/bin/sh", "-c", "cat /proc/self/uid_map"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_NE(result.out.find(" 0 2000000000 "), std::string::npos) << result.describe();
  struct stat upper {};
  ASSERT_EQ(::stat((keep + "/upper").c_str(), &upper), 0);
  EXPECT_EQ(upper.st_uid, 2000000000u);
}

// Rootless, the one id the user may map is the range: nothing to reserve.
TEST_F(Step39IdRanges, StillRootlessRootInsideIsTheCaller) {
  support::reread("What changed");
  const auto result =
      run_container({"/bin/sh", "-c", "cat /proc/self/uid_map"}, {.as_user = 65534});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_NE(result.out.find(" 0 "), std::string::npos) << result.describe();
  EXPECT_NE(result.out.find(" 65534 "), std::string::npos) << result.describe();
}

// Try this 1: two containers of step 39 at once are two host users; of step 38, one.
TEST_F(Step39IdRanges, TryThis1_Step39GivesTwoContainersTwoUsersStep38One) {
  support::reread("Try this");
  for (const std::string& step : {program(), std::string(TRY_THIS_STEP_38)}) {
    support::Subprocess first(sleeper(step)), second(sleeper(step));
    const pid_t one = support::running_init(first), two = support::running_init(second);
    ASSERT_GT(one, 0) << first.so_far().describe();
    ASSERT_GT(two, 0) << second.so_far().describe();
    if (step == program())
      EXPECT_NE(support::host_root_of(one), support::host_root_of(two));
    else
      EXPECT_EQ(support::host_root_of(one), support::host_root_of(two));
    first.wait(10s);
    second.wait(10s);
  }
}

// Try this 2: while the container runs, the host's /proc/locks shows the step's open file
// description lock (OFDLCK) on the byte of its range, in the lock file.
TEST_F(Step39IdRanges, TryThis2_ProcLocksShowsTheRangesByteLocked) {
  support::reread("Try this");
  support::Subprocess process(sleeper(program()));
  const pid_t init = support::running_init(process);
  ASSERT_GT(init, 0) << process.so_far().describe();
  const unsigned range = (support::host_root_of(init) - 2000000000u) / 65536;
  struct stat lock_file {};
  ASSERT_EQ(::stat("/run/container-course-ids.lock", &lock_file), 0) << std::strerror(errno);
  // "1: OFDLCK ADVISORY  WRITE -1 08:01:1234 1023 1023" (proc(5), /proc/locks)
  const std::string inode = ":" + std::to_string(lock_file.st_ino) + " ";
  const std::string bytes = " " + std::to_string(range) + " " + std::to_string(range);
  std::vector<std::string> found;
  std::ifstream locks("/proc/locks");
  for (std::string line; std::getline(locks, line);)
    if (line.find("OFDLCK") != std::string::npos && line.find(inode) != std::string::npos &&
        line.ends_with(bytes))
      found.push_back(line);
  EXPECT_EQ(found.size(), 1u) << "range " << range;
  EXPECT_EQ(process.wait(10s).exit_code, 0);
}

}  // namespace
