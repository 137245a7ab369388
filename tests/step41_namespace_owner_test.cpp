#include <fcntl.h>
#include <linux/nsfs.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "common/files.hpp"
#include "tests/support/step_test.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class Step41NamespaceOwner : public support::ContainerTest {
 protected:
  std::vector<std::string> sleeper(const std::string& step) const {
    return container_of(step, {"/bin/sh", "-c", "echo ready; exec sleep 3"});
  }
};

// The owner of PID `pid`'s user namespace, as the kernel says (ioctl_ns(2),
// NS_GET_OWNER_UID), or -1.
long owner_of(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/user";
  const int ns = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns == -1) return -1;
  uid_t owner = 0;
  const int result = ::ioctl(ns, NS_GET_OWNER_UID, &owner);
  ::close(ns);
  return result == -1 ? -1 : static_cast<long>(owner);
}

// Step 39's container's user namespace is host root's, the step's; from step 41 on it is
// the container's first host id, root inside.
TEST_F(Step41NamespaceOwner, TheUserNamespaceBelongsToTheContainersFirstId) {
  support::reread("Goal");
  for (const std::string& step : {std::string(TRY_THIS_STEP_39), program()}) {
    support::Subprocess process(sleeper(step));
    const pid_t init = support::running_init(process);
    ASSERT_GT(init, 0) << process.so_far().describe();
    if (step == program())
      EXPECT_EQ(owner_of(init), static_cast<long>(support::host_root_of(init)));
    else
      EXPECT_EQ(owner_of(init), 0) << "step 39";
    EXPECT_EQ(process.wait(10s).exit_code, 0);
  }
}

// Try this 1: the goal's attacker holds every inotify instance it can get; the host's
// root still makes one (in step 39: EMFILE, while the container lives).
TEST_F(Step41NamespaceOwner, TryThis1_RootsInotifyWorksBesideTheAttacker) {
  support::reread("Try this");
  fs::copy_file(ESCAPE_PROGRAM, rootfs() / "escape");
  fs::permissions(rootfs() / "escape", fs::perms::all);
  support::Subprocess attacker(container({"/escape", "inotify_hold"}));
  ASSERT_TRUE(attacker.wait_for_output("(Too many open files)", 10s))
      << attacker.so_far().describe();
  const int own = ::inotify_init1(IN_CLOEXEC);
  EXPECT_NE(own, -1) << "root's inotify_init1: " << std::strerror(errno);
  if (own != -1) ::close(own);
  attacker.signal(SIGTERM);
  attacker.wait(10s);
}

// Try this 2: the step sets SECBIT_NO_SETUID_FIXUP around clone; the kernel gives PID 1,
// in its new user namespace, the default securebits, so that a command changing uid inside
// loses its capabilities as usual (capabilities(7)).
TEST_F(Step41NamespaceOwner, TryThis2_StillNoSecurebitsInside) {
  support::reread("Try this");
  fs::copy_file(ESCAPE_PROGRAM, rootfs() / "escape");
  fs::permissions(rootfs() / "escape", fs::perms::all);
  const auto result = run_container({"/escape", "securebits"});
  EXPECT_EQ(result.out, "securebits=0\n") << result.describe();
}

// Rootless, the user namespace is the caller's, as before.
TEST_F(Step41NamespaceOwner, StillRootlessTheNamespaceIsTheCallers) {
  support::reread("What changed");
  support::Subprocess process(container({"/bin/sh", "-c", "echo ready; exec sleep 3"}),
                              {.as_user = 65534});
  const pid_t init = support::running_init(process);
  ASSERT_GT(init, 0) << process.so_far().describe();
  EXPECT_EQ(owner_of(init), 65534);
  EXPECT_EQ(process.wait(10s).exit_code, 0);
}

}  // namespace
