#include "core/text.h"

#include <gtest/gtest.h>

namespace mv {
namespace {

TEST(EscapeText, LineBreaksAndControlsCannotForgeALine) {
  EXPECT_EQ(EscapeText("evil.pkl\nSAFE    forged.pkl"), "evil.pkl\\nSAFE    forged.pkl");
  EXPECT_EQ(EscapeText("a\rb\tc"), "a\\rb\\tc");
  EXPECT_EQ(EscapeText("\x1b[2J\x1b]0;title\x07"), "\\x1b[2J\\x1b]0;title\\x07");
  EXPECT_EQ(EscapeText(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(EscapeText("del\x7f"), "del\\x7f");
}

TEST(EscapeText, InvalidUtf8BytesAndHiddenCodePoints) {
  EXPECT_EQ(EscapeText("x\xff.pkl"), "x\\xff.pkl");
  EXPECT_EQ(EscapeText("\xc3"), "\\xc3");                    // truncated sequence
  EXPECT_EQ(EscapeText("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
  EXPECT_EQ(EscapeText("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(EscapeText("\xc2\x9b"), "\\u009b");              // C1 CSI
  EXPECT_EQ(EscapeText("safe\xe2\x80\xae"
                       "lkp.exe"),
            "safe\\u202elkp.exe");                           // RLO
  EXPECT_EQ(EscapeText("\xf3\xa0\x80\x81"), "\\U000e0001");  // tag character
  // Printable text, UTF-8 included, is unchanged.
  EXPECT_EQ(EscapeText("modèle 模型 ÿ.pkl"), "modèle 模型 ÿ.pkl");
}

TEST(EscapeText, Idempotent) {
  std::string nasty = "a\\x1b\n\x1b\xff\xe2\x80\xae\\";
  std::string once = EscapeText(nasty);
  EXPECT_EQ(EscapeText(once), once);
  for (char c : once) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
}

TEST(IsValidUtf8, Rejects) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("modèle 模型 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xe6\xa8"));
  EXPECT_FALSE(IsValidUtf8("\xed\xb3\xbf"));      // U+DCFF encoded: not UTF-8
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

}  // namespace
}  // namespace mv
