// One table per enum turns its values into the text that is stored, shown and parsed, and that
// text back into values: both directions read the same rows, so they cannot disagree. A text no
// row holds has no value (std::nullopt); callers decide what that means at their boundary (an
// error naming the column or option, never a default).
//
// A table is a specialization `EnumTable<E>` with `static constexpr EnumRow<E> kRows[]`, one row
// per enumerator. tests/core/enum_text_test.cc fails to compile when an enumerator is added
// without a case there, and then fails until the table has its row.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/scan_result.h"

namespace mv {

template <class E>
struct EnumRow {
  E value;
  const char* text;  // a literal
};

template <class E>
struct EnumTable;  // specialized once per enum, beside the enum or in this file

// "" for a value without a row (a cast from an integer no enumerator has).
template <class E>
constexpr const char* EnumText(E v) {
  for (const EnumRow<E>& r : EnumTable<E>::kRows)
    if (r.value == v) return r.text;
  return "";
}

template <class E>
constexpr std::optional<E> EnumFromText(std::string_view s) {
  for (const EnumRow<E>& r : EnumTable<E>::kRows)
    if (std::string_view(r.text) == s) return r.value;
  return std::nullopt;
}

template <class E>
constexpr size_t EnumSize() {
  return std::size(EnumTable<E>::kRows);
}

// Every text of the table, in its order (the choices of an option).
template <class E>
std::vector<std::string> EnumTexts() {
  std::vector<std::string> out;
  for (const EnumRow<E>& r : EnumTable<E>::kRows) out.emplace_back(r.text);
  return out;
}

template <>
struct EnumTable<Verdict> {
  static constexpr EnumRow<Verdict> kRows[] = {{Verdict::kSafe, "safe"},
                                               {Verdict::kNeedsReview, "needs-review"},
                                               {Verdict::kUnsafe, "unsafe"},
                                               {Verdict::kError, "error"}};
};

template <>
struct EnumTable<Severity> {
  static constexpr EnumRow<Severity> kRows[] = {{Severity::kInfo, "info"},
                                                {Severity::kLow, "low"},
                                                {Severity::kMedium, "medium"},
                                                {Severity::kHigh, "high"},
                                                {Severity::kCritical, "critical"}};
};

// The one ranking of verdicts, worst first: unsafe, needs-review, error, safe. Every worst-of
// (a scan's overall verdict, a model's file verdicts) reads it.
inline constexpr Verdict kVerdictsWorstFirst[] = {Verdict::kUnsafe, Verdict::kNeedsReview,
                                                  Verdict::kError, Verdict::kSafe};

// The worst verdict counted in `c` (a struct with unsafe, needs_review, error and safe counts);
// nullopt when all are zero.
template <class Counts>
constexpr std::optional<Verdict> WorstCounted(const Counts& c) {
  for (Verdict v : kVerdictsWorstFirst) {
    uint64_t n = v == Verdict::kUnsafe        ? c.unsafe
                 : v == Verdict::kNeedsReview ? c.needs_review
                 : v == Verdict::kError       ? c.error
                                              : c.safe;
    if (n > 0) return v;
  }
  return std::nullopt;
}

}  // namespace mv
