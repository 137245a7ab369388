// Step 01: hello. Every container runtime starts as an ordinary program; this is ours.
// Build: make; run: make run STEP=01. The chapter is steps/01_hello/README.md.

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "common/error.hpp"

// Every step's main has this shape: when a step fails, report_failure prints why as
// `stepNN: ...` on stderr and the step exits 125, after destructors have cleaned up.
int main() try {
  std::puts("Hello, World!");
  return EXIT_SUCCESS;
} catch (const std::exception& error) {
  return common::report_failure(error);
}
