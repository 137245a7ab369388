// Step 51: create --console-socket SOCK sends a detached container's terminal (the master
// side of its pseudo-terminal) to SOCK, as runc's, for podman's conmon. Against step 50's
// code these fail: it has no --console-socket, and refuses process.terminal with create.

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <string>

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

}  // namespace
