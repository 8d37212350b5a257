#include "formats/npy/npy.h"

#include <gtest/gtest.h>

#include "containers_testutil.h"
#include "formats/registry.h"

namespace mv::formats {
namespace {

using testing::AllBytes;
using testing::Codes;
using testing::FindAnomaly;
using testing::MustRead;
using testing::OpenContainerFixture;

TEST(Npy, NumericArrayHasNoMembersAndIsNotRead) {
  auto src = OpenContainerFixture("npy/float32.npy");
  EXPECT_EQ(Sniff(*src), FormatId::kNpy);
  ReadOutput o = MustRead(npy::Read, src);
  EXPECT_EQ(o.format, "npy");
  EXPECT_EQ(o.loader, "np.load");
  EXPECT_TRUE(o.members.empty());
  EXPECT_TRUE(o.anomalies.empty()) << Codes(o);
}

TEST(Npy, DataNotReadForLargeFile) {
  // Read() itself touches only the header: check on a fresh source.
  auto src = OpenContainerFixture("npy/version2.npy");
  ReadOutput o = MustRead(npy::Read, src);
  EXPECT_TRUE(o.anomalies.empty()) << Codes(o);
  EXPECT_EQ(src->bytes_read(), src->size() - 5 * 8);  // everything but the 5 int64 values
}

TEST(Npy, ObjectArrayIsAPickle) {
  auto src = OpenContainerFixture("npy/object-benign.npy");
  ReadOutput o = MustRead(npy::Read, src);
  EXPECT_EQ(o.loader, "np.load(allow_pickle=True)");
  ASSERT_EQ(o.members.size(), 1u);
  const Member& m = o.members[0];
  EXPECT_EQ(m.name, "[array]");
  EXPECT_EQ(m.hint, Hint::kPickle);
  EXPECT_EQ(m.offset, 128u);  // numpy pads the header to 64-byte alignment
  std::string b = AllBytes(*m.data);
  EXPECT_EQ(static_cast<uint8_t>(b[0]), 0x80);  // PROTO
  EXPECT_EQ(b.back(), '.');                     // STOP
}

TEST(Npy, StructuredWithObjectField) {
  ReadOutput o = MustRead(npy::Read, OpenContainerFixture("npy/structured-object.npy"));
  ASSERT_EQ(o.members.size(), 1u);
  EXPECT_EQ(o.members[0].hint, Hint::kPickle);
}

TEST(Npy, TruncatedData) {
  ReadOutput o = MustRead(npy::Read, OpenContainerFixture("broken/npy-truncated-data.npy"));
  const Anomaly* a = FindAnomaly(o, "npy.size-mismatch");
  ASSERT_NE(a, nullptr) << Codes(o);
  EXPECT_NE(a->message.find("needs 800 data bytes, file has 720"), std::string::npos) << a->message;
}

TEST(Npy, MalformedHeaderIsAnError) {
  std::string bad("\x93NUMPY\x01\x00\x10\x00{'descr': <f4 }\n", 26);
  ReadContext ctx;
  auto r = npy::Read(MakeMemorySource(bad), ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kMalformed);
}

TEST(Npy, ObjectArrayInsideNpz) {
  // The zip reader yields the .npy members; each is sniffed and read as npy.
  auto src = OpenContainerFixture("npy/object.npz");
  ReadContext ctx;
  auto z = Find(FormatId::kZip)->read(src, ctx);
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->format, "npz");
  ASSERT_EQ(z->members.size(), 2u);
  EXPECT_EQ(Sniff(*z->members[0].data), FormatId::kNpy);
  ReadOutput o = MustRead(npy::Read, z->members[0].data);
  ASSERT_EQ(o.members.size(), 1u);
  EXPECT_EQ(o.members[0].name, "[array]");
}

}  // namespace
}  // namespace mv::formats
