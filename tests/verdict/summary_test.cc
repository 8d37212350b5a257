// Summaries derived from each callable's action (kb::Action): every dangerous and review rule
// of the knowledge base, called by a real pickle with a recognisable argument in its role,
// must be explained with the rule's phrase and that argument — never with the module name or
// another value as "the command".
#include "verdict/summary.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/source.h"
#include "pickle/engine.h"
#include "verdict/judge.h"

namespace mv::verdict {
namespace {

const kb::KnowledgeBase& KB() {
  static auto kb = [] {
    auto r = kb::KnowledgeBase::Load({});
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    EXPECT_TRUE((*r)->LoadAllDeferred().ok());
    return *r;
  }();
  return *kb;
}

// Pickle opcodes of protocol 2/3 (pickletools names).
std::string Le32(size_t n) {
  std::string s;
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return s;
}
std::string Unicode(const std::string& s) {
  return "X" + Le32(s.size()) + s;
}  // BINUNICODE
std::string Bytes(const std::string& s) {
  return "B" + Le32(s.size()) + s;
}  // BINBYTES
std::string Int(int v) {  // BININT
  return "J" + Le32(static_cast<size_t>(static_cast<uint32_t>(v)));
}

// PROTO 3, GLOBAL module\nname, MARK args TUPLE, REDUCE, STOP: `name(*args)`.
std::string CallPickle(const std::string& dotted, const std::vector<std::string>& args) {
  size_t dot = dotted.rfind('.');
  std::string p = "\x80\x03";
  p += "c" + dotted.substr(0, dot) + "\n" + dotted.substr(dot + 1) + "\n";
  p += "(";
  for (const auto& a : args) p += a;
  p += "tR.";
  return p;
}

Judgement ScanPickle(const std::string& bytes) {
  SourcePtr src = MakeMemorySource(bytes);
  pickle::Options opt;
  opt.semantics = &KB().semantics();
  pickle::Trace t = pickle::Analyze(*src, 0, src->size(), opt);
  PayloadFacts f;
  f.format = "pickle";
  f.loader = "pickle.load";
  f.trace = &t;
  return Judge({f}, KB());
}

// A callable name the rule covers: the pattern itself, or a name under its wildcard.
std::string NameFor(const kb::Rule& r) {
  const std::string& p = r.pattern;
  if (p.rfind("*.", 0) == 0) return "mvprobe." + p.substr(2);
  if (p.size() > 2 && p.compare(p.size() - 2, 2, ".*") == 0) {
    return p.substr(0, p.size() - 1) + "mvprobe_callable";
  }
  return p;
}

struct Probe {
  std::vector<std::string> args;
  std::string shown;  // what the summary must show as the argument ("" for none)
};

// Arguments that put a recognisable value at the role's position; other positions get an int.
Probe ProbeFor(const kb::ArgRef& ref, int if_arg = -1, const kb::ActionCase* c = nullptr) {
  Probe p;
  int n = std::max({ref.position + 1, if_arg + 1, 1});
  for (int i = 0; i < n; ++i) {
    if (c != nullptr && i == if_arg) {
      p.args.push_back(c->is_int ? Int(static_cast<int>(c->int_value)) : Unicode(c->text_value));
    } else if (i == ref.position) {
      switch (ref.role) {
        case kb::Role::kAddress:
          p.args.push_back("(" + Unicode("203.0.113.5") + Int(4444) + "t");
          p.shown = "203.0.113.5:4444";
          break;
        case kb::Role::kKeys:
          p.args.push_back(Bytes("mvprobe-keys"));
          p.shown = "mvprobe-keys";
          break;
        case kb::Role::kProgram:
          p.args.push_back("(" + Unicode("/bin/mvprobe") + Unicode("-x") + "l");  // a list
          p.shown = "/bin/mvprobe -x";
          break;
        default: p.args.push_back(Unicode("mvprobe-value")); p.shown = "mvprobe-value";
      }
    } else {
      p.args.push_back(Int(7));
    }
  }
  return p;
}

// Names whose calls the engine follows through their semantics (getattr, import_module,
// partial …) are explained by what they resolve or call, not by their own rule.
bool FollowedBySemantics(const std::string& name) {
  const pickle::SemanticEntry* e = KB().semantics().Find(KB().Canonical(name));
  return e != nullptr && e->semantic != pickle::Semantic::kDeserialize &&
         e->semantic != pickle::Semantic::kDeferredCall;
}

void Check(const kb::Rule& r, const kb::Action& a, const Probe& probe, const std::string& name,
           std::vector<std::string>& failures) {
  Judgement j = ScanPickle(CallPickle(name, probe.args));
  std::string why = r.id + " (" + name + "): \"" + j.summary + "\"";
  if (j.verdict == Verdict::kSafe) {
    failures.push_back(why + " is safe");
    return;
  }
  if (j.summary.find(a.phrase) == std::string::npos) {
    failures.push_back(why + " lacks the phrase \"" + a.phrase + "\"");
  }
  if (!probe.shown.empty() && j.summary.find("`" + probe.shown + "`") == std::string::npos) {
    failures.push_back(why + " lacks the argument `" + probe.shown + "`");
  }
  if (probe.shown.empty() && j.summary.find("`7`") != std::string::npos) {
    failures.push_back(why + " shows an argument that has no role");
  }
  std::string module = name.substr(0, name.rfind('.'));
  if (j.summary.find("`" + module + "`") != std::string::npos) {
    failures.push_back(why + " shows the module as the argument");
  }
}

TEST(Summaries, EveryDangerousRuleIsExplainedWithItsPhraseAndArgument) {
  size_t checked = 0;
  std::vector<std::string> failures;
  for (const kb::Rule* r : KB().AllRules()) {
    if (r->stance == kb::Stance::kBenign) continue;
    std::string name = NameFor(*r);
    if (FollowedBySemantics(name)) continue;
    ASSERT_FALSE(r->action.phrase.empty()) << r->id << " has no phrase";
    const kb::Rule* m = KB().Match(name);
    ASSERT_EQ(m, r) << name << " is decided by " << (m ? m->id : "nothing") << ", not " << r->id;
    Check(*r, r->action, ProbeFor(r->action.arg), name, failures);
    for (const auto& c : r->cases) {
      Check(*r, c.action, ProbeFor(c.action.arg, c.if_arg, &c), name, failures);
    }
    ++checked;
  }
  EXPECT_GT(checked, 3000u);
  std::string all;
  for (size_t i = 0; i < failures.size() && i < 40; ++i) all += failures[i] + "\n";
  EXPECT_TRUE(failures.empty()) << failures.size() << " rules explained wrongly:\n" << all;
}

TEST(Summaries, ArgumentsThatAreNotTextAreNeverShown) {
  kb::ArgRef ref{kb::Role::kCommand, 0, "command"};
  auto mod = std::make_shared<pickle::Value>();
  mod->kind = pickle::ValueKind::kModule;
  mod->text = "os";
  auto obj = std::make_shared<pickle::Value>();
  obj->kind = pickle::ValueKind::kObject;
  obj->type_name = "torch.FloatStorage";
  EXPECT_EQ(RoleArgument(ref, {mod}, nullptr), "");
  EXPECT_EQ(RoleArgument(ref, {obj}, nullptr), "");
  kb::Action a{"runs a shell command", ref, kb::Effect::kExecute};
  EXPECT_EQ(CallSummary(a, "posix.system", {obj}, nullptr, true),
            "runs a shell command through posix.system on load");
}

TEST(Summaries, KeywordArgumentsAreFound) {
  kb::ArgRef ref{kb::Role::kUrl, 0, "url"};
  auto kw = std::make_shared<pickle::Value>();
  kw->kind = pickle::ValueKind::kDict;
  auto k = std::make_shared<pickle::Value>();
  k->kind = pickle::ValueKind::kStr;
  k->text = "url";
  auto v = std::make_shared<pickle::Value>();
  v->kind = pickle::ValueKind::kStr;
  v->text = "https://example.invalid/x\n`y";
  kw->items = {k, v};
  EXPECT_EQ(RoleArgument(ref, {}, kw), "https://example.invalid/x;  y");
}

}  // namespace
}  // namespace mv::verdict
