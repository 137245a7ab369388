// The transcript checker itself: if it matched everything, the docs test could not fail.
#include "tests/support/transcript.hpp"

#include <gtest/gtest.h>

namespace {

using support::lines_match;
using Lines = std::vector<std::string>;

TEST(Transcript, ParsesOnlyConsoleBlocksOfRunIt) {
  const auto commands = support::parse_run_it(
      "# Title\n\n```console\n$ not-this\n```\n## Run it\n\nText.\n\n```console\n$ first a\nout 1\n"
      "out 2\n$ second\n```\n\n```sh\n$ not-this-either\n```\n```console\n$ third\n```\n## "
      "Pitfalls\n"
      "```console\n$ nor-this\n```\n");
  ASSERT_EQ(commands.size(), 3u);
  EXPECT_EQ(commands[0].command, "first a");
  EXPECT_EQ(commands[0].expected, (Lines{"out 1", "out 2"}));
  EXPECT_EQ(commands[1].command, "second");
  EXPECT_TRUE(commands[1].expected.empty());
  EXPECT_EQ(commands[2].command, "third");
}

// A here-document, as a shell shows it: its lines after the second prompt "> ".
TEST(Transcript, LinesAfterTheSecondPromptContinueTheCommand) {
  const auto commands = support::parse_run_it(
      "## Run it\n```console\n$ cat <<'EOF'\n> a\n>\n> b\n> EOF\na\n\nb\n> not a command\n```\n");
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0].command, "cat <<'EOF'\na\n\nb\nEOF");
  EXPECT_EQ(commands[0].expected, (Lines{"a", "", "b", "> not a command"}));
}

TEST(Transcript, ExactLinesMustBeEqual) {
  EXPECT_TRUE(lines_match({"a", "b"}, {"a", "b"}));
  EXPECT_FALSE(lines_match({"a", "b"}, {"a", "c"}));
  EXPECT_FALSE(lines_match({"a"}, {"a", "b"}));
  EXPECT_FALSE(lines_match({"a", "b"}, {"a"}));
  EXPECT_TRUE(lines_match({}, {}));
}

TEST(Transcript, EllipsisInALineMatchesAnyText) {
  EXPECT_TRUE(lines_match({"PID … on the host"}, {"PID 4242 on the host"}));
  EXPECT_TRUE(lines_match({"…x"}, {"x"}));
  EXPECT_TRUE(lines_match({"a…b…c"}, {"a12b34c"}));
  EXPECT_FALSE(lines_match({"PID … on the host"}, {"PID 4242 on a guest"}));
  EXPECT_FALSE(lines_match({"a…b…c"}, {"a12c34b"}));
}

TEST(Transcript, EllipsisLineMatchesAnyNumberOfLines) {
  EXPECT_TRUE(lines_match({"usage: x", "…"}, {"usage: x", "1", "2"}));
  EXPECT_TRUE(lines_match({"usage: x", "…"}, {"usage: x"}));
  EXPECT_TRUE(lines_match({"…"}, {}));
  EXPECT_TRUE(lines_match({"a", "…", "z"}, {"a", "m", "n", "z"}));
  EXPECT_FALSE(lines_match({"a", "…", "z"}, {"a", "m", "n"}));
}

TEST(Transcript, SplitLines) {
  EXPECT_EQ(support::split_lines("a\nb\n"), (Lines{"a", "b"}));
  EXPECT_EQ(support::split_lines("a\n\nb"), (Lines{"a", "", "b"}));
  EXPECT_TRUE(support::split_lines("").empty());
}

}  // namespace
