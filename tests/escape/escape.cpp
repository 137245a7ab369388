// The attacker inside: a static program the escape tests copy into a container's rootfs
// and run as its command. Each door it tries prints one line, "ESCAPED <door>: <what it
// reached>" and exits 0 when it got through, or "blocked <door>: <why>" and exits 1.
// `syscall NAME` instead prints the errno a refused-by-design system call returns, called
// with arguments that fail harmlessly wherever the call is allowed.
//
//   escape fd N FILE          read FILE through descriptor N, a host folder the caller left open
//   escape chroot FILE        chroot into a subfolder, walk up with "..", read FILE
//   escape environ NAME       find NAME= in /proc/1/environ (PID 1's environment)
//   escape cmdline WORD       find WORD in /proc/1/cmdline (PID 1's command line)
//   escape map_files          open a file PID 1 has mapped, through /proc/1/map_files
//   escape cgroup             mount the cgroup tree and move into its root cgroup
//   escape cgroup_path        read the host's cgroup paths (its layout, the container's name)
//                             in /proc/self/cgroup
//   escape sysfs              mount sysfs and list the host's network devices
//   escape loopback PORT      connect to a service listening on the host's 127.0.0.1:PORT
//   escape sysv_shm KEY       attach the host's System V shared memory segment KEY, read it
//   escape mqueue NAME        open the host's POSIX message queue NAME, read a message
//   escape make_ipc KEY NAME [wait]
//                             make a System V segment, message queue and semaphore set with
//                             KEY and a POSIX message queue NAME, print "made ...", then
//                             exit, or with `wait` sleep until killed
//   escape syscall NAME       make the call NAME, print errno=<name> or ok
//   escape fork_bomb N        start N processes that wait (a bounded fork bomb); they end
//                             with the container
//   escape interrupts         read the host's interrupts per device in /proc/interrupts
//   escape proc_sys           write a sysctl root inside owns, its IPC namespace's
//                             kernel.shmmax (the value it holds: nothing changes)
//   escape orphans            leave an orphan, print zombies=N once it has ended
//   escape inotify_hold       make inotify instances until refused, print "holds N", then
//                             sleep until killed
//   escape securebits         print securebits=N (prctl PR_GET_SECUREBITS)
//   escape memory_hog         allocate and touch 600 MiB in 1 MiB pieces, in a child
//   escape terminal           resize the host's terminal, if the container holds it, to 11x33

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>

namespace {

int escaped(const std::string& door, const std::string& what) {
  std::printf("ESCAPED %s: %s\n", door.c_str(), what.c_str());
  return 0;
}

int blocked(const std::string& door, const std::string& why) {
  std::printf("blocked %s: %s\n", door.c_str(), why.c_str());
  return 1;
}

std::string first_line(int fd) {
  char buffer[256] = {};
  const ssize_t got = ::read(fd, buffer, sizeof buffer - 1);
  std::string line(buffer, got > 0 ? static_cast<std::size_t>(got) : 0);
  return line.substr(0, line.find('\n'));
}

std::string slurp(const char* path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

int door_fd(int fd, const char* file) {
  const int opened = ::openat(fd, file, O_RDONLY);
  if (opened == -1) return blocked("fd", std::strerror(errno));
  return escaped("fd", first_line(opened));
}

int door_chroot(const char* file) {
  char jail[] = "/tmp/jail-XXXXXX";
  if (::mkdtemp(jail) == nullptr)
    return blocked("chroot", std::string("mkdtemp: ") + std::strerror(errno));
  if (::chroot(jail) == -1)
    return blocked("chroot", std::string("chroot: ") + std::strerror(errno));
  // Still standing outside the new root: ".." is not stopped by it.
  for (int i = 0; i < 64; ++i) ::chdir("..");
  if (::chroot(".") == -1)
    return blocked("chroot", std::string("chroot(.): ") + std::strerror(errno));
  const int opened = ::open(file, O_RDONLY);
  if (opened == -1) return blocked("chroot", std::string(file) + ": " + std::strerror(errno));
  return escaped("chroot", first_line(opened));
}

int door_find(const std::string& door, const char* path, const std::string& needle) {
  if (::access(path, R_OK) == -1)
    return blocked(door, std::string(path) + ": " + std::strerror(errno));
  const std::string text = slurp(path);
  if (text.find(needle) == std::string::npos) return blocked(door, "no " + needle + " in " + path);
  return escaped(door, needle + " found in " + path);
}

int door_map_files() {
  DIR* dir = ::opendir("/proc/1/map_files");
  if (dir == nullptr) return blocked("map_files", std::strerror(errno));
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const std::string path = std::string("/proc/1/map_files/") + entry->d_name;
    const int opened = ::open(path.c_str(), O_RDONLY);
    if (opened == -1) return blocked("map_files", path + ": " + std::strerror(errno));
    char target[256] = {};
    [[maybe_unused]] const ssize_t length = ::readlink(path.c_str(), target, sizeof target - 1);
    return escaped("map_files", std::string("opened PID 1's mapping of ") + target);
  }
  return blocked("map_files", "nothing mapped");
}

int door_cgroup() {
  char dir[] = "/tmp/cgroup-XXXXXX";
  if (::mkdtemp(dir) == nullptr)
    return blocked("cgroup", std::string("mkdtemp: ") + std::strerror(errno));
  if (::mount("cgroup", dir, "cgroup", 0, "pids") == -1 &&
      ::mount("cgroup2", dir, "cgroup2", 0, nullptr) == -1) {
    return blocked("cgroup", std::string("mount: ") + std::strerror(errno));
  }
  const std::string procs = std::string(dir) + "/cgroup.procs";
  const int opened = ::open(procs.c_str(), O_WRONLY);
  if (opened == -1 || ::write(opened, "0", 1) != 1)
    return blocked("cgroup", procs + ": " + std::strerror(errno));
  return escaped("cgroup",
                 "moved into the host's root cgroup: " + slurp("/proc/self/cgroup").substr(0, 60));
}

int door_cgroup_path() {
  // Without a cgroup namespace each line's path is the host's, from its hierarchy's root
  // (cgroups(7)); inside one, every path is "/" or below it.
  std::istringstream lines(slurp("/proc/self/cgroup"));
  for (std::string line; std::getline(lines, line);) {
    const std::string path = line.substr(line.find(':', line.find(':') + 1) + 1);
    if (path != "/") return escaped("cgroup_path", "the host's cgroup path " + path);
  }
  return blocked("cgroup_path", "every cgroup path is /");
}

int door_loopback(int port) {
  const int sock = ::socket(AF_INET, SOCK_STREAM, 0);
  if (sock == -1) return blocked("loopback", std::string("socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) == -1) {
    return blocked("loopback", std::string("connect: ") + std::strerror(errno));
  }
  return escaped("loopback", "connected to the host's 127.0.0.1:" + std::to_string(port));
}

int door_sysfs() {
  char dir[] = "/tmp/sys-XXXXXX";
  if (::mkdtemp(dir) == nullptr)
    return blocked("sysfs", std::string("mkdtemp: ") + std::strerror(errno));
  if (::mount("sysfs", dir, "sysfs", 0, nullptr) == -1)
    return blocked("sysfs", std::string("mount: ") + std::strerror(errno));
  return escaped("sysfs", std::string("mounted; ") + dir + "/devices lists the host's devices");
}

// Without an IPC namespace, System V keys and POSIX queue names are the host's
// (ipc_namespaces(7)): a segment or queue a host program opened to everyone is ours too.
int door_sysv_shm(key_t key) {
  const int id = ::shmget(key, 0, 0);
  if (id == -1) return blocked("sysv_shm", std::string("shmget: ") + std::strerror(errno));
  const void* memory = ::shmat(id, nullptr, SHM_RDONLY);
  if (memory == reinterpret_cast<void*>(-1))
    return blocked("sysv_shm", std::string("shmat: ") + std::strerror(errno));
  return escaped("sysv_shm",
                 "the host's segment holds: " + std::string(static_cast<const char*>(memory)));
}

int door_mqueue(const char* name) {
  const mqd_t queue = ::mq_open(name, O_RDONLY | O_NONBLOCK);
  if (queue == static_cast<mqd_t>(-1))
    return blocked("mqueue", std::string("mq_open: ") + std::strerror(errno));
  mq_attr attributes{};
  ::mq_getattr(queue, &attributes);
  std::string message(static_cast<std::size_t>(attributes.mq_msgsize), '\0');
  const ssize_t got = ::mq_receive(queue, message.data(), message.size(), nullptr);
  message.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  return escaped("mqueue", std::string("opened the host's queue ") + name + ": " + message);
}

// A fork bomb, bounded: N children that wait for the end of the container (its PID 1
// ending kills them). Beyond the step's default limit of 64, N processes mean no limit.
int door_fork_bomb(int count) {
  for (int started = 0; started < count; ++started) {
    const pid_t child = ::fork();
    if (child == 0) {
      ::pause();
      ::_exit(0);
    }
    if (child == -1)
      return blocked("fork_bomb",
                     "fork " + std::to_string(started + 1) + ": " + std::strerror(errno));
  }
  return escaped("fork_bomb", std::to_string(count) + " processes started");
}

// 600 MiB, more than step 42's default limit of 512 MiB, touched a MiB at a time, so that
// each page is really charged. A child does it, offered first to the OOM killer
// (oom_score_adj 1000, proc(5)), so the parent lives to say what happened to it.
int door_memory_hog() {
  const pid_t child = ::fork();
  if (child == 0) {
    std::ofstream("/proc/self/oom_score_adj") << "1000\n";
    for (int mib = 0; mib < 600; ++mib) {
      char* piece = static_cast<char*>(std::malloc(1 << 20));
      if (piece == nullptr) ::_exit(1);
      std::memset(piece, 1, 1 << 20);
    }
    ::_exit(0);
  }
  int status = 0;
  if (child == -1 || ::waitpid(child, &status, 0) == -1)
    return blocked("memory_hog", std::string("fork: ") + std::strerror(errno));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return escaped("memory_hog", "600 MiB allocated and touched");
  return blocked("memory_hog", WIFSIGNALED(status)
                                   ? "killed by signal " + std::to_string(WTERMSIG(status))
                                   : std::string("malloc refused"));
}

// A sysctl of the container's own IPC namespace: its root owns it, so only a read-only
// /proc/sys stops the write. The value written is the one read: nothing changes.
int door_proc_sys() {
  const char* path = "/proc/sys/kernel/shmmax";
  const std::string value = slurp(path);
  const int opened = ::open(path, O_WRONLY);
  if (opened == -1) return blocked("proc_sys", std::string(path) + ": " + std::strerror(errno));
  if (::write(opened, value.data(), value.size()) == -1)
    return blocked("proc_sys", std::string("write: ") + std::strerror(errno));
  return escaped("proc_sys", std::string("wrote ") + path);
}

// The host's terminal, if the container holds one: a terminal on fd 0, 1 or 2 that is not
// of the container's own devpts (another file system: stat(2)'s st_dev; /dev/tty would
// not tell, being a node of its own). Resized (TIOCSWINSZ) to 11 by 33, it shows on the
// host, as would a terminal left raw (tcsetattr) or, where the filter lets it, typed input
// (TIOCSTI).
int door_terminal() {
  struct stat own {};
  const bool has_pts = ::stat("/dev/pts/ptmx", &own) == 0;
  std::string seen;
  for (const int fd : {0, 1, 2}) {
    struct stat info {};
    if (!::isatty(fd) || ::fstat(fd, &info) == -1) continue;
    const char* name = ::ttyname(fd);
    seen += std::string(" ") + (name != nullptr ? name : "?");
    if (has_pts && info.st_dev == own.st_dev) continue;  // the container's own
    winsize size{};
    size.ws_row = 11;
    size.ws_col = 33;
    if (::ioctl(fd, TIOCSWINSZ, &size) == 0)
      return escaped("terminal", "resized the host's terminal" + seen + " to 11x33");
  }
  return blocked("terminal",
                 "no terminal of the host's; terminals:" + (seen.empty() ? " none" : seen));
}

// IPC objects that outlive their maker unless removed: a System V shared memory segment
// (1 MiB), message queue and semaphore set, and a POSIX message queue.
int make_ipc(key_t key, const char* name, bool wait) {
  const int shm = ::shmget(key, 1 << 20, IPC_CREAT | IPC_EXCL | 0600);
  const int msg = ::msgget(key, IPC_CREAT | IPC_EXCL | 0600);
  const int sem = ::semget(key, 1, IPC_CREAT | IPC_EXCL | 0600);
  const mqd_t queue = ::mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, nullptr);
  if (shm == -1 || msg == -1 || sem == -1 || queue == static_cast<mqd_t>(-1)) {
    std::printf("make_ipc: %s\n", std::strerror(errno));
    return 1;
  }
  std::printf("made shm %d, msg %d, sem %d, mqueue %s\n", shm, msg, sem, name);
  std::fflush(stdout);
  while (wait) ::pause();
  return 0;
}

// Leaves an orphan that ends at once (a child forks it and exits), waits without reaping
// anything itself, then prints how many zombies the PID namespace holds: an orphan is
// re-parented to PID 1 (pid_namespaces(7)), whose duty it is to reap it.
int count_unreaped_orphans() {
  const pid_t child = ::fork();
  if (child == 0) {
    if (::fork() == 0) ::_exit(0);  // the orphan
    ::_exit(0);
  }
  ::waitpid(child, nullptr, 0);
  ::usleep(300'000);
  int zombies = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const int fd = ::open((entry.path() / "stat").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd == -1) continue;  // ended meanwhile
    char stat[512] = {};
    const ssize_t got = ::read(fd, stat, sizeof stat - 1);
    ::close(fd);
    // "PID (comm) STATE ...": comm may hold spaces and parentheses.
    const char* close = got > 0 ? std::strrchr(stat, ')') : nullptr;
    if (close != nullptr && close[1] == ' ' && close[2] == 'Z') ++zombies;
  }
  std::printf("zombies=%d\n", zombies);
  return 0;
}

// Arguments that make each call fail early and harmlessly when it is allowed (a bad
// pointer, descriptor or flag), so that EPERM can only come from a filter or a missing
// capability.
long try_call(const std::string& name) {
  static const std::map<std::string, long (*)()> calls = {
    {"mount",
     [] { return ::syscall(SYS_mount, reinterpret_cast<const char*>(1), "/", "x", 0, nullptr); }},
    {"umount2", [] { return ::syscall(SYS_umount2, "/", 0x7fff); }},
    {"pivot_root",
     [] {
       return ::syscall(SYS_pivot_root, reinterpret_cast<const char*>(1),
                        reinterpret_cast<const char*>(1));
     }},
    {"unshare", [] { return ::syscall(SYS_unshare, 0x1); }},
    {"setns", [] { return ::syscall(SYS_setns, -1, 0); }},
    {"keyctl", [] { return ::syscall(SYS_keyctl, -1, 0, 0, 0, 0); }},
    {"add_key",
     [] {
       return ::syscall(SYS_add_key, reinterpret_cast<const char*>(1), nullptr, nullptr, 0, 0);
     }},
    {"request_key",
     [] {
       return ::syscall(SYS_request_key, reinterpret_cast<const char*>(1), nullptr, nullptr, 0);
     }},
    {"ptrace", [] { return ::syscall(SYS_ptrace, -1L, 0, 0, 0); }},
    {"bpf", [] { return ::syscall(SYS_bpf, -1, nullptr, 0); }},
    {"perf_event_open", [] { return ::syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0); }},
    {"open_by_handle_at", [] { return ::syscall(SYS_open_by_handle_at, -1, nullptr, 0); }},
    {"init_module", [] { return ::syscall(SYS_init_module, nullptr, 0, ""); }},
    {"finit_module", [] { return ::syscall(SYS_finit_module, -1, "", 0); }},
    {"delete_module",
     [] { return ::syscall(SYS_delete_module, reinterpret_cast<const char*>(1), 0); }},
    {"reboot", [] { return ::syscall(SYS_reboot, 0, 0, 0, nullptr); }},
    {"kexec_load", [] { return ::syscall(SYS_kexec_load, 0, 0, nullptr, 0xfffe0000UL); }},
    {"kexec_file_load",
     [] { return ::syscall(SYS_kexec_file_load, -1, -1, 0, nullptr, 0xffffffffUL); }},
    {"swapon", [] { return ::syscall(SYS_swapon, reinterpret_cast<const char*>(1), 0); }},
    {"swapoff", [] { return ::syscall(SYS_swapoff, reinterpret_cast<const char*>(1)); }},
    {"acct", [] { return ::syscall(SYS_acct, reinterpret_cast<const char*>(1)); }},
    // CLONE_THREAD without CLONE_SIGHAND is invalid: no process is ever created.
    {"clone_newuts",
     [] {
       return ::syscall(SYS_clone, CLONE_NEWUTS | CLONE_THREAD, nullptr, nullptr, nullptr, 0);
     }},
    {"clone_newuser",
     [] {
       return ::syscall(SYS_clone, CLONE_NEWUSER | CLONE_THREAD, nullptr, nullptr, nullptr, 0);
     }},
    {"clone_newns",
     [] { return ::syscall(SYS_clone, CLONE_NEWNS | CLONE_THREAD, nullptr, nullptr, nullptr, 0); }},
    {"clone_newpid",
     [] {
       return ::syscall(SYS_clone, CLONE_NEWPID | CLONE_THREAD, nullptr, nullptr, nullptr, 0);
     }},
    {"clone_newnet",
     [] {
       return ::syscall(SYS_clone, CLONE_NEWNET | CLONE_THREAD, nullptr, nullptr, nullptr, 0);
     }},
    {"clone_newipc",
     [] {
       return ::syscall(SYS_clone, CLONE_NEWIPC | CLONE_THREAD, nullptr, nullptr, nullptr, 0);
     }},
    {"clone_newcgroup",
     [] {
       return ::syscall(SYS_clone, CLONE_NEWCGROUP | CLONE_THREAD, nullptr, nullptr, nullptr, 0);
     }},
    {"clone_plain",
     [] { return ::syscall(SYS_clone, CLONE_THREAD, nullptr, nullptr, nullptr, 0); }},
    {"clone3", [] { return ::syscall(SYS_clone3, nullptr, 0); }},
    {"ioctl_tiocsti", [] { return ::syscall(SYS_ioctl, -1, TIOCSTI, "x"); }},
    {"ioctl_tioclinux", [] { return ::syscall(SYS_ioctl, -1, TIOCLINUX, nullptr); }},
    {"ioctl_fionread", [] { return ::syscall(SYS_ioctl, -1, FIONREAD, nullptr); }},
    // The new mount API, io_uring, userfaultfd: a descriptor that is none, or flags no
    // kernel knows.
    {"fsopen", [] { return ::syscall(SYS_fsopen, reinterpret_cast<const char*>(1), 0); }},
    {"fsconfig", [] { return ::syscall(SYS_fsconfig, -1, 0, nullptr, nullptr, 0); }},
    {"fsmount", [] { return ::syscall(SYS_fsmount, -1, 0, 0); }},
    {"fspick", [] { return ::syscall(SYS_fspick, -1, reinterpret_cast<const char*>(1), 0); }},
    {"open_tree", [] { return ::syscall(SYS_open_tree, -1, reinterpret_cast<const char*>(1), 0); }},
    {"move_mount",
     [] { return ::syscall(SYS_move_mount, -1, reinterpret_cast<const char*>(1), -1, "", 0); }},
    {"mount_setattr",
     [] {
       return ::syscall(SYS_mount_setattr, -1, reinterpret_cast<const char*>(1), 0, nullptr, 0);
     }},
    {"io_uring_setup", [] { return ::syscall(SYS_io_uring_setup, 1, nullptr); }},
    {"io_uring_enter", [] { return ::syscall(SYS_io_uring_enter, -1, 0, 0, 0, nullptr, 0); }},
    {"io_uring_register", [] { return ::syscall(SYS_io_uring_register, -1, 0, nullptr, 0); }},
    {"userfaultfd", [] { return ::syscall(SYS_userfaultfd, ~0); }},
    // A vsock socket of a type that does not exist; a persona that turns address space
    // randomization off, which personality(2) grants to anyone (only the filter refuses).
    {"socket_vsock", [] { return ::syscall(SYS_socket, AF_VSOCK, 0x7fff, 0); }},
    {"personality", [] { return ::syscall(SYS_personality, 0x0040000); }},
#if defined(__x86_64__)
    // keyctl through the other two ABIs of x86-64, whose calls a filter sees with other
    // numbers: 32-bit x86's `int $0x80` (keyctl is its call 288; seccomp_data.arch
    // AUDIT_ARCH_I386), and x32's, the x86-64 number with bit 30 set (__X32_SYSCALL_BIT).
    {"keyctl_i386",
     [] {
       long result = 288;
       asm volatile("int $0x80"
                    : "+a"(result)
                    : "b"(-1), "c"(0), "d"(0), "S"(0), "D"(0)
                    : "memory");
       if (result < 0 && result > -4096) {
         errno = static_cast<int>(-result);
         return -1L;
       }
       return result;
     }},
    {"keyctl_x32", [] { return ::syscall(SYS_keyctl | 0x40000000, -1, 0, 0, 0, 0); }},
#endif
  };
  const auto call = calls.find(name);
  if (call == calls.end()) {
    std::fprintf(stderr, "escape: no call %s\n", name.c_str());
    std::exit(2);
  }
  return call->second();
}

// Holds every inotify instance the kernel gives this user (fs.inotify.max_user_instances,
// counted for the owner of each user namespace up to the host's: kernel/ucount.c).
int inotify_hold() {
  int held = 0;
  while (held < 100000 && ::inotify_init1(IN_CLOEXEC) != -1) ++held;
  std::printf("holds %d (%s)\n", held, std::strerror(errno));
  std::fflush(stdout);
  ::pause();
  return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
  const std::string door = argc > 1 ? argv[1] : "";
  if (door == "fd" && argc == 4) return door_fd(std::atoi(argv[2]), argv[3]);
  if (door == "chroot" && argc == 3) return door_chroot(argv[2]);
  if (door == "environ" && argc == 3)
    return door_find("environ", "/proc/1/environ", std::string(argv[2]) + "=");
  if (door == "cmdline" && argc == 3) return door_find("cmdline", "/proc/1/cmdline", argv[2]);
  if (door == "map_files") return door_map_files();
  if (door == "cgroup") return door_cgroup();
  if (door == "sysfs") return door_sysfs();
  if (door == "cgroup_path") return door_cgroup_path();
  if (door == "loopback" && argc == 3) return door_loopback(std::atoi(argv[2]));
  if (door == "orphans") return count_unreaped_orphans();
  if (door == "inotify_hold") return inotify_hold();
  if (door == "securebits") return std::printf("securebits=%d\n", ::prctl(PR_GET_SECUREBITS)) < 0;
  if (door == "sysv_shm" && argc == 3)
    return door_sysv_shm(static_cast<key_t>(std::strtol(argv[2], nullptr, 0)));
  if (door == "mqueue" && argc == 3) return door_mqueue(argv[2]);
  if (door == "fork_bomb" && argc == 3) return door_fork_bomb(std::atoi(argv[2]));
  if (door == "interrupts") return door_find("interrupts", "/proc/interrupts", "CPU0");
  if (door == "proc_sys") return door_proc_sys();
  if (door == "memory_hog") return door_memory_hog();
  if (door == "terminal") return door_terminal();
  if (door == "make_ipc" && (argc == 4 || argc == 5))
    return make_ipc(static_cast<key_t>(std::strtol(argv[2], nullptr, 0)), argv[3],
                    argc == 5 && std::string(argv[4]) == "wait");
  if (door == "syscall" && argc == 3) {
    if (try_call(argv[2]) == -1) {
      std::printf("errno=%s\n", strerrorname_np(errno));
    } else {
      std::printf("ok\n");
    }
    return 0;
  }
  std::fprintf(stderr,
               "usage: escape fd N FILE | chroot FILE | environ NAME | cmdline WORD | map_files | "
               "cgroup | cgroup_path | sysfs | loopback PORT | sysv_shm KEY | mqueue NAME | "
               "make_ipc KEY NAME [wait] | syscall NAME | fork_bomb N | interrupts | proc_sys | "
               "memory_hog\n");
  return 2;
}
