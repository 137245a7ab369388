#include "common/command_line.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/error.hpp"
#include "common/log.hpp"

namespace common {
namespace {

// The kernel's most PIDs (PID_MAX_LIMIT on 64-bit: 4194304); the least a container can run
// with is 2, since its own PID 1 counts against the limit too.
constexpr long kMostPids = 4194304;

long parse_pids_max(std::string_view text) {
  const auto bad = [&] {
    return UsageError("--pids-max wants a number from 2 (the container's PID 1 counts too) to " +
                      std::to_string(kMostPids) + ", got '" + std::string(text) + "'");
  };
  if (text.empty() || text.size() > 9) throw bad();
  long value = 0;
  for (char digit : text) {
    if (digit < '0' || digit > '9') throw bad();
    value = value * 10 + (digit - '0');
  }
  if (value < 2 || value > kMostPids) throw bad();
  return value;
}

// "64M": a number of bytes with an optional K, M or G (powers of 1024, as in docker run -m).
long long parse_memory(std::string_view text) {
  const auto bad = [&] {
    return UsageError("--memory wants a size such as 64M (K, M, G; at least 1M), got '" +
                      std::string(text) + "'");
  };
  long long value = 0, unit = 1;
  std::size_t digits = 0;
  for (; digits < text.size() && text[digits] >= '0' && text[digits] <= '9'; ++digits) {
    if (digits == 15) throw bad();
    value = value * 10 + (text[digits] - '0');
  }
  const std::string_view suffix = text.substr(digits);
  if (suffix == "K" || suffix == "k")
    unit = 1LL << 10;
  else if (suffix == "M" || suffix == "m")
    unit = 1LL << 20;
  else if (suffix == "G" || suffix == "g")
    unit = 1LL << 30;
  else if (!suffix.empty())
    throw bad();
  if (digits == 0 || value > (1LL << 50) / unit || value * unit < (1LL << 20)) throw bad();
  return value * unit;
}

// "0.5": CPUs' worth of time, in hundredths (the kernel's quota is counted in microseconds
// of a 100 ms period, and 1 ms is the least it takes).
double parse_cpus(std::string_view text) {
  const auto bad = [&] {
    return UsageError("--cpus wants a number of CPUs from 0.01 to 1024 such as 0.5, got '" +
                      std::string(text) + "'");
  };
  long hundredths = 0;
  int decimals = -1;
  for (char c : text) {
    if (c == '.' && decimals < 0) {
      decimals = 0;
    } else if (c >= '0' && c <= '9' && decimals < 2 && hundredths <= 1024 * 100) {
      hundredths = hundredths * 10 + (c - '0');
      if (decimals >= 0) ++decimals;
    } else {
      throw bad();
    }
  }
  for (int i = std::max(decimals, 0); i < 2; ++i) hundredths *= 10;
  if (text.empty() || text == "." || hundredths < 1 || hundredths > 1024 * 100) throw bad();
  return static_cast<double>(hundredths) / 100;
}

}  // namespace

const char* default_rootfs() noexcept { return CONTAINER_DEFAULT_ROOTFS; }

CommandLine parse_arguments(const std::vector<std::string>& words, const CommandLineSpec& spec) {
  CommandLine result;
  result.rootfs = default_rootfs();
  result.pids_max = spec.pids_max;
  std::size_t i = 0;
  // Takes the value of an option given as `--name VALUE` or `--name=VALUE`.
  auto value_of = [&](std::string_view word, std::string_view name) -> std::string {
    if (word.size() > name.size()) return std::string(word.substr(name.size() + 1));
    if (i + 1 >= words.size()) throw UsageError("option " + std::string(name) + " needs a value");
    return words[++i];
  };
  auto is_option = [](std::string_view word, std::string_view name) {
    return word == name ||
           (word.starts_with(name) && word.size() > name.size() && word[name.size()] == '=');
  };
  for (; i < words.size(); ++i) {
    const std::string_view word = words[i];
    if (word == "--") {
      ++i;
      break;
    }
    if (word == "--help" || word == "-h") {
      result.help = true;
    } else if (is_option(word, "--rootfs")) {
      result.rootfs = value_of(word, "--rootfs");
      if (result.rootfs.empty()) throw UsageError("--rootfs needs a folder");
    } else if (spec.pids_max > 0 && is_option(word, "--pids-max")) {
      result.pids_max = parse_pids_max(value_of(word, "--pids-max"));
      result.limit_given = true;
    } else if (spec.limits && is_option(word, "--memory")) {
      result.memory_max = parse_memory(value_of(word, "--memory"));
      result.limit_given = true;
    } else if (spec.limits && is_option(word, "--cpus")) {
      result.cpus = parse_cpus(value_of(word, "--cpus"));
      result.limit_given = true;
    } else if (spec.net && word == "--net") {
      result.net = true;
    } else if (spec.keep && is_option(word, "--keep")) {
      result.keep = value_of(word, "--keep");
      if (result.keep.empty()) throw UsageError("--keep needs a folder");
    } else if (word.starts_with("-") && word != "-") {
      throw UsageError("unknown option '" + std::string(word) + "'");
    } else {
      break;  // the command starts here
    }
  }
  result.command.assign(words.begin() + static_cast<std::ptrdiff_t>(i), words.end());
  if (result.command.empty()) result.command = {"/bin/sh"};
  return result;
}

std::string usage(std::string_view program, const CommandLineSpec& spec) {
  std::string text = "usage: " + std::string(program) + " [--rootfs DIR]";
  if (spec.pids_max > 0) text += " [--pids-max N]";
  if (spec.limits) text += " [--memory BYTES] [--cpus N]";
  if (spec.net) text += " [--net]";
  if (spec.keep) text += " [--keep DIR]";
  text += " [--] [CMD [ARG...]]\n";
  text += "Runs CMD (default: /bin/sh) in the container this step builds.\n";
  text += "  --rootfs DIR   folder to use as / (from step 07 on; default: ";
  text += default_rootfs();
  text += ")\n";
  if (spec.pids_max > 0) {
    text += "  --pids-max N   most processes the container may have at once (default: " +
            std::to_string(spec.pids_max) + ")\n";
  }
  if (spec.limits) {
    text +=
        "  --memory BYTES most memory the container may use, such as 64M (K, M, G; default: no "
        "limit)\n";
    text += "  --cpus N       most CPU time, in CPUs, such as 0.5 (default: no limit)\n";
  }
  if (spec.net)
    text +=
        "  --net          a cable (veth pair) to the host, 169.254.x.2 inside and .1 outside "
        "(root)\n";
  if (spec.keep)
    text +=
        "  --keep DIR     keep what the container writes in DIR/upper (default: a tmpfs, "
        "dropped)\n";
  text += "  -h, --help     show this help\n";
  text += "Exit status: the command's own, 128+N if signal N ended it, 125 if the step failed,\n";
  text += "126 if CMD cannot be executed, 127 if CMD was not found.\n";
  return text;
}

CommandLine parse_command_line(int argc, char* argv[], const CommandLineSpec& spec) {
  std::vector<std::string> words(argv + (argc > 0 ? 1 : 0), argv + argc);
  try {
    CommandLine result = parse_arguments(words, spec);
    if (result.help) {
      std::fputs(usage(program_name(), spec).c_str(), stdout);
      std::exit(EXIT_SUCCESS);
    }
    return result;
  } catch (const UsageError& error) {
    // One line and where to look, as most tools do; the whole text is one --help away.
    log_line(std::string(error.what()) + " (try --help)");
    std::exit(kRuntimeFailure);
  }
}

}  // namespace common
