// An empty SQLite store in memory, for the audit layer's unit tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "store/store.h"

namespace mv::audit {

inline std::unique_ptr<store::Store> MemoryStore() {
  auto s = store::OpenSqliteStore(":memory:");
  EXPECT_TRUE(s.ok());
  return std::move(*s);
}

}  // namespace mv::audit
