#include "formats/tar/tar.h"

#include <gtest/gtest.h>

#include "containers_testutil.h"
#include "formats/registry.h"

namespace mv::formats {
namespace {

using testing::AllBytes;
using testing::Codes;
using testing::FindAnomaly;
using testing::FindMember;
using testing::LooksLikeFixturePickle;
using testing::MustRead;
using testing::OpenContainerFixture;

TEST(Tar, PlainMembersAreSubSources) {
  auto src = OpenContainerFixture("tar/plain.tar");
  EXPECT_EQ(Sniff(*src), FormatId::kTar);
  ReadOutput o = MustRead(tar::Read, src);
  EXPECT_EQ(o.format, "tar");
  EXPECT_TRUE(o.anomalies.empty()) << Codes(o);
  ASSERT_EQ(o.members.size(), 2u);
  EXPECT_EQ(o.members[0].name, "notes.txt");
  // Python writes a pax header for each member in PAX format? Only when needed: plain names
  // need none, so data follows the first 512-byte header.
  EXPECT_EQ(o.members[0].offset, 512u);
  EXPECT_EQ(AllBytes(*o.members[0].data), "hello\n");
  EXPECT_EQ(o.members[1].name, "payload.pkl");
  EXPECT_EQ(o.members[1].offset, 512u * 3);
  EXPECT_TRUE(LooksLikeFixturePickle(AllBytes(*o.members[1].data)));
}

TEST(Tar, LongNames) {
  std::string want = "";
  for (int i = 0; i < 30; ++i) want += "deep/";
  want += "payload.pkl";
  for (const char* f : {"tar/gnu-long-name.tar", "tar/pax-long-name.tar"}) {
    ReadOutput o = MustRead(tar::Read, OpenContainerFixture(f));
    ASSERT_EQ(o.members.size(), 1u) << f;
    EXPECT_EQ(o.members[0].name, want) << f;
    EXPECT_TRUE(LooksLikeFixturePickle(AllBytes(*o.members[0].data))) << f;
  }
}

TEST(Tar, TorchTar) {
  ReadOutput o = MustRead(tar::Read, OpenContainerFixture("tar/torch-tar.tar"));
  EXPECT_EQ(o.format, "torch-tar");
  EXPECT_EQ(o.loader, "torch.load");
  ASSERT_NE(FindMember(o, "pickle"), nullptr);
  EXPECT_EQ(FindMember(o, "pickle")->hint, Hint::kPickle);
  EXPECT_EQ(FindMember(o, "storages")->hint, Hint::kPickleStream);
}

// Python's tarfile (torch.load's legacy path) follows links, reads unknown types as files and
// reads a header where a directory's declared data is. Fixtures checked against tarfile.
TEST(Tar, LinksReadAsTheirTarget) {
  ReadOutput o = MustRead(tar::Read, OpenContainerFixture("tar/links.tar"));
  for (const char* name : {"blob", "alias", "pickle"}) {
    const Member* m = FindMember(o, name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_TRUE(LooksLikeFixturePickle(AllBytes(*m->data))) << name;
  }
}

TEST(Tar, VendorTypeIsAFile) {
  ReadOutput o = MustRead(tar::Read, OpenContainerFixture("tar/vendor-type.tar"));
  const Member* m = FindMember(o, "vendor.pkl");
  ASSERT_NE(m, nullptr) << Codes(o);
  EXPECT_TRUE(LooksLikeFixturePickle(AllBytes(*m->data)));
  EXPECT_NE(FindAnomaly(o, "tar.unusual-type"), nullptr) << Codes(o);
}

TEST(Tar, DirectoryDataIsReadBothWays) {
  ReadOutput o = MustRead(tar::Read, OpenContainerFixture("tar/dir-with-data.tar"));
  EXPECT_NE(FindAnomaly(o, "tar.special-with-data"), nullptr) << Codes(o);
  const Member* hidden = FindMember(o, "hidden.pkl");  // what tarfile sees
  ASSERT_NE(hidden, nullptr) << Codes(o);
  EXPECT_TRUE(LooksLikeFixturePickle(AllBytes(*hidden->data)));
  EXPECT_NE(FindMember(o, "dir/ [data]"), nullptr);  // what other readers skip
  EXPECT_NE(FindMember(o, "notes.txt"), nullptr);
}

TEST(Tar, BadChecksum) {
  auto src = OpenContainerFixture("broken/tar-bad-checksum.tar");
  EXPECT_NE(Sniff(*src), FormatId::kTar);   // not sniffed as tar ...
  ReadOutput o = MustRead(tar::Read, src);  // ... and if forced, reported
  const Anomaly* a = FindAnomaly(o, "tar.bad-checksum");
  ASSERT_NE(a, nullptr) << Codes(o);
  EXPECT_EQ(a->offset, 0u);
  EXPECT_FALSE(o.complete);
}

TEST(Tar, Truncated) {
  ReadOutput o = MustRead(tar::Read, OpenContainerFixture("broken/tar-truncated.tar"));
  const Anomaly* a = FindAnomaly(o, "tar.truncated");
  ASSERT_NE(a, nullptr) << Codes(o);
  EXPECT_TRUE(a->incomplete);
  ASSERT_EQ(o.members.size(), 1u);
  EXPECT_EQ(o.members[0].data->size(), 100u);  // what exists is still yielded
}

}  // namespace
}  // namespace mv::formats
