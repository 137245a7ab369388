#include "common/command_line.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "common/error.hpp"
#include "common/log.hpp"

namespace common {
namespace {

// "got 'x'": every converter's error ends with the value it was given.
UsageError wants(const std::string& what, std::string_view text) {
  return UsageError("wants " + what + ", got '" + std::string(text) + "'");
}

// 1048576 as "1M": the largest of G, M, K that divides it.
std::string in_units(long long bytes) {
  for (const auto& [shift, suffix] : {std::pair{30, "G"}, {20, "M"}, {10, "K"}}) {
    if (bytes >= (1LL << shift) && bytes % (1LL << shift) == 0)
      return std::to_string(bytes >> shift) + suffix;
  }
  return std::to_string(bytes);
}

// The option's name without its value's: "--pids-max" of "--pids-max N".
std::string_view name_of(const Option& option) {
  return option.name.substr(0, option.name.find(' '));
}

bool takes_value(const Option& option) { return option.name.find(' ') != std::string_view::npos; }

}  // namespace

Setter count(long& value, long least, long most, std::string_view why_least) {
  std::string what = "a number from " + std::to_string(least);
  if (!why_least.empty()) what += " (" + std::string(why_least) + ")";
  what += " to " + std::to_string(most);
  return {[&value, least, most, what](std::string_view text) {
            long number = 0;
            for (char digit : text) {
              if (digit < '0' || digit > '9' || number > most) throw wants(what, text);
              number = number * 10 + (digit - '0');
            }
            if (text.empty() || number < least || number > most) throw wants(what, text);
            value = number;
          },
          std::to_string(value)};
}

Setter size(long long& bytes, long long least) {
  const std::string what = "a size such as 64M (K, M, G; at least " + in_units(least) + ")";
  return {[&bytes, least, what](std::string_view text) {
    long long value = 0, unit = 1;
    std::size_t digits = 0;
    for (; digits < text.size() && text[digits] >= '0' && text[digits] <= '9'; ++digits) {
      if (digits == 15) throw wants(what, text);
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
      throw wants(what, text);
    if (digits == 0 || value > (1LL << 50) / unit || value * unit < least) throw wants(what, text);
    bytes = value * unit;
  }};
}

// Counted in hundredths: two decimals are all a cgroup's CPU quota needs (1 ms of a
// 100 ms period is the least the kernel takes).
Setter decimal(double& value, long most, std::string_view unit) {
  const std::string what =
      "a number of " + std::string(unit) + " from 0.01 to " + std::to_string(most) + " such as 0.5";
  return {[&value, most, what](std::string_view text) {
    long hundredths = 0;
    int decimals = -1;
    for (char c : text) {
      if (c == '.' && decimals < 0) {
        decimals = 0;
      } else if (c >= '0' && c <= '9' && decimals < 2 && hundredths <= most * 100) {
        hundredths = hundredths * 10 + (c - '0');
        if (decimals >= 0) ++decimals;
      } else {
        throw wants(what, text);
      }
    }
    for (int i = std::max(decimals, 0); i < 2; ++i) hundredths *= 10;
    if (text.empty() || text == "." || hundredths < 1 || hundredths > most * 100)
      throw wants(what, text);
    value = static_cast<double>(hundredths) / 100;
  }};
}

Setter folder(std::string& path) {
  return {[&path](std::string_view text) {
    if (text.empty()) throw UsageError("needs a folder");
    path = text;
  }};
}

Setter flag() { return {}; }

bool CommandLine::given(std::string_view name) const {
  return std::find(given_options.begin(), given_options.end(), name) != given_options.end();
}

bool CommandLine::given(std::initializer_list<std::string_view> names) const {
  return std::any_of(names.begin(), names.end(),
                     [this](std::string_view name) { return given(name); });
}

const char* default_rootfs() noexcept { return CONTAINER_DEFAULT_ROOTFS; }

void parse_arguments(const std::vector<std::string>& words, CommandLine& result,
                     const std::vector<Option>& options,
                     const std::vector<std::string_view>& verbs) {
  std::string rootfs = default_rootfs();
  std::vector<Option> all = {{"--rootfs DIR", "", folder(rootfs)}};
  all.insert(all.end(), options.begin(), options.end());
  std::size_t i = 0;
  // Takes the value of an option given as `--name VALUE` or `--name=VALUE`.
  auto value_of = [&](std::string_view word, std::string_view name) -> std::string {
    if (word.size() > name.size()) return std::string(word.substr(name.size() + 1));
    if (i + 1 >= words.size()) throw UsageError("option " + std::string(name) + " needs a value");
    return words[++i];
  };
  // `--name`, or for an option with a value, `--name=VALUE` too.
  auto matches = [](std::string_view word, const Option& option) {
    const std::string_view name = name_of(option);
    return word == name || (takes_value(option) && word.starts_with(name) &&
                            word.size() > name.size() && word[name.size()] == '=');
  };
  for (; i < words.size(); ++i) {
    const std::string_view word = words[i];
    if (word == "--") {
      ++i;
      break;
    }
    const auto option =
        std::find_if(all.begin(), all.end(), [&](const Option& o) { return matches(word, o); });
    if (word == "--help" || word == "-h") {
      result.help = true;
    } else if (option != all.end()) {
      const std::string_view name = name_of(*option);
      const std::string value = takes_value(*option) ? value_of(word, name) : "";
      try {
        if (option->setter.set) option->setter.set(value);
      } catch (const UsageError& error) {
        throw UsageError(std::string(name) + " " + error.what());  // "--cpus wants ..."
      }
      result.given_options.emplace_back(name);
    } else if (word.starts_with("-") && word != "-") {
      throw UsageError("unknown option '" + std::string(word) + "'");
    } else if (!result.verb.empty()) {
      result.operands.emplace_back(word);
    } else if (std::find(verbs.begin(), verbs.end(), word) != verbs.end()) {
      result.verb = word;
    } else {
      break;  // the command starts here
    }
  }
  result.rootfs = rootfs;
  result.command.assign(words.begin() + static_cast<std::ptrdiff_t>(i), words.end());
  result.command_given = !result.command.empty();
  if (!result.command_given) result.command = {"/bin/sh"};
}

std::string usage(std::string_view program, const std::vector<Option>& options,
                  const std::vector<std::string_view>& verbs) {
  std::string text = "usage: " + std::string(program) + " [--rootfs DIR]";
  for (const Option& option : options) text += " [" + std::string(option.name) + "]";
  text += " [--] [CMD [ARG...]]\n";
  if (!verbs.empty()) {  // "   or: step47 [OPTIONS] create|start [OPTIONS] ID"
    text += "   or: " + std::string(program) + " [OPTIONS] ";
    for (const std::string_view verb : verbs) text += std::string(verb) + "|";
    text.back() = ' ';
    text += "[OPTIONS] ID (a word of these is a verb, not CMD: give it after --)\n";
  }
  text += "Runs CMD (default: /bin/sh) in the container this step builds.\n";
  // One line an option, its help in a column: "  --pids-max N   most processes..."
  auto line = [&text](std::string_view name, const std::string& help) {
    text += "  " + std::string(name);
    text.append(std::max<std::size_t>(1, 15 - std::min<std::size_t>(name.size(), 15)), ' ');
    text += help + "\n";
  };
  line("--rootfs DIR",
       "folder to use as / (from step 07 on; default: " + std::string(default_rootfs()) + ")");
  for (const Option& option : options) {
    std::string help(option.help);
    if (!option.setter.shown_default.empty())
      help += " (default: " + option.setter.shown_default + ")";
    line(option.name, help);
  }
  line("-h, --help", "show this help");
  text += "Exit status: the command's own, 128+N if signal N ended it, 125 if the step failed,\n";
  text += "126 if CMD cannot be executed, 127 if CMD was not found.\n";
  return text;
}

void parse_command_line(int argc, char* argv[], CommandLine& result,
                        const std::vector<Option>& options,
                        const std::vector<std::string_view>& verbs) {
  std::vector<std::string> words(argv + (argc > 0 ? 1 : 0), argv + argc);
  try {
    parse_arguments(words, result, options, verbs);
    if (result.help) {
      std::fputs(usage(program_name(), options, verbs).c_str(), stdout);
      std::exit(EXIT_SUCCESS);
    }
  } catch (const UsageError& error) {
    // One line and where to look, as most tools do; the whole text is one --help away.
    log_line(std::string(error.what()) + " (try --help)");
    std::exit(kRuntimeFailure);
  }
}

}  // namespace common
