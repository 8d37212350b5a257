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

TEST(AppendUtf8, EncodesEveryLengthAndReplacesWhatIsNotACodePoint) {
  std::string out;
  for (uint32_t cp : {0x41u, 0xE9u, 0x6A21u, 0x1F600u}) AppendUtf8(out, cp);
  EXPECT_EQ(out, "A\xc3\xa9\xe6\xa8\xa1\xf0\x9f\x98\x80");
  EXPECT_TRUE(IsValidUtf8(out));
  out.clear();
  AppendUtf8(out, 0x110000);  // above U+10FFFF
  EXPECT_EQ(out, "\xef\xbf\xbd");
  out.clear();
  AppendUtf8(out, 0xDC80);  // a lone surrogate, kept as a pickled str holds it
  EXPECT_EQ(out, "\xed\xb2\x80");
  out.clear();
  AppendUtf8(out, 0xDC80, Surrogates::kReplace);
  EXPECT_EQ(out, "\xef\xbf\xbd");
}

TEST(Glob, StarQuestionAndLiteralBytes) {
  EXPECT_TRUE(Glob("torch.*", "torch.nn.Linear"));
  EXPECT_TRUE(Glob("*.safetensors", "model.safetensors"));
  EXPECT_TRUE(Glob("model-0000?-of-*.bin", "model-00001-of-00002.bin"));
  EXPECT_TRUE(Glob("*", ""));
  EXPECT_TRUE(Glob("a*b*c", "a-b-b-c"));
  EXPECT_FALSE(Glob("a*b*c", "a-b-b-"));
  EXPECT_FALSE(Glob("?", ""));
  EXPECT_FALSE(Glob("torch.*", "Torch.nn"));  // case-sensitive
  // Backtracking stays linear enough for a hostile subject.
  EXPECT_FALSE(Glob("*a*a*a*a*a*b", std::string(4096, 'a')));
}

TEST(EscapeInvalidUtf8, EscapesExactlyTheBadBytes) {
  std::string s = "ok 模型";
  EscapeInvalidUtf8(s);
  EXPECT_EQ(s, "ok 模型");
  s = std::string(
      "a\xff"
      "b\xc0\xaf"
      "c\xed\xa0\x80"
      "d\xe6\xa8");
  EscapeInvalidUtf8(s);
  EXPECT_EQ(s, "a\\xffb\\xc0\\xafc\\xed\\xa0\\x80d\\xe6\\xa8");
  EXPECT_TRUE(IsValidUtf8(s));
}

TEST(LowerAscii, LowersOnlyTheAsciiCapitals) {
  // Every byte value, at every position of strings long enough to take a vectorised path.
  for (size_t len : {1u, 15u, 16u, 33u, 70u}) {
    for (int b = 0; b < 256; ++b) {
      std::string in(len, static_cast<char>(b));
      in[len / 2] = 'Q';
      std::string want = in;
      for (char& c : want) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      ASSERT_EQ(LowerAscii(in), want) << "byte " << b << " length " << len;
    }
  }
  EXPECT_EQ(LowerAscii("Data.PKL/\xc3\x84@[`{"), "data.pkl/\xc3\x84@[`{");
  EXPECT_EQ(LowerAscii(""), "");
}

}  // namespace
}  // namespace mv
