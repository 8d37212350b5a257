// The whole scanner on arbitrary bytes: sniffing, every container reader, the pickle machine,
// the knowledge base and the verdict, exactly as `modelvet scan` runs them on one file.
// Besides "no crash, no leak, no UB", it checks invariants that must hold for any input:
//  - a finding that says analysis stopped early (a `limit.*` rule or an incomplete-read
//    anomaly) never comes with the verdict `safe` (fail closed);
//  - a file made of bytes is never `error` (that is reserved for files that cannot be read);
//  - the report renders to JSON that parses back with the same verdict and finding count.
// Crashes found so far are kept in fuzz/corpus/scan/regress-* (ctest replays them).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "core/scan_result.h"
#include "core/source.h"
#include "kb/kb.h"
#include "report/report.h"
#include "scan/scanner.h"

namespace {

const std::shared_ptr<const mv::kb::KnowledgeBase>& Kb() {
  static const std::shared_ptr<const mv::kb::KnowledgeBase> kb = [] {
    auto r = mv::kb::KnowledgeBase::Load({});
    if (!r.ok()) {
      std::fprintf(stderr, "scan_fuzz: embedded rules do not load: %s\n",
                   r.error().message.c_str());
      std::abort();
    }
    return *r;
  }();
  return kb;
}

[[noreturn]] void Fail(const char* what, const mv::FileReport& r) {
  std::fprintf(stderr, "scan_fuzz invariant violated: %s (verdict %s, %zu findings)\n", what,
               mv::VerdictName(r.verdict), r.findings.size());
  for (const auto& f : r.findings) {
    std::fprintf(stderr, "  %s %s %s %s\n", f.category.c_str(), f.rule.c_str(), f.location.c_str(),
                 f.message.c_str());
  }
  std::abort();
}

// A finding that means part of the input was not analysed.
bool StopsAnalysis(const mv::Finding& f) {
  std::string_view rule = f.rule;
  return rule.starts_with("limit.") || rule.find("incomplete") != std::string_view::npos ||
         rule.find("truncated") != std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mv::scan::Options options;
  options.kb = Kb();
  // libFuzzer's own -timeout catches hangs; the budget keeps the invariant reachable.
  options.time_budget_ms = 20'000;
  auto src = mv::MakeMemorySource(std::string_view(reinterpret_cast<const char*>(data), size));
  mv::FileReport report = mv::scan::ScanSource(src, "fuzz-input", options);

  if (report.verdict == mv::Verdict::kError) Fail("in-memory input judged `error`", report);
  if (report.verdict == mv::Verdict::kSafe) {
    for (const auto& f : report.findings) {
      if (StopsAnalysis(f)) Fail("`safe` despite an incomplete analysis", report);
    }
  }

  mv::ScanReport all;
  all.files.push_back(report);
  // Replace, not throw, on invalid UTF-8: tests/e2e/test_limits.py holds the CLI to valid
  // UTF-8 JSON; here the fuzzer keeps going to find the next defect.
  std::string text =
      mv::report::ToJson(all).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto back = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (back.is_discarded()) Fail("report JSON does not parse", report);
  const auto& file = back["files"][0];
  if (!file.is_object() || file.value("verdict", "") != mv::VerdictName(report.verdict)) {
    Fail("report JSON verdict differs", report);
  }
  const auto& findings = file["findings"];
  if (!findings.is_array() || findings.size() != report.findings.size()) {
    Fail("report JSON finding count differs", report);
  }
  return 0;
}
