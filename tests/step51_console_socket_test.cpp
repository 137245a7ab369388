// Step 51: create --console-socket SOCK sends a detached container's terminal (the master
// side of its pseudo-terminal) to SOCK, as runc's, for podman's conmon. Against step 50's
// code these fail: it has no --console-socket, and refuses process.terminal with create.

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "common/files.hpp"
#include "tests/support/bundle_test.hpp"

namespace {

using namespace std::chrono_literals;

class Step51ConsoleSocket : public support::RuntimeTest {
 protected:
  // A listening Unix socket at bundle()/console.sock, as conmon's.
  common::Fd listen_for_console() const {
    common::Fd sock(common::check(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket"));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    console().native().copy(address.sun_path, sizeof address.sun_path - 1);
    common::check(::bind(sock.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address),
                  "bind", console().native());
    common::check(::listen(sock.get(), 1), "listen", console().native());
    return sock;
  }
  std::filesystem::path console() const { return bundle() / "console.sock"; }
  support::ProcessResult create_with_console(const std::string& id) const {
    return support::run_into_file(step({"--root", state(), "create", "--console-socket", console(),
                                        "--pid-file", pid_file(), "--bundle", bundle(), id}),
                                  out());
  }
};

// What the terminal's master reads until it holds `text`, or `limit` has passed.
std::string read_until(int master, const std::string& text, std::chrono::milliseconds limit) {
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (got.find(text) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd ready{master, POLLIN, 0};
    if (::poll(&ready, 1, 100) <= 0) continue;
    char buffer[256];
    const ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n <= 0) break;
    got.append(buffer, static_cast<std::size_t>(n));
  }
  return got;
}

// The terminal comes over the socket before create ends; typed on, the command reads it.
TEST_F(Step51ConsoleSocket, TheTerminalGoesToTheSocket) {
  support::reread("Goal");
  write_config(R"(["/bin/sh", "-c", "tty; read line; echo got-$line"], "terminal": true)");
  const common::Fd listener = listen_for_console();
  const auto created = create_with_console("box");
  ASSERT_EQ(created.exit_code, 0) << output();
  pollfd connected{listener.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&connected, 1, 1000), 1) << "create ended without connecting\n" << output();
  const common::Fd connection(
      common::check(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK),
                    "accept4", "console"));
  const common::Fd master = common::receive_fd(connection.get(), "terminal");
  ASSERT_NE(master.get(), -1) << "create sent no terminal";
  const pid_t pid = pid1();
  ASSERT_EQ(runtime({"start", "box"}).exit_code, 0);
  EXPECT_NE(read_until(master.get(), "/dev/pts/0", 10s).find("/dev/pts/0"), std::string::npos);
  ASSERT_EQ(::write(master.get(), "hello\n", 6), 6);
  const std::string got = read_until(master.get(), "got-hello", 10s);
  EXPECT_NE(got.find("got-hello"), std::string::npos) << got;
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  EXPECT_EQ(runtime({"delete", "box"}).exit_code, 0);
}

// A terminal without a socket, or a socket without a terminal: refused before anything.
TEST_F(Step51ConsoleSocket, ATerminalAndASocketGoTogether) {
  support::reread("What changed");
  write_config(R"(["true"], "terminal": true)");
  EXPECT_EQ(create("box").exit_code, 125);
  EXPECT_NE(output().find("--console-socket: needed for, and only for"), std::string::npos)
      << output();
  write_config(R"(["true"])");
  EXPECT_EQ(create_with_console("box").exit_code, 125);
  EXPECT_FALSE(std::filesystem::exists(state() / "box"));
}

// No one listens: create fails, and leaves nothing.
TEST_F(Step51ConsoleSocket, NoListenerFailsCreate) {
  support::reread("Pitfalls");
  write_config(R"(["true"], "terminal": true)");
  const auto result = create_with_console("box");
  EXPECT_EQ(result.exit_code, 125);
  EXPECT_NE(output().find("connect(" + console().native() + ")"), std::string::npos) << output();
  EXPECT_FALSE(std::filesystem::exists(state() / "box"));
}

// Without a terminal, create still runs with the step's own stdout (here a file).
TEST_F(Step51ConsoleSocket, StillWithoutATerminalTheOutputIsTheSteps) {
  support::reread("Goal");
  write_config(R"(["/bin/sh", "-c", "echo ran"])");
  ASSERT_EQ(create("box").exit_code, 0) << output();
  const pid_t pid = pid1();
  ASSERT_EQ(runtime({"start", "box"}).exit_code, 0);
  EXPECT_NE(support::wait_for_text(out(), "ran\n", 10s).find("ran\n"), std::string::npos);
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  EXPECT_EQ(runtime({"delete", "box"}).exit_code, 0);
}

// Whether this host's python3 has socket.recv_fds (3.9 on), which Try this 1 and 2 use.
bool python_with_recv_fds() {
  return support::run({"/bin/sh", "-c", "python3 -c 'import socket; socket.recv_fds'"}).exit_code ==
         0;
}

// The chapter's listener: python3 running `script`, found on PATH as a reader's shell finds it.
std::vector<std::string> python(const std::string& script) {
  return {"/bin/sh", "-c", "exec python3 -c \"$0\"", script};
}

// Whether `path` is a socket within `limit` (python3 may take a while to start).
bool socket_within(const std::filesystem::path& path, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!std::filesystem::is_socket(path)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Try this 1: the chapter's Python listener gets one byte and one descriptor as create
// ends; after start it reads from that master what `tty` wrote, with the terminal's \r.
TEST_F(Step51ConsoleSocket, TryThis1_APythonListenerGetsTheByteAndTheMaster) {
  support::reread("Goal");
  if (!python_with_recv_fds())
    GTEST_SKIP() << "no python3 of 3.9 or later on this host (apt-get install python3)";
  write_config(R"(["tty"], "terminal": true)");
  support::Subprocess listener(python(
      "import os, socket; s = socket.socket(socket.AF_UNIX); s.bind(\"" + console().native() +
      "\"); s.listen(); data, fds, _, _ = socket.recv_fds(s.accept()[0], 10, 1); print(data, "
      "len(fds), flush=True); print(os.read(fds[0], 100))"));
  ASSERT_TRUE(socket_within(console(), 10s)) << listener.wait(0s).describe();
  ASSERT_EQ(create_with_console("box").exit_code, 0) << output();
  EXPECT_TRUE(listener.wait_for_output("b'\\x00' 1\n", 5s)) << listener.so_far().describe();
  const pid_t pid = pid1();
  EXPECT_NE(runtime({"state", "box"}).out.find("\"status\": \"created\""), std::string::npos);
  ASSERT_EQ(runtime({"start", "box"}).exit_code, 0);
  const auto heard = listener.wait(10s);
  // One read: the line, or (read(2) may return less) its start without the \r\n.
  EXPECT_TRUE(heard.out == "b'\\x00' 1\nb'/dev/pts/0\\r\\n'\n" ||
              heard.out == "b'\\x00' 1\nb'/dev/pts/0'\n")
      << heard.describe();
  EXPECT_TRUE(support::reaped_within(pid, 5s));
  EXPECT_EQ(runtime({"delete", "box"}).exit_code, 0);
}

// Whether SIGHUP waits in `pid`'s shared pending signals (ShdPnd, proc(5)) within `limit`.
bool hangup_pending_within(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::uint64_t pending = 0;
    for (std::string line; std::getline(status, line);)
      if (line.starts_with("ShdPnd:")) pending = std::stoull(line.substr(7), nullptr, 16);
    if ((pending & (1U << (SIGHUP - 1))) != 0) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Try this 2: a listener that ends closes the master's last copy: the terminal hangs up,
// its session leader PID 1 holds the SIGHUP until start, then passes it on, and it ends
// `sleep 10` at once.
TEST_F(Step51ConsoleSocket, TryThis2_AClosedMasterHangsUpTheTerminal) {
  support::reread("Pitfalls");
  if (!python_with_recv_fds())
    GTEST_SKIP() << "no python3 of 3.9 or later on this host (apt-get install python3)";
  write_config(R"(["sleep", "10"], "terminal": true)");
  support::Subprocess listener(
      python("import socket; s = socket.socket(socket.AF_UNIX); s.bind(\"" + console().native() +
             "\"); s.listen(); print(socket.recv_fds(s.accept()[0], 10, 1)[:2])"));
  ASSERT_TRUE(socket_within(console(), 10s)) << listener.wait(0s).describe();
  ASSERT_EQ(create_with_console("box").exit_code, 0) << output();
  const auto heard = listener.wait(10s);
  EXPECT_NE(heard.out.find("(b'\\x00', ["), std::string::npos) << heard.describe();
  const pid_t pid = pid1();
  EXPECT_TRUE(hangup_pending_within(pid, 5s)) << "no SIGHUP waits in PID 1";
  ASSERT_EQ(runtime({"start", "box"}).exit_code, 0);
  EXPECT_TRUE(support::reaped_within(pid, 3s)) << "sleep 10 ran on";
  EXPECT_NE(runtime({"state", "box"}).out.find("\"status\": \"stopped\""), std::string::npos);
  EXPECT_EQ(runtime({"delete", "box"}).exit_code, 0);
}

// Try this 3: a socket file whose listener has gone refuses the connection (unix(7),
// ECONNREFUSED): create fails and leaves no container.
TEST_F(Step51ConsoleSocket, TryThis3_AStaleSocketRefuses) {
  support::reread("Pitfalls");
  write_config(R"(["tty"], "terminal": true)");
  { const common::Fd gone = listen_for_console(); }
  ASSERT_TRUE(std::filesystem::is_socket(console()));
  EXPECT_EQ(create_with_console("box").exit_code, 125) << output();
  EXPECT_NE(output().find("connect(" + console().native() + "): Connection refused"),
            std::string::npos)
      << output();
  EXPECT_FALSE(std::filesystem::exists(state() / "box"));
}

}  // namespace
