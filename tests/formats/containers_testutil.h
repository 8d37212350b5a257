// Helpers shared by the container reader tests (zip, tar, 7z, npy, compress).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/scan_result.h"
#include "core/source.h"
#include "formats/format.h"
#include "kb/kb.h"
#include "scan/scanner.h"

namespace mv::formats::testing {

inline std::string ContainerFixture(const std::string& rel) {
  return std::string(MV_FIXTURES) + "/containers/" + rel;
}

inline SourcePtr OpenContainerFixture(const std::string& rel) {
  auto r = OpenFileSource(ContainerFixture(rel));
  EXPECT_TRUE(r.ok()) << rel;
  return r.ok() ? *r : MakeMemorySource(std::string_view());
}

inline ReadOutput MustRead(Result<ReadOutput> (*read)(const SourcePtr&, ReadContext&),
                           const SourcePtr& src, ReadContext* ctx = nullptr) {
  ReadContext local;
  auto r = read(src, ctx != nullptr ? *ctx : local);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(*r) : ReadOutput{};
}

// The verdict a user would see for these bytes (the whole scanner, embedded rules).
inline Verdict ScanVerdict(const SourcePtr& src) {
  static const auto kb = kb::KnowledgeBase::Load({});
  EXPECT_TRUE(kb.ok());
  if (!kb.ok()) return Verdict::kError;
  scan::Options o;
  o.kb = *kb;
  return scan::ScanSource(src, "test-input", o).verdict;
}

inline const Anomaly* FindAnomaly(const ReadOutput& o, const std::string& code) {
  for (const auto& a : o.anomalies) {
    if (a.code == code) return &a;
  }
  return nullptr;
}

inline std::string Codes(const ReadOutput& o) {
  std::string s;
  for (const auto& a : o.anomalies) s += a.code + " ";
  return s;
}

inline const Member* FindMember(const ReadOutput& o, const std::string& name) {
  for (const auto& m : o.members) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

inline std::string AllBytes(Source& s) {
  auto r = s.Read(0, static_cast<size_t>(s.size()));
  if (!r.ok()) return "<read error>";
  return std::string(r->begin(), r->end());
}

// The benign pickle gen.py puts in most fixtures begins with PROTO 2 and ends with STOP.
inline bool LooksLikeFixturePickle(const std::string& b) {
  return b.size() > 100 && static_cast<uint8_t>(b[0]) == 0x80 && b[1] == 2 && b.back() == '.';
}

}  // namespace mv::formats::testing
