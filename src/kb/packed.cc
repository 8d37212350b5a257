// The precompiled knowledge base (packed.h): written from a loaded one (Pack, at build time) and
// read in place (PackedKb).
#include <algorithm>
#include <bit>
#include <map>
#include <set>
#include <tuple>

#include "kb/impl.h"

namespace mv::kb {

namespace {

using packed::Header;
using packed::Section;

constexpr size_t kRecordSize[packed::kSectionCount] = {
    1,
    sizeof(packed::RuleRec),
    sizeof(packed::CaseRec),
    sizeof(packed::IndexRec),
    sizeof(packed::IndexRec),
    sizeof(packed::IndexRec),
    sizeof(packed::IndexRec),
    sizeof(packed::AliasRec),
    sizeof(packed::CategoryRec),
    sizeof(packed::FeatureRec),
    sizeof(packed::FeatureIndexRec),
    sizeof(packed::FeatureIndexRec),
    sizeof(packed::SemanticRec),
    sizeof(uint32_t),
    sizeof(packed::IndexRec),
};

// ---- writing ----------------------------------------------------------------------------------

class Writer {
 public:
  packed::Str Str(std::string_view s) {
    auto [it, fresh] = strings_.emplace(std::string(s), static_cast<uint32_t>(pool_.size()));
    if (fresh) pool_ += s;
    return {it->second, static_cast<uint32_t>(s.size())};
  }
  packed::ActionRec Action(const kb::Action& a) {
    packed::ActionRec r;
    r.phrase = Str(a.phrase);
    r.keyword = Str(a.arg.keyword);
    r.role = static_cast<int32_t>(a.arg.role);
    r.position = a.arg.position;
    r.effect = static_cast<uint32_t>(a.effect);
    return r;
  }
  template <typename T>
  void Add(Section s, const T& rec) {
    std::string& out = sections_[s];
    out.append(reinterpret_cast<const char*>(&rec), sizeof rec);
    ++header_.count[s];
  }
  Header& header() { return header_; }

  std::string Finish() {
    sections_[packed::kStrings] = pool_;
    header_.count[packed::kStrings] = static_cast<uint32_t>(pool_.size());
    std::string out(sizeof(Header), '\0');
    for (uint32_t s = 0; s < packed::kSectionCount; ++s) {
      while (out.size() % 8 != 0) out += '\0';
      header_.offset[s] = static_cast<uint32_t>(out.size());
      out += sections_[s];
    }
    std::memcpy(out.data(), &header_, sizeof header_);
    return out;
  }

 private:
  Header header_;
  std::string pool_;
  std::map<std::string, uint32_t> strings_;
  std::string sections_[packed::kSectionCount];
};

packed::RuleRec RuleRecord(Writer& w, const Rule& r, uint32_t cases_begin) {
  packed::RuleRec rec;
  rec.id = w.Str(r.id);
  rec.pattern = w.Str(r.pattern);
  rec.category = w.Str(r.category);
  rec.why = w.Str(r.why);
  rec.summary = w.Str(r.summary);
  rec.source = w.Str(r.source);
  rec.stance = static_cast<uint32_t>(r.stance);
  rec.severity = static_cast<uint32_t>(r.severity);
  rec.import_acts = r.import_acts ? 1 : 0;
  rec.action = w.Action(r.action);
  rec.cases_begin = cases_begin;
  rec.cases_count = static_cast<uint32_t>(r.cases.size());
  return rec;
}

// key -> rule index, sorted by key (std::map orders std::string bytewise, as the reader
// compares).
void AddIndex(Writer& w, Section s, const std::map<std::string, uint32_t>& index) {
  for (const auto& [key, rule] : index) w.Add(s, packed::IndexRec{w.Str(key), rule});
}

}  // namespace

Result<std::string> Pack(const KnowledgeBase& kb) {
  MV_RETURN_IF_ERROR(kb.LoadAllDeferred());
  const KnowledgeBase::Impl& impl = kb.impl();
  if (impl.packed) return MakeError(Errc::kUnsupported, "already a precompiled knowledge base");
  Writer w;
  // Rules: eager ones, then the deferred files' in file order (AllRules' order).
  std::vector<const Rule*> all = kb.AllRules();
  std::unordered_map<const Rule*, uint32_t> index_of;
  for (const Rule* r : all) {
    uint32_t cases_begin = w.header().count[packed::kCases];
    for (const ActionCase& c : r->cases) {
      packed::CaseRec rec;
      rec.if_arg = c.if_arg;
      rec.is_int = c.is_int ? 1 : 0;
      auto v = static_cast<uint64_t>(c.int_value);
      rec.int_lo = static_cast<uint32_t>(v);
      rec.int_hi = static_cast<uint32_t>(v >> 32);
      rec.text = w.Str(c.text_value);
      rec.action = w.Action(c.action);
      w.Add(packed::kCases, rec);
    }
    index_of.emplace(r, static_cast<uint32_t>(index_of.size()));
    w.Add(packed::kRules, RuleRecord(w, *r, cases_begin));
  }
  w.header().eager_rules = static_cast<uint32_t>(impl.rules.size());
  w.header().deferred_files = static_cast<uint32_t>(impl.deferred.size());
  auto sorted = [&](const std::unordered_map<std::string, size_t>& m) {
    std::map<std::string, uint32_t> out;
    for (const auto& [k, i] : m) out.emplace(k, index_of.at(&impl.rules[i]));
    return out;
  };
  AddIndex(w, packed::kExact, sorted(impl.exact));
  AddIndex(w, packed::kPrefix, sorted(impl.prefix));
  AddIndex(w, packed::kAttribute, sorted(impl.attribute));
  AddIndex(w, packed::kGlobs, sorted(impl.globs));
  // Deferred names: the rule the loader's own lookup picks when files of one module name the
  // same callable (a dangerous one wins).
  std::map<std::string, uint32_t> deferred;
  for (const auto& [module, d] : impl.deferred) {
    for (const auto& [name, i] : d->exact) {
      if (deferred.count(name) != 0) continue;
      const Rule* r = impl.MatchDeferred(name);
      if (r == nullptr) {
        std::string msg = "deferred name lost: ";
        msg += name;
        return MakeError(Errc::kMalformed, msg);
      }
      deferred.emplace(name, index_of.at(r));
    }
  }
  AddIndex(w, packed::kDeferred, deferred);

  std::map<std::string, std::string> aliases(impl.aliases.begin(), impl.aliases.end());
  for (const auto& [from, to] : aliases)
    w.Add(packed::kAliases, packed::AliasRec{w.Str(from), w.Str(to)});
  w.header().alias_max_components = static_cast<uint32_t>(impl.alias_max_components);

  std::map<std::string, const CategoryDefaults*> categories;
  for (const auto& [name, c] : impl.categories) categories.emplace(name, &c);
  for (const auto& [name, c] : categories) {
    w.Add(packed::kCategories, packed::CategoryRec{w.Str(name), w.Action(c->action)});
  }

  for (const FeatureRule& f : impl.features) {
    packed::FeatureRec rec;
    rec.kind = w.Str(f.kind);
    rec.pattern = w.Str(f.pattern);
    rec.category = w.Str(f.category);
    rec.why = w.Str(f.why);
    rec.summary = w.Str(f.summary);
    rec.source = w.Str(f.source);
    rec.stance = static_cast<uint32_t>(f.stance);
    rec.severity = static_cast<uint32_t>(f.severity);
    w.Add(packed::kFeatures, rec);
  }
  std::map<std::pair<std::string, std::string>, uint32_t> feature_exact;
  std::map<std::string, std::vector<size_t>> feature_globs;
  for (const auto& [kind, idx] : impl.features_by_kind) {
    for (const auto& [pattern, i] : idx.exact) {
      feature_exact.emplace(std::pair(kind, pattern), static_cast<uint32_t>(i));
    }
    feature_globs[kind] = idx.globs;  // an empty list still marks the kind as known
  }
  for (const auto& [key, i] : feature_exact) {
    w.Add(packed::kFeatureExact, packed::FeatureIndexRec{w.Str(key.first), w.Str(key.second), i});
  }
  for (const auto& [kind, globs] : feature_globs) {
    for (size_t i : globs) {
      w.Add(packed::kFeatureGlobs,
            packed::FeatureIndexRec{w.Str(kind), w.Str(""), static_cast<uint32_t>(i)});
    }
  }

  std::map<std::string, const pickle::SemanticEntry*> semantics;
  for (const auto& [name, e] : impl.semantics.entries) semantics.emplace(name, &e);
  std::vector<uint32_t> slots(semantics.empty() ? 0 : std::bit_ceil(2 * semantics.size()), 0);
  for (const auto& [name, e] : semantics) {
    packed::SemanticRec rec;
    rec.name = w.Str(name);
    rec.codec = w.Str(e->codec);
    rec.semantic = static_cast<uint32_t>(e->semantic);
    rec.func_arg = e->func_arg;
    rec.data_arg = e->data_arg;
    w.Add(packed::kSemantics, rec);
    size_t at = packed::NameHash(name) & (slots.size() - 1);
    while (slots[at] != 0) at = (at + 1) & (slots.size() - 1);
    slots[at] = w.header().count[packed::kSemantics];  // record index + 1
  }
  for (uint32_t v : slots) w.Add(packed::kSemanticSlots, v);
  return w.Finish();
}

// ---- reading ----------------------------------------------------------------------------------

std::unique_ptr<PackedKb> PackedKb::Open(std::string_view blob) {
  if (blob.size() < sizeof(Header)) return nullptr;
  auto h = packed::Read<Header>(blob.data());
  if (h.magic != packed::kMagic || h.version != packed::kVersion) return nullptr;
  for (uint32_t s = 0; s < packed::kSectionCount; ++s) {
    if (h.offset[s] > blob.size() ||
        uint64_t{h.count[s]} * kRecordSize[s] > blob.size() - h.offset[s]) {
      return nullptr;
    }
  }
  if (h.eager_rules > h.count[packed::kRules]) return nullptr;
  uint32_t slots = h.count[packed::kSemanticSlots];
  if (slots == 0 ? h.count[packed::kSemantics] != 0
                 : !std::has_single_bit(slots) || slots <= h.count[packed::kSemantics]) {
    return nullptr;  // the writer makes a power of two of slots, more than the semantics
  }
  return std::make_unique<PackedKb>(blob, h);
}

PackedKb::PackedKb(std::string_view blob, const packed::Header& h)
    : blob_(blob),
      header_(h),
      rules_(h.count[packed::kRules]),
      features_(h.count[packed::kFeatures]),
      categories_(h.count[packed::kCategories]),
      semantics_(*this) {}

const Rule* PackedKb::Find(Section s, std::string_view key) const {
  uint32_t i =
      LowerBound<packed::IndexRec>(s, [&](const packed::IndexRec& r) { return S(r.key) < key; });
  if (i == header_.count[s]) return nullptr;
  auto rec = Rec<packed::IndexRec>(s, i);
  return S(rec.key) == key ? RuleAt(rec.rule) : nullptr;
}

bool PackedKb::KnowsModule(std::string_view top) const {
  for (Section s : {packed::kExact, packed::kPrefix, packed::kDeferred}) {
    uint32_t lo =
        LowerBound<packed::IndexRec>(s, [&](const packed::IndexRec& r) { return S(r.key) < top; });
    // Keys sort "os" < "os.path" < "os_x": the first at or after `top` is in it, if any is.
    for (uint32_t i = lo; i < header_.count[s] && i < lo + 2; ++i) {
      std::string_view key = S(Rec<packed::IndexRec>(s, i).key);
      if (key.substr(0, top.size()) != top) break;
      if (key.size() == top.size() || key[top.size()] == '.') return true;
    }
  }
  return false;
}

const Rule* PackedKb::MatchGlob(std::string_view name) const {
  const Rule* best = nullptr;
  for (uint32_t i = 0; i < header_.count[packed::kGlobs]; ++i) {
    auto rec = Rec<packed::IndexRec>(packed::kGlobs, i);
    if (!GlobCovers(S(rec.key), name)) continue;
    const Rule* r = RuleAt(rec.rule);
    if (BetterNameGlob(*r, best)) best = r;
  }
  return best;
}

std::optional<std::string_view> PackedKb::FindAlias(std::string_view from) const {
  uint32_t i = LowerBound<packed::AliasRec>(
      packed::kAliases, [&](const packed::AliasRec& r) { return S(r.from) < from; });
  if (i == header_.count[packed::kAliases]) return std::nullopt;
  auto rec = Rec<packed::AliasRec>(packed::kAliases, i);
  if (S(rec.from) != from) return std::nullopt;
  return S(rec.to);
}

Action PackedKb::MakeAction(const packed::ActionRec& a) const {
  Action out;
  out.phrase = S(a.phrase);
  out.arg.role = static_cast<Role>(a.role);
  out.arg.position = a.position;
  out.arg.keyword = S(a.keyword);
  out.effect = static_cast<Effect>(a.effect);
  return out;
}

const Rule* PackedKb::RuleAt(uint32_t i) const {
  return rules_.Get(i, [&] {
    auto rec = Rec<packed::RuleRec>(packed::kRules, i);
    auto r = std::make_unique<Rule>();
    r->id = S(rec.id);
    r->pattern = S(rec.pattern);
    r->stance = static_cast<Stance>(rec.stance);
    r->category = S(rec.category);
    r->severity = static_cast<Severity>(rec.severity);
    r->why = S(rec.why);
    r->action = MakeAction(rec.action);
    for (uint32_t c = 0; c < rec.cases_count; ++c) {
      auto cr = Rec<packed::CaseRec>(packed::kCases, rec.cases_begin + c);
      ActionCase ac;
      ac.if_arg = cr.if_arg;
      ac.is_int = cr.is_int != 0;
      ac.int_value = static_cast<int64_t>((uint64_t{cr.int_hi} << 32) | cr.int_lo);
      ac.text_value = S(cr.text);
      ac.action = MakeAction(cr.action);
      r->cases.push_back(std::move(ac));
    }
    r->summary = S(rec.summary);
    r->import_acts = rec.import_acts != 0;
    r->source = S(rec.source);
    return r;
  });
}

const FeatureRule* PackedKb::FeatureAt(uint32_t i) const {
  return features_.Get(i, [&] {
    auto rec = Rec<packed::FeatureRec>(packed::kFeatures, i);
    auto f = std::make_unique<FeatureRule>();
    f->kind = S(rec.kind);
    f->pattern = S(rec.pattern);
    f->stance = static_cast<Stance>(rec.stance);
    f->category = S(rec.category);
    f->severity = static_cast<Severity>(rec.severity);
    f->why = S(rec.why);
    f->summary = S(rec.summary);
    f->source = S(rec.source);
    return f;
  });
}

const FeatureRule* PackedKb::MatchFeature(std::string_view kind, std::string_view subject) const {
  // Exact (kind, pattern) first.
  uint32_t exact = LowerBound<packed::FeatureIndexRec>(
      packed::kFeatureExact, [&](const packed::FeatureIndexRec& r) {
        int c = S(r.kind).compare(kind);
        return c < 0 || (c == 0 && S(r.pattern) < subject);
      });
  if (exact < header_.count[packed::kFeatureExact]) {
    auto rec = Rec<packed::FeatureIndexRec>(packed::kFeatureExact, exact);
    if (S(rec.kind) == kind && S(rec.pattern) == subject) return FeatureAt(rec.feature);
  }
  // Then the globs of the kind, in rule order (the first of equally good ones wins).
  uint32_t lo = LowerBound<packed::FeatureIndexRec>(
      packed::kFeatureGlobs, [&](const packed::FeatureIndexRec& r) { return S(r.kind) < kind; });
  const FeatureRule* best = nullptr;
  for (uint32_t i = lo; i < header_.count[packed::kFeatureGlobs]; ++i) {
    auto rec = Rec<packed::FeatureIndexRec>(packed::kFeatureGlobs, i);
    if (S(rec.kind) != kind) break;
    auto f = Rec<packed::FeatureRec>(packed::kFeatures, rec.feature);
    if (!Glob(S(f.pattern), subject)) continue;
    const FeatureRule* r = FeatureAt(rec.feature);
    if (BetterGlob(*r, best)) best = r;
  }
  return best;
}

const CategoryDefaults* PackedKb::Category(std::string_view name) const {
  uint32_t i = LowerBound<packed::CategoryRec>(
      packed::kCategories, [&](const packed::CategoryRec& r) { return S(r.name) < name; });
  if (i == header_.count[packed::kCategories]) return nullptr;
  auto rec = Rec<packed::CategoryRec>(packed::kCategories, i);
  if (S(rec.name) != name) return nullptr;
  return categories_.Get(i, [&] {
    auto out = std::make_unique<CategoryDefaults>();
    out->name = S(rec.name);
    out->action = MakeAction(rec.action);
    return out;
  });
}

PackedKb::SemanticIndex::SemanticIndex(const PackedKb& kb)
    : kb_(kb), entries_(kb.header_.count[packed::kSemantics]) {}

const pickle::SemanticEntry* PackedKb::SemanticIndex::Find(std::string_view name) const {
  uint32_t slots = kb_.header_.count[packed::kSemanticSlots];
  if (slots == 0) return nullptr;
  uint32_t at = static_cast<uint32_t>(packed::NameHash(name)) & (slots - 1);
  for (uint32_t probes = 0; probes < slots; ++probes, at = (at + 1) & (slots - 1)) {
    auto v = kb_.Rec<uint32_t>(packed::kSemanticSlots, at);
    if (v == 0 || v > size()) return nullptr;
    auto rec = kb_.Rec<packed::SemanticRec>(packed::kSemantics, v - 1);
    if (kb_.S(rec.name) != name) continue;
    return entries_.Get(v - 1, [&] {
      auto e = std::make_unique<pickle::SemanticEntry>();
      e->semantic = static_cast<pickle::Semantic>(rec.semantic);
      e->func_arg = rec.func_arg;
      e->data_arg = rec.data_arg;
      e->codec = kb_.S(rec.codec);
      return e;
    });
  }
  return nullptr;
}

Result<std::shared_ptr<const KnowledgeBase>> FromPacked(std::string_view blob) {
  auto impl = std::make_unique<KnowledgeBase::Impl>();
  impl->packed = PackedKb::Open(blob);
  if (!impl->packed) {
    return MakeError(Errc::kMalformed,
                     "the precompiled knowledge base is not one this build wrote");
  }
  return std::shared_ptr<const KnowledgeBase>(std::make_shared<KnowledgeBase>(std::move(impl)));
}

}  // namespace mv::kb
