// The precompiled knowledge base (what `KnowledgeBase::Load({})` reads, kb/packed.h) answers
// exactly as the rule files parsed by the TOML loader: every rule, every lookup path.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "kb/impl.h"
#include "kb/kb.h"

namespace mv::kb {
namespace {

std::shared_ptr<const KnowledgeBase> Toml() {
  static auto kb = [] {
    std::vector<std::pair<std::string, std::string>> files;
    for (const auto& [name, text] : EmbeddedRules()) files.emplace_back(name, text);
    auto r = KnowledgeBase::FromStrings(files);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok()) return std::shared_ptr<const KnowledgeBase>();
    Status st = (*r)->LoadAllDeferred();
    EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
    return *r;
  }();
  return kb;
}

std::shared_ptr<const KnowledgeBase> Precompiled() {
  static auto kb = [] {
    auto r = KnowledgeBase::Load({});
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : nullptr;
  }();
  return kb;
}

std::string Describe(const Action& a) {
  return a.phrase + "|" + std::to_string(static_cast<int>(a.arg.role)) + "|" +
         std::to_string(a.arg.position) + "|" + a.arg.keyword + "|" +
         std::to_string(static_cast<int>(a.effect));
}

// Every field, as one string (a mismatch shows both whole).
std::string Describe(const Rule* r) {
  if (r == nullptr) return "<none>";
  std::string s = r->id + "|" + r->pattern + "|" + std::to_string(static_cast<int>(r->stance)) +
                  "|" + r->category + "|" + std::to_string(static_cast<int>(r->severity)) + "|" +
                  r->why + "|" + Describe(r->action) + "|" + r->summary + "|" +
                  (r->import_acts ? "acts" : "-") + "|" + r->source;
  for (const ActionCase& c : r->cases) {
    s += "|case ";
    s += std::to_string(c.if_arg) + (c.is_int ? " int " : " text ") + std::to_string(c.int_value) +
         " " + c.text_value + " " + Describe(c.action);
  }
  return s;
}

std::string Describe(const FeatureRule* r) {
  if (r == nullptr) return "<none>";
  return r->kind + "|" + r->pattern + "|" + std::to_string(static_cast<int>(r->stance)) + "|" +
         r->category + "|" + std::to_string(static_cast<int>(r->severity)) + "|" + r->why + "|" +
         r->summary + "|" + r->source;
}

TEST(Precompiled, LoadReadsThePrecompiledForm) {
  ASSERT_NE(Precompiled(), nullptr);
  EXPECT_NE(Precompiled()->impl().packed, nullptr);
  // User rules or trusted modules go through the TOML loader.
  auto trusted = KnowledgeBase::Load({}, {"mv_models"});
  ASSERT_TRUE(trusted.ok());
  EXPECT_EQ((*trusted)->impl().packed, nullptr);
}

TEST(Precompiled, SameRulesInTheSameOrder) {
  ASSERT_NE(Toml(), nullptr);
  ASSERT_NE(Precompiled(), nullptr);
  EXPECT_EQ(Precompiled()->rule_count(), Toml()->rule_count());
  EXPECT_EQ(Precompiled()->deferred_file_count(), Toml()->deferred_file_count());
  auto a = Toml()->AllRules();
  auto b = Precompiled()->AllRules();
  ASSERT_EQ(a.size(), b.size());
  int bad = 0;
  for (size_t i = 0; i < a.size() && bad < 10; ++i) {
    if (Describe(a[i]) != Describe(b[i])) {
      ++bad;
      ADD_FAILURE() << "rule " << i << "\n toml:        " << Describe(a[i])
                    << "\n precompiled: " << Describe(b[i]);
    }
  }
}

// Match() of a name each rule covers (and the same name reached through an unknown module,
// which exercises the laundering checks), answered identically.
TEST(Precompiled, EveryRuleMatchesTheSame) {
  ASSERT_NE(Toml(), nullptr);
  ASSERT_NE(Precompiled(), nullptr);
  std::vector<std::string> names = {"", "os", "zz_unknown", "zz_unknown.attr"};
  for (const Rule* r : Toml()->AllRules()) {
    std::string name = r->pattern;
    if (name.rfind("*.", 0) == 0) {
      name = std::string("zz_probe").append(name, 1);
    } else if (name.size() > 2 && name.compare(name.size() - 2, 2, ".*") == 0) {
      names.push_back(name.substr(0, name.size() - 2));
      name = name.substr(0, name.size() - 1) + "zz_probe";
    }
    // A name glob's instance (`lib.*.convert_*` -> `lib.zz.convert_zz`).
    for (size_t star; (star = name.find_first_of("*?")) != std::string::npos;) {
      name.replace(star, 1, "zz");
    }
    names.push_back(name);
    names.push_back(std::string("zz_unknown.").append(name));
    names.push_back(name + ".zz_tail");
  }
  for (const auto& [from, to] : Toml()->impl().aliases) {
    names.push_back(from);
    names.push_back(from + ".system");
    EXPECT_EQ(Precompiled()->Canonical(from + ".x.y"), Toml()->Canonical(from + ".x.y")) << from;
  }
  int bad = 0;
  for (const std::string& n : names) {
    std::string want = Describe(Toml()->Match(n)), got = Describe(Precompiled()->Match(n));
    if (want != got && bad++ < 10) {
      ADD_FAILURE() << "Match(" << n << ")\n toml:        " << want << "\n precompiled: " << got;
    }
    EXPECT_EQ(Precompiled()->Canonical(n), Toml()->Canonical(n));
  }
}

TEST(Precompiled, KnowsTheSameModules) {
  ASSERT_NE(Toml(), nullptr);
  ASSERT_NE(Precompiled(), nullptr);
  for (const char* m : {"builtins", "__builtin__", "os", "torch", "pandas", "sklearn", "o", "os_x",
                        "zz_unknown", "mv_models", "", "transformers"}) {
    EXPECT_EQ(Precompiled()->KnowsModule(m), Toml()->KnowsModule(m)) << m;
  }
  EXPECT_TRUE(Precompiled()->KnowsModule("builtins"));
  EXPECT_TRUE(Precompiled()->KnowsModule("__builtin__"));  // an alias of builtins
  EXPECT_TRUE(Precompiled()->KnowsModule("pandas"));
  EXPECT_FALSE(Precompiled()->KnowsModule("o"));
  EXPECT_FALSE(Precompiled()->KnowsModule("mv_models"));
}

TEST(Precompiled, FeaturesCategoriesAndSemanticsTheSame) {
  ASSERT_NE(Toml(), nullptr);
  ASSERT_NE(Precompiled(), nullptr);
  const auto& impl = Toml()->impl();
  ASSERT_FALSE(impl.features.empty());
  for (const FeatureRule& f : impl.features) {
    for (const std::string& subject : {f.pattern, std::string("zz-no-such-subject"),
                                       f.pattern + "zz", std::string("zz").append(f.pattern)}) {
      EXPECT_EQ(Describe(Precompiled()->MatchFeature(f.kind, subject)),
                Describe(Toml()->MatchFeature(f.kind, subject)))
          << f.kind << " " << subject;
    }
  }
  EXPECT_EQ(Precompiled()->MatchFeature("zz.kind", "x"), nullptr);

  ASSERT_FALSE(impl.categories.empty());
  for (const auto& [name, c] : impl.categories) {
    const CategoryDefaults* p = Precompiled()->Category(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_EQ(p->name, c.name);
    EXPECT_EQ(Describe(p->action), Describe(c.action)) << name;
  }
  EXPECT_EQ(Precompiled()->Category("zz-none"), nullptr);

  const auto& want = Toml()->impl().semantics.entries;
  const pickle::Semantics& got = Precompiled()->semantics();
  ASSERT_FALSE(want.empty());
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [name, e] : want) {
    const pickle::SemanticEntry* p = got.Find(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_EQ(p->semantic, e.semantic) << name;
    EXPECT_EQ(p->func_arg, e.func_arg) << name;
    EXPECT_EQ(p->data_arg, e.data_arg) << name;
    EXPECT_EQ(p->codec, e.codec) << name;
    EXPECT_EQ(got.Find(name), p) << name;  // built once
    // Names a byte longer, shorter or different are found only when they are entries too.
    std::string flipped = name;
    flipped[flipped.size() / 2] ^= 0x20;
    for (const std::string& near : {name + "x", name.substr(0, name.size() - 1), flipped}) {
      EXPECT_EQ(got.Find(near) != nullptr, want.count(near) != 0) << near;
    }
  }
  EXPECT_EQ(got.Find(""), nullptr);
}

// A blob this build did not write is refused, not read.
TEST(Precompiled, RefusesAForeignBlob) {
  EXPECT_FALSE(FromPacked("").ok());
  EXPECT_FALSE(FromPacked(std::string(200, 'x')).ok());
  auto blob = Pack(*Toml());
  ASSERT_TRUE(blob.ok());
  EXPECT_TRUE(FromPacked(*blob).ok());
  EXPECT_FALSE(FromPacked(std::string_view(*blob).substr(0, blob->size() / 2)).ok());
}

}  // namespace
}  // namespace mv::kb
