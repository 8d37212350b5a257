#include "report/json_text.h"

#include <gtest/gtest.h>

namespace mv::report {
namespace {

using nlohmann::ordered_json;

TEST(JsonText, MatchesDumpOnValidDocuments) {
  ordered_json j = {{"path", "a \"b\"\\c\n\x01"},
                    {"n", 3},
                    {"neg", -2},
                    {"f", 1.5},
                    {"ok", true},
                    {"nil", nullptr},
                    {"list", {1, "x", ordered_json::array(), ordered_json::object()}},
                    {"obj", {{"k", "ü"}}},
                    {"empty", ordered_json::object()}};
  EXPECT_EQ(JsonText(j, 2), j.dump(2));
  EXPECT_EQ(JsonText(j), j.dump());
  EXPECT_EQ(JsonText(ordered_json("scalar")), "\"scalar\"");
  nlohmann::json u = {{"b", 1}, {"a", {2, 3}}};
  EXPECT_EQ(JsonText(u, 4), u.dump(4));
}

TEST(JsonText, InvalidUtf8IsSurrogateEscapedNotThrown) {
  ordered_json j = {{"path", "x\xff.pkl"}, {"note", "\xe6\xa8"}};
  std::string text;
  ASSERT_NO_THROW(text = JsonText(j));
  EXPECT_EQ(text, R"({"path":"x\udcff.pkl","note":"\udce6\udca8"})");
  // Valid multi-byte characters stay as they are.
  EXPECT_EQ(JsonString("模型"), "\"模型\"");
}

TEST(JsonText, DeepNestingCostsNoStack) {
  ordered_json j = ordered_json::array();
  ordered_json* cur = &j;
  for (int i = 0; i < 200000; ++i) {
    cur->push_back(ordered_json::array());
    cur = &cur->back();
  }
  std::string text = JsonText(j);
  EXPECT_EQ(text.size(), 2u * 200001u);
}

}  // namespace
}  // namespace mv::report
