#include <fcntl.h>
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

class Step40KeptIds : public support::ContainerTest {
 protected:
  // A container on the kept layer `keep` that runs until the test has looked at it.
  std::vector<std::string> kept_sleeper(const std::string& step, const std::string& keep) const {
    return container_of(step, {"--keep", keep, "/bin/sh", "-c", "echo ready; exec sleep 3"});
  }
};

// What open(2) of \p path for reading gives a host process with uid and gid \p id and no
// groups (a set-user-ID file a container made in its kept layer, run on the host): 0, or
// the errno.
int open_as(unsigned id, const std::string& path) {
  const pid_t child = ::fork();
  if (child == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(id, id, id) != 0 ||
        ::setresuid(id, id, id) != 0)
      ::_exit(255);
    ::_exit(::open(path.c_str(), O_RDONLY | O_CLOEXEC) == -1 ? errno : 0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

// The attacker's side, between two kept layers: in step 39 both are range 0, one host user,
// so a host process with one's ids kills the other's PID 1 and reads the other's files.
// From step 40 on: EPERM and EACCES (and tests/property_test.cpp tries it on every later step).
TEST_F(Step40KeptIds, OneKeptLayersIdsCannotKillAnotherOrReadItsFiles) {
  support::reread("Goal");
  for (const std::string& step : {std::string(TRY_THIS_STEP_39), program()}) {
    support::TempDir place;
    place.open_to_everyone();  // the containers' roots, other host uids, pass through
    const std::string mine = (place.path() / "mine").native();
    const std::string theirs = (place.path() / "theirs").native();
    const auto wrote =
        run_container_of(step, {"--keep", theirs, "/bin/sh", "-c", "echo secret > /secret"});
    ASSERT_EQ(wrote.exit_code, 0) << wrote.describe();
    // The victim first, on its range; the attacker's new layer then takes another.
    support::Subprocess victim(kept_sleeper(step, theirs));
    const pid_t to = support::running_init(victim);
    ASSERT_GT(to, 0) << victim.so_far().describe();
    support::Subprocess attacker(kept_sleeper(step, mine));
    const pid_t from = support::running_init(attacker);
    ASSERT_GT(from, 0) << attacker.so_far().describe();
    const unsigned id = support::host_root_of(from);
    const int read = open_as(id, theirs + "/upper/secret");
    const int killed = support::kill_as(id, to);
    if (step == program()) {
      EXPECT_EQ(read, EACCES) << std::strerror(read);
      EXPECT_EQ(killed, EPERM) << std::strerror(killed);
      EXPECT_EQ(victim.wait(10s).exit_code, 0) << "the other container was killed";
    } else {
      EXPECT_EQ(read, 0) << "step 39: " << std::strerror(read);
      EXPECT_EQ(killed, 0) << "step 39: " << std::strerror(killed);
      victim.wait(10s);
    }
    attacker.wait(10s);
  }
}

// A kept layer keeps its range: made while another kept layer's container holds a range,
// it gets one of its own, and the next run on it asks for that one again,
// so root inside owns what the first run wrote. While a container runs on the layer, a
// second is refused (exit 125), never given other ids over it.
TEST_F(Step40KeptIds, AKeptLayerKeepsItsRange) {
  support::reread("Pitfalls");
  support::TempDir place;
  place.open_to_everyone();
  const std::string keep = (place.path() / "layer").native();
  {
    support::Subprocess holder(kept_sleeper(program(), (place.path() / "held").native()));
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

  support::Subprocess running(kept_sleeper(program(), keep));
  ASSERT_GT(support::running_init(running), 0) << running.so_far().describe();
  const auto refused = run_container({"--keep", keep, "/bin/true"});
  EXPECT_EQ(refused.exit_code, 125) << refused.describe();
  EXPECT_NE(refused.err.find("--keep: its host ids are a running container's"), std::string::npos)
      << refused.describe();
  EXPECT_EQ(running.wait(10s).exit_code, 0);
}

// Try this 1: a layer made by step 40 while another is in use gets another owner on the
// host; made by step 39, the same.
TEST_F(Step40KeptIds, TryThis1_Step40GivesTwoLayersInUseTwoOwnersStep39One) {
  support::reread("Try this");
  for (const std::string& step : {program(), std::string(TRY_THIS_STEP_39)}) {
    support::TempDir place;
    place.open_to_everyone();
    const std::string a = (place.path() / "a").native(), b = (place.path() / "b").native();
    support::Subprocess in_use(kept_sleeper(step, a));
    ASSERT_GT(support::running_init(in_use), 0) << in_use.so_far().describe();
    const auto made = run_container_of(step, {"--keep", b, "/bin/true"});
    EXPECT_EQ(made.exit_code, 0) << made.describe();
    struct stat first {
    }, second{};
    ASSERT_EQ(::stat((a + "/upper").c_str(), &first), 0);
    ASSERT_EQ(::stat((b + "/upper").c_str(), &second), 0);
    if (step == program())
      EXPECT_NE(first.st_uid, second.st_uid);
    else
      EXPECT_EQ(first.st_uid, second.st_uid);
    EXPECT_EQ(in_use.wait(10s).exit_code, 0);
  }
}

// Try this 2: a second container on a layer in use is refused; its first one goes on.
TEST_F(Step40KeptIds, TryThis2_ASecondContainerOnALayerInUseIsRefused) {
  support::reread("Try this");
  support::TempDir place;
  place.open_to_everyone();
  const std::string keep = (place.path() / "layer").native();
  support::Subprocess first(kept_sleeper(program(), keep));
  ASSERT_GT(support::running_init(first), 0) << first.so_far().describe();
  const auto second = run_container({"--keep", keep, "/bin/true"});
  EXPECT_EQ(second.exit_code, 125) << second.describe();
  EXPECT_NE(second.err.find("its host ids are a running container's"), std::string::npos)
      << second.describe();
  EXPECT_EQ(first.wait(10s).exit_code, 0) << first.so_far().describe();
}

}  // namespace
