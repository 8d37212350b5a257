// The knowledge base's internals, shared by the TOML loader (kb.cc) and the precompiled form
// (packed.cc). Not for other folders: they use kb.h.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/text.h"  // Glob
#include "kb/kb.h"
#include "kb/packed.h"

namespace mv::kb {

// An embedded rule file of generated exact names for one top-level module
// (`benign_lib_<module>.toml`), parsed the first time a name under that module is looked up:
// thousands of library names cost nothing to a scan that never meets the library.
struct DeferredFile {
  std::string file;
  std::string owned;       // the text, when it is not embedded (FromStrings)
  std::string_view text;   // embedded text, or `owned`
  bool dangerous = false;  // dangerous_lib_<module>.toml (swept), else benign_lib_<module>.toml
  std::once_flag once;
  Status status = OkStatus();
  std::vector<Rule> rules;
  std::unordered_map<std::string, size_t> exact;
};

// Objects built on first use, slot by slot: a slot is written once (compare-and-swap; readers
// take no lock) and freed with the table. Chunks of slots are allocated as they are first
// touched, so an unused table costs one small vector.
template <typename T>
class LazySlots {
 public:
  explicit LazySlots(size_t n) : chunks_((n + kChunk - 1) / kChunk) {}
  LazySlots(const LazySlots&) = delete;
  LazySlots& operator=(const LazySlots&) = delete;
  ~LazySlots() {
    for (auto& c : chunks_) {
      Chunk* chunk = c.load();
      if (chunk == nullptr) continue;
      for (auto& s : chunk->slots) delete s.load();
      delete chunk;
    }
  }
  // The object of slot i, made by make() (a std::unique_ptr<T>) the first time.
  template <typename Make>
  const T* Get(size_t i, Make make) const {
    auto& c = chunks_[i / kChunk];
    Chunk* chunk = c.load(std::memory_order_acquire);
    if (chunk == nullptr) {
      auto fresh = std::make_unique<Chunk>();
      if (c.compare_exchange_strong(chunk, fresh.get(), std::memory_order_acq_rel)) {
        chunk = fresh.release();
      }
    }
    auto& slot = chunk->slots[i % kChunk];
    const T* v = slot.load(std::memory_order_acquire);
    if (v != nullptr) return v;
    std::unique_ptr<T> fresh = make();
    if (slot.compare_exchange_strong(v, fresh.get(), std::memory_order_acq_rel)) {
      return fresh.release();
    }
    return v;
  }

 private:
  static constexpr size_t kChunk = 256;
  struct Chunk {
    std::atomic<const T*> slots[kChunk] = {};
  };
  mutable std::vector<std::atomic<Chunk*>> chunks_;
};

// A precompiled knowledge base (packed.h), read in place. Rules, feature rules and category
// defaults are built as objects the first time a lookup returns them, so start-up costs
// nothing and a scan pays only for the rules it meets.
class PackedKb {
 public:
  // Checks the header and section bounds; null when the blob is not one this build wrote.
  static std::unique_ptr<PackedKb> Open(std::string_view blob);

  const Rule* FindExact(std::string_view key) const { return Find(packed::kExact, key); }
  const Rule* FindPrefix(std::string_view key) const { return Find(packed::kPrefix, key); }
  const Rule* FindAttribute(std::string_view key) const { return Find(packed::kAttribute, key); }
  const Rule* MatchGlob(std::string_view name) const;
  // Whether an exact, wildcard or generated name lies in top-level module `top`.
  bool KnowsModule(std::string_view top) const;
  const Rule* FindDeferred(std::string_view key) const { return Find(packed::kDeferred, key); }
  std::optional<std::string_view> FindAlias(std::string_view from) const;
  const FeatureRule* MatchFeature(std::string_view kind, std::string_view subject) const;
  const CategoryDefaults* Category(std::string_view name) const;
  const pickle::Semantics& semantics() const { return semantics_; }

  bool has_aliases() const { return header_.count[packed::kAliases] != 0; }
  size_t alias_max_components() const { return header_.alias_max_components; }
  size_t eager_rules() const { return header_.eager_rules; }
  size_t feature_count() const { return header_.count[packed::kFeatures]; }
  size_t deferred_files() const { return header_.deferred_files; }
  uint32_t rule_total() const { return header_.count[packed::kRules]; }
  const Rule* RuleAt(uint32_t i) const;

  PackedKb(std::string_view blob, const packed::Header& h);

 private:
  template <typename T>
  T Rec(packed::Section s, uint32_t i) const {
    return packed::Read<T>(blob_.data() + header_.offset[s] + size_t{i} * sizeof(T));
  }
  std::string_view S(packed::Str s) const {
    return blob_.substr(header_.offset[packed::kStrings] + s.off, s.len);
  }
  // The first record of sorted section `s` that `below(record)` does not put before the key
  // sought: std::lower_bound over the records, read in place.
  template <typename T, typename Below>
  uint32_t LowerBound(packed::Section s, Below below) const {
    uint32_t lo = 0, hi = header_.count[s];
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (below(Rec<T>(s, mid))) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
  const Rule* Find(packed::Section s, std::string_view key) const;
  Action MakeAction(const packed::ActionRec& a) const;
  const FeatureRule* FeatureAt(uint32_t i) const;

  // The semantics table read in place: a name is hashed into the blob's slots (packed.h), and
  // its entry is built the first time a lookup returns it.
  class SemanticIndex final : public pickle::Semantics {
   public:
    explicit SemanticIndex(const PackedKb& kb);
    const pickle::SemanticEntry* Find(std::string_view name) const override;
    size_t size() const override { return kb_.header_.count[packed::kSemantics]; }

   private:
    const PackedKb& kb_;
    LazySlots<pickle::SemanticEntry> entries_;
  };

  std::string_view blob_;
  packed::Header header_;
  LazySlots<Rule> rules_;
  LazySlots<FeatureRule> features_;
  LazySlots<CategoryDefaults> categories_;
  SemanticIndex semantics_;
};

// A number no other call returns, for KnowledgeBase::Impl::memo_id (one counter, in kb.cc).
uint64_t NextMemoId();

struct KnowledgeBase::Impl {
  // Names this knowledge base's per-thread memo of answers (kb.cc): never reused, so a memo
  // left by a destroyed knowledge base is never read.
  const uint64_t memo_id = NextMemoId();
  pickle::SemanticTable semantics;
  std::vector<Rule> rules;  // never grows after the indexes below are built
  std::vector<FeatureRule> features;
  std::unordered_map<std::string, size_t> exact;      // "os.system"
  std::unordered_map<std::string, size_t> prefix;     // "os" for "os.*"
  std::unordered_map<std::string, size_t> attribute;  // "__globals__" in any component
  std::unordered_map<std::string, size_t> globs;      // "transformers.models.*.convert_*.*"
  std::unordered_map<std::string, std::string> aliases;
  size_t alias_max_components = 0;
  struct FeatureIndex {
    std::unordered_map<std::string, size_t> exact;
    std::vector<size_t> globs;
  };
  std::unordered_map<std::string, FeatureIndex> features_by_kind;
  std::unordered_map<std::string, CategoryDefaults> categories;  // [[category]]

  // by module: benign_lib_<module>.toml and dangerous_lib_<module>.toml
  std::unordered_multimap<std::string, std::unique_ptr<DeferredFile>> deferred;

  // Set for a precompiled knowledge base: every lookup goes to it, the containers above stay
  // empty.
  std::unique_ptr<PackedKb> packed;

  std::string Canonical(std::string_view dotted) const;
  const Rule* MatchCanonical(const std::string& c) const;
  // The exact rule of a deferred file for `c` (loading the file once), else null.
  const Rule* MatchDeferred(const std::string& c) const;
  void LoadDeferred(const std::string& module, DeferredFile& d) const;

  // Lookups of either form (the containers above, or `packed`).
  const Rule* FindExact(std::string_view key) const;
  const Rule* FindPrefix(std::string_view key) const;
  const Rule* FindAttribute(std::string_view key) const;
  // The name glob that covers `name` (GlobCovers), if any: the strictest stance first, then the
  // most literal characters, then the pattern's order.
  const Rule* MatchGlob(std::string_view name) const;
  std::optional<std::string_view> FindAlias(std::string_view from) const;

  // Top-level modules the rules name anything in (KnowledgeBase::KnowsModule), built at first
  // use for a knowledge base loaded from TOML.
  mutable std::once_flag modules_once;
  mutable std::unordered_set<std::string> modules;
};

// Whether a name glob (`lib.*.convert_*.*`) covers a dotted name: each component before the
// final `*` matches the name's component at the same place (mv::Glob: `*` and `?` within one
// component), and the final `*` takes the matched module and everything below it.
bool GlobCovers(std::string_view pattern, std::string_view name);
// The order of name globs covering the same name, shared by both forms (kb.cc).
bool BetterNameGlob(const Rule& r, const Rule* best);

// True when feature rule `r` (a glob, matched with mv::Glob of core/text.h) beats `best` for
// the same subject: the order of matching feature rules, shared by both forms (kb.cc).
bool BetterGlob(const FeatureRule& r, const FeatureRule* best);

// The embedded rule files (parsed, deferred ones registered), then each extra file or directory
// and each trusted module: the TOML path of KnowledgeBase::Load (load.cc calls it; kb.cc).
Result<std::shared_ptr<const KnowledgeBase>> LoadToml(
    const std::vector<std::pair<std::string_view, std::string_view>>& embedded,
    const std::vector<std::string>& extra, const std::vector<std::string>& trusted_modules);

// The blob of a fully loaded knowledge base built from rule files (FromStrings): every
// deferred file is loaded first, and its error returned. For the build-time compiler.
Result<std::string> Pack(const KnowledgeBase& kb);
// A knowledge base answering from a blob Pack() wrote (which must outlive it).
Result<std::shared_ptr<const KnowledgeBase>> FromPacked(std::string_view blob);

}  // namespace mv::kb
