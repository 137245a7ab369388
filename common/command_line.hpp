#pragma once
/// \file
/// \brief The command line every step shares: `stepNN [OPTIONS] [--] [CMD [ARG...]]`.
///
/// common/ parses what every step takes (`--rootfs`, `--help`, `--`, the command) and the
/// options a step declares for itself: from step 10 on, a step's own `CommandLine` derives
/// from common::CommandLine, adds a field per option its chapters teach and lists them in
/// its `options()`, each with where its value goes (count(), size(), decimal(), folder(),
/// flag()).

#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace common {

/// \brief Where an option's value goes: made by count(), size(), decimal(), folder() or
/// flag() (nowhere), or by hand for another kind of value.
struct Setter {
  /// Converts the value and stores it in the field it refers to (so it must not outlive
  /// that field); empty for a flag, which has no value. For a bad value it throws
  /// UsageError saying what the option wants, such as "wants a number from 2 to 9, got
  /// 'x'": the parser puts the option's name first.
  std::function<void(std::string_view value)> set;
  /// What `--help` shows as the default: "5" as "(default: 5)"; empty: nothing (the help
  /// line says it in words, or there is none).
  std::string shown_default = {};
};

/// \brief One option a step declares: a line of its `options()`.
struct Option {
  /// The option, then the name of its value if it takes one: "--pids-max N", "--net".
  /// Given as `--pids-max N` or `--pids-max=N`; a flag takes no value.
  std::string_view name;
  /// One line for `--help`.
  std::string_view help;
  /// Where the value goes.
  Setter setter;
};

/// \brief A whole number from \p least to \p most, stored in \p value; `--help` shows the
/// number \p value holds when count() is called (before parsing) as the default.
/// \p why_least, if given, says why \p least.
Setter count(long& value, long least, long most, std::string_view why_least = {});
/// \brief A size in bytes with an optional K, M or G (powers of 1024, as in `docker run -m`),
/// from \p least to 2^50, stored in \p bytes.
Setter size(long long& bytes, long long least);
/// \brief A decimal number of \p unit with at most two decimals, from 0.01 to \p most, such
/// as 0.5, stored in \p value.
Setter decimal(double& value, long most, std::string_view unit);
/// \brief A folder, any path but the empty one, stored in \p path.
Setter folder(std::string& path);
/// \brief A flag: it takes no value and stores none; CommandLine::given() says whether it
/// was given.
Setter flag();

/// \brief What the user asked for: what every step takes. A step with options of its own
/// derives its `CommandLine` from this one.
struct CommandLine {
  /// Folder the container uses as `/` (from step 07 on). Defaults to the tree
  /// `make rootfs` builds, whose absolute path is compiled in.
  std::string rootfs;
  /// The command and its arguments; `/bin/sh` when none is given.
  std::vector<std::string> command;
  /// A command was given: `command` is not the default.
  bool command_given = false;
  /// The verb given instead of a command, one of the step's `verbs()` (an OCI runtime's
  /// `create`, `start`...); empty: run the command.
  std::string verb;
  /// The words after the verb that are not options: the container's ID, and the signal of
  /// `kill`.
  std::vector<std::string> operands;
  /// `--help` or `-h` was given.
  bool help = false;
  /// The options that were given, by name ("--pids-max", "--rootfs"), in order.
  std::vector<std::string> given_options;

  /// \brief Whether the step's option \p name ("--pids-max") was given.
  bool given(std::string_view name) const;
  /// \brief Whether any of the step's options \p names was given.
  bool given(std::initializer_list<std::string_view> names) const;
  /// \brief The step's own options: none. A step's `CommandLine` hides this with its list.
  std::vector<Option> options() { return {}; }
  /// \brief The step's verbs: none. A step that is an OCI runtime hides this with its list.
  std::vector<std::string_view> verbs() { return {}; }
};

/// \brief A command line that cannot be understood; what() says why.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// \brief The rootfs used when `--rootfs` is not given.
const char* default_rootfs() noexcept;

/// \brief Parses the words after the program name into \p result. Throws UsageError.
///
/// Options come first; the first word that is not an option, or everything after
/// `--`, is the command. `--rootfs DIR` and `--rootfs=DIR` are both accepted, and so is
/// each of \p options that takes a value. If that first word is one of \p verbs, it is the
/// verb instead, as in `runc --root DIR create --bundle DIR ID`: options may follow it, and
/// the other words are its operands.
/// \param words the arguments, without `argv[0]`.
/// \param result where they go: the rootfs and command, and the step's options through
///   their setters (which \p options usually bind to fields of \p result).
/// \param options the step's own options.
/// \param verbs the step's verbs.
void parse_arguments(const std::vector<std::string>& words, CommandLine& result,
                     const std::vector<Option>& options,
                     const std::vector<std::string_view>& verbs = {});

/// \brief parse_arguments() for a step's `CommandLine`, with its `options()`.
template <class StepCommandLine = CommandLine>
StepCommandLine parse_arguments(const std::vector<std::string>& words) {
  StepCommandLine result;
  parse_arguments(words, result, result.options(), result.verbs());
  return result;
}

/// \brief The usage text for \p program, ending with a newline.
/// \param program the name to show, such as `step07`.
/// \param options the step's own options.
/// \param verbs the step's verbs, shown in a second usage line (`[OPTIONS] create|start
///   [OPTIONS] ID`) if there are any.
std::string usage(std::string_view program, const std::vector<Option>& options = {},
                  const std::vector<std::string_view>& verbs = {});

/// \brief parse_arguments() for `main`: prints usage and exits 0 on `--help`; on a
/// usage error prints the error and "(try --help)" in one line on stderr and exits
/// kRuntimeFailure.
/// \param argc as given to `main`.
/// \param argv as given to `main`.
/// \param result where the command line goes.
/// \param options the step's own options.
/// \param verbs the step's verbs.
void parse_command_line(int argc, char* argv[], CommandLine& result,
                        const std::vector<Option>& options,
                        const std::vector<std::string_view>& verbs = {});

/// \brief parse_command_line() for a step's `CommandLine`, with its `options()`: steps 01
/// to 09 use common::CommandLine, which has none.
template <class StepCommandLine = CommandLine>
StepCommandLine parse_command_line(int argc, char* argv[]) {
  StepCommandLine result;
  parse_command_line(argc, argv, result, result.options(), result.verbs());
  return result;
}

}  // namespace common
