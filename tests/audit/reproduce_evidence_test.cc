// The rules that merge a sandboxed load into an audited file (audit/reproduce_evidence.h).
#include "audit/reproduce_evidence.h"

#include <gtest/gtest.h>

namespace mv::audit {
namespace {

using reproduce::Kind;
using reproduce::Outcome;
using reproduce::When;

FileReport Static(Verdict v, std::string summary) {
  FileReport r;
  r.path = "org/m@main/model.pt";
  r.verdict = v;
  r.summary = std::move(summary);
  return r;
}

store::FileRecord Record(const FileReport& r) {
  store::FileRecord f;
  f.model = "org/m";
  f.path = "model.pt";
  f.sha256 = "abc";
  f.verdict = r.verdict;
  f.summary = r.summary;
  return f;
}

reproduce::RunReport MakeRun(Outcome o) {
  reproduce::RunReport run;
  run.loader = "torch";
  run.outcome = o;
  if (o == Outcome::kPayloadObserved) {
    run.observed = {{Kind::kExec, "sh -c id", When::kDuringLoad},
                    {Kind::kConnect, "203.0.113.5:4444 (unreachable: the sandbox has no network)",
                     When::kAfterLoad}};
  }
  return run;
}

TEST(ReproduceEvidence, OnlyUnsafeAndNeedsReviewFilesAreRun) {
  EXPECT_TRUE(WantsReproduction(Static(Verdict::kUnsafe, "")));
  EXPECT_TRUE(WantsReproduction(Static(Verdict::kNeedsReview, "")));
  EXPECT_FALSE(WantsReproduction(Static(Verdict::kSafe, "")));
  EXPECT_FALSE(WantsReproduction(Static(Verdict::kError, "")));
}

TEST(ReproduceEvidence, AnObservationMakesTheFileUnsafeWithItAsSummary) {
  FileReport r = Static(Verdict::kNeedsReview, "calls acme.Net");
  store::FileRecord f = Record(r);
  MergeReproduction(MakeRun(Outcome::kPayloadObserved), r, f);
  EXPECT_EQ(r.verdict, Verdict::kUnsafe);
  EXPECT_EQ(f.verdict, Verdict::kUnsafe);
  EXPECT_EQ(f.summary, "Reproduced: loading it ran `sh -c id` (+1 more observed)");
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].category, "reproduced");
  EXPECT_EQ(r.findings[0].rule, "reproduce.exec");
  EXPECT_EQ(r.findings[0].severity, Severity::kCritical);
  EXPECT_EQ(r.findings[1].location, "sandbox (torch) after-load");
}

TEST(ReproduceEvidence, AQuietRunNeverClearsOrLowers) {
  for (Outcome o : {Outcome::kNothingObserved, Outcome::kLimitHit, Outcome::kLoaderError,
                    Outcome::kSandboxUnavailable}) {
    for (Verdict v : {Verdict::kUnsafe, Verdict::kNeedsReview}) {
      FileReport r = Static(v, "static summary");
      store::FileRecord f = Record(r);
      MergeReproduction(MakeRun(o), r, f);
      EXPECT_EQ(r.verdict, v) << reproduce::OutcomeName(o);
      EXPECT_EQ(f.verdict, v);
      EXPECT_EQ(f.summary, "static summary");
      ASSERT_EQ(r.findings.size(), 1u);
      EXPECT_EQ(r.findings[0].severity, Severity::kInfo);
    }
  }
}

TEST(ReproduceEvidence, HistoryReasonNamesOnlyObservedRuns) {
  FileReport r = Static(Verdict::kUnsafe, "");
  store::FileRecord f = Record(r);
  auto observed = ToReproduction(MakeRun(Outcome::kPayloadObserved), f, "t");
  auto quiet = ToReproduction(MakeRun(Outcome::kNothingObserved), f, "t");
  EXPECT_EQ(observed.file_sha, "abc");
  EXPECT_EQ(observed.outcome, "payload-observed");
  EXPECT_EQ(ReproducedReason({quiet}), "");
  EXPECT_EQ(ReproducedReason({quiet, observed}),
            "reproduced in the sandbox: model.pt: loading it ran `sh -c id`");
}

}  // namespace
}  // namespace mv::audit
