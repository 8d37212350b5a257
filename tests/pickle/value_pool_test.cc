// The engine's values come from a per-thread list of freed blocks (pickle/value_pool.h).
#include "pickle/value_pool.h"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "pickle/value.h"

namespace mv::pickle {
namespace {

// The list of the block allocate_shared asks a stateless allocator for (the value with its
// control block): the one pool::Allocator takes Values from.
size_t (*g_kept)() = nullptr;
template <class T>
struct Recording {
  using value_type = T;
  Recording() = default;
  template <class U>
  Recording(const Recording<U>&) {}
  T* allocate(size_t n) {
    g_kept = &pool::FreeList<sizeof(T)>::kept;
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, size_t n) { std::allocator<T>().deallocate(p, n); }
  template <class U>
  bool operator==(const Recording<U>&) const {
    return true;
  }
};

TEST(ValuePool, FreedValuesAreReusedOnTheirThread) {
  if (!pool::kEnabled) GTEST_SKIP() << "sanitized build: values come from std::allocator";
  std::vector<ValuePtr> made;
  for (int i = 0; i < 100; ++i) made.push_back(MakePooled<Value>());
  const Value* first = made.front().get();
  made.clear();  // every block goes to this thread's list
  // The newest freed block is the next one taken, and a pooled value starts default-made.
  made.push_back(MakePooled<Value>());
  EXPECT_EQ(made.back()->kind, ValueKind::kUnknown);
  EXPECT_TRUE(made.back()->text.empty());
  EXPECT_TRUE(made.back()->items.empty());
  made.clear();
  // Reused, not reallocated: 100 values again need no block beyond the 100 freed.
  std::vector<ValuePtr> again;
  for (int i = 0; i < 100; ++i) again.push_back(MakePooled<Value>());
  bool reused = false;
  for (const auto& v : again) reused |= v.get() == first;
  EXPECT_TRUE(reused);
}

TEST(ValuePool, KeepsABoundedNumberOfBlocks) {
  if (!pool::kEnabled) GTEST_SKIP() << "sanitized build: values come from std::allocator";
  (void)std::allocate_shared<Value>(Recording<Value>{});
  ASSERT_NE(g_kept, nullptr);
  {
    std::vector<ValuePtr> many;
    for (size_t i = 0; i < pool::kMaxKeptBlocks + 500; ++i) many.push_back(MakePooled<Value>());
  }
  EXPECT_EQ(g_kept(), pool::kMaxKeptBlocks);
}

TEST(ValuePool, ValuesOutliveAndCrossTheirThread) {
  std::vector<ValuePtr> from_worker;
  std::thread t([&] {
    for (int i = 0; i < 1000; ++i) {
      auto v = MakePooled<Value>();
      v->text = std::string(40, static_cast<char>('a' + i % 26));
      from_worker.push_back(std::move(v));
    }
    std::vector<ValuePtr> dropped;
    for (int i = 0; i < 1000; ++i) dropped.push_back(MakePooled<Value>());
  });  // the worker exits with blocks on its list: they are released
  t.join();
  ASSERT_EQ(from_worker.size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(from_worker[i]->text, std::string(40, static_cast<char>('a' + i % 26)));
  }
  from_worker.clear();  // freed on this thread: they join this thread's list
  auto v = MakePooled<Value>();
  EXPECT_TRUE(v->text.empty());
}

}  // namespace
}  // namespace mv::pickle
