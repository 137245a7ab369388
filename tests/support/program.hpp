#pragma once
/// \file
/// \brief The program a step's test judges. Included by step tests only: each test
/// executable is compiled with its own PROGRAM_UNDER_TEST.

#include <cstdlib>
#include <string>

namespace support {

/// \brief `$STEP_BINARY` if set (a student's lab build, see `make check`), else the step
/// program the build compiled in.
inline std::string program_under_test() {
  if (const char* override_path = std::getenv("STEP_BINARY"); override_path && *override_path) {
    return override_path;
  }
  return PROGRAM_UNDER_TEST;
}

}  // namespace support
