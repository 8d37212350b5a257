#include "kb/kb.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/enum_text.h"
#include "core/string_hash.h"
#include "kb/impl.h"
#include "libs/toml.h"

namespace mv::kb {

namespace {

// Closed vocabularies: a typo in a rule file is a load error, not a silently ignored rule.
constexpr std::array kCategories = {
    "code-execution",
    "process",
    "network",
    "file-system",
    "browser",
    "debugger",
    "package-install",
    "deserialization",
    "import-machinery",
    "native-code",
    "code-object",
    "interpreter-hooks",
    "deferred-execution",
    "apply-gadget",
    "introspection",
    "module-poisoning",
    "remote-load",
    "information",
    "resource",
    "path-traversal",
    "template-injection",
    "reconstructor",
    "data",
    "library-class",
    "custom-op",
    "trusted-module",  // benign: a module the user trusts ([[trust]], --trust-module)
    // Benign only, with a narrower clearing (verdict/judge.cc): a class cleared only when the
    // loader rebuilds an instance without __init__, a value cleared only when referenced.
    "rebuild-only",
    "constant",
    "library-function",
    // Benign only: a wildcard over a library the dangerous sweep cannot read (no Debian
    // package): its classes are cleared, its functions and methods only as references
    // (verdict/judge.cc).
    "unswept-library",
};
struct RoleName {
  const char* name;
  Role role;
};
constexpr std::array kRoles = {
    RoleName{"none", Role::kNone},       RoleName{"command", Role::kCommand},
    RoleName{"program", Role::kProgram}, RoleName{"code", Role::kCode},
    RoleName{"url", Role::kUrl},         RoleName{"address", Role::kAddress},
    RoleName{"path", Role::kPath},       RoleName{"module", Role::kModule},
    RoleName{"keys", Role::kKeys},       RoleName{"text", Role::kText},
};
struct EffectName {
  const char* name;
  Effect effect;
};
constexpr std::array kEffects = {
    EffectName{"execute", Effect::kExecute}, EffectName{"network", Effect::kNetwork},
    EffectName{"write", Effect::kWrite},     EffectName{"read", Effect::kRead},
    EffectName{"other", Effect::kOther},
};

constexpr std::array kCodecs = {"base64", "base32", "base16",        "hex",         "zlib",  "gzip",
                                "bz2",    "lzma",   "latin1-encode", "utf8-encode", "by-arg"};

struct SemanticName {
  const char* name;
  pickle::Semantic semantic;
};
constexpr std::array kSemanticKinds = {
    SemanticName{"getattr", pickle::Semantic::kGetattr},
    SemanticName{"import-module", pickle::Semantic::kImportModule},
    SemanticName{"resolve-name", pickle::Semantic::kResolveName},
    SemanticName{"import-from", pickle::Semantic::kImportFrom},
    SemanticName{"attr-getter", pickle::Semantic::kAttrGetter},
    SemanticName{"item-getter", pickle::Semantic::kItemGetter},
    SemanticName{"method-caller", pickle::Semantic::kMethodCaller},
    SemanticName{"partial", pickle::Semantic::kPartial},
    SemanticName{"apply", pickle::Semantic::kApply},
    SemanticName{"star-apply", pickle::Semantic::kStarApply},
    SemanticName{"fold", pickle::Semantic::kFold},
    SemanticName{"key-apply", pickle::Semantic::kKeyApply},
    SemanticName{"call-arg", pickle::Semantic::kCallArg},
    SemanticName{"call-until", pickle::Semantic::kCallUntil},
    SemanticName{"wrap", pickle::Semantic::kWrap},
    SemanticName{"vectorize", pickle::Semantic::kVectorize},
    SemanticName{"deferred-call", pickle::Semantic::kDeferredCall},
    SemanticName{"deserialize", pickle::Semantic::kDeserialize},
    SemanticName{"decode", pickle::Semantic::kDecode},
    SemanticName{"bytes-io", pickle::Semantic::kBytesIO},
    SemanticName{"str-join", pickle::Semantic::kStrJoin},
    SemanticName{"concat", pickle::Semantic::kConcat},
    SemanticName{"fx-graph-code", pickle::Semantic::kFxGraphCode},
};

template <size_t N>
bool In(const std::array<const char*, N>& set, std::string_view v) {
  return std::any_of(set.begin(), set.end(), [&](const char* s) { return v == s; });
}

Error Fail(const std::string& where, const std::string& msg) {
  return MakeError(Errc::kMalformed, where + ": " + msg);
}

std::string Where(const std::string& file, const toml::source_region& r) {
  return file + ":" + std::to_string(r.begin.line);
}

Result<Severity> ParseSeverity(std::string_view s, const std::string& where) {
  if (auto v = EnumFromText<Severity>(s)) return *v;
  return Fail(where, "unknown severity '" + std::string(s) + "' (info|low|medium|high|critical)");
}

Result<Stance> ParseStance(std::string_view s, const std::string& where) {
  if (s == "dangerous") return Stance::kDangerous;
  if (s == "benign") return Stance::kBenign;
  if (s == "review") return Stance::kReview;
  return Fail(where, "unknown stance '" + std::string(s) + "' (dangerous|benign|review)");
}

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// "mod.sub.name" or "mod.sub.*": identifier components, a `*` only as the whole last one.
bool ValidCallablePattern(std::string_view p) {
  if (p.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t dot = p.find('.', start);
    std::string_view comp =
        p.substr(start, dot == std::string_view::npos ? p.size() - start : dot - start);
    if (comp.empty()) return false;
    bool last = dot == std::string_view::npos;
    if (comp == "*") {
      if (!last || start == 0) return false;
    } else {
      for (char c : comp) {
        if (!IsIdentChar(c)) return false;
      }
    }
    if (last) return true;
    start = dot + 1;
  }
}

// "lib.mod.*.convert_*.*": a name glob of a [[dangerous]] or [[review]] rule. Its first
// component is a module name, a middle one holds `*` or `?`, and it ends in `.*` (the modules
// it matches and everything below them).
bool ValidGlobPattern(std::string_view p) {
  if (p.size() < 4 || p.compare(p.size() - 2, 2, ".*") != 0) return false;
  std::string_view head = p.substr(0, p.size() - 2);
  bool wild = false;
  size_t start = 0;
  while (true) {
    size_t dot = head.find('.', start);
    std::string_view comp = head.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (comp.empty()) return false;
    for (char c : comp) {
      bool w = c == '*' || c == '?';
      if (w && start == 0) return false;
      if (!w && !IsIdentChar(c)) return false;
      wild |= w;
    }
    if (dot == std::string_view::npos) return wild;
    start = dot + 1;
  }
}

bool ValidIdentifier(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), IsIdentChar);
}

}  // namespace

namespace {

size_t Literal(std::string_view p) {
  return static_cast<size_t>(
      std::count_if(p.begin(), p.end(), [](char c) { return c != '*' && c != '?'; }));
}

int StanceStrictness(Stance s) {
  switch (s) {
    case Stance::kDangerous: return 2;
    case Stance::kReview: return 1;
    case Stance::kBenign: return 0;
  }
  return 2;
}

}  // namespace

bool BetterGlob(const FeatureRule& r, const FeatureRule* best) {
  return best == nullptr || Literal(r.pattern) > Literal(best->pattern) ||
         (Literal(r.pattern) == Literal(best->pattern) &&
          StanceStrictness(r.stance) > StanceStrictness(best->stance));
}

bool GlobCovers(std::string_view pattern, std::string_view name) {
  std::string_view head = pattern.substr(0, pattern.size() - 2);  // without the final ".*"
  while (true) {
    size_t pd = head.find('.');
    size_t nd = name.find('.');
    if (!Glob(head.substr(0, pd), name.substr(0, nd))) return false;
    if (pd == std::string_view::npos) return true;
    if (nd == std::string_view::npos) return false;
    head.remove_prefix(pd + 1);
    name.remove_prefix(nd + 1);
  }
}

bool BetterNameGlob(const Rule& r, const Rule* best) {
  return best == nullptr || StanceStrictness(r.stance) > StanceStrictness(best->stance) ||
         (r.stance == best->stance &&
          (Literal(r.pattern) > Literal(best->pattern) ||
           (Literal(r.pattern) == Literal(best->pattern) && r.pattern < best->pattern)));
}

// The packed tables take views; the maps of a knowledge base loaded from TOML need a key.
const Rule* KnowledgeBase::Impl::FindExact(std::string_view key) const {
  if (packed) return packed->FindExact(key);
  auto it = exact.find(std::string(key));
  return it == exact.end() ? nullptr : &rules[it->second];
}
const Rule* KnowledgeBase::Impl::FindPrefix(std::string_view key) const {
  if (packed) return packed->FindPrefix(key);
  auto it = prefix.find(std::string(key));
  return it == prefix.end() ? nullptr : &rules[it->second];
}
const Rule* KnowledgeBase::Impl::FindAttribute(std::string_view key) const {
  if (packed) return packed->FindAttribute(key);
  auto it = attribute.find(std::string(key));
  return it == attribute.end() ? nullptr : &rules[it->second];
}
const Rule* KnowledgeBase::Impl::MatchGlob(std::string_view name) const {
  if (packed) return packed->MatchGlob(name);
  const Rule* best = nullptr;
  for (const auto& [pattern, i] : globs) {
    if (GlobCovers(pattern, name) && BetterNameGlob(rules[i], best)) best = &rules[i];
  }
  return best;
}
std::optional<std::string_view> KnowledgeBase::Impl::FindAlias(std::string_view from) const {
  if (packed) return packed->FindAlias(from);
  auto it = aliases.find(std::string(from));
  if (it == aliases.end()) return std::nullopt;
  return std::string_view(it->second);
}

std::string KnowledgeBase::Impl::Canonical(std::string_view dotted) const {
  if (packed ? !packed->has_aliases() : aliases.empty()) return std::string(dotted);
  size_t max_components = packed ? packed->alias_max_components() : alias_max_components;
  if (max_components == 0) return std::string(dotted);
  // Longest aliased module prefix at a component boundary, of at most max_components
  // components: the prefixes end at the first max_components dots (or at the end of the name
  // when it has fewer), tried from the longest down; no list is built.
  size_t cut = 0;
  size_t dots = 0;
  for (; cut < dotted.size(); ++cut) {
    if (dotted[cut] == '.' && ++dots == max_components) break;
  }
  for (;;) {
    if (auto a = FindAlias(dotted.substr(0, cut))) {
      std::string out(*a);
      out += dotted.substr(cut);
      return out;
    }
    if (cut == 0) break;
    cut = dotted.rfind('.', cut - 1);
    if (cut == std::string_view::npos) break;
  }
  return std::string(dotted);
}

const Rule* KnowledgeBase::Impl::MatchCanonical(const std::string& c) const {
  const Rule* best = nullptr;
  bool best_exact = false;
  if (const Rule* e = FindExact(c); e != nullptr) {
    best = e;
    best_exact = true;
  } else if (const Rule* d = MatchDeferred(c); d != nullptr) {
    return d;  // generated names are exact: they beat wildcards, and launder nothing
  } else {
    std::string_view v(c);
    while (!v.empty()) {
      if (const Rule* p = FindPrefix(v); p != nullptr) {
        best = p;
        break;
      }
      size_t dot = v.rfind('.');
      if (dot == std::string_view::npos) break;
      v = v.substr(0, dot);
    }
  }
  if (best != nullptr && (best_exact || best->stance == Stance::kDangerous)) return best;
  // A name glob (`transformers.models.*.convert_*.*`) is dangerous or review: it beats a
  // benign wildcard, and a dangerous one beats a review wildcard. A review glob still goes
  // through the laundering checks below, which may find worse.
  if (const Rule* g = MatchGlob(c);
      g != nullptr &&
      (best == nullptr || StanceStrictness(g->stance) > StanceStrictness(best->stance))) {
    if (g->stance == Stance::kDangerous) return g;
    best = g;
  }
  // Laundering checks (OB-08): a dangerous attribute anywhere after the module, or a tail that
  // names a dangerous callable exactly (`pathlib.os.system`, `numpy.core._internal.sys.modules`).
  size_t first_dot = c.find('.');
  if (first_dot == std::string::npos) return best;
  if (packed || !attribute.empty()) {
    size_t start = first_dot + 1;
    while (start <= c.size()) {
      size_t dot = c.find('.', start);
      size_t end = dot == std::string::npos ? c.size() : dot;
      if (const Rule* a = FindAttribute(std::string_view(c).substr(start, end - start));
          a != nullptr)
        return a;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
  }
  // Each tail, and each of its prefixes of two or more components, against exact dangerous
  // names: `numpy.core._internal.sys.modules.__setitem__` reaches `sys.modules`.
  for (size_t dot = first_dot; dot != std::string::npos; dot = c.find('.', dot + 1)) {
    std::string tail = Canonical(std::string_view(c).substr(dot + 1));
    size_t second = tail.find('.');
    if (second == std::string::npos) break;
    for (size_t end = tail.find('.', second + 1);; end = tail.find('.', end + 1)) {
      std::string head = end == std::string::npos ? tail : tail.substr(0, end);
      if (const Rule* e = FindExact(head); e != nullptr && e->stance == Stance::kDangerous) {
        return e;
      }
      if (const Rule* d = MatchDeferred(head); d != nullptr && d->stance == Stance::kDangerous) {
        return d;  // a swept name (dangerous_lib_<module>.toml)
      }
      if (end == std::string::npos) break;
    }
  }
  // A benign wildcard clears its library's own names, not what a module of the library
  // imported: `pandas.core.generic.pickle.loads` is pickle.loads (unpicklers resolve dotted
  // names attribute by attribute). A tail beyond the wildcard's prefix that a dangerous or
  // review wildcard covers (`pickle.*`, `subprocess.*`) is not cleared: unknown, so review.
  if (best != nullptr && best->stance == Stance::kBenign) {
    size_t skip = best->pattern.size() - 2;  // "mod.*" -> the prefix "mod"
    for (size_t dot = c.find('.', skip); dot != std::string::npos; dot = c.find('.', dot + 1)) {
      std::string_view v;
      std::string tail = Canonical(std::string_view(c).substr(dot + 1));
      v = tail;
      while (!v.empty()) {
        if (const Rule* p = FindPrefix(v); p != nullptr && p->stance != Stance::kBenign) {
          return nullptr;
        }
        size_t d = v.rfind('.');
        if (d == std::string_view::npos) break;
        v = v.substr(0, d);
      }
    }
  }
  return best;
}

namespace {

// Parses rule files into an Impl. Embedded files come first; a rule in an extra (user) file
// may redefine a pattern an embedded file defines (it replaces it); any other duplicate is an
// error naming both places.
class Loader {
 public:
  explicit Loader(KnowledgeBase::Impl& impl) : impl_(impl) {}

  Status Add(const std::string& file, std::string_view text, bool user) {
    toml::table doc;
    try {
      doc = toml::parse(text, file);
    } catch (const toml::parse_error& e) {
      return Fail(file + ":" + std::to_string(e.source().begin.line), std::string(e.description()));
    }
    docs_.push_back({file, std::move(doc), user});
    return OkStatus();
  }

  Status Build() {
    // Aliases first: rule patterns must be written with canonical module names.
    for (auto& d : docs_) MV_RETURN_IF_ERROR(CheckTopLevel(d));
    for (auto& d : docs_) MV_RETURN_IF_ERROR(LoadAliases(d));
    for (auto& d : docs_) MV_RETURN_IF_ERROR(LoadCategories(d));
    for (auto& d : docs_) MV_RETURN_IF_ERROR(LoadRules(d));
    for (auto& d : docs_) MV_RETURN_IF_ERROR(LoadSemantics(d));
    ExpandSemanticAliases();
    return OkStatus();
  }

 private:
  struct Doc {
    std::string file;
    toml::table table;
    bool user;
  };

  Status CheckTopLevel(const Doc& d) {
    static constexpr std::array kTop = {"dangerous", "benign", "review", "attribute", "feature",
                                        "semantic",  "alias",  "trust",  "category"};
    for (auto&& [k, v] : d.table) {
      if (!In(kTop, k.str())) {
        return Fail(Where(d.file, k.source()), "unknown top-level key '" + std::string(k.str()) +
                                                   "' (dangerous, benign, review, attribute, "
                                                   "feature, semantic, alias, trust, category)");
      }
      if (k.str() == "alias") {
        if (!v.is_table()) return Fail(Where(d.file, k.source()), "'alias' must be a table");
      } else if (!v.is_array_of_tables()) {
        return Fail(Where(d.file, k.source()), "'" + std::string(k.str()) +
                                                   "' must be an array of tables ([[" +
                                                   std::string(k.str()) + "]])");
      }
    }
    return OkStatus();
  }

  // Checks that `t` has only `allowed` keys and every `required` key.
  template <size_t A, size_t R>
  Status CheckKeys(const std::string& file, const toml::table& t, const char* section,
                   const std::array<const char*, A>& allowed,
                   const std::array<const char*, R>& required) {
    for (auto&& [k, v] : t) {
      if (!In(allowed, k.str())) {
        std::string list;
        for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        return Fail(Where(file, k.source()), "unknown key '" + std::string(k.str()) + "' in [[" +
                                                 section + "]] (allowed: " + list + ")");
      }
    }
    for (const char* r : required) {
      if (!t.contains(r)) {
        return Fail(Where(file, t.source()),
                    std::string("[[") + section + "]] needs key '" + r + "'");
      }
    }
    return OkStatus();
  }

  static Result<std::string> Str(const std::string& file, const toml::table& t, const char* key,
                                 std::string def = "") {
    const toml::node* n = t.get(key);
    if (n == nullptr) return def;
    if (!n->is_string())
      return Fail(Where(file, n->source()), std::string("'") + key + "' must be a string");
    return std::string(*n->value<std::string_view>());
  }
  static Result<bool> Bool(const std::string& file, const toml::table& t, const char* key) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return false;
    if (!n->is_boolean())
      return Fail(Where(file, n->source()), std::string("'") + key + "' must be true or false");
    return *n->value<bool>();
  }
  static Result<int> Int(const std::string& file, const toml::table& t, const char* key) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return 0;
    if (!n->is_integer())
      return Fail(Where(file, n->source()), std::string("'") + key + "' must be an integer");
    int64_t v = *n->value<int64_t>();
    if (v < 0 || v > 16)
      return Fail(Where(file, n->source()), std::string("'") + key + "' must be 0..16");
    return static_cast<int>(v);
  }
  // `pattern = "x"` or `patterns = ["x", …]` (exactly one of them); each with its own line.
  static Result<std::vector<std::pair<std::string, std::string>>> Patterns(const std::string& file,
                                                                           const toml::table& t,
                                                                           const char* one,
                                                                           const char* many) {
    std::vector<std::pair<std::string, std::string>> out;
    const toml::node* a = t.get(one);
    const toml::node* b = t.get(many);
    if ((a == nullptr) == (b == nullptr)) {
      return Fail(Where(file, t.source()),
                  std::string("give exactly one of '") + one + "' or '" + many + "'");
    }
    if (a != nullptr) {
      if (!a->is_string())
        return Fail(Where(file, a->source()), std::string("'") + one + "' must be a string");
      out.emplace_back(std::string(*a->value<std::string_view>()), Where(file, a->source()));
      return out;
    }
    const toml::array* arr = b->as_array();
    if (arr == nullptr || arr->empty()) {
      return Fail(Where(file, b->source()),
                  std::string("'") + many + "' must be a non-empty array of strings");
    }
    for (const toml::node& n : *arr) {
      if (!n.is_string())
        return Fail(Where(file, n.source()), std::string("'") + many + "' must hold strings");
      out.emplace_back(std::string(*n.value<std::string_view>()), Where(file, n.source()));
    }
    return out;
  }

  Status Category(const std::string& file, const toml::table& t, std::string& out, bool required) {
    MV_ASSIGN_OR_RETURN(out, Str(file, t, "category"));
    if (out.empty()) {
      if (required) return Fail(Where(file, t.source()), "needs a 'category'");
      return OkStatus();
    }
    if (!In(kCategories, out)) {
      std::string where = Where(file, t.get("category")->source());
      return Fail(where, "unknown category '" + out + "'");
    }
    return OkStatus();
  }

  // `phrase`, `role`, `arg`, `keyword`, `effect` of a rule, [[category]] or [[….when]] table,
  // each defaulting to `def`. A role is the first argument unless `arg` says which; `keyword`
  // adds the name it can be passed by. `arg` or `keyword` without a role take the default's.
  static Result<Action> ParseAction(const std::string& file, const toml::table& t,
                                    const Action& def) {
    Action a = def;
    MV_ASSIGN_OR_RETURN(a.phrase, Str(file, t, "phrase", def.phrase));
    if (const toml::node* n = t.get("phrase"); n != nullptr && a.phrase.empty()) {
      return Fail(Where(file, n->source()), "'phrase' must not be empty");
    }
    bool has_role = t.contains("role"), has_arg = t.contains("arg"), has_kw = t.contains("keyword");
    if (has_role) {
      std::string role;
      MV_ASSIGN_OR_RETURN(role, Str(file, t, "role"));
      bool found = false;
      for (const auto& r : kRoles) {
        if (role == r.name) {
          a.arg.role = r.role;
          found = true;
        }
      }
      if (!found) {
        return Fail(Where(file, t.get("role")->source()),
                    "unknown role '" + role +
                        "' (none, command, program, code, url, address, path, module, keys, text)");
      }
      a.arg.position = 0;
      a.arg.keyword.clear();
    }
    if (has_arg) {
      const toml::node* n = t.get("arg");
      std::optional<int64_t> v = n->value<int64_t>();
      if (!n->is_integer() || *v < -1 || *v > 16) {
        return Fail(Where(file, n->source()), "'arg' must be a position 0..16 (-1: keyword only)");
      }
      a.arg.position = static_cast<int>(*v);
    }
    if (has_kw) {
      MV_ASSIGN_OR_RETURN(a.arg.keyword, Str(file, t, "keyword"));
      if (!ValidIdentifier(a.arg.keyword)) {
        return Fail(Where(file, t.get("keyword")->source()), "'keyword' must be an identifier");
      }
    }
    if (a.arg.role == Role::kNone) {
      if (has_role && (has_arg || has_kw)) {
        return Fail(Where(file, t.source()), "role \"none\" takes no 'arg' or 'keyword'");
      }
      a.arg.position = -1;
      a.arg.keyword.clear();
    } else if ((has_arg || has_kw) && !has_role && def.arg.role == Role::kNone) {
      return Fail(Where(file, t.source()), "'arg'/'keyword' need a 'role'");
    }
    if (t.contains("effect")) {
      std::string effect;
      MV_ASSIGN_OR_RETURN(effect, Str(file, t, "effect"));
      bool found = false;
      for (const auto& e : kEffects) {
        if (effect == e.name) {
          a.effect = e.effect;
          found = true;
        }
      }
      if (!found) {
        return Fail(Where(file, t.get("effect")->source()),
                    "unknown effect '" + effect + "' (execute, network, write, read, other)");
      }
    }
    return a;
  }

  // [[dangerous.when]] tables of one rule: the action for calls whose argument `if_arg` equals
  // `equals` (an integer or a string).
  static Result<std::vector<ActionCase>> ParseCases(const std::string& file, const toml::table& t,
                                                    const Action& base) {
    static constexpr std::array kKeys = {"if_arg", "equals",  "phrase", "role",
                                         "arg",    "keyword", "effect"};
    static constexpr std::array kReq = {"if_arg", "equals"};
    std::vector<ActionCase> out;
    const toml::node* w = t.get("when");
    if (w == nullptr) return out;
    const toml::array* arr = w->as_array();
    if (arr == nullptr || !arr->is_array_of_tables()) {
      return Fail(Where(file, w->source()), "'when' must be an array of tables ([[….when]])");
    }
    for (const toml::node& n : *arr) {
      const toml::table& c = *n.as_table();
      for (auto&& [k, v] : c) {
        if (!In(kKeys, k.str())) {
          return Fail(Where(file, k.source()),
                      "unknown key '" + std::string(k.str()) +
                          "' in [[….when]] (allowed: if_arg, equals, phrase, role, arg, keyword, "
                          "effect)");
        }
      }
      for (const char* r : kReq) {
        if (!c.contains(r)) {
          return Fail(Where(file, c.source()), std::string("[[….when]] needs key '") + r + "'");
        }
      }
      ActionCase ac;
      MV_ASSIGN_OR_RETURN(ac.if_arg, Int(file, c, "if_arg"));
      const toml::node* eq = c.get("equals");
      if (eq->is_integer()) {
        ac.is_int = true;
        ac.int_value = *eq->value<int64_t>();
      } else if (eq->is_string()) {
        ac.text_value = std::string(*eq->value<std::string_view>());
      } else {
        return Fail(Where(file, eq->source()), "'equals' must be an integer or a string");
      }
      MV_ASSIGN_OR_RETURN(ac.action, ParseAction(file, c, base));
      out.push_back(std::move(ac));
    }
    return out;
  }

  Status LoadCategories(const Doc& d) {
    static constexpr std::array kKeys = {"name", "phrase", "role", "arg", "keyword", "effect"};
    static constexpr std::array kReq = {"name", "phrase", "effect"};
    const toml::array* arr = d.table["category"].as_array();
    if (arr == nullptr) return OkStatus();
    for (const toml::node& n : *arr) {
      const toml::table& t = *n.as_table();
      MV_RETURN_IF_ERROR(CheckKeys(d.file, t, "category", kKeys, kReq));
      CategoryDefaults c;
      MV_ASSIGN_OR_RETURN(c.name, Str(d.file, t, "name"));
      if (!In(kCategories, c.name)) {
        return Fail(Where(d.file, t.source()), "unknown category '" + c.name + "'");
      }
      MV_ASSIGN_OR_RETURN(c.action, ParseAction(d.file, t, Action{}));
      if (impl_.categories.count(c.name) != 0) {
        return Fail(Where(d.file, t.source()), "duplicate [[category]] '" + c.name + "'");
      }
      impl_.categories.emplace(c.name, std::move(c));
    }
    return OkStatus();
  }

  Action CategoryAction(const std::string& category) const {
    auto it = impl_.categories.find(category);
    return it == impl_.categories.end() ? Action{} : it->second.action;
  }

  Status LoadAliases(const Doc& d) {
    const toml::table* t = d.table["alias"].as_table();
    if (t == nullptr) return OkStatus();
    for (auto&& [k, v] : *t) {
      std::string where = Where(d.file, k.source());
      std::string from(k.str());
      if (!v.is_string()) return Fail(where, "alias '" + from + "' must map to a string");
      std::string to(*v.value<std::string_view>());
      if (!ValidCallablePattern(from) || from.find('*') != std::string::npos ||
          !ValidCallablePattern(to) || to.find('*') != std::string::npos) {
        return Fail(where, "alias '" + from + "' = '" + to + "' must map a module to a module");
      }
      if (from == to) return Fail(where, "alias '" + from + "' maps to itself");
      auto [it, fresh] = alias_where_.emplace(from, where);
      if (!fresh)
        return Fail(where, "duplicate alias '" + from + "' (first at " + it->second + ")");
      impl_.aliases[from] = to;
      impl_.alias_max_components =
          std::max(impl_.alias_max_components,
                   static_cast<size_t>(std::count(from.begin(), from.end(), '.')) + 1);
    }
    return OkStatus();
  }

  // `[[trust]] module = "mv_models"` (or --trust-module): the user vouches for the classes of
  // their own module; a benign `module.*` rule of category trusted-module. The laundering
  // checks of Match still apply (`mv_models.os.system` is not cleared), and a module the
  // rules call dangerous or review (`os`, `dill`) cannot be trusted.
  Status AddTrust(const std::string& module, const std::string& why, const std::string& file,
                  const std::string& where, bool user) {
    std::string pattern = module + ".*";
    if (module.find('*') != std::string::npos || !ValidCallablePattern(pattern)) {
      return Fail(where, "bad module name '" + module + "' to trust");
    }
    MV_RETURN_IF_ERROR(CheckCanonical(pattern, where));
    for (std::string_view v = module;;) {
      if (auto it = impl_.exact.find(std::string(v));
          it != impl_.exact.end() && impl_.rules[it->second].stance != Stance::kBenign) {
        return Fail(where, "cannot trust '" + module + "': " + impl_.rules[it->second].id +
                               " calls it " +
                               (impl_.rules[it->second].stance == Stance::kReview ? "review-worthy"
                                                                                  : "dangerous"));
      }
      if (auto it = impl_.prefix.find(std::string(v));
          it != impl_.prefix.end() && impl_.rules[it->second].stance != Stance::kBenign) {
        return Fail(where,
                    "cannot trust '" + module + "': " + impl_.rules[it->second].id + " covers it");
      }
      size_t dot = v.rfind('.');
      if (dot == std::string_view::npos) break;
      v = v.substr(0, dot);
    }
    for (const auto& [glob, i] : impl_.globs) {
      if (GlobCovers(glob, module)) {
        return Fail(where, "cannot trust '" + module + "': " + impl_.rules[i].id + " covers it");
      }
    }
    Rule r;
    r.stance = Stance::kBenign;
    r.category = "trusted-module";
    r.severity = Severity::kInfo;
    r.pattern = pattern;
    r.why = why.empty() ? "your module `" + module + "`, trusted in " + FileName(file) : why;
    r.summary = "classes of your module `" + module + "` are trusted (" + FileName(file) + ")";
    r.id = FileName(file) + ":" + pattern;
    r.source = where;
    return AddRule(std::move(r), user);
  }

  Status AddRule(Rule r, bool user) {
    const std::string& p = r.pattern;
    std::unordered_map<std::string, size_t>* index = nullptr;
    std::string key;
    if (p.rfind("*.", 0) == 0) {
      index = &impl_.attribute;
      key = p.substr(2);
    } else if (ValidGlobPattern(p)) {
      index = &impl_.globs;
      key = p;
    } else if (p.size() > 2 && p.compare(p.size() - 2, 2, ".*") == 0) {
      index = &impl_.prefix;
      key = p.substr(0, p.size() - 2);
    } else {
      index = &impl_.exact;
      key = p;
    }
    if (auto it = index->find(key); it != index->end()) {
      Rule& old = impl_.rules[it->second];
      if (user && !from_user_[it->second]) {
        old = std::move(r);  // a user file refines an embedded rule
        from_user_[it->second] = true;
        return OkStatus();
      }
      return Fail(r.source, "duplicate pattern '" + p + "' (first at " + old.source + ")");
    }
    (*index)[key] = impl_.rules.size();
    impl_.rules.push_back(std::move(r));
    from_user_.push_back(user);
    return OkStatus();
  }

  Status CheckCanonical(const std::string& pattern, const std::string& where) {
    std::string canon = impl_.Canonical(pattern);
    if (canon != pattern) {
      return Fail(where, "pattern '" + pattern + "' uses an aliased module; write '" + canon + "'");
    }
    return OkStatus();
  }

  Status LoadRules(const Doc& d) {
    static constexpr std::array kCallableKeys = {"pattern", "patterns", "category", "severity",
                                                 "why",     "phrase",   "role",     "arg",
                                                 "keyword", "effect",   "when",     "import_acts"};
    static constexpr std::array kBenignKeys = {"pattern", "patterns", "category", "why", "summary"};
    static constexpr std::array kAttributeKeys = {"names", "category", "severity",
                                                  "why",   "phrase",   "effect"};
    static constexpr std::array kFeatureKeys = {"kind",     "pattern",  "patterns", "stance",
                                                "category", "severity", "why",      "summary"};
    static constexpr std::array kWhy = {"why"};
    static constexpr std::array kAttrReq = {"names", "why", "category"};
    static constexpr std::array kFeatReq = {"kind", "stance", "why"};

    for (const char* section : {"dangerous", "review", "benign"}) {
      const toml::array* arr = d.table[section].as_array();
      if (arr == nullptr) continue;
      Stance stance = std::string_view(section) == "dangerous" ? Stance::kDangerous
                      : std::string_view(section) == "review"  ? Stance::kReview
                                                               : Stance::kBenign;
      for (const toml::node& n : *arr) {
        const toml::table& t = *n.as_table();
        if (stance == Stance::kBenign) {
          MV_RETURN_IF_ERROR(CheckKeys(d.file, t, section, kBenignKeys, kWhy));
        } else {
          if (const toml::node* s = t.get("summary")) {
            return Fail(Where(d.file, s->source()),
                        std::string("[[") + section +
                            "]] says what a call does with 'phrase' and 'role' (and 'arg', "
                            "'keyword'), not 'summary' (docs/rules.md)");
          }
          MV_RETURN_IF_ERROR(CheckKeys(d.file, t, section, kCallableKeys, kWhy));
        }
        Rule base;
        base.stance = stance;
        MV_RETURN_IF_ERROR(Category(d.file, t, base.category, stance != Stance::kBenign));
        bool narrow = base.category == "rebuild-only" || base.category == "constant";
        if ((narrow || base.category == "unswept-library") && stance != Stance::kBenign) {
          return Fail(Where(d.file, t.source()),
                      "category '" + base.category + "' is for [[benign]] rules only");
        }
        MV_ASSIGN_OR_RETURN(base.why, Str(d.file, t, "why"));
        if (stance == Stance::kBenign) {
          MV_ASSIGN_OR_RETURN(base.summary, Str(d.file, t, "summary"));
        } else {
          MV_ASSIGN_OR_RETURN(base.action, ParseAction(d.file, t, CategoryAction(base.category)));
          MV_ASSIGN_OR_RETURN(base.cases, ParseCases(d.file, t, base.action));
        }
        std::string sev;
        MV_ASSIGN_OR_RETURN(sev, Str(d.file, t, "severity",
                                     stance == Stance::kDangerous ? "critical"
                                     : stance == Stance::kReview  ? "medium"
                                                                  : "info"));
        MV_ASSIGN_OR_RETURN(base.severity, ParseSeverity(sev, Where(d.file, t.source())));
        MV_ASSIGN_OR_RETURN(base.import_acts, Bool(d.file, t, "import_acts"));
        std::vector<std::pair<std::string, std::string>> pats;
        MV_ASSIGN_OR_RETURN(pats, Patterns(d.file, t, "pattern", "patterns"));
        for (auto& [p, where] : pats) {
          bool glob = ValidGlobPattern(p);
          if (!glob && !ValidCallablePattern(p)) {
            return Fail(where, "bad pattern '" + p +
                                   "' (want module.name, module.* or a glob such as "
                                   "module.*.convert_*.*)");
          }
          if (glob && stance == Stance::kBenign) {
            return Fail(where, "a [[benign]] rule names modules, not globs ('" + p +
                                   "' could clear names nobody checked)");
          }
          if (narrow && p.back() == '*') {
            return Fail(where, "a '" + base.category +
                                   "' rule names classes or values exactly, "
                                   "not '" +
                                   p + "'");
          }
          MV_RETURN_IF_ERROR(CheckCanonical(p, where));
          Rule r = base;
          r.pattern = p;
          r.id = FileName(d.file) + ":" + p;
          r.source = where;
          MV_RETURN_IF_ERROR(AddRule(std::move(r), d.user));
        }
      }
    }

    if (const toml::array* arr = d.table["trust"].as_array()) {
      static constexpr std::array kTrustKeys = {"module", "why"};
      static constexpr std::array kTrustReq = {"module"};
      for (const toml::node& n : *arr) {
        const toml::table& t = *n.as_table();
        MV_RETURN_IF_ERROR(CheckKeys(d.file, t, "trust", kTrustKeys, kTrustReq));
        std::string module, why;
        MV_ASSIGN_OR_RETURN(module, Str(d.file, t, "module"));
        MV_ASSIGN_OR_RETURN(why, Str(d.file, t, "why"));
        MV_RETURN_IF_ERROR(AddTrust(module, why, d.file, Where(d.file, t.source()), d.user));
      }
    }

    if (const toml::array* arr = d.table["attribute"].as_array()) {
      for (const toml::node& n : *arr) {
        const toml::table& t = *n.as_table();
        MV_RETURN_IF_ERROR(CheckKeys(d.file, t, "attribute", kAttributeKeys, kAttrReq));
        Rule base;
        base.stance = Stance::kDangerous;
        MV_RETURN_IF_ERROR(Category(d.file, t, base.category, true));
        MV_ASSIGN_OR_RETURN(base.why, Str(d.file, t, "why"));
        MV_ASSIGN_OR_RETURN(base.action, ParseAction(d.file, t, CategoryAction(base.category)));
        base.action.arg = ArgRef{};  // an attribute is reached, not called with arguments
        std::string sev;
        MV_ASSIGN_OR_RETURN(sev, Str(d.file, t, "severity", "high"));
        MV_ASSIGN_OR_RETURN(base.severity, ParseSeverity(sev, Where(d.file, t.source())));
        std::vector<std::pair<std::string, std::string>> names;
        MV_ASSIGN_OR_RETURN(names, Patterns(d.file, t, "name", "names"));
        for (auto& [name, where] : names) {
          if (!ValidIdentifier(name)) return Fail(where, "bad attribute name '" + name + "'");
          Rule r = base;
          r.pattern = "*." + name;
          r.id = FileName(d.file) + ":" + r.pattern;
          r.source = where;
          MV_RETURN_IF_ERROR(AddRule(std::move(r), d.user));
        }
      }
    }

    if (const toml::array* arr = d.table["feature"].as_array()) {
      for (const toml::node& n : *arr) {
        const toml::table& t = *n.as_table();
        MV_RETURN_IF_ERROR(CheckKeys(d.file, t, "feature", kFeatureKeys, kFeatReq));
        FeatureRule base;
        MV_ASSIGN_OR_RETURN(base.kind, Str(d.file, t, "kind"));
        if (base.kind.empty()) return Fail(Where(d.file, t.source()), "'kind' must not be empty");
        std::string stance;
        MV_ASSIGN_OR_RETURN(stance, Str(d.file, t, "stance"));
        MV_ASSIGN_OR_RETURN(base.stance, ParseStance(stance, Where(d.file, t.source())));
        MV_RETURN_IF_ERROR(Category(d.file, t, base.category, base.stance != Stance::kBenign));
        MV_ASSIGN_OR_RETURN(base.why, Str(d.file, t, "why"));
        MV_ASSIGN_OR_RETURN(base.summary, Str(d.file, t, "summary"));
        std::string sev;
        MV_ASSIGN_OR_RETURN(sev, Str(d.file, t, "severity",
                                     base.stance == Stance::kDangerous ? "high"
                                     : base.stance == Stance::kReview  ? "medium"
                                                                       : "info"));
        MV_ASSIGN_OR_RETURN(base.severity, ParseSeverity(sev, Where(d.file, t.source())));
        std::vector<std::pair<std::string, std::string>> pats;
        MV_ASSIGN_OR_RETURN(pats, Patterns(d.file, t, "pattern", "patterns"));
        for (auto& [p, where] : pats) {
          if (p.empty()) return Fail(where, "empty feature pattern");
          FeatureRule r = base;
          r.pattern = p;
          r.source = where;
          auto& idx = impl_.features_by_kind[r.kind];
          bool glob = p.find_first_of("*?") != std::string::npos;
          std::string key = r.kind + "\n" + p;
          auto [it, fresh] = feature_where_.emplace(key, impl_.features.size());
          if (!fresh) {
            FeatureRule& old = impl_.features[it->second];
            if (d.user && !feature_user_[it->second]) {
              old = std::move(r);
              feature_user_[it->second] = true;
              continue;
            }
            return Fail(where, "duplicate feature pattern '" + p + "' for kind '" + base.kind +
                                   "' (first at " + old.source + ")");
          }
          if (glob) {
            idx.globs.push_back(impl_.features.size());
          } else {
            idx.exact[p] = impl_.features.size();
          }
          impl_.features.push_back(std::move(r));
          feature_user_.push_back(d.user);
        }
      }
    }
    return OkStatus();
  }

  Status LoadSemantics(const Doc& d) {
    static constexpr std::array kKeys = {"names", "kind", "func_arg", "data_arg", "codec"};
    static constexpr std::array kReq = {"names", "kind"};
    const toml::array* arr = d.table["semantic"].as_array();
    if (arr == nullptr) return OkStatus();
    for (const toml::node& n : *arr) {
      const toml::table& t = *n.as_table();
      MV_RETURN_IF_ERROR(CheckKeys(d.file, t, "semantic", kKeys, kReq));
      std::string kind;
      MV_ASSIGN_OR_RETURN(kind, Str(d.file, t, "kind"));
      pickle::SemanticEntry e;
      bool found = false;
      for (const auto& k : kSemanticKinds) {
        if (kind == k.name) {
          e.semantic = k.semantic;
          found = true;
        }
      }
      if (!found) {
        return Fail(Where(d.file, t.get("kind")->source()), "unknown semantic kind '" + kind + "'");
      }
      MV_ASSIGN_OR_RETURN(e.func_arg, Int(d.file, t, "func_arg"));
      MV_ASSIGN_OR_RETURN(e.data_arg, Int(d.file, t, "data_arg"));
      MV_ASSIGN_OR_RETURN(e.codec, Str(d.file, t, "codec"));
      if (e.semantic == pickle::Semantic::kDecode) {
        if (!In(kCodecs, e.codec)) {
          return Fail(Where(d.file, t.source()),
                      "decode needs a known 'codec', got '" + e.codec + "'");
        }
      } else if (!e.codec.empty()) {
        return Fail(Where(d.file, t.get("codec")->source()),
                    "'codec' is only for kind = \"decode\"");
      }
      std::vector<std::pair<std::string, std::string>> names;
      MV_ASSIGN_OR_RETURN(names, Patterns(d.file, t, "name", "names"));
      for (auto& [name, where] : names) {
        if (!ValidCallablePattern(name) || name.find('*') != std::string::npos) {
          return Fail(where, "bad semantic name '" + name + "' (want module.name)");
        }
        MV_RETURN_IF_ERROR(CheckCanonical(name, where));
        auto [it, fresh] = semantic_where_.emplace(name, where);
        if (!fresh)
          return Fail(where, "duplicate semantic '" + name + "' (first at " + it->second + ")");
        impl_.semantics.entries[name] = e;
      }
    }
    return OkStatus();
  }

  // The engine looks names up as the loader resolves them (`_pickle.loads`, `_io.BytesIO`),
  // before aliases: every aliased spelling of a semantic name gets the same entry.
  void ExpandSemanticAliases() {
    std::vector<std::pair<std::string, pickle::SemanticEntry>> extra;
    for (const auto& [from, to] : impl_.aliases) {
      for (const auto& [name, e] : impl_.semantics.entries) {
        if (name.size() > to.size() && name.compare(0, to.size(), to) == 0 &&
            name[to.size()] == '.') {
          extra.emplace_back(from + name.substr(to.size()), e);
        }
      }
    }
    for (auto& [n, e] : extra) impl_.semantics.entries.emplace(std::move(n), std::move(e));
  }

  static std::string FileName(const std::string& path) {
    return std::filesystem::path(path).filename().string();
  }

  KnowledgeBase::Impl& impl_;
  std::vector<Doc> docs_;
  std::vector<bool> from_user_;
  std::vector<bool> feature_user_;
  std::unordered_map<std::string, std::string> alias_where_;
  std::unordered_map<std::string, std::string> semantic_where_;
  std::unordered_map<std::string, size_t> feature_where_;
};

Result<std::string> ReadText(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return MakeError(Errc::kIo, p.string() + ": cannot open rule file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return MakeError(Errc::kIo, p.string() + ": cannot read rule file");
  return ss.str();
}

constexpr std::string_view kDeferredPrefix = "benign_lib_";
constexpr std::string_view kDangerousPrefix = "dangerous_lib_";
constexpr std::string_view kDeferredSuffix = ".toml";

// "benign_lib_networkx.toml" -> "networkx"; "" for other files.
std::string DeferredModule(std::string_view file, std::string_view prefix = kDeferredPrefix) {
  if (file.size() <= prefix.size() + kDeferredSuffix.size() ||
      file.substr(0, prefix.size()) != prefix ||
      file.substr(file.size() - kDeferredSuffix.size()) != kDeferredSuffix) {
    return "";
  }
  std::string_view m =
      file.substr(prefix.size(), file.size() - prefix.size() - kDeferredSuffix.size());
  return ValidIdentifier(m) ? std::string(m) : "";
}

// Registers a `benign_lib_<module>.toml` file for loading on first use; false for others.
bool Defer(KnowledgeBase::Impl& impl, std::string_view name, std::string_view text, bool copy) {
  std::string base = std::filesystem::path(name).filename().string();
  std::string module = DeferredModule(base);
  bool dangerous = false;
  if (module.empty()) {
    module = DeferredModule(base, kDangerousPrefix);
    dangerous = true;
  }
  if (module.empty()) return false;
  auto d = std::make_unique<DeferredFile>();
  d->file = std::string(name);
  d->dangerous = dangerous;
  if (copy) {
    d->owned = std::string(text);
    d->text = d->owned;
  } else {
    d->text = text;
  }
  impl.deferred.emplace(module, std::move(d));
  return true;
}

}  // namespace

const Rule* KnowledgeBase::Impl::MatchDeferred(const std::string& c) const {
  if (packed) return packed->FindDeferred(c);
  if (deferred.empty()) return nullptr;
  auto [first, last] = deferred.equal_range(c.substr(0, c.find('.')));
  const Rule* found = nullptr;
  for (auto it = first; it != last; ++it) {
    DeferredFile& d = *it->second;
    std::call_once(d.once, [&] { LoadDeferred(it->first, d); });
    auto e = d.exact.find(c);
    if (e == d.exact.end()) continue;
    if (found == nullptr || d.rules[e->second].stance == Stance::kDangerous) {
      found = &d.rules[e->second];  // dangerous wins (the generators never write both)
    }
  }
  return found;
}

// Parses a deferred file with the same strict loader, then checks what only a deferred file
// must satisfy: [[benign]]/[[review]] rules with exact names under its module, none already
// named exactly by the other files. A file that fails clears nothing (its status says why).
void KnowledgeBase::Impl::LoadDeferred(const std::string& module, DeferredFile& d) const {
  Impl tmp;
  tmp.aliases = aliases;
  tmp.alias_max_components = alias_max_components;
  tmp.categories = categories;
  Loader loader(tmp);
  Status st = loader.Add(d.file, d.text, false);
  if (st.ok()) st = loader.Build();
  if (st.ok() &&
      (!tmp.features.empty() || tmp.semantics.size() != 0 || tmp.aliases.size() != aliases.size() ||
       !tmp.prefix.empty() || !tmp.globs.empty() || !tmp.attribute.empty() ||
       tmp.categories.size() != categories.size())) {
    st = Fail(d.file, "a generated library file holds only exact [[benign]]/[[review]] names");
  }
  for (size_t i = 0; st.ok() && i < tmp.rules.size(); ++i) {
    const Rule& r = tmp.rules[i];
    if (d.dangerous && r.stance != Stance::kDangerous) {
      st = Fail(r.source, "a dangerous_lib_ file holds only exact [[dangerous]] names");
    } else if (!d.dangerous && r.stance == Stance::kDangerous) {
      st = Fail(r.source, "a generated library file holds no [[dangerous]] rule");
    } else if (r.pattern.compare(0, module.size() + 1, module + ".") != 0) {
      st = Fail(r.source, "'" + r.pattern + "' is not under module '" + module + "'");
    } else if (auto e = exact.find(r.pattern); e != exact.end()) {
      st = Fail(r.source,
                "duplicate pattern '" + r.pattern + "' (first at " + rules[e->second].source + ")");
    }
  }
  d.status = st;
  if (!st.ok()) return;
  d.rules = std::move(tmp.rules);
  d.exact = std::move(tmp.exact);
}

KnowledgeBase::KnowledgeBase(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KnowledgeBase::~KnowledgeBase() = default;

Result<std::shared_ptr<const KnowledgeBase>> LoadToml(
    const std::vector<std::pair<std::string_view, std::string_view>>& embedded,
    const std::vector<std::string>& extra, const std::vector<std::string>& trusted_modules) {
  namespace fs = std::filesystem;
  auto impl = std::make_unique<KnowledgeBase::Impl>();
  Loader loader(*impl);
  for (const auto& [name, text] : embedded) {
    if (Defer(*impl, name, text, false)) continue;
    MV_RETURN_IF_ERROR(loader.Add(std::string(name), text, false));
  }
  for (const auto& e : extra) {
    std::error_code ec;
    std::vector<fs::path> files;
    if (fs::is_directory(e, ec)) {
      for (const auto& entry : fs::directory_iterator(e, ec)) {
        if (entry.is_regular_file() && entry.path().extension() == ".toml") {
          files.push_back(entry.path());
        }
      }
      if (ec) return MakeError(Errc::kIo, e + ": " + ec.message());
      std::sort(files.begin(), files.end());
    } else {
      files.emplace_back(e);
    }
    for (const auto& f : files) {
      std::string text;
      MV_ASSIGN_OR_RETURN(text, ReadText(f));
      MV_RETURN_IF_ERROR(loader.Add(f.string(), text, true));
    }
  }
  for (const auto& m : trusted_modules) {
    // Written as a rule file so it is checked like one; the name is validated there (a name
    // that is not a dotted identifier could not be quoted into TOML: refused first).
    if (!ValidCallablePattern(m + ".*") || m.find('*') != std::string::npos) {
      return MakeError(Errc::kMalformed, "--trust-module: bad module name '" + m + "'");
    }
    MV_RETURN_IF_ERROR(loader.Add("--trust-module " + m,
                                  "[[trust]]\nmodule = \"" + m + "\"\nwhy = \"your module `" + m +
                                      "`, trusted with --trust-module\"\n",
                                  true));
  }
  MV_RETURN_IF_ERROR(loader.Build());
  return std::shared_ptr<const KnowledgeBase>(std::make_shared<KnowledgeBase>(std::move(impl)));
}

Result<std::shared_ptr<const KnowledgeBase>> KnowledgeBase::FromStrings(
    const std::vector<std::pair<std::string, std::string>>& files) {
  auto impl = std::make_unique<Impl>();
  Loader loader(*impl);
  for (const auto& [name, text] : files) {
    if (Defer(*impl, name, text, true)) continue;
    MV_RETURN_IF_ERROR(loader.Add(name, text, false));
  }
  MV_RETURN_IF_ERROR(loader.Build());
  return std::shared_ptr<const KnowledgeBase>(std::make_shared<KnowledgeBase>(std::move(impl)));
}

uint64_t NextMemoId() {
  static std::atomic<uint64_t> last{0};
  return ++last;
}

namespace {

// The answers Canonical and Match gave on this thread, by name: a scan asks about the same
// few names in file after file (torch's rebuild functions, OrderedDict), and an answer costs a
// hash lookup per name component and alias prefix. Kept for one knowledge base at a time and
// emptied when full, so hostile files with many names cost their misses and a bounded memo.
struct NameAnswer {
  std::string canonical;
  const Rule* rule = nullptr;
  bool matched = false;  // `rule` is Match's answer (else only `canonical` is known)
};
struct NameMemo {
  uint64_t owner = 0;  // Impl::memo_id
  std::unordered_map<std::string, NameAnswer, StringHash, std::equal_to<>> names;
};
constexpr size_t kMaxMemoNames = 4096;
thread_local NameMemo t_name_memo;

NameMemo& MemoOf(const KnowledgeBase::Impl& kb) {
  NameMemo& m = t_name_memo;
  if (m.owner != kb.memo_id) {
    m.names.clear();
    m.owner = kb.memo_id;
  }
  return m;
}

// The memo's answer for `dotted`, or null. Valid until the next Remember on this thread.
const NameAnswer* Recall(const KnowledgeBase::Impl& kb, std::string_view dotted) {
  NameMemo& m = MemoOf(kb);
  auto it = m.names.find(dotted);
  return it == m.names.end() ? nullptr : &it->second;
}

void Remember(const KnowledgeBase::Impl& kb, std::string_view dotted, NameAnswer a) {
  NameMemo& m = MemoOf(kb);
  if (m.names.size() >= kMaxMemoNames) m.names.clear();
  m.names.insert_or_assign(std::string(dotted), std::move(a));
}

}  // namespace

const Rule* KnowledgeBase::Match(std::string_view dotted) const {
  if (dotted.empty()) return nullptr;
  const NameAnswer* known = Recall(*impl_, dotted);
  if (known != nullptr && known->matched) return known->rule;
  std::string canonical = known != nullptr ? known->canonical : impl_->Canonical(dotted);
  const Rule* rule = impl_->MatchCanonical(canonical);
  Remember(*impl_, dotted, {std::move(canonical), rule, true});
  return rule;
}

bool KnowledgeBase::KnowsModule(std::string_view top) const {
  std::string t = impl_->Canonical(top);
  t.resize(std::min(t.size(), t.find('.')));
  if (impl_->packed) return impl_->packed->KnowsModule(t);
  std::call_once(impl_->modules_once, [this] {
    auto add = [this](const std::string& key) {
      impl_->modules.insert(key.substr(0, key.find('.')));
    };
    for (const auto& [key, i] : impl_->exact) add(key);
    for (const auto& [key, i] : impl_->prefix) add(key);
    for (const auto& [module, d] : impl_->deferred) add(module);
  });
  return impl_->modules.count(t) != 0;
}

const FeatureRule* KnowledgeBase::MatchFeature(std::string_view kind,
                                               std::string_view subject) const {
  if (impl_->packed) return impl_->packed->MatchFeature(kind, subject);
  auto k = impl_->features_by_kind.find(std::string(kind));
  if (k == impl_->features_by_kind.end()) return nullptr;
  const Impl::FeatureIndex& idx = k->second;
  if (auto e = idx.exact.find(std::string(subject)); e != idx.exact.end()) {
    return &impl_->features[e->second];
  }
  const FeatureRule* best = nullptr;
  for (size_t i : idx.globs) {
    const FeatureRule& r = impl_->features[i];
    if (Glob(r.pattern, subject) && BetterGlob(r, best)) best = &r;
  }
  return best;
}

std::string KnowledgeBase::Canonical(std::string_view dotted) const {
  if (const NameAnswer* known = Recall(*impl_, dotted)) return known->canonical;
  std::string canonical = impl_->Canonical(dotted);
  Remember(*impl_, dotted, {canonical, nullptr, false});
  return canonical;
}
uint64_t KnowledgeBase::id() const {
  return impl_->memo_id;
}
const pickle::Semantics& KnowledgeBase::semantics() const {
  if (impl_->packed) return impl_->packed->semantics();
  return impl_->semantics;
}
size_t KnowledgeBase::rule_count() const {
  if (impl_->packed) return impl_->packed->eager_rules() + impl_->packed->feature_count();
  return impl_->rules.size() + impl_->features.size();
}

Status KnowledgeBase::LoadAllDeferred() const {
  if (impl_->packed) return OkStatus();  // every file was loaded and checked when it was built
  for (const auto& [module, d] : impl_->deferred) {
    impl_->MatchDeferred(module + ".");
    if (!d->status.ok()) return d->status;
  }
  return OkStatus();
}

size_t KnowledgeBase::deferred_file_count() const {
  if (impl_->packed) return impl_->packed->deferred_files();
  return impl_->deferred.size();
}

std::vector<const Rule*> KnowledgeBase::AllRules() const {
  std::vector<const Rule*> out;
  if (impl_->packed) {
    // Eager rules, then those of the deferred files in file order, as written by Pack().
    for (uint32_t i = 0; i < impl_->packed->rule_total(); ++i) {
      out.push_back(impl_->packed->RuleAt(i));
    }
    return out;
  }
  out.reserve(impl_->rules.size());
  for (const Rule& r : impl_->rules) out.push_back(&r);
  std::vector<const DeferredFile*> files;
  for (const auto& [module, d] : impl_->deferred) files.push_back(d.get());
  std::sort(files.begin(), files.end(),
            [](const DeferredFile* a, const DeferredFile* b) { return a->file < b->file; });
  for (const DeferredFile* d : files) {
    for (const Rule& r : d->rules) out.push_back(&r);
  }
  return out;
}

const CategoryDefaults* KnowledgeBase::Category(std::string_view name) const {
  if (impl_->packed) return impl_->packed->Category(name);
  auto it = impl_->categories.find(std::string(name));
  return it == impl_->categories.end() ? nullptr : &it->second;
}

}  // namespace mv::kb
