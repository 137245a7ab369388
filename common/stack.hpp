#pragma once
/// \file
/// \brief The stack a clone(2) child runs on, freed when it goes out of scope.

#include <cstddef>

namespace common {

/// \brief Memory for the stack of a process started with clone(2).
///
/// clone(2) without CLONE_VM gives the child a copy of our memory, this block included,
/// so the parent may free its own copy as soon as clone() has returned; this type frees
/// it in its destructor. The lowest page is a guard page (PROT_NONE): a child that
/// overflows its stack gets SIGSEGV instead of silently writing over other memory.
class ChildStack {
 public:
  /// \brief Maps \p size bytes of stack plus one guard page. Throws SyscallError.
  /// \param size usable bytes; rounded up to whole pages.
  explicit ChildStack(std::size_t size = kDefaultSize);
  ~ChildStack();
  ChildStack(const ChildStack&) = delete;
  ChildStack& operator=(const ChildStack&) = delete;

  /// \brief The address to pass to clone(2): the stack's highest end, because the
  /// stack grows down on every architecture Linux runs containers on (clone(2), NOTES).
  void* top() const noexcept;

  /// \brief The usable size in bytes (without the guard page).
  std::size_t size() const noexcept { return size_; }

  /// \brief 1 MiB: plenty for a child that sets up a container and calls execvp(3).
  static constexpr std::size_t kDefaultSize = 1024 * 1024;

 private:
  std::byte* base_ = nullptr;  // start of the mapping, the guard page
  std::size_t size_ = 0;       // usable bytes above the guard page
  std::size_t page_ = 0;       // the guard page's size
};

}  // namespace common
