#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>

#include "common/stack.hpp"

namespace {

TEST(ChildStack, TopIsTheHighEndAndPageAligned) {
  const common::ChildStack stack(64 * 1024);
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto top = reinterpret_cast<std::uintptr_t>(stack.top());
  EXPECT_EQ(top % page, 0u);
  EXPECT_EQ(stack.size(), 64u * 1024);
  // The whole usable range below top can be written.
  auto* bytes = static_cast<volatile unsigned char*>(stack.top());
  bytes[-1] = 1;
  bytes[-static_cast<std::ptrdiff_t>(stack.size())] = 1;
}

TEST(ChildStack, SizeIsRoundedUpToWholePages) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  EXPECT_EQ(common::ChildStack(1).size(), page);
  EXPECT_EQ(common::ChildStack(page + 1).size(), 2 * page);
  EXPECT_EQ(common::ChildStack().size(), common::ChildStack::kDefaultSize);
}

// One byte below the stack is the guard page.
void write_below(const common::ChildStack& stack) {
  auto* bytes = static_cast<volatile unsigned char*>(stack.top());
  bytes[-static_cast<std::ptrdiff_t>(stack.size()) - 1] = 1;
}

TEST(ChildStackDeathTest, OverflowHitsTheGuardPage) {
  const common::ChildStack stack(4096);
#ifdef __SANITIZE_ADDRESS__
  // AddressSanitizer catches the SIGSEGV itself, reports it and exits with 1.
  EXPECT_EXIT(write_below(stack), ::testing::ExitedWithCode(1), "SEGV on unknown address");
#else
  EXPECT_EXIT(write_below(stack), ::testing::KilledBySignal(SIGSEGV), "");
#endif
}

}  // namespace
