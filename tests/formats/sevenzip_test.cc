#include "formats/sevenzip/sevenzip.h"

#include <gtest/gtest.h>

#include "containers_testutil.h"
#include "formats/registry.h"

namespace mv::formats {
namespace {

using testing::AllBytes;
using testing::Codes;
using testing::FindMember;
using testing::LooksLikeFixturePickle;
using testing::MustRead;
using testing::OpenContainerFixture;

TEST(SevenZip, ExtractsEntries) {
  auto src = OpenContainerFixture("7z/plain.7z");
  EXPECT_EQ(Sniff(*src), FormatId::kSevenZip);
  ReadContext ctx;
  ReadOutput o = MustRead(sevenzip::Read, src, &ctx);
  EXPECT_EQ(o.format, "7z");
  EXPECT_TRUE(o.anomalies.empty()) << Codes(o);
  ASSERT_EQ(o.members.size(), 2u);
  ASSERT_NE(FindMember(o, "payload.pkl"), nullptr);
  EXPECT_TRUE(LooksLikeFixturePickle(AllBytes(*FindMember(o, "payload.pkl")->data)));
  EXPECT_EQ(AllBytes(*FindMember(o, "notes.txt")->data), "hello 7z\n");
  EXPECT_EQ(ctx.expanded_bytes,
            FindMember(o, "payload.pkl")->data->size() + FindMember(o, "notes.txt")->data->size());
}

TEST(SevenZip, TruncatedIsAnErrorOrIncomplete) {
  // Either a malformed/truncated error or an incomplete read that says the archive is corrupt;
  // either way the scan cannot clear it.
  auto src = OpenContainerFixture("broken/7z-truncated.7z");
  ReadContext ctx;
  auto r = sevenzip::Read(src, ctx);
  if (r.ok()) {
    EXPECT_FALSE(r->complete) << Codes(*r);
    ASSERT_NE(testing::FindAnomaly(*r, "7z.corrupt"), nullptr) << Codes(*r);
    EXPECT_TRUE(r->members.empty());
  } else {
    EXPECT_TRUE(r.error().code == Errc::kMalformed || r.error().code == Errc::kTruncated)
        << ErrcName(r.error().code) << ": " << r.error().message;
  }
  EXPECT_EQ(testing::ScanVerdict(src), Verdict::kNeedsReview);
}

}  // namespace
}  // namespace mv::formats
