// Where the engine's values live. A pickle makes and drops values by the dozen per file (every
// opcode that pushes one), and scanning many small files made them a large share of the time
// spent in malloc: each Value with its shared_ptr control block is one block of a size glibc's
// per-thread cache holds only a few of. Each thread keeps the blocks it freed on a list and
// reuses them, up to kMaxKeptBlocks; the rest go back to the global allocator.
//
// Sanitized builds use std::allocator: a reused block would hide a use after free from ASan.
#pragma once

#include <cstddef>
#include <memory>
#include <new>

namespace mv::pickle {

namespace pool {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kEnabled = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kEnabled = false;
#else
inline constexpr bool kEnabled = true;
#endif
#else
inline constexpr bool kEnabled = true;
#endif

inline constexpr size_t kMaxKeptBlocks = 4096;

// The free blocks of one size on one thread. The list itself is trivially destructible, so it
// can still be reached after the thread's other thread_local objects are gone; `Reaper` frees
// the blocks at thread exit and from then on blocks go straight back to the allocator.
template <size_t Size>
class FreeList {
 public:
  static_assert(Size >= sizeof(void*));

  static void* Take() {
    State& s = state_;
    if (s.head != nullptr) {
      Node* n = s.head;
      s.head = n->next;
      --s.count;
      return n;
    }
    return ::operator new(Size);
  }

  // Blocks this thread keeps (tests).
  static size_t kept() { return state_.count; }

  static void Give(void* p) {
    State& s = state_;
    reaper_.Arm();  // constructed (its destructor registered) on this thread's first Give
    if (s.closed || s.count >= kMaxKeptBlocks) {
      ::operator delete(p);
      return;
    }
    auto* n = static_cast<Node*>(p);
    n->next = s.head;
    s.head = n;
    ++s.count;
  }

 private:
  struct Node {
    Node* next;
  };
  struct State {
    Node* head;
    size_t count;
    bool closed;
  };
  struct Reaper {
    void Arm() {}
    ~Reaper() {
      State& s = state_;
      while (s.head != nullptr) {
        Node* n = s.head;
        s.head = n->next;
        ::operator delete(n);
      }
      s.count = 0;
      s.closed = true;
    }
  };
  static inline thread_local State state_{};
  static inline thread_local Reaper reaper_;
};

// A std::allocator for single objects whose blocks come from FreeList (arrays from the global
// allocator). Stateless: any two compare equal.
template <class T>
struct Allocator {
  using value_type = T;
  Allocator() = default;
  template <class U>
  Allocator(const Allocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)

  T* allocate(size_t n) {
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
    if constexpr (kEnabled) {
      if (n == 1) return static_cast<T*>(FreeList<sizeof(T)>::Take());
    }
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, size_t n) noexcept {
    if constexpr (kEnabled) {
      if (n == 1) {
        FreeList<sizeof(T)>::Give(p);
        return;
      }
    }
    std::allocator<T>().deallocate(p, n);
  }
  template <class U>
  bool operator==(const Allocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace pool

// A new, default-initialised value (and its shared_ptr control block) from the thread's pool.
template <class V>
std::shared_ptr<V> MakePooled() {
  return std::allocate_shared<V>(pool::Allocator<V>{});
}

}  // namespace mv::pickle
