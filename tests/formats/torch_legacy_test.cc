// Legacy torch.save reader over the torch.save'd fixtures of the pickle differential corpus.
#include "formats/torch_legacy/torch_legacy.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "formats/registry.h"
#include "pickle/value.h"

namespace mv::formats {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(TorchLegacy, ReadsFivePicklesAndValidatesStorages) {
  for (const char* name :
       {"torch-legacy-state_dict", "torch-legacy-module", "torch-legacy-tensor"}) {
    SCOPED_TRACE(name);
    std::string base = std::string(MV_FIXTURES) + "/pickle/diff/" + name;
    std::string data = Slurp(base + ".pkl");
    nlohmann::json j = nlohmann::json::parse(Slurp(base + ".json"));
    SourcePtr src = MakeMemorySource(data);
    EXPECT_TRUE(Accepts(*Find(FormatId::kTorchLegacy), *src));
    EXPECT_EQ(Sniff(*src), FormatId::kTorchLegacy);
    ReadContext ctx;
    auto out = torch_legacy::Read(src, ctx);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->format, "torch-legacy");
    EXPECT_EQ(out->loader, "torch.load");
    ASSERT_EQ(out->members.size(), 1u);
    EXPECT_EQ(out->members[0].hint, Hint::kPickleStream);
    // The stream was analysed here; the pickle reader takes this trace instead of a second run.
    ASSERT_NE(out->members[0].analysed, nullptr);
    EXPECT_TRUE(out->members[0].analysed->complete);
    EXPECT_EQ(out->members[0].data->size(), j["pickles"][4]["end"].get<uint64_t>());
    EXPECT_TRUE(out->anomalies.empty())
        << out->anomalies[0].code << ": " << out->anomalies[0].message;

    SourcePtr longer = MakeMemorySource(data + "TRAILER");
    auto out2 = torch_legacy::Read(longer, ctx);
    ASSERT_TRUE(out2.ok());
    ASSERT_EQ(out2->anomalies.size(), 1u);
    EXPECT_EQ(out2->anomalies[0].code, "torch-legacy.data-after-storages");

    SourcePtr shorter = MakeMemorySource(data.substr(0, data.size() - 3));
    auto out3 = torch_legacy::Read(shorter, ctx);
    ASSERT_TRUE(out3.ok());
    ASSERT_EQ(out3->anomalies.size(), 1u);
    EXPECT_EQ(out3->anomalies[0].code, "torch-legacy.storage-truncated");
  }
}

TEST(TorchLegacy, PlainPickleIsNotLegacyTorch) {
  std::string data = Slurp(std::string(MV_FIXTURES) + "/pickle/diff/scalars-p2.pkl");
  SourcePtr src = MakeMemorySource(data);
  EXPECT_FALSE(Accepts(*Find(FormatId::kTorchLegacy), *src));
  EXPECT_EQ(Sniff(*src), FormatId::kPickle);
}

}  // namespace
}  // namespace mv::formats
