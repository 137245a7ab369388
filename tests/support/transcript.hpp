#pragma once
/// \file
/// \brief The "Run it" transcripts of the chapters: commands and what they print,
/// checked against the built programs by tests/docs_transcripts_test.cpp.

#include <string>
#include <string_view>
#include <vector>

namespace support {

/// \brief One `$ command` of a transcript and the lines shown under it.
struct TranscriptCommand {
  std::string command;  ///< without the leading "$ "
  std::vector<std::string> expected;  ///< the lines printed, stdout and stderr together
};

/// \brief The commands of the ```console blocks in the section "## Run it" of \p markdown.
/// Lines starting with "> " right after a `$ ` line continue its command, as a shell's
/// second prompt shows them (the body of a here-document, say).
std::vector<TranscriptCommand> parse_run_it(std::string_view markdown);

/// \brief Whether \p actual matches \p expected line by line. In an expected line, `…`
/// stands for any text (a PID, a path); a line that is only `…` stands for any number of
/// lines, none included.
bool lines_match(const std::vector<std::string>& expected, const std::vector<std::string>& actual);

/// \brief Splits \p text into lines, without their newlines (a final newline ends the last line).
std::vector<std::string> split_lines(std::string_view text);

}  // namespace support
