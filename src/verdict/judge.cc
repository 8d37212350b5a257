#include "verdict/judge.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <unordered_set>

#include "core/limits.h"
#include "core/text.h"
#include "verdict/summary.h"

namespace mv::verdict {

std::string FormatLocation(const std::string& location, uint64_t offset) {
  return location + "@" + std::to_string(offset);
}

std::string NestedLocation(const std::string& parent, const std::string& via, uint64_t offset) {
  std::string name = via + "@" + std::to_string(offset);
  return parent.empty() ? name : parent + "!" + name;
}

namespace {

using pickle::Call;
using pickle::CallKind;
using pickle::Semantic;
using pickle::Value;
using pickle::ValueKind;
using pickle::ValuePtr;

// What a finding does to the verdict.
enum class Impact : uint8_t { kNote, kReview, kUnsafe };

struct Hit {
  Finding f;
  Impact impact = Impact::kNote;
  std::string summary;  // plain-language line this finding would give the file
  size_t order = 0;
  // For choosing the headline among findings of the same impact: what the action does, and
  // whether it happens on load (a name only referenced is weaker than any call).
  kb::Effect effect = kb::Effect::kOther;
  bool referenced_only = false;
  bool by_feature = false;  // a format feature rule, less specific than a callable's action
};

// Cached knowledge about one resolved name: a state dict makes the same few calls millions of
// times, so each distinct name costs its KB lookups once per Judge().
// How far a benign rule clears a name, from its category: most clear any use; a
// `rebuild-only` class only when the loader rebuilds an instance without running __init__
// (NEWOBJ, copyreg.__newobj__); a `constant` (enum member, module value) only when referenced;
// a function or method (snake_case: no capital letter in its last component) under an
// `unswept-library` wildcard only when referenced, since nobody read what it does; and under
// any benign wildcard, a method of a class (`NDFrame.to_csv`) only when referenced: a wildcard
// vouches for rebuilding the library's objects, not for calling their methods on them.
enum class Clears : uint8_t { kAny, kRebuild, kReference, kReferenceUnvetted, kReferenceMethod };

struct NameInfo {
  std::string canonical;
  const kb::Rule* rule = nullptr;
  const pickle::SemanticEntry* semantic = nullptr;
  bool reconstructor = false;  // copyreg._reconstructor: its `base` argument runs
  Clears clears = Clears::kAny;
};

bool HasCapital(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// A dotted name whose last component has no capital letter: by Python's conventions a
// function, a method or a module, not a class or a constant.
bool SnakeCase(std::string_view dotted) {
  return !HasCapital(dotted.substr(dotted.rfind('.') + 1));
}

// `pkg.mod.Class.method`: a snake_case (or dunder) last component after a component with a
// capital letter, i.e. a method reached through its class. Creating and restoring an object
// (`__new__`, `__setstate__`) are what rebuilding it does, not methods called on it.
bool MethodOfClass(std::string_view dotted) {
  size_t dot = dotted.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || !SnakeCase(dotted)) return false;
  std::string_view method = dotted.substr(dot + 1);
  if (method == "__new__" || method == "__setstate__") return false;
  std::string_view owner = dotted.substr(0, dot);
  return HasCapital(owner.substr(owner.rfind('.') + 1));
}

std::string Evidence(const std::string& name, const std::vector<ValuePtr>& args,
                     const ValuePtr& kwargs) {
  std::string e = name + "(";
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) e += ", ";
    e += pickle::Render(args[i], limits::kMaxRenderedChars);
    if (e.size() > limits::kMaxRenderedChars) break;
  }
  if (kwargs && kwargs->kind == ValueKind::kDict && !kwargs->items.empty()) {
    for (size_t i = 0; i + 1 < kwargs->items.size(); i += 2) {
      if (!args.empty() || i > 0) e += ", ";
      const ValuePtr& k = kwargs->items[i];
      e += (k && k->kind == ValueKind::kStr ? k->text : pickle::Render(k, 40)) + "=" +
           pickle::Render(kwargs->items[i + 1], 120);
      if (e.size() > limits::kMaxRenderedChars) break;
    }
  }
  e += ")";
  return e;
}

// Among findings of equal severity, which one speaks for the file: what runs beats what
// merely prepares (copyreg.add_extension before the EXT call it enables).
int CategoryRank(const std::string& c) {
  static const std::unordered_map<std::string, int> kRank = {
      {"process", 0},       {"code-execution", 0},     {"package-install", 1},
      {"browser", 1},       {"debugger", 1},           {"network", 2},
      {"native-code", 2},   {"remote-load", 2},        {"deserialization", 3},
      {"file-system", 3},   {"template-injection", 3}, {"path-traversal", 3},
      {"code-object", 4},   {"deferred-execution", 4}, {"import-machinery", 5},
      {"introspection", 5}, {"module-poisoning", 6},   {"interpreter-hooks", 6},
  };
  auto it = kRank.find(c);
  return it == kRank.end() ? 7 : it->second;
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Severity Cap(Severity s, Severity cap) {
  return static_cast<uint8_t>(s) > static_cast<uint8_t>(cap) ? cap : s;
}

bool IsFileKind(const std::string& kind) {
  return kind == "file-read" || kind == "file-write" || kind == "file-delete";
}

// The path a file-* observation names, as policy matches it: file:// URLs become paths (other
// URLs stay as they are: remote); backslashes become slashes; `.` and `..` parts are resolved
// lexically; a relative path stays relative to the model's folder ("weights.bin",
// "../x" when it climbs out) or, for loaders that resolve it against the working directory,
// gets a "$PWD/" prefix. "~" and drive letters are kept.
std::string FilePathKey(std::string p, bool cwd_relative) {
  if (p.rfind("file://", 0) == 0) {
    p = p.substr(7);
    if (!p.empty() && p[0] != '/') p = "//" + p;  // file://host/share: a network path
  } else {
    size_t colon = p.find("://");
    if (colon != std::string::npos && colon > 0 &&
        std::all_of(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '.' || c == '-';
        })) {
      return p;  // gs://, s3://, http(s)://, hdfs://: fetched from elsewhere
    }
  }
  std::replace(p.begin(), p.end(), '\\', '/');
  if (!p.empty() && p[0] == '~') return p;
  if (p.size() >= 2 && std::isalpha(static_cast<unsigned char>(p[0])) && p[1] == ':') return p;
  bool unc = p.rfind("//", 0) == 0;
  bool abs = !p.empty() && p[0] == '/';
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= p.size()) {
    size_t e = p.find('/', i);
    if (e == std::string::npos) e = p.size();
    std::string part = p.substr(i, e - i);
    i = e + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!abs) {
        parts.push_back("..");
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = unc ? "//" : abs ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) out += (k ? "/" : "") + parts[k];
  if (abs || unc) return out;
  if (cwd_relative) return out.empty() ? "$PWD" : "$PWD/" + out;
  return out.empty() ? "." : out;
}

bool IsResolver(Semantic s) {
  return s == Semantic::kGetattr || s == Semantic::kImportModule || s == Semantic::kResolveName ||
         s == Semantic::kImportFrom || s == Semantic::kAttrGetter || s == Semantic::kItemGetter;
}

// What the knowledge base says of each name judged on this thread: a scan judges the same few
// names in file after file (torch's rebuild functions, OrderedDict), and each costs its rule,
// alias and semantics lookups once per thread instead of once per file. Kept for one knowledge
// base at a time; emptied, when over kMaxJudgedNames, only while no Judge_ of the thread runs, so
// the references Info() hands out stay valid for the whole judgement.
struct JudgedNames {
  uint64_t kb = 0;  // KnowledgeBase::id()
  int running = 0;  // Judge_s of this thread using `names`
  std::unordered_map<std::string, NameInfo> names;
};
constexpr size_t kMaxJudgedNames = 4096;
thread_local JudgedNames t_judged;

// The rule a TorchScript archive's own classes match (names the file's code/ defines).
const kb::Rule& ArchiveRule() {
  static const kb::Rule rule = [] {
    kb::Rule r;
    r.id = "torchscript.archive-class";
    r.pattern = "__torch__.*";
    r.stance = kb::Stance::kBenign;
    r.why = "a class defined by the archive's own TorchScript code, which was analysed";
    return r;
  }();
  return rule;
}

class Judge_ {
 public:
  explicit Judge_(const kb::KnowledgeBase& kb) : kb_(kb) {
    JudgedNames& m = t_judged;
    if (m.running == 0 && (m.kb != kb.id() || m.names.size() > kMaxJudgedNames)) {
      m.names.clear();
      m.kb = kb.id();
    }
    if (m.kb == kb.id()) {  // else another knowledge base is being judged on this thread
      names_ = &m.names;
      ++m.running;
    }
  }
  ~Judge_() {
    if (names_ != &own_names_) --t_judged.running;
  }
  Judge_(const Judge_&) = delete;
  Judge_& operator=(const Judge_&) = delete;

  Judgement Run(const std::vector<PayloadFacts>& facts) {
    // TorchScript archives define their own classes in code/__torch__/ (analysed as code
    // files); the pickles of the same file name them as `__torch__.…` globals. Only that
    // prefix: a pickle's `os.system` is Python's whatever class code/os.py defines.
    for (const auto& f : facts) {
      for (const auto& o : f.observations) {
        if (o.kind == "torchscript.class" && o.subject.rfind("__torch__.", 0) == 0) {
          archive_classes_.insert(o.subject);
        }
      }
    }
    // The code a torch.fx GraphModule carries, read as a payload of its own (formats/fxcode):
    // its facts judge what the exec'd source does, and one it could not read needs review.
    for (const auto& f : facts) {
      if (f.format == "fx-graph-code") fx_code_.insert(f.location);
    }
    for (const auto& f : facts) Payload(f);
    return Finish();
  }

 private:
  const NameInfo& Info(const std::string& name) {
    // Consecutive calls mostly repeat one name (_rebuild_tensor_v2 …): compare before hashing.
    if (last_ != nullptr && last_->first == name) return last_->second;
    // The file's own TorchScript classes are this file's answer, never the thread's.
    const bool archive_class = !archive_classes_.empty() && archive_classes_.count(name) != 0;
    auto& names = archive_class ? own_names_ : *names_;
    auto it = names.find(name);
    if (it != names.end()) {
      last_ = &*it;
      return it->second;
    }
    NameInfo info;
    info.canonical = kb_.Canonical(name);
    info.rule = archive_class ? &ArchiveRule() : kb_.Match(name);
    info.reconstructor = info.canonical == "copyreg._reconstructor";
    if (info.rule != nullptr && info.rule->stance == kb::Stance::kBenign) {
      if (info.rule->category == "rebuild-only") info.clears = Clears::kRebuild;
      if (info.rule->category == "constant") info.clears = Clears::kReference;
      bool wildcard = !info.rule->pattern.empty() && info.rule->pattern.back() == '*';
      if (wildcard && info.rule->category == "unswept-library" && SnakeCase(info.canonical)) {
        info.clears = Clears::kReferenceUnvetted;
      } else if (wildcard && info.rule->category != "trusted-module" &&
                 MethodOfClass(info.canonical)) {  // the user vouched for their module's code
        info.clears = Clears::kReferenceMethod;
      }
    }
    const auto& sem = kb_.semantics();
    info.semantic = sem.Find(info.canonical);
    if (info.semantic == nullptr) info.semantic = sem.Find(name);
    last_ = &*names.emplace(name, std::move(info)).first;
    return last_->second;
  }

  // Adds a finding unless an identical one (same key) exists; caps repeats of one rule.
  void Add(Hit h, const std::string& key) {
    if (!seen_.insert(key).second) return;
    std::string per_rule = h.f.rule + "|" + h.f.callable;
    if (++per_rule_[per_rule] > limits::kMaxFindingsPerRule) {
      if (per_rule_[per_rule] == limits::kMaxFindingsPerRule + 1) {
        Hit more;
        more.f = {Severity::kInfo,
                  h.f.category,
                  h.f.rule,
                  h.f.callable,
                  "",
                  h.f.location,
                  "more findings of this rule were omitted (limits::kMaxFindingsPerRule)"};
        more.impact = Impact::kNote;
        more.order = hits_.size();
        hits_.push_back(std::move(more));
      }
      worst_ = std::max(worst_, h.impact);  // an omitted finding still counts
      return;
    }
    worst_ = std::max(worst_, h.impact);
    h.order = hits_.size();
    hits_.push_back(std::move(h));
  }

  void Note(const kb::Rule& r, const std::string& callable, const std::string& location,
            const std::string& evidence = "", const std::string& detail = "") {
    if (r.summary.empty()) return;
    Hit h;
    h.f = {Severity::kInfo,
           r.category.empty() ? "benign" : r.category,
           r.id,
           callable,
           evidence.empty() ? callable : evidence,
           location,
           r.why + "; cleared: " + r.summary + detail};
    h.impact = Impact::kNote;
    h.summary = r.summary;
    if (std::find(notes_.begin(), notes_.end(), r.summary) == notes_.end()) {
      notes_.push_back(r.summary);
    }
    Add(std::move(h), "note|" + r.id);
  }

  void Review(Severity sev, const std::string& category, const std::string& rule,
              const std::string& callable, const std::string& evidence, const std::string& location,
              const std::string& message, std::string summary, const std::string& key) {
    Hit h;
    h.f = {sev, category, rule, callable, evidence, location, message};
    h.impact = Impact::kReview;
    h.summary = std::move(summary);
    Add(std::move(h), key);
  }

  void Review(Severity sev, const std::string& category, const std::string& rule,
              const std::string& callable, const std::string& evidence, const std::string& location,
              Wording w, const std::string& key) {
    Review(sev, category, rule, callable, evidence, location, w.message, std::move(w.summary), key);
  }

  void Unknown(const std::string& name, const std::string& evidence, const std::string& location,
               bool called) {
    // A method of a class the rules clear (`DataFrame.to_parquet`): not the user's module.
    if (MethodOfClass(name)) {
      const NameInfo& owner = Info(name.substr(0, name.rfind('.')));
      if (owner.rule != nullptr && owner.rule->stance == kb::Stance::kBenign) {
        Review(Severity::kLow, "unknown-callable", "kb.unknown", name, evidence, location,
               MethodCalledWording(name, *owner.rule), "unknown|" + name);
        return;
      }
    }
    size_t dot = name.find('.');
    bool library = dot != std::string::npos && name.compare(0, dot, "__main__") != 0 &&
                   kb_.KnowsModule(std::string_view(name).substr(0, dot));
    Review(Severity::kLow, "unknown-callable", "kb.unknown", name, evidence, location,
           library ? UnlistedLibraryWording(name, called) : UnknownCallableWording(name, called),
           "unknown|" + name);
  }

  // A call of a name whose benign rule does not clear calls of that kind (see Clears).
  void NotClearedAsCalled(const NameInfo& info, const std::string& name,
                          const std::string& evidence, const std::string& loc) {
    const kb::Rule& r = *info.rule;
    if (info.clears == Clears::kReferenceMethod) {
      Review(Severity::kLow, "unknown-callable", r.id, name, evidence, loc,
             MethodCalledWording(name, r), "method-called|" + name);
      return;
    }
    if (info.clears == Clears::kReferenceUnvetted) {
      Review(Severity::kLow, "unknown-callable", r.id, name, evidence, loc,
             ClassesOnlyWording(name, r), "unvetted-called|" + name);
      return;
    }
    if (info.clears == Clears::kReference) {
      Review(Severity::kMedium, "anomaly", r.id, name, evidence, loc,
             ValueCalledWording(name, r.why), "value-called|" + name);
      return;
    }
    Review(Severity::kLow, "unknown-callable", r.id, name, evidence, loc,
           InitCalledWording(name, r.why), "init-called|" + name);
  }

  // Whether a call of a benign name is one its rule clears: any call, or (rebuild-only) the
  // loader creating an instance without __init__.
  bool ClearedCall(const NameInfo& info, const Call& c) const {
    switch (info.clears) {
      case Clears::kAny: return true;
      case Clears::kReference:
      case Clears::kReferenceUnvetted:
      case Clears::kReferenceMethod: return false;
      case Clears::kRebuild:
        if (c.kind == CallKind::kNewObj) return true;
        if (c.kind != CallKind::kDerived || c.via.empty()) return false;
        std::string via = kb_.Canonical(c.via);
        return via == "copyreg.__newobj__" || via == "copyreg.__newobj_ex__";
    }
    return false;
  }

  // `type(None)` is how typing.Optional[X] pickles NoneType: the call only names a type.
  static bool TypeOfNone(const NameInfo& info, const Call& c) {
    return info.canonical == "builtins.type" && c.args.size() == 1 && c.args[0] &&
           c.args[0]->kind == ValueKind::kNone &&
           (!c.kwargs || c.kwargs->kind != ValueKind::kDict || c.kwargs->items.empty());
  }

  // A dangerous or review rule reached by a call (`called`) or only referenced.
  void Reached(const kb::Rule& r, const std::string& name, const std::vector<ValuePtr>& args,
               const ValuePtr& kwargs, const std::string& location, const std::string& loader,
               const std::string& via, bool called, const std::string& ref_evidence = "") {
    Hit h;
    bool unsafe = r.stance == kb::Stance::kDangerous && r.severity >= Severity::kMedium;
    h.impact = unsafe ? Impact::kUnsafe : Impact::kReview;
    const kb::Action& action = ActionOf(r, args, kwargs);
    h.effect = action.effect;
    std::string by = loader.empty() ? std::string("the loader") : loader;
    if (called || r.import_acts) {
      h.f.severity = r.severity;
      h.f.evidence = called ? Evidence(name, args, kwargs) : name;
      h.summary = CallSummary(action, name, args, kwargs, true);
      h.f.message = r.why + "; " + by +
                    (called ? " calls it while loading" : " imports it while loading") +
                    (via.empty() ? "" : " (reached through " + via + ")");
    } else {
      h.f.severity = Cap(r.severity, Severity::kHigh);
      h.f.evidence = ref_evidence.empty() ? name : ref_evidence + " -> " + name;
      h.summary = ReferenceSummary(action, name);
      h.referenced_only = true;
      h.f.message = r.why + "; the file references it without calling it on load" +
                    std::string(via.empty() ? "" : " (resolved through " + via + ")") +
                    ", which no benign model needs";
    }
    if (r.stance == kb::Stance::kReview && called) {
      h.summary = CallSummary(action, name, args, kwargs, false);
    }
    h.f.category = r.category;
    h.f.rule = r.id;
    h.f.callable = name;
    h.f.location = location;
    // Calls with different arguments are different payloads, even at one opcode (map(f, items)
    // runs f once per item: a harmless first item must not hide the others).
    std::string key = (called ? "call|" : "ref|") + r.id + "|" + name + "|" + location;
    if (called) key += "|" + h.f.evidence;
    Add(std::move(h), key);
  }

  // A name reached without a call: imports, resolver results.
  struct Ref {
    std::string name;
    std::string location;
    std::string loader;
    std::string via;
    std::string evidence;  // the resolver call that produced it; "" for imports
  };

  void Payload(const PayloadFacts& f) {
    bool executable = false;
    if (f.trace != nullptr) {
      executable = true;
      Trace(f, *f.trace);
    }
    for (const auto& o : f.observations) {
      executable = true;
      Observe(f, o);
    }
    for (const auto& a : f.anomalies) Anomaly(a, f.location);
    if (f.unreadable) {
      Review(Severity::kMedium, "anomaly", "format.unreadable", "", f.format,
             FormatLocation(f.location, 0), UnreadableWording(f.format),
             "unreadable|" + f.location);
    }
    // Only for the file itself: raw members of containers (tensor storages) are expected.
    if (!executable && !f.unreadable && f.anomalies.empty() && f.location.empty() &&
        (f.format == "unknown" || f.format == "empty")) {
      Wording w = NotAModelWording(f.format == "empty");
      Hit h;
      h.f = {Severity::kInfo,
             "format",
             "format.not-a-model",
             "",
             "",
             FormatLocation(f.location, 0),
             std::move(w.message)};
      h.summary = std::move(w.summary);
      plain_data_note_ = true;
      Add(std::move(h), "not-a-model|" + f.location);
    }
  }

  void Anomaly(const mv::Anomaly& a, const std::string& fallback_location) {
    const std::string& where = a.location.empty() ? fallback_location : a.location;
    std::string loc = FormatLocation(where, a.offset);
    Review(a.incomplete ? Severity::kMedium : Severity::kLow, "anomaly", a.code, "", "", loc,
           AnomalyWording(a.message, a.incomplete), "anomaly|" + a.code + "|" + loc);
  }

  void Trace(const PayloadFacts& f, const pickle::Trace& t) {
    std::unordered_set<std::string> called;
    std::vector<Ref> refs;
    refs.reserve(t.imports.size() + t.calls.size());
    for (size_t i = 0; i < t.calls.size(); ++i) OneCall(f, t, i, called, refs);
    ++payload_traces_;
    calls_seen_ += t.calls.size();

    for (const auto& im : t.imports) {
      refs.push_back({im.resolved, FormatLocation(f.location, im.offset), f.loader, "", ""});
    }
    for (const auto& r : refs) {
      const NameInfo& info = Info(r.name);
      if (called.count(info.canonical) != 0) continue;
      if (r.name.find(':') != std::string::npos) {
        Review(Severity::kMedium, "anomaly", "pickle.unresolved-extension", r.name, r.name,
               r.location, UnresolvedExtensionWording(), "ext|" + r.name);
        continue;
      }
      if (info.rule == nullptr) {
        if (info.semantic == nullptr) Unknown(r.name, r.name, r.location, false);
        continue;
      }
      switch (info.rule->stance) {
        case kb::Stance::kBenign: break;
        case kb::Stance::kDangerous:
        case kb::Stance::kReview:
          if (info.semantic != nullptr && info.rule->stance != kb::Stance::kDangerous) break;
          Reached(*info.rule, r.name, {}, nullptr, r.location, r.loader, r.via, false, r.evidence);
          break;
      }
    }
    for (const auto& a : t.anomalies) Anomaly(a, f.location);
    if (!t.complete) {
      Review(Severity::kMedium, "anomaly", "pickle.incomplete", "", "",
             FormatLocation(f.location, t.end_offset), PickleIncompleteWording(),
             "incomplete|" + f.location);
    }
  }

  // Dotted name of what a value is (a global, a module) or was made by (an object), as far as
  // the trace shows. Legacy torch files name module classes through persistent ids
  // (`persistent_load(('module', cls, source_file, source))` returns cls), which the engine
  // leaves unresolved; they are followed here. Bounded: no recursion over the trace.
  static std::string ValueName(const pickle::Trace& t, ValuePtr v) {
    for (int hop = 0; v && hop < 4; ++hop) {
      switch (v->kind) {
        case ValueKind::kGlobal:
        case ValueKind::kModule: return v->text;
        case ValueKind::kPersistentId: {
          const ValuePtr pid = v->items.empty() ? nullptr : v->items[0];
          if (pid && pid->kind == ValueKind::kTuple && pid->items.size() >= 2 && pid->items[0] &&
              pid->items[0]->kind == ValueKind::kStr && pid->items[0]->text == "module" &&
              pid->items[1] && pid->items[1]->kind == ValueKind::kGlobal) {
            return pid->items[1]->text;
          }
          return "";
        }
        case ValueKind::kObject: {
          if (!v->type_name.empty()) return v->type_name;
          if (v->call < 0 || static_cast<size_t>(v->call) >= t.calls.size()) return "";
          const Call& maker = t.calls[static_cast<size_t>(v->call)];
          if (!maker.resolved.empty()) return maker.resolved;
          v = maker.callable;
          break;
        }
        default: return "";
      }
    }
    return "";
  }

  // Name of what a resolver call returned, "" when it could not be determined.
  static std::string ResolvedResult(const pickle::Trace& t, size_t idx) {
    const Call& c = t.calls[idx];
    const ValuePtr& r = c.result;
    if (!r) return "";
    if (r->kind == ValueKind::kGlobal || r->kind == ValueKind::kModule) return r->text;
    return "";
  }

  void OneCall(const PayloadFacts& f, const pickle::Trace& t, size_t idx,
               std::unordered_set<std::string>& called, std::vector<Ref>& refs) {
    const Call& c = t.calls[idx];
    if (c.kind == CallKind::kPersistentLoad) return;
    std::string followed;
    if (c.resolved.empty() && c.kind != CallKind::kBuild && c.kind != CallKind::kExtend &&
        c.kind != CallKind::kSetItem && c.callable &&
        c.callable->kind == ValueKind::kPersistentId) {
      followed = ValueName(t, c.callable);
    }
    const std::string& name = followed.empty() ? c.resolved : followed;
    if (name.empty()) {
      if (c.kind == CallKind::kBuild || c.kind == CallKind::kExtend ||
          c.kind == CallKind::kSetItem) {
        return;  // state set on an object whose maker was judged when it was made
      }
      std::string loc = FormatLocation(f.location, c.offset);
      Review(Severity::kMedium, "unresolved-callable", "pickle.unresolved-callable", "",
             Evidence(pickle::Render(c.callable, 80), c.args, c.kwargs), loc,
             "the load calls a value the analysis could not resolve",
             "calls a value the analysis could not resolve", "unresolved|" + loc);
      return;
    }
    const NameInfo& raw = Info(name);
    bool type_of_none = TypeOfNone(raw, c);
    if (type_of_none) called.insert(raw.canonical);  // judged as the type it names
    const NameInfo& info = type_of_none ? Info("builtins.NoneType") : raw;

    // BUILD / APPEND / SETITEM on an object run that object's own methods.
    if (c.kind == CallKind::kBuild || c.kind == CallKind::kExtend || c.kind == CallKind::kSetItem) {
      if (c.target &&
          (c.target->kind == ValueKind::kGlobal || c.target->kind == ValueKind::kModule)) {
        std::string loc = FormatLocation(f.location, c.offset);
        Wording w = BuildOnGlobalWording(c.target->text);
        Hit h;
        h.f = {Severity::kHigh,
               "module-poisoning",
               "pickle.build-on-global",
               c.target->text,
               "BUILD " + pickle::Render(c.target, 80) + " <- " +
                   pickle::Render(c.args.empty() ? nullptr : c.args[0], 200),
               loc,
               std::move(w.message)};
        h.impact = Impact::kUnsafe;
        h.summary = std::move(w.summary);
        Add(std::move(h), "poison|" + loc);
      }
      return;
    }

    // Only names that could produce a reference finding need tracking (benign ones never do).
    bool benign = info.rule != nullptr && info.rule->stance == kb::Stance::kBenign;
    if (benign && !ClearedCall(info, c)) {
      NotClearedAsCalled(info, name, Evidence(name, c.args, c.kwargs),
                         FormatLocation(f.location, c.offset));
      return;
    }
    if (!benign) called.insert(info.canonical);
    if (benign && info.semantic == nullptr && info.rule->summary.empty() && !info.reconstructor) {
      return;  // the common case: an allowlisted rebuilder, nothing to report
    }
    std::string loc = FormatLocation(f.location, c.offset);

    // copyreg._reconstructor(cls, base, state) runs base.__init__(obj, state) (PK-28).
    if (info.reconstructor && c.args.size() >= 2 && c.args[1] &&
        c.args[1]->kind == ValueKind::kGlobal) {
      const std::string& base = c.args[1]->text;
      const NameInfo& bi = Info(base);
      called.insert(bi.canonical);
      if (bi.rule != nullptr && bi.rule->stance != kb::Stance::kBenign) {
        std::vector<ValuePtr> rest(c.args.begin() + 2, c.args.end());
        Reached(*bi.rule, base, rest, nullptr, loc, f.loader, name, true);
      } else if (bi.rule != nullptr && bi.clears != Clears::kAny) {
        NotClearedAsCalled(bi, base, Evidence(name, c.args, c.kwargs), loc);  // base.__init__
      } else if (bi.rule == nullptr) {
        Unknown(base, Evidence(name, c.args, c.kwargs), loc, true);
      }
    }

    // Calling an object a previous call made ("types.FunctionType.__call__").
    if (EndsWith(name, ".__call__") && c.callable && c.callable->kind == ValueKind::kObject) {
      std::string maker = name.substr(0, name.size() - 9);
      const NameInfo& mi = Info(maker);
      if (mi.rule != nullptr && mi.rule->category == "code-object") {
        Wording w = CarriedCodeCalledWording(maker);
        Hit h;
        h.f = {Severity::kCritical,
               "code-execution",
               mi.rule->id,
               maker,
               Evidence(pickle::Render(c.callable, 80), c.args, c.kwargs),
               loc,
               std::move(w.message)};
        h.impact = Impact::kUnsafe;
        h.summary = std::move(w.summary);
        h.effect = kb::Effect::kExecute;
        Add(std::move(h), "code-call|" + loc);
      } else if (mi.rule == nullptr || mi.rule->stance != kb::Stance::kDangerous) {
        Review(Severity::kMedium, "unresolved-callable", "pickle.call-object", name,
               Evidence(pickle::Render(c.callable, 80), c.args, c.kwargs), loc,
               ObjectCalledWording(maker), "call-object|" + maker);
      }
      return;
    }

    if (info.semantic != nullptr) {
      Semantic s = info.semantic->semantic;
      if (IsResolver(s)) {
        std::string target = ResolvedResult(t, idx);
        bool construction = s == Semantic::kAttrGetter || s == Semantic::kItemGetter;
        if (target.empty() && s == Semantic::kGetattr && c.args.size() >= 2 && c.args[1] &&
            c.args[1]->kind == ValueKind::kStr) {
          std::string base = ValueName(t, c.args[0]);
          if (!base.empty()) target = base + "." + c.args[1]->text;
        }
        if (target.empty()) {
          if (!construction) {
            Review(Severity::kMedium, "unresolved-callable", "pickle.unresolved-resolver", name,
                   Evidence(name, c.args, c.kwargs), loc, UnresolvedResolverWording(name),
                   "unresolved-resolver|" + loc);
          }
          return;
        }
        refs.push_back({target, loc, f.loader, name, Evidence(name, c.args, c.kwargs)});
        const NameInfo& ti = Info(target);
        if (ti.rule != nullptr && ti.rule->stance == kb::Stance::kBenign && info.rule != nullptr &&
            info.rule->stance == kb::Stance::kBenign) {
          Note(*info.rule, name, loc, Evidence(name, c.args, c.kwargs),
               " (resolves " + target + ", benign by " + ti.rule->id + ")");
        }
        return;
      }
      if (s == Semantic::kDeserialize) {
        // A str argument is a path or URL (torch.load('other.bin')), never in-stream bytes.
        auto di = static_cast<size_t>(info.semantic->data_arg);
        bool path = di < c.args.size() && c.args[di] && c.args[di]->kind == ValueKind::kStr;
        bool nested = !path && std::any_of(t.nested.begin(), t.nested.end(), [&](const auto& n) {
          return n.offset == c.offset && n.via == name;
        });
        if (nested) {
          Wording w = NestedPayloadWording(name);
          Hit h;
          h.f = {Severity::kInfo,
                 "deserialization",
                 "pickle.nested-payload",
                 name,
                 Evidence(name, c.args, c.kwargs),
                 loc,
                 std::move(w.message)};
          h.summary = std::move(w.summary);
          Add(std::move(h), "nested|" + loc);
          return;
        }
        // Data from a path, URL or an unresolved value: the rule below decides.
      } else if (pickle::ActsOnlyThroughDerivedCalls(s)) {
        // The engine records what these call as derived calls, judged on their own.
        if (info.rule != nullptr && info.rule->stance == kb::Stance::kBenign) {
          Note(*info.rule, name, loc, Evidence(name, c.args, c.kwargs));
        }
        if (info.rule == nullptr || info.rule->stance == kb::Stance::kBenign) return;
      }
      if (s == Semantic::kFxGraphCode &&
          fx_code_.count(NestedLocation(f.location, name, c.offset))) {
        return;  // its source is a payload of its own: judged by its facts, or unreadable
      }
      // kDeferredCall falls through: the registration itself is judged by its rule too.
    }

    const kb::Rule* r = info.rule;
    if (r == nullptr) {
      Unknown(name, Evidence(name, c.args, c.kwargs), loc, true);
      return;
    }
    if (r->stance == kb::Stance::kBenign) {
      Note(*r, name, loc, Evidence(name, c.args, c.kwargs));
      return;
    }
    Reached(*r, name, c.args, c.kwargs, loc, f.loader, c.via, true);
  }

  void Observe(const PayloadFacts& f, const Observation& raw) {
    Observation o = raw;
    if (IsFileKind(o.kind)) {
      std::string key = FilePathKey(o.subject, o.cwd_relative);
      if (o.evidence.empty()) o.evidence = o.subject;
      if (key != o.subject) o.evidence += " (resolves to " + key + ")";
      o.subject = key;
    }
    std::string loc = FormatLocation(o.location.empty() ? f.location : o.location, o.offset);
    std::string loader = !o.loader.empty() ? o.loader : f.loader;
    std::string evidence = o.evidence.empty() ? o.subject : o.evidence;
    // Names a loader imports are also judged as callables: "os.system" is dangerous whatever
    // a feature rule of the kind says.
    if (o.kind == "keras.module-ref" || o.kind == "python.code-name" ||
        o.kind == "torchscript.call" || o.kind == "fx.call" || o.kind == "fx.statement" ||
        kb_.MatchFeature(o.kind, o.subject) == nullptr) {
      if (o.subject.find('.') != std::string::npos) {
        const NameInfo& info = Info(o.subject);
        if (info.rule != nullptr && info.rule->stance == kb::Stance::kDangerous) {
          size_t before = hits_.size();
          Reached(*info.rule, o.subject, {}, nullptr, loc, loader, o.kind, o.executes);
          // fx graph code: the statement itself is the evidence, not a reconstructed call.
          if (o.kind.rfind("fx.", 0) == 0 && hits_.size() > before) {
            hits_.back().f.evidence = evidence;
          }
          return;
        }
      }
    }
    const kb::FeatureRule* fr = kb_.MatchFeature(o.kind, o.subject);
    if (fr == nullptr) {
      Review(Severity::kLow, "unknown-feature", "kb.unknown-feature", o.subject, evidence, loc,
             UnknownFeatureWording(o.kind, o.subject),
             "unknown-feature|" + o.kind + "|" + o.subject);
      return;
    }
    std::string what = FeatureSummary(*fr, kb_, o.subject);
    Hit h;
    if (const kb::CategoryDefaults* cd = kb_.Category(fr->category)) h.effect = cd->action.effect;
    h.by_feature = true;
    h.f.category = fr->category.empty() ? o.kind : fr->category;
    h.f.rule = fr->kind + ":" + fr->pattern;
    h.f.callable = o.subject;
    h.f.evidence = evidence;
    h.f.location = loc;
    switch (fr->stance) {
      case kb::Stance::kBenign:
        if (!fr->summary.empty()) {
          h.f.severity = Severity::kInfo;
          h.f.message = fr->why;
          h.summary = what;
          if (std::find(notes_.begin(), notes_.end(), what) == notes_.end()) notes_.push_back(what);
          Add(std::move(h), "fnote|" + h.f.rule);
        }
        return;
      case kb::Stance::kReview:
        h.f.severity = fr->severity;
        h.f.message = fr->why;
        h.impact = Impact::kReview;
        h.summary = what;
        break;
      case kb::Stance::kDangerous:
        h.f.severity = o.executes ? fr->severity : Cap(fr->severity, Severity::kHigh);
        h.impact = fr->severity >= Severity::kMedium ? Impact::kUnsafe : Impact::kReview;
        h.f.message = FeatureMessage(fr->why, o.executes, loader);
        h.summary = what + (o.executes ? " on load" : "");
        break;
    }
    Add(std::move(h), "feature|" + o.kind + "|" + o.subject + "|" + loc);
  }

  Judgement Finish() {
    std::stable_sort(hits_.begin(), hits_.end(), [](const Hit& a, const Hit& b) {
      if (a.f.severity != b.f.severity) return a.f.severity > b.f.severity;
      if (a.impact != b.impact) return a.impact > b.impact;
      int ra = CategoryRank(a.f.category), rb = CategoryRank(b.f.category);
      if (ra != rb) return ra < rb;
      return a.order < b.order;
    });
    Judgement j;
    switch (worst_) {
      case Impact::kUnsafe: j.verdict = Verdict::kUnsafe; break;
      case Impact::kReview: j.verdict = Verdict::kNeedsReview; break;
      case Impact::kNote: j.verdict = Verdict::kSafe; break;
    }
    // The headline is the worst action among the findings that decide the verdict: a call
    // on load before a name only referenced, then running code or programs, the network,
    // writing files, reading; then severity and order. The others are counted after it.
    const Hit* top = nullptr;
    size_t same = 0;
    auto worse = [](const Hit& a, const Hit& b) {
      if (a.referenced_only != b.referenced_only) return !a.referenced_only;
      if (a.effect != b.effect) return a.effect < b.effect;
      if (a.f.severity != b.f.severity) return a.f.severity > b.f.severity;
      if (a.by_feature != b.by_feature) return !a.by_feature;
      int ra = CategoryRank(a.f.category), rb = CategoryRank(b.f.category);
      if (ra != rb) return ra < rb;
      return a.order < b.order;
    };
    for (const auto& h : hits_) {
      if (h.impact != worst_) continue;
      if (top == nullptr || worse(h, *top)) top = &h;
      ++same;
    }
    if (worst_ != Impact::kNote && top != nullptr) {
      j.summary = Headline(top->summary, same - 1, worst_ == Impact::kUnsafe);
    } else if (!notes_.empty()) {
      for (size_t i = 0; i < notes_.size() && i < 3; ++i) {
        if (i > 0) j.summary += "; ";
        j.summary += notes_[i];
      }
    } else if (payload_traces_ > 0 && calls_seen_ > 0) {
      j.summary = CleanSummary(Clean::kBenignCalls);
    } else if (payload_traces_ > 0) {
      j.summary = CleanSummary(Clean::kPlainData);
    } else if (plain_data_note_) {
      j.summary = CleanSummary(Clean::kNotAModel);
    } else {
      j.summary = CleanSummary(Clean::kNothingExecutable);
    }
    j.findings.reserve(hits_.size());
    for (auto& h : hits_) {
      for (std::string* field :
           {&h.f.category, &h.f.rule, &h.f.callable, &h.f.evidence, &h.f.location, &h.f.message}) {
        EscapeInvalidUtf8(*field);
      }
      j.findings.push_back(std::move(h.f));
    }
    EscapeInvalidUtf8(j.summary);
    return j;
  }

  const kb::KnowledgeBase& kb_;
  std::unordered_set<std::string> archive_classes_;  // __torch__.X defined in code/ of the file
  std::unordered_set<std::string> fx_code_;  // locations of fx GraphModule code that was read
  // Node-based maps: the pointers Info() returns stay valid while they are not emptied.
  std::unordered_map<std::string, NameInfo> own_names_;  // archive classes, another kb's names
  std::unordered_map<std::string, NameInfo>* names_ = &own_names_;  // t_judged's when usable
  const std::pair<const std::string, NameInfo>* last_ = nullptr;
  std::vector<Hit> hits_;
  std::unordered_set<std::string> seen_;
  std::unordered_map<std::string, size_t> per_rule_;
  std::vector<std::string> notes_;
  Impact worst_ = Impact::kNote;
  size_t payload_traces_ = 0;
  size_t calls_seen_ = 0;
  bool plain_data_note_ = false;
};

}  // namespace

Judgement Judge(const std::vector<PayloadFacts>& facts, const kb::KnowledgeBase& kb) {
  return Judge_(kb).Run(facts);
}

}  // namespace mv::verdict
