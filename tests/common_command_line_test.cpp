#include <gtest/gtest.h>

#include "common/command_line.hpp"

namespace {

using common::parse_arguments;
using common::UsageError;
using Words = std::vector<std::string>;

TEST(ParseArguments, DefaultsToShellAndBuiltRootfs) {
  const auto parsed = parse_arguments({});
  EXPECT_EQ(parsed.command, Words{"/bin/sh"});
  EXPECT_EQ(parsed.rootfs, common::default_rootfs());
  EXPECT_EQ(parsed.pids_max, 0) << "no --pids-max offered: no default either";
  EXPECT_FALSE(parsed.help);
}

TEST(ParseArguments, CommandKeepsItsOwnOptions) {
  const auto parsed = parse_arguments({"sh", "-c", "echo --rootfs"});
  EXPECT_EQ(parsed.command, (Words{"sh", "-c", "echo --rootfs"}));
  EXPECT_EQ(parsed.rootfs, common::default_rootfs());
}

TEST(ParseArguments, RootfsInBothSpellings) {
  EXPECT_EQ(parse_arguments({"--rootfs", "/r", "ls"}).rootfs, "/r");
  EXPECT_EQ(parse_arguments({"--rootfs=/r", "ls"}).rootfs, "/r");
  EXPECT_EQ(parse_arguments({"--rootfs=/r", "ls"}).command, Words{"ls"});
}

TEST(ParseArguments, DoubleDashEndsOptions) {
  const auto parsed = parse_arguments({"--", "--help"});
  EXPECT_FALSE(parsed.help);
  EXPECT_EQ(parsed.command, Words{"--help"});
}

TEST(ParseArguments, Help) {
  EXPECT_TRUE(parse_arguments({"--help"}).help);
  EXPECT_TRUE(parse_arguments({"-h"}).help);
}

TEST(ParseArguments, UnknownOptionIsAUsageError) {
  try {
    parse_arguments({"--bogus"});
    FAIL() << "no UsageError";
  } catch (const UsageError& error) {
    EXPECT_STREQ(error.what(), "unknown option '--bogus'");
  }
}

TEST(ParseArguments, OptionWithoutValueIsAUsageError) {
  EXPECT_THROW(parse_arguments({"--rootfs"}), UsageError);
  EXPECT_THROW(parse_arguments({"--rootfs="}), UsageError);
}

TEST(ParseArguments, PidsMaxOnlyWhereTheStepTakesIt) {
  EXPECT_THROW(parse_arguments({"--pids-max", "9"}), UsageError);
  const common::CommandLineSpec spec{.pids_max = 5};
  EXPECT_EQ(parse_arguments({"--pids-max", "9"}, spec).pids_max, 9);
  EXPECT_EQ(parse_arguments({"--pids-max=12", "ls"}, spec).pids_max, 12);
  EXPECT_EQ(parse_arguments({"--pids-max", "2"}, spec).pids_max, 2);
  EXPECT_EQ(parse_arguments({"--pids-max", "4194304"}, spec).pids_max, 4194304);
  // Unless given, the step's own default: the article's 5 (steps 10-20), 64 (21 on).
  EXPECT_EQ(parse_arguments({"ls"}, spec).pids_max, 5);
  EXPECT_FALSE(parse_arguments({"ls"}, spec).limit_given);
  EXPECT_TRUE(parse_arguments({"--pids-max", "5", "ls"}, spec).limit_given);
  EXPECT_EQ(parse_arguments({"ls"}, {.pids_max = 64}).pids_max, 64);
  EXPECT_NE(common::usage("step21", {.pids_max = 64}).find("(default: 64)"), std::string::npos);
  for (const char* bad : {"0", "1", "4194305", "-3", "x", "", "12345678901"}) {
    EXPECT_THROW(parse_arguments({"--pids-max", bad}, spec), UsageError) << bad;
  }
}

TEST(ParseArguments, MemoryAndCpusOnlyWhereTheStepTakesThem) {
  EXPECT_THROW(parse_arguments({"--memory", "64M"}, {.pids_max = 5}), UsageError);
  const common::CommandLineSpec spec{.pids_max = 5, .limits = true};
  EXPECT_EQ(parse_arguments({}, spec).memory_max, 0);
  EXPECT_EQ(parse_arguments({}, spec).cpus, 0);
  EXPECT_EQ(parse_arguments({"--memory", "64M"}, spec).memory_max, 64LL << 20);
  EXPECT_TRUE(parse_arguments({"--memory", "64M"}, spec).limit_given);
  EXPECT_TRUE(parse_arguments({"--cpus", "1"}, spec).limit_given);
  EXPECT_FALSE(parse_arguments({}, spec).limit_given);
  EXPECT_EQ(parse_arguments({"--memory=2g"}, spec).memory_max, 2LL << 30);
  EXPECT_EQ(parse_arguments({"--memory", "1048576"}, spec).memory_max, 1LL << 20);
  EXPECT_EQ(parse_arguments({"--memory", "4096K"}, spec).memory_max, 4LL << 20);
  for (const char* bad : {"", "M", "1K", "1000", "12X", "-5M", "64MB", "9999999999999999G"}) {
    EXPECT_THROW(parse_arguments({"--memory", bad}, spec), UsageError) << bad;
  }
  EXPECT_DOUBLE_EQ(parse_arguments({"--cpus", "0.5"}, spec).cpus, 0.5);
  EXPECT_DOUBLE_EQ(parse_arguments({"--cpus=2"}, spec).cpus, 2);
  EXPECT_DOUBLE_EQ(parse_arguments({"--cpus", ".25"}, spec).cpus, 0.25);
  EXPECT_DOUBLE_EQ(parse_arguments({"--cpus", "0.01"}, spec).cpus, 0.01);
  for (const char* bad : {"", ".", "0", "0.001", "1025", "1.2.3", "-1", "x", "0.5x"}) {
    EXPECT_THROW(parse_arguments({"--cpus", bad}, spec), UsageError) << bad;
  }
}

TEST(ParseArguments, NetOnlyWhereTheStepTakesIt) {
  EXPECT_THROW(parse_arguments({"--net", "sh"}, {.pids_max = 5, .limits = true}), UsageError);
  EXPECT_FALSE(parse_arguments({"sh"}, {.net = true}).net);
  const auto parsed = parse_arguments({"--net", "sh", "--net"}, {.net = true});
  EXPECT_TRUE(parsed.net);
  EXPECT_EQ(parsed.command, (std::vector<std::string>{"sh", "--net"}));
}

TEST(ParseArguments, KeepOnlyWhereTheStepTakesIt) {
  EXPECT_THROW(parse_arguments({"--keep", "/tmp/x"}, {.net = true}), UsageError);
  EXPECT_EQ(parse_arguments({"--keep", "/tmp/x", "sh"}, {.keep = true}).keep, "/tmp/x");
  EXPECT_EQ(parse_arguments({"--keep=layer"}, {.keep = true}).keep, "layer");
  EXPECT_THROW(parse_arguments({"--keep="}, {.keep = true}), UsageError);
}

TEST(Usage, ListsTheOptionsTheStepTakes) {
  const std::string plain = common::usage("step04");
  EXPECT_TRUE(plain.starts_with("usage: step04 [--rootfs DIR] [--] [CMD [ARG...]]\n")) << plain;
  EXPECT_EQ(plain.find("--pids-max"), std::string::npos);
  EXPECT_NE(common::usage("step10", {.pids_max = 5}).find("--pids-max N"), std::string::npos);
}

TEST(ParseCommandLineDeathTest, HelpPrintsUsageAndExitsZero) {
  char program[] = "step04_clearenv";
  char help[] = "--help";
  char* argv[] = {program, help, nullptr};
  EXPECT_EXIT(common::parse_command_line(2, argv), ::testing::ExitedWithCode(0), "");
}

TEST(ParseCommandLineDeathTest, BadOptionExits125InOneLine) {
  char program[] = "step04_clearenv";
  char bad[] = "--bogus";
  char* argv[] = {program, bad, nullptr};
  EXPECT_EXIT(common::parse_command_line(2, argv), ::testing::ExitedWithCode(125),
              "unknown option '--bogus' \\(try --help\\)\n$");
}

}  // namespace
