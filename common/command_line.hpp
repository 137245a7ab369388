#pragma once
/// \file
/// \brief The command line every step shares: `stepNN [OPTIONS] [--] [CMD [ARG...]]`.

#include <stdexcept>
#include <string>
#include <vector>

namespace common {

/// \brief What the user asked for.
struct CommandLine {
  /// Folder the container uses as `/` (from step 07 on). Defaults to the tree
  /// `make rootfs` builds, whose absolute path is compiled in.
  std::string rootfs;
  /// The command and its arguments; `/bin/sh` when none is given.
  std::vector<std::string> command;
  /// Most processes the container may have at once (step 10's `--pids-max`); unless
  /// given, the step's default (CommandLineSpec::pids_max).
  long pids_max = 0;
  /// `--pids-max`, `--memory` or `--cpus` was given: a limit asked for, which a step never
  /// drops (a step run without root may run without its default pids limit, and says so).
  bool limit_given = false;
  /// Most bytes of memory the container may use (step 21's `--memory`); 0: no limit.
  long long memory_max = 0;
  /// CPUs' worth of time the container may use, such as 0.5 (step 21's `--cpus`); 0: no limit.
  double cpus = 0;
  /// A network cable to the host (step 25's `--net`).
  bool net = false;
  /// Where to keep the container's writes, its overlay's upper layer (step 28's
  /// `--keep DIR`); empty: a tmpfs, gone with the container.
  std::string keep;
  /// `--help` or `-h` was given.
  bool help = false;
};

/// \brief Which options a step takes beyond `--rootfs`, `--help` and the command.
struct CommandLineSpec {
  /// Accept `--pids-max N` (step 10), and the limit when it is not given: the article's 5
  /// in steps 10 to 20, a shell's fill from step 21 on. 0: no such option.
  long pids_max = 0;
  /// Accept `--memory BYTES` and `--cpus N` (step 21).
  bool limits = false;
  /// Accept `--net` (step 25).
  bool net = false;
  /// Accept `--keep DIR` (step 28).
  bool keep = false;
};

/// \brief A command line that cannot be understood; what() says why.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// \brief The rootfs used when `--rootfs` is not given.
const char* default_rootfs() noexcept;

/// \brief Parses the words after the program name. Throws UsageError.
///
/// Options come first; the first word that is not an option, or everything after
/// `--`, is the command. `--rootfs DIR` and `--rootfs=DIR` are both accepted.
/// \param words the arguments, without `argv[0]`.
/// \param spec the options this step accepts.
CommandLine parse_arguments(const std::vector<std::string>& words,
                            const CommandLineSpec& spec = {});

/// \brief The usage text for \p program, ending with a newline.
/// \param program the name to show, such as `step07`.
/// \param spec the options this step accepts.
std::string usage(std::string_view program, const CommandLineSpec& spec = {});

/// \brief parse_arguments() for `main`: prints usage and exits 0 on `--help`; on a
/// usage error prints the error and "(try --help)" in one line on stderr and exits
/// kRuntimeFailure.
/// \param argc as given to `main`.
/// \param argv as given to `main`.
/// \param spec the options this step accepts.
CommandLine parse_command_line(int argc, char* argv[], const CommandLineSpec& spec = {});

}  // namespace common
