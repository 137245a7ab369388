// The attacker's side of Part 2: tests/escape/escape.cpp, copied into a container's
// rootfs, tries each way out that the course knows of, in every step from 10 on. Each
// door must be open in the steps before the one whose chapter closes it, and shut from
// that step on: the door tables of chapters 21, 31, 36, 37, 38, 42 and 43 are these tests.

#include <arpa/inet.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/step_test.hpp"
#include "tests/support/steps.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Every step from 10 on (CMakeLists.txt's list), so a new last step is tried too.
const std::vector<std::string> kSteps = support::steps_from("10");

struct Door {
  std::string name;  // the helper's word for it
  std::string closed_by;  // the first step in which it is shut
  bool rootless = false;  // tried by nobody (uid 65534), in the steps from 20 on
  std::string first = "";  // the first step that has what it attacks, if not 10
};

// proc_sys attacks a sysctl of the container's own IPC namespace: before 36 the namespace
// is the host's, whose sysctls the host's root alone may write (root inside, before 19).
const std::vector<Door> kDoors = {{"fd", "16_close_fds"},
                                  {"chroot", "15_pivot_root"},
                                  {"environ", "19_user_namespace"},
                                  {"environ", "21_capabilities", true},
                                  {"map_files", "19_user_namespace"},
                                  {"cgroup", "19_user_namespace"},
                                  {"sysfs", "19_user_namespace"},
                                  {"cmdline", "22_wiped_strings"},
                                  {"cgroup_path", "26_cgroup_namespace"},
                                  {"loopback", "31_network_namespace"},
                                  {"sysv_shm", "36_ipc_namespace"},
                                  {"mqueue", "36_ipc_namespace"},
                                  {"fork_bomb", "37_rootless_pids_limit", true},
                                  {"interrupts", "38_masked_proc"},
                                  {"interrupts", "38_masked_proc", true},
                                  {"proc_sys", "38_masked_proc", false, "36_ipc_namespace"},
                                  {"proc_sys", "38_masked_proc", true, "36_ipc_namespace"},
                                  {"memory_hog", "42_default_memory"},
                                  {"terminal", "43_own_terminal"},
                                  {"terminal", "43_own_terminal", true}};

// Every step with every door, but a rootless door before step 20 (which first runs
// without root), and a door before the step that brings what it attacks.
std::vector<std::tuple<std::string, Door>> rows() {
  std::vector<std::tuple<std::string, Door>> all;
  for (const std::string& step : kSteps) {
    for (const Door& door : kDoors) {
      if ((!door.rootless || step >= "20") && step >= door.first) all.emplace_back(step, door);
    }
  }
  return all;
}

// A service only the host should reach: a TCP socket listening on 127.0.0.1 (a database,
// an admin port). The kernel completes a connection into the backlog without accept.
class LoopbackService {
 public:
  LoopbackService() : sock_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (sock_ == -1 || ::bind(sock_, reinterpret_cast<sockaddr*>(&address), sizeof address) == -1 ||
        ::listen(sock_, 8) == -1 ||
        ::getsockname(sock_, reinterpret_cast<sockaddr*>(&address), &length) == -1) {
      throw std::runtime_error(std::string("loopback service: ") + std::strerror(errno));
    }
    port_ = ntohs(address.sin_port);
  }
  ~LoopbackService() { ::close(sock_); }
  LoopbackService(const LoopbackService&) = delete;
  LoopbackService& operator=(const LoopbackService&) = delete;
  int port() const { return port_; }

 private:
  int sock_;
  int port_ = 0;
};

// What a host program shares with everyone (0666 before the umask), each holding the
// host's secret: a System V shared memory segment and a POSIX message queue. Made in the
// test's own IPC namespace (isolate_test_process()), which the step takes for the host's.
class HostIpc {
 public:
  HostIpc()
      : key_(0x25000000 + (::getpid() & 0xffff)),
        name_("/escape-test-" + std::to_string(::getpid())),
        segment_(::shmget(key_, 4096, IPC_CREAT | IPC_EXCL | 0666)) {
    void* memory = segment_ == -1 ? reinterpret_cast<void*>(-1) : ::shmat(segment_, nullptr, 0);
    if (memory == reinterpret_cast<void*>(-1))
      throw std::runtime_error(std::string("host segment: ") + std::strerror(errno));
    std::strcpy(static_cast<char*>(memory), "the host's secret");
    ::shmdt(memory);
    const mqd_t queue = ::mq_open(name_.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0666, nullptr);
    if (queue == static_cast<mqd_t>(-1) || ::mq_send(queue, "the host's secret", 17, 0) == -1)
      throw std::runtime_error(std::string("host queue: ") + std::strerror(errno));
    ::mq_close(queue);
  }
  ~HostIpc() {
    ::shmctl(segment_, IPC_RMID, nullptr);
    ::mq_unlink(name_.c_str());
  }
  HostIpc(const HostIpc&) = delete;
  HostIpc& operator=(const HostIpc&) = delete;
  std::string key() const { return std::to_string(key_); }
  const std::string& name() const { return name_; }

 private:
  key_t key_;
  std::string name_;
  int segment_;
};

// gtest prints a parameter with this, instead of its bytes.
void PrintTo(const Door& door, std::ostream* out) {
  *out << door.name << " (shut by " << door.closed_by << ")";
}

class Escape : public support::ContainerTest,
               public ::testing::WithParamInterface<std::tuple<std::string, Door>> {
 protected:
  void SetUp() override {
    support::ContainerTest::SetUp();
    if (IsSkipped()) return;
    const std::string step = support::binary_of(std::get<0>(GetParam()));
    if (const std::string why = support::cannot_run_here(step); !why.empty()) GTEST_SKIP() << why;
    if (std::get<1>(GetParam()).name == "proc_sys")
      if (const std::string why = support::no_ipc_sysctl_for_its_root(); !why.empty())
        GTEST_SKIP() << "proc_sys tries what this kernel may not allow: " << why;
    // Shut by a default memory limit, which a host without a memory cgroup cannot give.
    const auto& [step_name, door] = GetParam();
    if (door.name == "memory_hog" && step_name >= door.closed_by)
      if (const std::string why = support::no_cgroup_for("memory", step_name); !why.empty())
        GTEST_SKIP() << "no memory cgroup to shut memory_hog with: " << why;
    // The host's secret: a file outside the rootfs, readable by anyone who reaches it.
    secret_dir_.open_to_everyone();
    std::ofstream(secret_dir_.path() / "secret") << "the host's secret\n";
    host_ipc_.emplace();  // in the IPC namespace ContainerTest::SetUp made for this test
    fs::copy_file(ESCAPE_PROGRAM, rootfs() / "escape");
    fs::permissions(rootfs() / "escape", fs::perms::owner_all | fs::perms::group_exec |
                                             fs::perms::others_exec | fs::perms::group_read |
                                             fs::perms::others_read);
  }

  // Runs `/escape ARGS` in the step's container, the caller holding fd 8 on the secret's
  // folder and SECRET_TOKEN in its environment, as a careless host shell might.
  support::ProcessResult attempt(const std::string& step, const std::vector<std::string>& args,
                                 bool rootless) {
    std::vector<std::string> argv = {"/bin/sh",
                                     "-c",
                                     "exec 8<\"$0\"; exec \"$@\"",
                                     secret_dir_.path().native(),
                                     support::binary_of(step),
                                     "--rootfs",
                                     rootfs().native(),
                                     "/escape"};
    argv.insert(argv.end(), args.begin(), args.end());
    support::ProcessOptions options{.extra_env = {"SECRET_TOKEN=hunter2"}};
    if (rootless) options.as_user = 65534;
    // The terminal door needs one: the step is started on a terminal of the test's, as
    // from a terminal window, whose size the test reads after.
    options.terminal = args.front() == "terminal";
    support::Subprocess process(argv, options);
    // 600 MiB touched a page at a time, and reclaim before the OOM kill: slow in a
    // User-mode Linux guest (make test-hosts), where each page fault costs the host a trap.
    auto result = process.wait(args.front() == "memory_hog" ? 120s : 20s);
    if (options.terminal) host_terminal_ = process.terminal_size();
    return result;
  }

  std::vector<std::string> arguments(const std::string& door) const {
    if (door == "fd") return {"fd", "8", "secret"};
    if (door == "chroot") return {"chroot", (secret_dir_.path() / "secret").native()};
    if (door == "environ") return {"environ", "SECRET_TOKEN"};
    if (door == "cmdline") return {"cmdline", "--rootfs"};
    if (door == "loopback") return {"loopback", std::to_string(service_.port())};
    if (door == "sysv_shm") return {"sysv_shm", host_ipc_->key()};
    if (door == "mqueue") return {"mqueue", host_ipc_->name()};
    if (door == "fork_bomb") return {"fork_bomb", "100"};
    return {door};
  }

  support::TempDir secret_dir_;
  LoopbackService service_;
  std::optional<HostIpc> host_ipc_;
  std::pair<int, int> host_terminal_;  // the terminal's rows and columns after the attempt
};

TEST_P(Escape, DoorIsOpenBeforeItsStepAndShutFromItOn) {
  const auto& [step, door] = GetParam();
  support::reread("Pitfalls");
  const auto result = attempt(step, arguments(door.name), door.rootless);
  const bool should_escape = step < door.closed_by;
  if (should_escape) {
    EXPECT_NE(result.out.find("ESCAPED " + door.name), std::string::npos)
        << "step " << step << " should still leave the '" << door.name << "' door open (step "
        << door.closed_by << " closes it); if it is shut now, move it in the table\n"
        << result.describe();
  } else {
    EXPECT_NE(result.out.find("blocked " + door.name), std::string::npos)
        << "step " << step << " lets the attacker out through '" << door.name << "'\n"
        << result.describe();
  }
  // The host's side of the terminal door: its size, 24x80 unless the attacker changed it.
  if (door.name == "terminal") {
    EXPECT_EQ(host_terminal_, (should_escape ? std::pair{11, 33} : std::pair{24, 80}))
        << "the test's terminal, after step " << step << "\n"
        << result.describe();
  }
  // Before step 14, what the attacker mounts lands in the host's (this test's) mount table.
  support::unmount_all_under(rootfs());
}

std::string name_of(const ::testing::TestParamInfo<std::tuple<std::string, Door>>& info) {
  // "_rootless" for the rows tried by nobody; "_shut_here" where this step is the one that
  // shuts the door: the labs' self-check runs those rows against the step before, which
  // they must fail.
  const auto& [step, door] = info.param;
  return "step" + step + "_" + door.name + (door.rootless ? "_rootless" : "") +
         (step == door.closed_by ? "_shut_here" : "");
}

INSTANTIATE_TEST_SUITE_P(Doors, Escape, ::testing::ValuesIn(rows()), name_of);

}  // namespace
