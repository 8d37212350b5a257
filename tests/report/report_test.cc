#include "report/report.h"

#include <gtest/gtest.h>

#include "report/json_text.h"

namespace mv {
namespace {

ScanReport Sample() {
  ScanReport r;
  FileReport u;
  u.path = "gpt2/pytorch_model.bin";
  u.format = "pytorch-zip";
  u.loader = "torch.load";
  u.size = 1234;
  u.bytes_read = 567;
  u.verdict = Verdict::kUnsafe;
  u.summary = "runs the shell command `ls` on load";
  u.findings.push_back({Severity::kCritical, "process", "stdlib.toml:os.system", "posix.system",
                        "posix.system('ls')", "archive/data.pkl@30", "runs a shell command"});
  r.files.push_back(u);
  FileReport s;
  s.path = "ok.pt";
  s.format = "pytorch-zip";
  s.verdict = Verdict::kSafe;
  s.sha256 = std::string(64, 'a');
  r.files.push_back(s);
  return r;
}

TEST(Json, MatchesDesignShape) {
  auto j = report::ToJson(Sample());
  EXPECT_EQ(j["tool"], "modelvet");
  ASSERT_EQ(j["files"].size(), 2u);
  const auto& f = j["files"][0];
  EXPECT_EQ(f["verdict"], "unsafe");
  EXPECT_EQ(f["bytes_read"], 567);
  EXPECT_FALSE(f.contains("sha256"));
  EXPECT_EQ(f["findings"][0]["evidence"], "posix.system('ls')");
  EXPECT_EQ(f["findings"][0]["location"], "archive/data.pkl@30");
  EXPECT_EQ(j["files"][1]["sha256"], std::string(64, 'a'));
  EXPECT_EQ(j["summary"]["files"], 2);
  EXPECT_EQ(j["summary"]["unsafe"], 1);
  EXPECT_EQ(j["summary"]["safe"], 1);
  EXPECT_EQ(j["summary"]["needs_review"], 0);
  // Key order follows docs/verdicts.md (the JSON report).
  EXPECT_EQ(j.begin().key(), "tool");
}

TEST(Sarif, HasRulesResultsAndLevels) {
  auto j = report::ToSarif(Sample());
  EXPECT_EQ(j["version"], "2.1.0");
  const auto& run = j["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["name"], "modelvet");
  ASSERT_EQ(run["results"].size(), 1u);
  EXPECT_EQ(run["results"][0]["level"], "error");
  EXPECT_EQ(run["results"][0]["ruleId"], "stdlib.toml:os.system");
  EXPECT_EQ(run["tool"]["driver"]["rules"][0]["id"], "stdlib.toml:os.system");
  EXPECT_EQ(run["artifacts"].size(), 2u);
}

TEST(Text, ShowsVerdictSummaryAndEvidence) {
  std::string t = report::ToText(Sample(), false);
  EXPECT_NE(t.find("UNSAFE  gpt2/pytorch_model.bin  (pytorch-zip, torch.load)"), std::string::npos);
  EXPECT_NE(t.find("runs the shell command `ls` on load"), std::string::npos);
  EXPECT_NE(t.find("posix.system('ls')"), std::string::npos);
  EXPECT_NE(t.find("2 file(s): 1 unsafe, 0 needs review, 1 safe, 0 error"), std::string::npos);
  EXPECT_EQ(t.find("\x1b["), std::string::npos);
  EXPECT_NE(report::ToText(Sample(), true).find("\x1b["), std::string::npos);
}

// The CLI writes the text in pieces (report/text.cc): together they are the whole text, each
// ends at the end of a file's lines, and none grows with the number of files.
TEST(Text, WrittenInPiecesThatEndWithAFile) {
  ScanReport r;
  for (int i = 0; i < 3000; ++i) {
    for (const FileReport& f : Sample().files) {
      r.files.push_back(f);
      r.files.back().path += "/" + std::to_string(i);
    }
  }
  r.files[17].findings.resize(2000, r.files[0].findings.at(0));  // one file of ~100 KiB of text
  for (bool color : {false, true}) {
    std::vector<std::string> pieces;
    report::WriteText(r, color, [&](std::string_view p) { pieces.emplace_back(p); });
    ASSERT_GT(pieces.size(), 3u);
    std::string whole;
    for (const auto& p : pieces) {
      EXPECT_FALSE(p.empty());
      EXPECT_EQ(p.back(), '\n');
      EXPECT_LT(p.size(), 256u << 10);
      whole += p;
    }
    EXPECT_EQ(whole, report::ToText(r, color));
    EXPECT_NE(whole.find("\n6000 file(s): 3000 unsafe, 0 needs review, 3000 safe, 0 error\n"),
              std::string::npos);
    // Every file's first line starts a piece or follows a line break: no file is split.
    for (size_t i = 1; i < pieces.size(); ++i) {
      EXPECT_TRUE(pieces[i].rfind("UNSAFE ", 0) == 0 || pieces[i].rfind("SAFE ", 0) == 0 ||
                  pieces[i].rfind("\x1b[", 0) == 0 || pieces[i].rfind("\n", 0) == 0)
          << pieces[i].substr(0, 40);
    }
  }
}

// The CLI streams JSON and SARIF (report/stream.cc); the bytes must be those of the whole
// documents, whatever the names hold (the slot markers, quotes, line breaks, invalid UTF-8).
TEST(Stream, JsonAndSarifAreTheWholeDocumentsByteForByte) {
  auto whole = [](const nlohmann::ordered_json& j) { return report::JsonText(j, 2) + "\n"; };
  auto streamed = [](auto write, const ScanReport& r, size_t* pieces) {
    std::string out;
    write(r, [&](std::string_view p) {
      out += p;
      ++*pieces;
    });
    return out;
  };
  std::vector<ScanReport> reports;
  reports.push_back({});  // no files: the arrays stay []
  reports.push_back(Sample());
  ScanReport hostile = Sample();
  hostile.files[0].path = "x\", \"files\": [], \"results\": []\n\xff\"artifacts\": []";
  hostile.files[0].findings[0].callable = "\"results\": []";
  hostile.files[1].summary = "line\nbreak \"files\": []";
  hostile.repositories.push_back({"\"files\": []", {0, 1}, {}});
  hostile.repositories[0].counts.Add(Verdict::kUnsafe);
  reports.push_back(hostile);
  ScanReport many = Sample();
  for (int i = 0; i < 2000; ++i) many.files.push_back(many.files[i % 2]);
  many.files[7].findings.resize(300, many.files[0].findings[0]);
  reports.push_back(many);
  for (const ScanReport& r : reports) {
    size_t json_pieces = 0, sarif_pieces = 0;
    EXPECT_EQ(streamed(report::WriteJson, r, &json_pieces), whole(report::ToJson(r)));
    EXPECT_EQ(streamed(report::WriteSarif, r, &sarif_pieces), whole(report::ToSarif(r)));
    if (r.files.size() > 1000) {  // each written in pieces, not held whole
      EXPECT_GT(json_pieces, 4u);
      EXPECT_GT(sarif_pieces, 4u);
    }
  }
}

}  // namespace
}  // namespace mv

namespace mv {
namespace {

TEST(Repositories, CountsVerdictAndRendering) {
  ScanReport r = Sample();
  r.repositories.push_back({"acme/tiny@abc", {0, 1}, {}});
  r.repositories[0].counts.Add(Verdict::kUnsafe);
  r.repositories[0].counts.Add(Verdict::kSafe);
  ScanReport::Counts review;
  review.Add(Verdict::kSafe);
  review.Add(Verdict::kError);
  EXPECT_EQ(review.Overall(), Verdict::kNeedsReview);  // an unreadable file is never cleared
  auto j = report::ToJson(r);
  ASSERT_EQ(j["repositories"].size(), 1u);
  EXPECT_EQ(j["repositories"][0]["name"], "acme/tiny@abc");
  EXPECT_EQ(j["repositories"][0]["verdict"], "unsafe");
  EXPECT_EQ(j["repositories"][0]["files"], 2);
  EXPECT_EQ(j["repositories"][0]["unsafe"], 1);
  EXPECT_NE(report::ToText(r, false).find("UNSAFE  acme/tiny@abc  2 file(s): 1 unsafe"),
            std::string::npos);
  EXPECT_FALSE(report::ToJson(Sample()).contains("repositories"));
}

}  // namespace
}  // namespace mv
