// Step 01: hello. Every container runtime starts as an ordinary program; this is ours.
// Build: make; run: make run STEP=01. The chapter is steps/01_hello/README.md.

#include <cstdio>
#include <cstdlib>

int main() {
  std::puts("Hello, World!");
  return EXIT_SUCCESS;
}
