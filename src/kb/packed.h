// The precompiled knowledge base: the rules of rules/*.toml, loaded and checked at build time by
// the same loader (kb/compile_main.cc), written as one blob of fixed-size records and a string
// pool that the binary reads in place: no parsing, no allocation at start-up, and no
// relocation (records hold offsets, never pointers, so the blob stays in read-only pages that
// are only faulted in where a lookup touches them).
//
// Layout (native byte order; the blob is made and read by the same build): a Header, then the
// sections it lists, each an array of one record type; every string is a Str into the pool.
// The index sections are sorted by key (byte order) for binary search, except the semantics'
// slots: a hash table (NameHash), looked up on every call a pickle makes, where a binary search
// would cost more per file than building a table once at start-up does.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace mv::kb::packed {

inline constexpr uint32_t kMagic = 0x424b564d;  // "MVKB"
inline constexpr uint32_t kVersion = 2;

struct Str {
  uint32_t off = 0;
  uint32_t len = 0;
};

struct ActionRec {
  Str phrase;
  Str keyword;
  int32_t role = 0;
  int32_t position = -1;
  uint32_t effect = 0;
};

struct RuleRec {
  Str id, pattern, category, why, summary, source;
  uint32_t stance = 0, severity = 0, import_acts = 0;
  ActionRec action;
  uint32_t cases_begin = 0, cases_count = 0;
};

struct CaseRec {
  int32_t if_arg = 0;
  uint32_t is_int = 0;
  uint32_t int_lo = 0, int_hi = 0;  // int64 value
  Str text;
  ActionRec action;
};

struct IndexRec {  // exact, prefix, attribute and deferred-name indexes
  Str key;
  uint32_t rule = 0;
};

struct AliasRec {
  Str from, to;
};

struct CategoryRec {
  Str name;
  ActionRec action;
};

struct FeatureRec {
  Str kind, pattern, category, why, summary, source;
  uint32_t stance = 0, severity = 0;
};

struct FeatureIndexRec {  // exact: sorted by (kind, pattern); globs: by kind, then rule order
  Str kind, pattern;
  uint32_t feature = 0;
};

struct SemanticRec {
  Str name, codec;
  uint32_t semantic = 0;
  int32_t func_arg = 0, data_arg = 0;
};

// Sections, in blob order after the header.
enum Section : uint32_t {
  kStrings,
  kRules,
  kCases,
  kExact,
  kPrefix,
  kAttribute,
  kDeferred,
  kAliases,
  kCategories,
  kFeatures,
  kFeatureExact,
  kFeatureGlobs,
  kSemantics,
  // uint32 slots, a power of two of them (none when there are no semantics), more than there
  // are semantics: 0 is empty, i + 1 is kSemantics[i]. Linear probing from NameHash(name).
  kSemanticSlots,
  kGlobs,  // IndexRec: name globs (pattern, rule), in pattern order, all tried
  kSectionCount,
};

struct Header {
  uint32_t magic = kMagic;
  uint32_t version = kVersion;
  uint32_t eager_rules = 0;     // rules[0, eager_rules): files loaded eagerly; then deferred ones
  uint32_t deferred_files = 0;  // benign_lib_/dangerous_lib_ files the rules came from
  uint32_t alias_max_components = 0;
  uint32_t offset[kSectionCount] = {};  // byte offset of each section in the blob
  uint32_t count[kSectionCount] = {};   // records (bytes for kStrings)
};

// The hash of a name, written and read by the same build: 8 bytes at a time, multiplied and
// folded. Fixed here (not std::hash) so the packer and the reader agree whatever library each
// was built with.
inline uint64_t NameHash(std::string_view s) {
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15ULL;
  uint64_t h = s.size() * kMul;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  uint64_t w = 0;
  std::memcpy(&w, s.data() + i, s.size() - i);
  h = (h ^ w) * kMul;
  return h ^ (h >> 32);
}

template <typename T>
T Read(const char* p) {
  static_assert(std::is_trivially_copyable_v<T>);
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace mv::kb::packed
