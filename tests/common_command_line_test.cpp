#include <gtest/gtest.h>

#include "common/command_line.hpp"

namespace {

using common::parse_arguments;
using common::UsageError;
using Words = std::vector<std::string>;

// A step's own command line, as steps 10 on declare theirs: a field per option, and the
// list of options with where each value goes.
struct StepCommandLine : common::CommandLine {
  long count = 5;
  long long bytes = 0;
  double cpus = 0;
  std::string folder;
  std::vector<common::Option> options() {
    return {
        {"--count N", "how many", common::count(count, 2, 4194304, "one is taken")},
        {"--bytes BYTES", "how much (default: none)", common::size(bytes, 1 << 20)},
        {"--cpus N", "how fast", common::decimal(cpus, 1024, "CPUs")},
        {"--flag", "a flag", common::flag()},
        {"--folder DIR", "where", common::folder(folder)},
    };
  }
};

StepCommandLine parse(const Words& words) { return parse_arguments<StepCommandLine>(words); }

// The message of the UsageError that parsing `words` throws ("" if none).
std::string error_of(const Words& words) {
  try {
    parse(words);
  } catch (const UsageError& error) {
    return error.what();
  }
  return "";
}

TEST(ParseArguments, DefaultsToShellAndBuiltRootfs) {
  const auto parsed = parse_arguments({});
  EXPECT_EQ(parsed.command, Words{"/bin/sh"});
  EXPECT_EQ(parsed.rootfs, common::default_rootfs());
  EXPECT_FALSE(parsed.help);
  EXPECT_TRUE(parsed.given_options.empty());
}

TEST(ParseArguments, AVerbTakesOptionsAfterItAndOperands) {
  common::CommandLine parsed;
  std::string bundle;
  common::parse_arguments({"--rootfs", "/r", "create", "--bundle", "/b", "box"}, parsed,
                          {{"--bundle DIR", "", common::folder(bundle)}}, {"create", "start"});
  EXPECT_EQ(parsed.verb, "create");
  EXPECT_EQ(bundle, "/b");
  EXPECT_EQ(parsed.operands, Words{"box"});
  EXPECT_FALSE(parsed.command_given);
}

TEST(ParseArguments, AVerbAfterDashDashIsTheCommand) {
  common::CommandLine parsed;
  common::parse_arguments({"--", "start", "x"}, parsed, {}, {"create", "start"});
  EXPECT_EQ(parsed.verb, "");
  EXPECT_EQ(parsed.command, (Words{"start", "x"}));
}

TEST(ParseArguments, AnUnknownWordIsTheCommandWhenThereAreVerbs) {
  common::CommandLine parsed;
  common::parse_arguments({"ls", "start"}, parsed, {}, {"create", "start"});
  EXPECT_EQ(parsed.verb, "");
  EXPECT_EQ(parsed.command, (Words{"ls", "start"}));
}

TEST(Usage, NamesTheVerbs) {
  const std::string text = common::usage("step47", {}, {"create", "start"});
  EXPECT_NE(text.find("   or: step47 [OPTIONS] create|start [OPTIONS] ID"), std::string::npos)
      << text;
}

TEST(ParseArguments, SaysWhetherACommandWasGiven) {
  EXPECT_FALSE(parse_arguments({}).command_given) << "the default shell";
  EXPECT_FALSE(parse_arguments({"--rootfs", "/r"}).command_given);
  EXPECT_TRUE(parse_arguments({"/bin/sh"}).command_given) << "even the default's name";
  EXPECT_TRUE(parse_arguments({"--", "ls"}).command_given);
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
  EXPECT_EQ(parse({"--rootfs", "/r", "--count", "9"}).rootfs, "/r");
}

TEST(ParseArguments, DoubleDashEndsOptions) {
  const auto parsed = parse_arguments({"--", "--help"});
  EXPECT_FALSE(parsed.help);
  EXPECT_EQ(parsed.command, Words{"--help"});
  EXPECT_EQ(parse({"--", "--count", "9"}).count, 5);
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
  EXPECT_EQ(error_of({"--rootfs="}), "--rootfs needs a folder");
  EXPECT_EQ(error_of({"--count"}), "option --count needs a value");
}

TEST(ParseArguments, OptionsOnlyWhereTheStepDeclaresThem) {
  for (const char* option : {"--count", "--bytes", "--cpus", "--flag", "--folder"}) {
    EXPECT_THROW(parse_arguments({option, "9"}), UsageError) << option;
  }
}

TEST(ParseArguments, CountInBothSpellingsWithinItsRange) {
  EXPECT_EQ(parse({"--count", "9"}).count, 9);
  EXPECT_EQ(parse({"--count=12", "ls"}).count, 12);
  EXPECT_EQ(parse({"--count=12", "ls"}).command, Words{"ls"});
  EXPECT_EQ(parse({"--count", "2"}).count, 2);
  EXPECT_EQ(parse({"--count", "4194304"}).count, 4194304);
  for (const char* bad :
       {"0", "1", "4194305", "-3", "x", "", "12345678901", "99999999999999999999"}) {
    EXPECT_THROW(parse({"--count", bad}), UsageError) << bad;
  }
  // The error names the option, what it wants and what it got.
  EXPECT_EQ(error_of({"--count", "1"}),
            "--count wants a number from 2 (one is taken) to 4194304, got '1'");
}

TEST(ParseArguments, UnlessGivenAFieldKeepsItsDefault) {
  const auto parsed = parse({"ls"});
  EXPECT_EQ(parsed.count, 5);
  EXPECT_EQ(parsed.bytes, 0);
  EXPECT_EQ(parsed.cpus, 0);
  EXPECT_EQ(parsed.folder, "");
  EXPECT_FALSE(parsed.given("--count"));
  EXPECT_FALSE(parsed.given({"--count", "--flag"}));
}

TEST(ParseArguments, GivenNamesTheOptionsGiven) {
  const auto parsed = parse({"--count", "5", "--flag", "--rootfs", "/r", "ls"});
  EXPECT_TRUE(parsed.given("--count")) << "given, though with the default's value";
  EXPECT_TRUE(parsed.given("--flag"));
  EXPECT_FALSE(parsed.given("--bytes"));
  EXPECT_TRUE(parsed.given("--rootfs")) << "the common options too";
  EXPECT_TRUE(parsed.given({"--bytes", "--flag"}));
  EXPECT_FALSE(parsed.given({"--bytes", "--cpus"}));
}

TEST(ParseArguments, SizeWithKMG) {
  EXPECT_EQ(parse({"--bytes", "64M"}).bytes, 64LL << 20);
  EXPECT_EQ(parse({"--bytes=2g"}).bytes, 2LL << 30);
  EXPECT_EQ(parse({"--bytes", "1048576"}).bytes, 1LL << 20);
  EXPECT_EQ(parse({"--bytes", "4096K"}).bytes, 4LL << 20);
  for (const char* bad : {"", "M", "1K", "1000", "12X", "-5M", "64MB", "9999999999999999G"}) {
    EXPECT_THROW(parse({"--bytes", bad}), UsageError) << bad;
  }
  EXPECT_EQ(error_of({"--bytes", "12X"}),
            "--bytes wants a size such as 64M (K, M, G; at least 1M), got '12X'");
}

TEST(ParseArguments, DecimalInHundredths) {
  EXPECT_DOUBLE_EQ(parse({"--cpus", "0.5"}).cpus, 0.5);
  EXPECT_DOUBLE_EQ(parse({"--cpus=2"}).cpus, 2);
  EXPECT_DOUBLE_EQ(parse({"--cpus", ".25"}).cpus, 0.25);
  EXPECT_DOUBLE_EQ(parse({"--cpus", "0.01"}).cpus, 0.01);
  EXPECT_DOUBLE_EQ(parse({"--cpus", "1024"}).cpus, 1024);
  for (const char* bad : {"", ".", "0", "0.001", "1025", "1.2.3", "-1", "x", "0.5x"}) {
    EXPECT_THROW(parse({"--cpus", bad}), UsageError) << bad;
  }
  EXPECT_EQ(error_of({"--cpus", "half"}),
            "--cpus wants a number of CPUs from 0.01 to 1024 such as 0.5, got 'half'");
}

TEST(ParseArguments, FlagTakesNoValue) {
  const auto parsed = parse({"--flag", "sh", "--flag"});
  EXPECT_TRUE(parsed.given("--flag"));
  EXPECT_EQ(parsed.command, (Words{"sh", "--flag"}));
  EXPECT_EQ(error_of({"--flag=yes"}), "unknown option '--flag=yes'");
}

TEST(ParseArguments, Folder) {
  EXPECT_EQ(parse({"--folder", "/tmp/x", "sh"}).folder, "/tmp/x");
  EXPECT_EQ(parse({"--folder=layer"}).folder, "layer");
  EXPECT_EQ(error_of({"--folder="}), "--folder needs a folder");
}

TEST(ParseArguments, ACallbackOfTheStepsOwn) {
  struct Custom : common::CommandLine {
    std::string seen;
    std::vector<common::Option> options() {
      return {{"--odd N", "an odd number", {[this](std::string_view value) {
                 if (value != "1" && value != "3") throw UsageError("wants 1 or 3, got it wrong");
                 seen = value;
               }}}};
    }
  };
  EXPECT_EQ(parse_arguments<Custom>({"--odd", "3"}).seen, "3");
  try {
    parse_arguments<Custom>({"--odd=2"});
    FAIL() << "no UsageError";
  } catch (const UsageError& error) {
    EXPECT_STREQ(error.what(), "--odd wants 1 or 3, got it wrong");
  }
}

TEST(Usage, ListsTheOptionsTheStepTakes) {
  const std::string plain = common::usage("step04");
  EXPECT_TRUE(plain.starts_with("usage: step04 [--rootfs DIR] [--] [CMD [ARG...]]\n")) << plain;
  EXPECT_EQ(plain.find("--count"), std::string::npos);
  StepCommandLine step;
  const std::string text = common::usage("step10", step.options());
  EXPECT_TRUE(
      text.starts_with("usage: step10 [--rootfs DIR] [--count N] [--bytes BYTES] [--cpus "
                       "N] [--flag] [--folder DIR] [--] [CMD [ARG...]]\n"))
      << text;
  // One line each, the help in one column; a count shows the value it starts with.
  EXPECT_NE(text.find("\n  --count N      how many (default: 5)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n  --bytes BYTES  how much (default: none)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n  --flag         a flag\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n  -h, --help     show this help\n"), std::string::npos) << text;
}

TEST(Usage, ShowsTheDefaultNotAValueGivenBeforeHelp) {
  StepCommandLine step;
  const auto options = step.options();  // as parse_command_line makes them: before parsing
  common::parse_arguments({"--count", "9", "--help"}, step, options);
  EXPECT_EQ(step.count, 9);
  EXPECT_NE(common::usage("step10", options).find("(default: 5)"), std::string::npos);
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

TEST(ParseCommandLineDeathTest, BadValueExits125NamingTheOptionAndWhy) {
  char program[] = "step10_pids_cgroup";
  char option[] = "--count=1";
  char* argv[] = {program, option, nullptr};
  EXPECT_EXIT(common::parse_command_line<StepCommandLine>(2, argv), ::testing::ExitedWithCode(125),
              "--count wants a number from 2 \\(one is taken\\) to 4194304, got '1' \\(try "
              "--help\\)\n$");
}

}  // namespace
