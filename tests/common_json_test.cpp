#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/json.hpp"

namespace {

namespace json = common::json;

// What `runc spec` writes (runc 1.1, tabs and all), with a few settings a real bundle adds:
// a memory limit of 2^63 - 1 ("unlimited"), a negative oomScoreAdj, CPU shares and quota,
// an annotation whose key has dots, a string with escapes and a non-ASCII hostname part.
constexpr std::string_view kConfig = R"json({
	"ociVersion": "1.0.2-dev",
	"process": {
		"terminal": true,
		"user": {
			"uid": 0,
			"gid": 0,
			"additionalGids": [10, 4294967294]
		},
		"args": [
			"sh",
			"-c",
			"echo \"h\u00e9llo\"\tworld"
		],
		"env": [
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=xterm"
		],
		"cwd": "/",
		"capabilities": {
			"bounding": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"effective": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"permitted": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"ambient": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			]
		},
		"rlimits": [
			{
				"type": "RLIMIT_NOFILE",
				"hard": 1024,
				"soft": 1024
			}
		],
		"noNewPrivileges": true,
		"oomScoreAdj": -500
	},
	"root": {
		"path": "rootfs",
		"readonly": true
	},
	"hostname": "runc-✓",
	"mounts": [
		{
			"destination": "/proc",
			"type": "proc",
			"source": "proc"
		},
		{
			"destination": "/dev",
			"type": "tmpfs",
			"source": "tmpfs",
			"options": [
				"nosuid",
				"strictatime",
				"mode=755",
				"size=65536k"
			]
		},
		{
			"destination": "/dev/pts",
			"type": "devpts",
			"source": "devpts",
			"options": [
				"nosuid",
				"noexec",
				"newinstance",
				"ptmxmode=0666",
				"mode=0620",
				"gid=5"
			]
		},
		{
			"destination": "/dev/shm",
			"type": "tmpfs",
			"source": "shm",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"mode=1777",
				"size=65536k"
			]
		},
		{
			"destination": "/dev/mqueue",
			"type": "mqueue",
			"source": "mqueue",
			"options": [
				"nosuid",
				"noexec",
				"nodev"
			]
		},
		{
			"destination": "/sys",
			"type": "sysfs",
			"source": "sysfs",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"ro"
			]
		},
		{
			"destination": "/sys/fs/cgroup",
			"type": "cgroup",
			"source": "cgroup",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"relatime",
				"ro"
			]
		}
	],
	"linux": {
		"resources": {
			"devices": [
				{
					"allow": false,
					"access": "rwm"
				}
			],
			"memory": {
				"limit": 9223372036854775807
			},
			"cpu": {
				"shares": 1024,
				"quota": -1,
				"period": 100000
			},
			"pids": {
				"limit": 1e3
			}
		},
		"namespaces": [
			{
				"type": "pid"
			},
			{
				"type": "network"
			},
			{
				"type": "ipc"
			},
			{
				"type": "uts"
			},
			{
				"type": "mount"
			},
			{
				"type": "cgroup"
			}
		],
		"maskedPaths": [
			"/proc/acpi",
			"/proc/asound",
			"/proc/kcore",
			"/proc/keys",
			"/proc/latency_stats",
			"/proc/timer_list",
			"/proc/timer_stats",
			"/proc/sched_debug",
			"/sys/firmware",
			"/proc/scsi"
		],
		"readonlyPaths": [
			"/proc/bus",
			"/proc/fs",
			"/proc/irq",
			"/proc/sys",
			"/proc/sysrq-trigger"
		],
		"seccomp": null
	},
	"annotations": {
		"org.opencontainers.image.os": "linux"
	}
}
)json";

// The error what() of parsing \p text, or "no error".
std::string parse_error(std::string_view text) {
  try {
    json::parse(text);
  } catch (const json::Error& error) {
    return error.what();
  }
  return "no error";
}

// The error what() of \p read on the parsed kConfig, or "no error".
template <typename Read>
std::string read_error(Read read) {
  const json::Value config = json::parse(kConfig);
  try {
    read(json::Field(config));
  } catch (const json::Error& error) {
    return error.what();
  }
  return "no error";
}

struct Malformed {
  const char* rule;
  std::string text;
  const char* error;  // the whole what(), line:column and reason
};

// Every rule of RFC 8259 this reader holds to, each broken once.
const std::vector<Malformed> kMalformed = {
    {"empty input", "", "1:1: expected a value, found the end of the input"},
    {"only whitespace", " \n ", "2:2: expected a value, found the end of the input"},
    {"line comment", "{\n  // why\n  \"a\": 1}",
     "2:3: expected a key in double quotes, found '/' (JSON has no comments)"},
    {"block comment after a value", "[1 /* x */]",
     "1:4: expected ',' or ']', found '/' (JSON has no comments)"},
    {"trailing comma in an array", "[1, 2, ]", "1:6: trailing comma before ']'"},
    {"trailing comma in an object", "{\"a\": 1,\n}", "1:8: trailing comma before '}'"},
    {"comma alone", "[,]", "1:2: expected a value, found ','"},
    {"missing comma", "[1 2]", "1:4: expected ',' or ']', found '2'"},
    {"missing colon", "{\"a\" 1}", "1:6: expected ':' after the key, found '1'"},
    {"key without quotes", "{a: 1}", "1:2: expected a key in double quotes, found 'a'"},
    {"number as key", "{1: 1}", "1:2: expected a key in double quotes, found '1'"},
    {"single-quoted string", "['a']",
     "1:2: expected a value, found a single quote (JSON strings take double quotes)"},
    {"leading zero", "[01]", "1:3: leading zero in a number"},
    {"negative leading zero", "-012", "1:3: leading zero in a number"},
    {"plus sign", "+1", "1:1: expected a value, found '+'"},
    {"fraction without integer part", ".5", "1:1: expected a value, found '.'"},
    {"fraction without digits", "1.",
     "1:3: expected a digit after '.', found the end of the input"},
    {"exponent without digits", "1e+",
     "1:4: expected a digit in the exponent, found the end of the input"},
    {"minus alone", "[-]", "1:3: expected a digit after '-', found ']'"},
    {"hexadecimal", "0x1F", "1:2: expected the end of the input after the value, found 'x'"},
    {"NaN", "NaN", "1:1: expected a value, found 'NaN' (JSON numbers are finite)"},
    {"Infinity", "[Infinity]", "1:2: expected a value, found 'Infinity' (JSON numbers are finite)"},
    {"negative Infinity", "-Infinity", "1:2: expected a digit after '-', found 'I'"},
    {"capitalised literal", "True", "1:1: expected a value, found 'True'"},
    {"literal run on", "nulll", "1:1: expected a value, found 'nulll'"},
    {"truncated literal", "[tru]", "1:2: expected a value, found 'tru'"},
    {"unterminated string", "[\"abc", "1:2: unterminated string"},
    {"unterminated array", "[1,", "1:4: expected a value, found the end of the input"},
    {"unterminated object", "{\"a\":1", "1:7: expected ',' or '}', found the end of the input"},
    {"raw newline in a string", "\"a\nb\"",
     "1:3: control character U+000A in a string (write it as an escape, such as \\n or \\u0009)"},
    {"raw tab in a string", "\"a\tb\"",
     "1:3: control character U+0009 in a string (write it as an escape, such as \\n or \\u0009)"},
    {"NUL in a string", std::string("\"a\0b\"", 5),
     "1:3: control character U+0000 in a string (write it as an escape, such as \\n or \\u0009)"},
    {"unknown escape", "\"\\x41\"", "1:3: invalid escape: a backslash followed by 'x'"},
    {"escaped single quote", "\"\\'\"",
     "1:3: invalid escape: a backslash followed by a single quote (JSON strings take double "
     "quotes)"},
    {"short \\u escape", "\"\\u12\"", "1:6: expected 4 hex digits after \\u, found '\"'"},
    {"lone high surrogate", "\"\\uD83D\"",
     "1:2: lone surrogate \\uD83D (no low surrogate follows)"},
    {"high surrogate then a letter", "\"\\uD83Dx\"",
     "1:2: lone surrogate \\uD83D (no low surrogate follows)"},
    {"two high surrogates", "\"\\uD83D\\uD83D\"",
     "1:2: lone surrogate \\uD83D (no low surrogate follows)"},
    {"lone low surrogate", "\"a\\uDE00\"", "1:3: lone surrogate \\uDE00"},
    {"invalid UTF-8 byte", "\"\xff\"", "1:2: invalid UTF-8 (byte 0xFF)"},
    {"stray continuation byte", "[\"\x80\"]", "1:3: invalid UTF-8 (byte 0x80)"},
    {"overlong encoding of '/'", "\"\xC0\xAF\"", "1:2: invalid UTF-8 (byte 0xC0)"},
    {"surrogate encoded in UTF-8", "\"\xED\xA0\x80\"", "1:2: invalid UTF-8 (byte 0xED)"},
    {"above U+10FFFF", "\"\xF4\x90\x80\x80\"", "1:2: invalid UTF-8 (byte 0xF4)"},
    {"truncated sequence at the end", "\"\xE2\x9C", "1:2: invalid UTF-8 (byte 0xE2)"},
    {"byte order mark", "\xEF\xBB\xBF{}",
     "1:1: expected a value, found U+FEFF (a byte order mark)"},
    {"second value", "{} {}", "1:4: expected the end of the input after the value, found '{'"},
    {"garbage after the value", "1 x",
     "1:3: expected the end of the input after the value, found 'x'"},
    {"form feed is not whitespace", "\f1", "1:1: expected a value, found control character U+000C"},
    {"non-breaking space is not whitespace",
     "\xC2\xA0"
     "1",
     "1:1: expected a value, found U+00A0"},
    {"duplicate key", "{\"a\": 1,\n \"b\": 2,\n \"a\": 3}", "3:2: duplicate key \"a\""},
    {"duplicate key after escapes", "{\"a\": 1, \"\\u0061\": 2}", "1:10: duplicate key \"a\""},
    {"column counts characters", "[\"é\", x]", "1:7: expected a value, found 'x'"},
};

TEST(Json, QuoteWritesAStringThatParsesBack) {
  const std::string text = std::string("a \"b\" \\ c\n\x01 d\0e", 14);
  EXPECT_EQ(common::json::quote("say \"hi\"\n"), R"("say \"hi\"\u000A")");
  const common::json::Value value = common::json::parse(common::json::quote(text));
  EXPECT_EQ(common::json::Field(value).string(), text);
}

TEST(Json, UnsignedIntegersReachTwoToThe64MinusOne) {
  const common::json::Value value =
      common::json::parse(R"([18446744073709551615, 0, -1, 18446744073709551616, 1.5])");
  const common::json::Field items(value);
  EXPECT_EQ(items.at(0).unsigned_integer(), 18446744073709551615ULL);
  EXPECT_EQ(items.at(1).unsigned_integer(), 0U);
  const auto error_of = [&](std::size_t index) {
    try {
      items.at(index).unsigned_integer();
    } catch (const common::json::Error& error) {
      return std::string(error.what());
    }
    return std::string();
  };
  EXPECT_EQ(error_of(2), "[2]: -1 is below 0");
  EXPECT_EQ(error_of(3),
            "[3]: 18446744073709551616 is out of range for an unsigned 64-bit integer");
  EXPECT_EQ(error_of(4), "[4]: 1.5 is not an integer");
}

TEST(Json, MalformedInputIsRefusedWithWhereAndWhy) {
  ASSERT_GE(kMalformed.size(), 30u);
  for (const Malformed& input : kMalformed)
    EXPECT_EQ(parse_error(input.text), input.error) << input.rule;
}

TEST(Json, NestingDeeperThanTheLimitIsRefused) {
  const int limit = json::kMaxDepth;
  const auto nested = [](int depth) {
    return std::string(depth, '[') + "1" + std::string(depth, ']');
  };
  EXPECT_EQ(parse_error(nested(limit)), "no error");
  EXPECT_EQ(parse_error(nested(limit + 1)), "1:65: nesting deeper than 64 arrays and objects");
  // Deep enough to overflow the stack of a parser without a limit; refused at once.
  EXPECT_EQ(parse_error(std::string(1'000'000, '[')),
            "1:65: nesting deeper than 64 arrays and objects");
  std::string objects;
  for (int i = 0; i <= limit; ++i) objects += "{\"a\":";
  EXPECT_NE(parse_error(objects).find("nesting deeper than 64"), std::string::npos);
}

TEST(Json, ConfigReadsBackThroughTheAccessors) {
  const json::Value config = json::parse(kConfig);
  const json::Field root(config);
  EXPECT_EQ(root.at("ociVersion").string(), "1.0.2-dev");
  const json::Field process = root.at("process");
  EXPECT_TRUE(process.at("terminal").boolean());
  EXPECT_EQ(process.at("user").at("uid").integer(0, 4294967295), 0);
  EXPECT_EQ(process.at("user").at("additionalGids").at(1).integer(), 4294967294);
  EXPECT_EQ(process.at("args").strings(),
            (std::vector<std::string>{"sh", "-c", "echo \"h\u00e9llo\"\tworld"}));
  EXPECT_EQ(process.at("env").size(), 2u);
  EXPECT_EQ(process.at("oomScoreAdj").integer(-1000, 1000), -500);
  EXPECT_EQ(process.at("rlimits").at(0).at("hard").number(), 1024.0);
  EXPECT_EQ(root.at("hostname").string(), "runc-\u2713");
  EXPECT_EQ(root.at("linux").at("seccomp").kind(), json::Kind::null);

  const json::Field resources = root.at("linux").at("resources");
  EXPECT_EQ(resources.at("memory").at("limit").integer(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(resources.at("cpu").at("quota").integer(), -1);
  EXPECT_EQ(resources.at("pids").at("limit").number(), 1000.0);

  std::vector<std::string> destinations;
  root.at("mounts").each([&](const json::Field& mount) {
    destinations.push_back(mount.at("destination").string());
    if (const auto options = mount.optional("options")) {
      EXPECT_GT(options->size(), 0u);
    }
  });
  EXPECT_EQ(destinations.size(), 7u);
  EXPECT_EQ(destinations.front(), "/proc");
  EXPECT_EQ(destinations.back(), "/sys/fs/cgroup");

  // Keys come back in document order.
  std::vector<std::string> keys;
  root.each_member([&](const std::string& key, const json::Field&) { keys.push_back(key); });
  EXPECT_EQ(keys, (std::vector<std::string>{"ociVersion", "process", "root", "hostname", "mounts",
                                            "linux", "annotations"}));
  root.at("annotations").each_member([](const std::string& key, const json::Field& value) {
    EXPECT_EQ(key, "org.opencontainers.image.os");
    EXPECT_EQ(value.path(), "annotations[\"org.opencontainers.image.os\"]");
    EXPECT_EQ(value.string(), "linux");
  });
  EXPECT_FALSE(root.optional("domainname"));
  EXPECT_NO_THROW(root.at("root").only({"path", "readonly"}));
}

TEST(Json, AccessErrorsNameThePathAndTheReason) {
  EXPECT_EQ(
      read_error([](const json::Field& root) { root.at("process").at("args").at(2).integer(); }),
      "process.args[2]: expected a number, found a string");
  EXPECT_EQ(read_error([](const json::Field& root) { root.at("process").at("args").at(3); }),
            "process.args[3]: missing (the array has 3 items)");
  EXPECT_EQ(read_error([](const json::Field& root) { root.at("process").at("cwd").strings(); }),
            "process.cwd: expected an array, found a string");
  EXPECT_EQ(read_error([](const json::Field& root) {
              root.at("process").at("user").at("additionalGids").strings();
            }),
            "process.user.additionalGids[0]: expected a string, found a number");
  EXPECT_EQ(read_error([](const json::Field& root) {
              root.at("linux").at("resources").at("memory").at("swap");
            }),
            "linux.resources.memory.swap: missing");
  EXPECT_EQ(read_error([](const json::Field& root) { root.at("linux").at("seccomp").at("x"); }),
            "linux.seccomp: expected an object, found null");
  EXPECT_EQ(read_error([](const json::Field& root) { root.at("root").at("readonly").string(); }),
            "root.readonly: expected a string, found a boolean");
  EXPECT_EQ(read_error([](const json::Field& root) { root.at(0); }),
            "top level: expected an array, found an object");
  EXPECT_EQ(read_error([](const json::Field& root) {
              root.at("process").only({"terminal", "user", "args", "env", "cwd"});
            }),
            "process: unknown key \"capabilities\"");
  EXPECT_EQ(read_error([](const json::Field& root) {
              root.at("process").at("user").at("additionalGids").at(1).integer(0, 65535);
            }),
            "process.user.additionalGids[1]: 4294967294 is out of range [0, 65535]");
  EXPECT_EQ(read_error([](const json::Field& root) {
              root.at("linux").at("resources").at("pids").at("limit").integer();
            }),
            "linux.resources.pids.limit: 1e3 is not an integer");
  EXPECT_EQ(read_error([](const json::Field& root) { root.at("annotations").at("a b"); }),
            "annotations[\"a b\"]: missing");
  EXPECT_EQ(read_error([](const json::Field& root) {
              root.at("root").at("path").fail("must be absolute");
            }),
            "root.path: must be absolute");
}

TEST(Json, IntegersAreExactToTheEdgesOfInt64) {
  const json::Value value = json::parse(
      "[9223372036854775807, -9223372036854775808, 9223372036854775808, "
      "-9223372036854775809, 123456789012345678901234567890, -0, 1.5, 1E400]");
  const json::Field items(value);
  EXPECT_EQ(items.at(0).integer(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(items.at(1).integer(), std::numeric_limits<std::int64_t>::min());
  for (std::size_t index : {2u, 3u, 4u}) {
    try {
      items.at(index).integer();
      ADD_FAILURE() << "no error for item " << index;
    } catch (const json::Error& error) {
      EXPECT_NE(std::string(error.what()).find("is out of range for a 64-bit integer"),
                std::string::npos)
          << error.what();
    }
  }
  // Too big for an integer, but a number all the same.
  EXPECT_DOUBLE_EQ(items.at(2).number(), 9223372036854775808.0);
  EXPECT_DOUBLE_EQ(items.at(4).number(), 1.2345678901234568e29);
  EXPECT_EQ(items.at(5).integer(), 0);
  EXPECT_EQ(items.at(6).number(), 1.5);
  try {
    items.at(7).number();
    ADD_FAILURE() << "no error for 1E400";
  } catch (const json::Error& error) {
    EXPECT_STREQ(error.what(), "[7]: 1E400 is out of range for a double");
  }
}

TEST(Json, EscapesAndSurrogatePairsDecodeToUtf8) {
  const json::Value value = json::parse(
      R"(["\"\\\/\b\f\n\r\t", "\u00e9\u20AC", "\ud83d\ude00", "\uDBFF\uDFFF", "\u0000", "\u007f"])");
  const std::vector<std::string> strings = json::Field(value).strings();
  EXPECT_EQ(strings.at(0), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(strings.at(1), "\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(strings.at(2), "\xF0\x9F\x98\x80");  // U+1F600
  EXPECT_EQ(strings.at(3), "\xF4\x8F\xBF\xBF");  // U+10FFFF, the last character
  EXPECT_EQ(strings.at(4), std::string(1, '\0'));
  EXPECT_EQ(strings.at(5), "\x7F");
  // Characters written as themselves pass through unchanged, up to 4 bytes.
  EXPECT_EQ(json::parse("\"\xF0\x9F\x98\x80\"").text, "\xF0\x9F\x98\x80");
}

TEST(Json, ScalarsAtTheTopLevelAndEmptyContainers) {
  const json::Value yes = json::parse(" true "), nothing = json::parse("null"),
                    number = json::parse("\r\n\t-12.5e-1"), array = json::parse("[ ]"),
                    object = json::parse("{}");
  EXPECT_TRUE(json::Field(yes).boolean());
  EXPECT_EQ(json::Field(nothing).kind(), json::Kind::null);
  EXPECT_EQ(json::Field(number).number(), -1.25);
  EXPECT_EQ(json::Field(array).strings(), std::vector<std::string>{});
  EXPECT_EQ(object.members.size(), 0u);
}

// A few thousand mutated copies of kConfig each parse or throw json::Error: never crash,
// hang or throw anything else. The seed is fixed, so a failure can be replayed.
TEST(Json, MutatedConfigsParseOrThrowTheLibrarysError) {
  std::mt19937 random(20261207);
  const auto pick = [&](std::size_t count) {
    return std::uniform_int_distribution<std::size_t>(0, count - 1)(random);
  };
  // Bytes that matter to a JSON parser, and some that break UTF-8.
  const char bytes[] = "{}[]\",:\\/-+.0123456789eEu ntfl'\x1f\x7f\x80\xbf\xc0\xc3\xed\xf0\xf4\xff";
  const std::string interesting = std::string(bytes, sizeof bytes - 1) + '\0';
  const std::vector<std::function<void(const json::Field&)>> reads = {
      [](const json::Field& root) { root.at("process").at("args").strings(); },
      [](const json::Field& root) { root.at("process").at("user").at("uid").integer(0, 65535); },
      [](const json::Field& root) {
        root.at("linux").at("resources").at("memory").at("limit").integer();
      },
      [](const json::Field& root) {
        root.at("linux").at("resources").at("cpu").at("shares").number();
      },
      [](const json::Field& root) {
        root.at("mounts").each([](const json::Field& mount) {
          mount.at("destination").string();
          if (const auto options = mount.optional("options")) options->strings();
        });
      },
      [](const json::Field& root) {
        root.each_member([](const std::string&, const json::Field& member) { member.kind(); });
      },
  };
  int parsed = 0, refused = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text(kConfig);
    for (std::size_t edits = 1 + pick(4); edits > 0; --edits) {
      const std::size_t at = pick(text.size());
      switch (pick(5)) {
        case 0:
          text[at] = interesting[pick(interesting.size())];
          break;
        case 1:
          text[at] = static_cast<char>(pick(256));
          break;
        case 2:
          text.erase(at, 1 + pick(8));
          break;
        case 3:
          text.insert(at, 1, interesting[pick(interesting.size())]);
          break;
        default:
          // A copy of a slice of the text elsewhere: deeper nesting, duplicate keys.
          text.insert(pick(text.size()), text.substr(at, 1 + pick(200)));
      }
    }
    json::Value value;
    try {
      value = json::parse(text);
      ++parsed;
    } catch (const json::Error& error) {
      ++refused;
      EXPECT_NE(std::string(error.what()).find(':'), std::string::npos) << error.what();
      continue;
    }
    // Reading a damaged document fails with json::Error too, never worse.
    for (const auto& read : reads) {
      try {
        read(json::Field(value));
      } catch (const json::Error&) {
      }
    }
  }
  // Both outcomes happen, or the mutations tested nothing.
  EXPECT_GT(parsed, 0);
  EXPECT_GT(refused, 0);
}

}  // namespace
