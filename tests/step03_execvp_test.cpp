#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <map>
#include <regex>

#include "tests/support/step_test.hpp"

namespace {

using namespace std::chrono_literals;
using Step03Execvp = support::StepTest;

TEST_F(Step03Execvp, RunsTheCommandWithItsArguments) {
  support::reread("Goal");
  const auto result = run_step({"/bin/sh", "-c", "printf '%s|' \"$@\"", "sh", "a", "b c"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "a|b c|") << "the command and each argument must reach execvp unchanged\n"
                                  << result.describe();
}

TEST_F(Step03Execvp, DefaultCommandIsAShell) {
  support::reread("Run it");
  const auto result = run_step({}, {.input = "echo from-the-shell\nexit 4\n"});
  EXPECT_EQ(result.out, "from-the-shell\n") << "without CMD the step should run /bin/sh\n"
                                            << result.describe();
  EXPECT_EQ(result.exit_code, 4) << result.describe();
}

TEST_F(Step03Execvp, ExitStatusesPassBack) {
  support::reread("Pitfalls");
  for (int code : {0, 1, 42, 255}) {
    const auto result = run_step({"/bin/sh", "-c", "exit " + std::to_string(code)});
    EXPECT_EQ(result.exit_code, code) << "`sh -c 'exit " << code << "'` in the child\n"
                                      << result.describe();
  }
}

TEST_F(Step03Execvp, CommandKilledBySignalGives128PlusN) {
  support::reread("Pitfalls");
  const auto term = run_step({"/bin/sh", "-c", "kill -TERM $$"});
  EXPECT_EQ(term.exit_code, 128 + SIGTERM) << term.describe();
  const auto kill = run_step({"/bin/sh", "-c", "kill -KILL $$"});
  EXPECT_EQ(kill.exit_code, 128 + SIGKILL) << kill.describe();
}

TEST_F(Step03Execvp, MissingCommandGives127AndItsName) {
  support::reread("Pitfalls");
  const auto result = run_step({"no-such-command-here"});
  EXPECT_EQ(result.exit_code, 127) << result.describe();
  EXPECT_NE(result.err.find("no-such-command-here"), std::string::npos)
      << "stderr should name the command that was not found\n"
      << result.describe();
}

TEST_F(Step03Execvp, MissingCommandGives127EvenWithAFolderOfPathWeMayNotSearch) {
  support::reread("Pitfalls");
  // execvp(3) says EACCES when a folder of PATH could not be searched: a user's PATH often
  // holds one (root's ~/.local/bin kept by sudo, a mounted home).
  const support::TempDir closed;
  support::ProcessOptions options{
      .extra_env = {"PATH=" + closed.path().native() + ":/usr/bin:/bin"}};
  if (support::is_root()) {
    support::isolate_test_process();  // and so the checkout is reachable for nobody
    options.as_user = 65534;  // mkdtemp made it 0700 and root's: nobody may not search it
  } else {
    ::chmod(closed.path().c_str(), 0);
  }
  auto result = support::run({support::program_under_test(), "no-such-command-here"},
                             std::chrono::seconds(10), options);
  EXPECT_EQ(result.exit_code, 127) << result.describe();
  EXPECT_NE(result.err.find("no-such-command-here): not found"), std::string::npos)
      << result.describe();
  result = support::run({support::program_under_test(), "sh", "-c", "exit 3"},
                        std::chrono::seconds(10), options);
  EXPECT_EQ(result.exit_code, 3) << "a command in a later folder still runs\n" << result.describe();
  ::chmod(closed.path().c_str(), 0700);
}

TEST_F(Step03Execvp, NonExecutableFileGives126AndItsName) {
  support::reread("Pitfalls");
  const support::TempDir dir;
  const auto file = dir.path() / "script.sh";
  std::ofstream(file) << "echo hi\n";
  ::chmod(file.c_str(), 0644);
  const auto result = run_step({file.native()});
  EXPECT_EQ(result.exit_code, 126) << result.describe();
  EXPECT_NE(result.err.find(file.native()), std::string::npos) << result.describe();
}

// glibc's execvp runs a file without "#!" with /bin/sh, building the new argv on the
// stack of the process calling it: with 140000 arguments, more than a small child stack
// holds (the step must not crash with SIGSEGV).
TEST_F(Step03Execvp, AScriptWithAHugeArgumentListRuns) {
  support::reread("Pitfalls");
  support::TempDir dir;
  const std::string script = (dir.path() / "count").native();
  std::ofstream(script) << "echo $#\n";
  ::chmod(script.c_str(), 0755);
  std::vector<std::string> args{script};
  args.insert(args.end(), 140000, "x");
  const auto result = run_step(args);
  EXPECT_EQ(result.exit_code, 0) << result.describe().substr(0, 400);
  EXPECT_EQ(result.out, "140000\n") << result.describe().substr(0, 400);
}

TEST_F(Step03Execvp, DoubleDashPassesOptionsToTheCommand) {
  support::reread("Run it");
  const auto result = run_step({"--", "/usr/bin/printf", "%s\n", "--help"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.out, "--help\n") << "after --, words belong to the command\n"
                                    << result.describe();
}

TEST_F(Step03Execvp, HelpPrintsUsageAndExitsZero) {
  support::reread("What changed");
  const auto result = run_step({"--help"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_TRUE(result.out.starts_with("usage: ")) << result.describe();
  EXPECT_NE(result.out.find("[--rootfs DIR] [--] [CMD [ARG...]]"), std::string::npos)
      << result.describe();
}

TEST_F(Step03Execvp, UnknownOptionIsAnErrorInOneLine) {
  support::reread("What changed");
  const auto result = run_step({"--bogus"});
  EXPECT_EQ(result.exit_code, 125) << result.describe();
  EXPECT_NE(result.err.find("unknown option '--bogus'"), std::string::npos) << result.describe();
  EXPECT_NE(result.err.find("(try --help)"), std::string::npos) << result.describe();
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1)
      << "one line, not the whole usage\n"
      << result.describe();
  EXPECT_EQ(result.out, "") << result.describe();
}

TEST_F(Step03Execvp, TryThis1_ShellKilledBySigtermGives143) {
  support::reread("Try this");
  const auto result =
      support::run({"/bin/sh", "-c", "\"$0\" sh -c 'kill -TERM $$'; echo $?", program()});
  EXPECT_EQ(result.out, "143\n") << result.describe();
}

// `ps -f` typed in the step's shell, on a terminal as in the exercise: ps lists that
// terminal's processes, the step among them.
TEST_F(Step03Execvp, TryThis2_ShellsParentIsTheStep) {
  support::reread("Try this");
  support::Subprocess process(step({}), {.terminal = true});
  process.type("ps -f; exit\n");
  const auto result = process.wait(10s);
  if (result.out.find("Unable to get system boot time") != std::string::npos)
    GTEST_SKIP() << "ps -f needs the boot time of /proc/stat, which this kernel lacks (a guest)";
  // UID PID PPID C STIME TTY TIME CMD
  const std::regex row(R"(^\S+ +([0-9]+) +([0-9]+) .*[0-9] (\S+)[^\n]*$)", std::regex::multiline);
  std::map<pid_t, std::pair<pid_t, std::string>> rows;  // PID: PPID, command
  for (auto it = std::sregex_iterator(result.out.begin(), result.out.end(), row);
       it != std::sregex_iterator(); ++it) {
    rows[std::stoi((*it)[1])] = {std::stoi((*it)[2]), (*it)[3]};
  }
  ASSERT_TRUE(rows.contains(process.pid())) << "the step is not in ps -f\n" << result.describe();
  // ps cuts its last column at the terminal's width.
  EXPECT_TRUE(program().starts_with(rows[process.pid()].second)) << result.describe();
  EXPECT_EQ(rows[process.pid()].first, ::getpid()) << "the step's parent is who started it";
  const auto shell = std::find_if(rows.begin(), rows.end(), [&](const auto& entry) {
    return entry.second.first == process.pid();
  });
  ASSERT_NE(shell, rows.end()) << "no child of the step in ps -f\n" << result.describe();
  EXPECT_EQ(shell->second.second, "/bin/sh") << result.describe();
}

}  // namespace
