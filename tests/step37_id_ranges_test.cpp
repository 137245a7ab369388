#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "common/files.hpp"
#include "tests/support/step_test.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class Step37IdRanges : public support::ContainerTest {
 protected:
  std::vector<std::string> sleeper(const std::string& step) const {
    return container_of(step, {"/bin/sh", "-c", "echo ready; exec sleep 3"});
  }
};

// The attacker's side: a host process with one container's ids (a set-user-ID file it
// made, run on the host) kills the other container's PID 1 in step 36, where every
// container's root is host uid 2000000000. From step 37: EPERM (and tests/property_test.cpp
// tries it on every later step).
TEST_F(Step37IdRanges, OneContainersIdsCannotKillAnothersProcesses) {
  support::reread("Goal");
  for (const std::string& step : {std::string(TRY_THIS_STEP_36), program()}) {
    support::Subprocess attacker(sleeper(step)), victim(sleeper(step));
    const pid_t from = support::running_init(attacker), to = support::running_init(victim);
    ASSERT_GT(from, 0) << attacker.so_far().describe();
    ASSERT_GT(to, 0) << victim.so_far().describe();
    const int error = support::kill_as(support::host_root_of(from), to);
    if (step == program()) {
      EXPECT_EQ(error, EPERM) << std::strerror(error);
      EXPECT_EQ(victim.wait(10s).exit_code, 0) << "the other container was killed";
    } else {
      EXPECT_EQ(error, 0) << "step 36: " << std::strerror(error);
      victim.wait(10s);
    }
    attacker.wait(10s);
  }
}

// A kept layer keeps its range: made while another kept layer's container holds the
// lowest free range, it gets a higher one, and the next run on it asks for that one again,
// so root inside owns what the first run wrote. While a container runs on the layer, a
// second is refused (exit 125), never given other ids over it.
TEST_F(Step37IdRanges, AKeptLayerKeepsItsRange) {
  support::reread("Pitfalls");
  support::TempDir place;
  place.open_to_everyone();  // the container's root, another host uid, passes through
  const std::string keep = (place.path() / "layer").native();
  {
    support::Subprocess holder(container(
        {"--keep", (place.path() / "held").native(), "/bin/sh", "-c", "echo ready; exec sleep 3"}));
    ASSERT_GT(support::running_init(holder), 0) << holder.so_far().describe();
    const auto made = run_container({"--keep", keep, "/bin/sh", "-c", "echo kept > /kept"});
    ASSERT_EQ(made.exit_code, 0) << made.describe();
    EXPECT_EQ(holder.wait(10s).exit_code, 0);
  }
  struct stat upper {};
  ASSERT_EQ(::stat((keep + "/upper").c_str(), &upper), 0);
  const auto again = run_container(
      {"--keep", keep, "/bin/sh", "-c", "stat -c %u /kept; echo more >> /kept && echo ok"});
  EXPECT_EQ(again.out, "0\nok\n") << again.describe();
  struct stat now {};
  ASSERT_EQ(::stat((keep + "/upper").c_str(), &now), 0);
  EXPECT_EQ(now.st_uid, upper.st_uid);

  support::Subprocess running(
      container({"--keep", keep, "/bin/sh", "-c", "echo ready; exec sleep 3"}));
  ASSERT_GT(support::running_init(running), 0) << running.so_far().describe();
  const auto refused = run_container({"--keep", keep, "/bin/true"});
  EXPECT_EQ(refused.exit_code, 125) << refused.describe();
  EXPECT_NE(refused.err.find("--keep: its host ids are a running container's"), std::string::npos)
      << refused.describe();
  EXPECT_EQ(running.wait(10s).exit_code, 0);
}

// Rootless, the one id the user may map is the range: nothing to reserve.
TEST_F(Step37IdRanges, StillRootlessRootInsideIsTheCaller) {
  support::reread("What changed");
  const auto result =
      run_container({"/bin/sh", "-c", "cat /proc/self/uid_map"}, {.as_user = 65534});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_NE(result.out.find(" 0 "), std::string::npos) << result.describe();
  EXPECT_NE(result.out.find(" 65534 "), std::string::npos) << result.describe();
}

// Try this 1: two containers of step 37 at once are two host users; of step 36, one.
TEST_F(Step37IdRanges, TryThis1_Step37GivesTwoContainersTwoUsersStep36One) {
  support::reread("Try this");
  for (const std::string& step : {program(), std::string(TRY_THIS_STEP_36)}) {
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

// Try this 2: "0" inside both runs on one kept layer; on the host, one owner, the range's.
TEST_F(Step37IdRanges, TryThis2_StillAKeptLayerIsRootsInsideAndOneRangesOutside) {
  support::reread("Try this");
  support::TempDir place;
  place.open_to_everyone();
  const std::string keep = (place.path() / "layer").native();
  std::vector<unsigned> owners;
  for (int run = 0; run < 2; ++run) {
    const auto result = run_container({"--keep", keep, "/bin/stat", "-c", "%u", "/"});
    EXPECT_EQ(result.out, "0\n") << result.describe();
    struct stat upper {};
    ASSERT_EQ(::stat((keep + "/upper").c_str(), &upper), 0);
    owners.push_back(upper.st_uid);
  }
  EXPECT_EQ(owners[0], owners[1]);
  EXPECT_GE(owners[0], 2000000000u);
}

}  // namespace
