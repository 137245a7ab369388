#include "tests/support/transcript.hpp"

namespace support {
namespace {

constexpr std::string_view kAnything = "…";

// One expected line against one actual line: the text between `…`s must appear in
// order, the first piece at the start and the last at the end.
bool line_matches(std::string_view expected, std::string_view actual) {
  std::size_t wildcard = expected.find(kAnything);
  if (wildcard == std::string_view::npos) return expected == actual;
  const std::string_view head = expected.substr(0, wildcard);
  if (!actual.starts_with(head)) return false;
  actual.remove_prefix(head.size());
  expected.remove_prefix(wildcard + kAnything.size());
  for (;;) {
    wildcard = expected.find(kAnything);
    if (wildcard == std::string_view::npos) return actual.ends_with(expected);
    const std::string_view piece = expected.substr(0, wildcard);
    const std::size_t at = actual.find(piece);
    if (at == std::string_view::npos) return false;
    actual.remove_prefix(at + piece.size());
    expected.remove_prefix(wildcard + kAnything.size());
  }
}

bool match_from(const std::vector<std::string>& expected, std::size_t e,
                const std::vector<std::string>& actual, std::size_t a) {
  if (e == expected.size()) return a == actual.size();
  if (expected[e] == kAnything) {
    for (std::size_t skip = a; skip <= actual.size(); ++skip) {
      if (match_from(expected, e + 1, actual, skip)) return true;
    }
    return false;
  }
  return a < actual.size() && line_matches(expected[e], actual[a]) &&
         match_from(expected, e + 1, actual, a + 1);
}

}  // namespace

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    lines.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::vector<TranscriptCommand> parse_run_it(std::string_view markdown) {
  std::vector<TranscriptCommand> commands;
  bool in_section = false;
  bool in_block = false;
  for (const std::string& line : split_lines(markdown)) {
    if (line.starts_with("## ")) {
      in_section = line == "## Run it";
      continue;
    }
    if (!in_section) continue;
    if (line.starts_with("```")) {
      in_block = !in_block && line == "```console";
      continue;
    }
    if (!in_block) continue;
    if (line.starts_with("$ ")) {
      commands.push_back({line.substr(2), {}});
    } else if (!commands.empty() && commands.back().expected.empty() &&
               (line.starts_with("> ") || line == ">")) {
      // (two appends, not "\n" + substr: GCC 12's -O2 sees a false overlap in the latter)
      commands.back().command += '\n';
      if (line != ">") commands.back().command += line.substr(2);
    } else if (!commands.empty()) {
      commands.back().expected.push_back(line);
    }
  }
  return commands;
}

bool lines_match(const std::vector<std::string>& expected, const std::vector<std::string>& actual) {
  return match_from(expected, 0, actual, 0);
}

}  // namespace support
