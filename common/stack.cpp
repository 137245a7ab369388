#include "common/stack.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include "common/error.hpp"

namespace common {

ChildStack::ChildStack(std::size_t size) {
  page_ = static_cast<std::size_t>(check(::sysconf(_SC_PAGESIZE), "sysconf", "_SC_PAGESIZE"));
  size_ = (size + page_ - 1) / page_ * page_;
  if (size_ == 0) size_ = page_;
  void* memory = ::mmap(nullptr, size_ + page_, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (memory == MAP_FAILED) throw SyscallError(errno, "mmap", "child stack");
  base_ = static_cast<std::byte*>(memory);
  if (::mprotect(base_, page_, PROT_NONE) == -1) {
    const int error = errno;
    ::munmap(base_, size_ + page_);
    throw SyscallError(error, "mprotect", "guard page");
  }
}

ChildStack::~ChildStack() { ::munmap(base_, size_ + page_); }

void* ChildStack::top() const noexcept { return base_ + page_ + size_; }

}  // namespace common
