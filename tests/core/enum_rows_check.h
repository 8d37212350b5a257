// The check every enum text table gets (core/enum_text.h): each listed enumerator has exactly
// one row, its text is unique and maps back to it, and no value outside the list has a row.
// `Listed(E)` is the test's own switch without default over E, so a new enumerator fails to
// compile (-Werror=switch) until it is listed, and then this check fails until the table has its
// row.
#pragma once

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/enum_text.h"

namespace mv::testing {

template <class E, class ListedFn>
void ExpectOneRowPerValue(ListedFn listed_fn) {
  size_t listed = 0;
  std::set<std::string> texts;
  for (int i = 0; i < 256; ++i) {
    E v = static_cast<E>(i);
    if (!listed_fn(v)) {
      EXPECT_STREQ(EnumText(v), "") << i;
      continue;
    }
    ++listed;
    std::string text = EnumText(v);
    EXPECT_FALSE(text.empty()) << "no table row for value " << i;
    EXPECT_TRUE(texts.insert(text).second) << "two values share `" << text << "`";
    EXPECT_EQ(EnumFromText<E>(text), v) << text;
  }
  EXPECT_EQ(EnumSize<E>(), listed) << "a row for a value that is not listed, or a duplicate row";
  EXPECT_FALSE(EnumFromText<E>(""));
}

}  // namespace mv::testing
