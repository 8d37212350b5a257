#include "formats/gguf/gguf.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "containers_testutil.h"
#include "formats/common/jinja/jinja.h"
#include "formats/registry.h"

namespace mv::formats {
namespace {

using testing::ScanVerdict;

SourcePtr Open(const std::string& name) {
  auto s = OpenFileSource(std::string(MV_FIXTURES) + "/formats/gguf/" + name);
  EXPECT_TRUE(s.ok()) << name;
  return s.ok() ? *s : MakeMemorySource(std::string_view());
}

std::vector<std::string> Subjects(const ReadOutput& o) {
  std::vector<std::string> v;
  for (const auto& ob : o.observations) v.push_back(ob.subject);
  return v;
}

TEST(Gguf, BenignTemplatesHaveNoObservations) {
  for (const char* f : {"benign-chatml.gguf", "benign-llama2.gguf"}) {
    auto src = Open(f);
    EXPECT_EQ(Sniff(*src), FormatId::kGguf) << f;
    ReadContext ctx;
    auto r = gguf::Read(src, ctx);
    ASSERT_TRUE(r.ok()) << f << ": " << r.error().message;
    EXPECT_EQ(r->format, "gguf");
    EXPECT_EQ(r->loader, "llama.cpp / llama-cpp-python");
    EXPECT_TRUE(r->observations.empty()) << f << ": " << r->observations[0].subject;
    EXPECT_TRUE(r->anomalies.empty()) << f << ": " << r->anomalies[0].message;
    EXPECT_TRUE(r->complete);
  }
}

TEST(Gguf, NamedTemplateSsti) {
  auto src = Open("ssti-named-template.gguf");
  ReadContext ctx;
  auto r = gguf::Read(src, ctx);
  ASSERT_TRUE(r.ok());
  auto s = Subjects(*r);
  std::vector<std::string> want = {"__class__", "__base__",     "__subclasses__", "__name__",
                                   "_module",   "__builtins__", "__import__",     "popen"};
  EXPECT_EQ(s, want);
  const auto& o = r->observations[0];
  EXPECT_EQ(o.kind, "jinja.attr");
  EXPECT_NE(o.evidence.find("tokenizer.chat_template.tool_use: {% for x in ().__class__"),
            std::string::npos)
      << o.evidence;
  EXPECT_NE(o.loader.find("llama-cpp-python<0.2.72"), std::string::npos);
  // Offset points at the template text inside the file.
  auto at = src->Read(o.offset, 8);
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(std::string(at->begin(), at->end()), "{% for x");
}

TEST(Gguf, ObfuscatedAttrFilter) {
  auto src = Open("ssti-obfuscated.gguf");
  ReadContext ctx;
  auto r = gguf::Read(src, ctx);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Subjects(*r), (std::vector<std::string>{"__init__", "__globals__"}));
}

TEST(Gguf, StringLengthPastEndIsAnError) {
  auto src = Open("broken-string-length.gguf");
  ReadContext ctx;
  auto r = gguf::Read(src, ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
}

TEST(Gguf, TensorPastEndIsAnAnomaly) {
  auto src = Open("broken-tensor-bounds.gguf");
  ReadContext ctx;
  auto r = gguf::Read(src, ctx);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->anomalies.size(), 1u);
  EXPECT_EQ(r->anomalies[0].code, "gguf.tensor-bounds");
}

TEST(Gguf, TruncatedHeadersNeverCrash) {
  // Every prefix of a real file: an error of kind truncated/malformed, or a read that names
  // what is missing (incomplete with a gguf.truncated/malformed anomaly, or complete headers
  // whose tensor data is missing: gguf.tensor-bounds). The scan never calls a prefix safe.
  auto full = Open("ssti-named-template.gguf");
  auto all = full->Read(0, full->size());
  ASSERT_TRUE(all.ok());
  std::vector<uint8_t> bytes(all->begin(), all->end());
  int errors = 0, incomplete = 0, bounds = 0;
  for (size_t n = 8; n < bytes.size(); n += 7) {
    SCOPED_TRACE("prefix of " + std::to_string(n) + " bytes");
    auto src =
        MakeMemorySource(std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<long>(n)));
    ReadContext ctx;
    auto r = gguf::Read(src, ctx);
    if (!r.ok()) {
      ++errors;
      EXPECT_TRUE(r.error().code == Errc::kTruncated || r.error().code == Errc::kMalformed)
          << ErrcName(r.error().code) << ": " << r.error().message;
    } else if (!r->complete) {
      ++incomplete;
      bool says_why = false;
      for (const auto& a : r->anomalies) {
        says_why |= a.code == "gguf.truncated" || a.code == "gguf.malformed";
      }
      EXPECT_TRUE(says_why) << r->anomalies.size() << " anomalies";
    } else {
      ++bounds;
      ASSERT_FALSE(r->anomalies.empty());
      for (const auto& a : r->anomalies) EXPECT_EQ(a.code, "gguf.tensor-bounds") << a.message;
    }
    Verdict v = ScanVerdict(src);
    EXPECT_TRUE(v == Verdict::kNeedsReview || v == Verdict::kUnsafe) << VerdictName(v);
  }
  // All three outcomes occur, so each branch above was exercised.
  EXPECT_GT(errors, 0);
  EXPECT_GT(incomplete, 0);
  EXPECT_GT(bounds, 0);
}

TEST(Gguf, HeaderOnlyIsRead) {
  // A header describing a 2 GiB tensor: reading it touches only the header bytes.
  std::string h = "GGUF";
  auto put32 = [&](uint32_t v) { h.append(reinterpret_cast<const char*>(&v), 4); };
  auto put64 = [&](uint64_t v) { h.append(reinterpret_cast<const char*>(&v), 8); };
  put32(3);
  put64(1);
  put64(0);
  put64(1);
  h += "w";
  put32(1);
  put64(512ull << 20);
  put32(0);
  put64(0);
  EXPECT_EQ(h.size(), 57u);
  h.append(64 - h.size(), '\0');  // data starts at the 32-byte alignment
  // The header in front of a 2 GiB hole (a sparse file): only header bytes may be read.
  std::string path = ::testing::TempDir() + "/mv_gguf_header_only." + std::to_string(::getpid());
  {
    std::ofstream out(path, std::ios::binary);
    out << h;
    out.seekp(static_cast<std::streamoff>(h.size() + (2ull << 30) - 1));
    out.put('\0');
  }
  auto src = OpenFileSource(path);
  ASSERT_TRUE(src.ok()) << src.error().message;
  ReadContext ctx;
  auto r = gguf::Read(*src, ctx);
  std::remove(path.c_str());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->complete);
  EXPECT_TRUE(r->anomalies.empty()) << r->anomalies[0].message;
  EXPECT_EQ((*src)->size(), 64u + (2ull << 30));
  EXPECT_LE((*src)->bytes_read(), 64u) << "of " << (*src)->size();
  EXPECT_GT((*src)->bytes_read(), 0u);

  // The same header without the tensor data: one anomaly, the data is missing.
  auto mem = MakeMemorySource(h.substr(0, 57));
  auto cut = gguf::Read(mem, ctx);
  ASSERT_TRUE(cut.ok());
  ASSERT_EQ(cut->anomalies.size(), 1u);
  EXPECT_EQ(cut->anomalies[0].code, "gguf.tensor-bounds");
}

TEST(Jinja, DunderConcatenationAndJoin) {
  auto u = jinja::SensitiveNames("{{ x['__cla'+'ss__'] }}{{ y[['__glo','bals__']|join] }}");
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[0].name, "__class__");
  EXPECT_EQ(u[1].name, "__globals__");
  EXPECT_EQ(u[1].offset, 23u);
}

TEST(Jinja, StringsOutsideBlocksAndCommentsIgnored) {
  EXPECT_TRUE(jinja::SensitiveNames("__class__ os.popen {# {{ x.__class__ }} #}").empty());
  EXPECT_TRUE(jinja::SensitiveNames("{% raw %}{{ x.__class__ }}{% endraw %}").empty());
  EXPECT_TRUE(jinja::SensitiveNames("{{ message['role'] == 'system' }}").empty());
  auto u = jinja::SensitiveNames("{{ '}}' }}{{ lipsum.__globals__.os.popen('id').read() }}");
  ASSERT_EQ(u.size(), 3u);
  EXPECT_EQ(u[0].name, "__globals__");
  EXPECT_EQ(u[1].name, "os");
  EXPECT_EQ(u[2].name, "popen");
}

}  // namespace
}  // namespace mv::formats
