#pragma once
/// \file
/// \brief The course's steps, as CMakeLists.txt lists them (CONTAINER_STEPS, joined by commas), and
/// the program that stands for each. Included by tests that run many steps (the escape doors, the
/// properties): each is compiled with CONTAINER_STEPS and BIN_DIR.

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace support {

/// \brief Every step folder name ("01_hello", ...), in order, from the build's one list.
inline std::vector<std::string> all_steps() {
  std::vector<std::string> steps;
  std::istringstream list(CONTAINER_STEPS);
  for (std::string step; std::getline(list, step, ',');) steps.push_back(step);
  return steps;
}

/// \brief The steps from \p first on: a property or a shut door holds in each of them.
inline std::vector<std::string> steps_from(const std::string& first) {
  std::vector<std::string> steps;
  for (const std::string& step : all_steps()) {
    if (step >= first) steps.push_back(step);
  }
  return steps;
}

/// \brief The program of \p step: `$STEP_BINARY` where `$STEP_UNDER_TEST` names \p step
/// (a student's lab in `make check`, a mutant in `make mutants`), else the built step.
inline std::string binary_of(const std::string& step) {
  const char* under_test = std::getenv("STEP_UNDER_TEST");
  const char* binary = std::getenv("STEP_BINARY");
  if (under_test != nullptr && binary != nullptr && *binary != '\0' && step == under_test)
    return binary;
  return std::string(BIN_DIR) + "/step" + step;
}

}  // namespace support
