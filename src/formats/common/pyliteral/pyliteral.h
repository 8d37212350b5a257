// Python literal expressions as ast.literal_eval reads them (numpy evaluates the .npy header
// with it): strings with prefixes, escapes and implicit concatenation, ints in any radix with
// underscores, floats, True/False/None, tuples, lists, dicts, sets, unary signs, comments and
// line continuations. Never evaluates anything else; nesting is bounded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mv::formats::pyliteral {

struct Value {
  enum class Kind : uint8_t {
    kStr,
    kBytes,
    kInt,
    kFloat,
    kBool,
    kNone,
    kTuple,
    kList,
    kDict,
    kSet
  };
  Kind kind = Kind::kNone;
  std::string text;          // str (UTF-8), bytes, int (decimal), "True"/"False"
  std::vector<Value> items;  // tuple/list/set items; dict: key, value, key, value, …
  bool int_fits = false;     // kInt: `num` holds the value
  int64_t num = 0;
};

// Parses a whole expression (surrounding whitespace, comments and newlines allowed); nullopt on
// anything ast.literal_eval would refuse or that nests deeper than 64 levels.
std::optional<Value> Parse(std::string_view text);

// The value of key `key` (a str) in a dict; the last occurrence wins, as in Python.
const Value* DictGet(const Value& dict, std::string_view key);

}  // namespace mv::formats::pyliteral
