// The Python and JavaScript tokenizers on the lexical corners that decide whether a model id
// is code, a string, a comment or prose.
#include <gtest/gtest.h>

#include "inventory/js_tokenizer.h"
#include "inventory/python_tokenizer.h"

namespace mv::inventory {
namespace {

// "kind:text" per token, strings by value, f-string parts as {expr} / literal.
std::vector<std::string> Py(std::string_view src) {
  PyTokens t = TokenizePython(src);
  std::vector<std::string> out;
  for (const PyToken& k : t.tokens) {
    switch (k.kind) {
      case PyTok::kName: out.push_back("N:" + std::string(TokenText(src, k))); break;
      case PyTok::kNumber: out.push_back("#:" + std::string(TokenText(src, k))); break;
      case PyTok::kOp: out.push_back(std::string(TokenText(src, k))); break;
      case PyTok::kNewline: out.push_back("NL"); break;
      case PyTok::kEnd: break;
      case PyTok::kString:
        out.push_back(std::string(k.flags & kTokBytes ? "B:" : "S:") + t.strings[k.value] +
                      (k.flags & kTokUnterminated ? "<open>" : ""));
        break;
      case PyTok::kFString: {
        std::string s = "F:";
        for (const auto& p : t.fstrings[k.value])
          s += p.expr ? "{" + p.text + (p.plain ? "" : "!") + "}" : p.text;
        out.push_back(s);
        break;
      }
    }
  }
  return out;
}

using V = std::vector<std::string>;

TEST(PythonTokenizer, PrefixesAndQuotes) {
  EXPECT_EQ(Py("a = r'\\n' + b\"x\" + u'u' + Rb'\\x' + '''t\n''' + \"\"\"q\"\"\"\n"),
            (V{"N:a", "=", "S:\\n", "+", "B:x", "+", "S:u", "+", "B:\\x", "+", "S:t\n", "+", "S:q",
               "NL"}));
  EXPECT_EQ(Py("'it''s' \"a\\\"b\" 'x\\\ny' '\\u00e9\\x41\\101'\n"),
            (V{"S:it", "S:s", "S:a\"b", "S:xy",
               "S:\xc3\xa9"
               "AA",
               "NL"}));
  // A name that merely ends like a prefix is a name.
  EXPECT_EQ(Py("bar'x'\n"), (V{"N:bar", "S:x", "NL"}));
}

TEST(PythonTokenizer, FStrings) {
  EXPECT_EQ(Py("f'{a}/{b!r}/{c:>{w}}/{{lit}}/{d=}'\n"), (V{"F:{a}/{b!}/{c!}/{lit}/{d!}", "NL"}));
  // PEP 701: nested quotes of the same kind, nested f-strings, multi-line fields.
  EXPECT_EQ(Py("f\"{x[\"k\"]}-{f\"{y}\"}\"\n"), (V{"F:{x[\"k\"]}-{f\"{y}\"}", "NL"}));
  EXPECT_EQ(Py("rf'{a}\\d' F'''{\n b\n}'''\n"), (V{"F:{a}\\d", "F:{\n b\n}", "NL"}));
}

TEST(PythonTokenizer, CommentsContinuationsBrackets) {
  EXPECT_EQ(Py("x = (1,  # c\n     2)\ny = 3 \\\n  + 4\n# only\n\nz\n"),
            (V{"N:x", "=", "(", "#:1", ",", "#:2", ")", "NL", "N:y", "=", "#:3", "+", "#:4", "NL",
               "N:z", "NL"}));
  EXPECT_EQ(Py("a **= 1 // 2 -> b := c ... @= d != e\n"),
            (V{"N:a", "**=", "#:1", "//", "#:2", "->", "N:b", ":=", "N:c", "...", "@=", "N:d",
               "!=", "N:e", "NL"}));
  EXPECT_EQ(Py("n = 1e-5 + 0x1f + 1_000j\n"),
            (V{"N:n", "=", "#:1e-5", "+", "#:0x1f", "+", "#:1_000j", "NL"}));
}

TEST(PythonTokenizer, LinesAndIndentation) {
  PyTokens t = TokenizePython("if a:\r\n\tb = '''x\ny'''\r\n    c\n");
  std::vector<std::pair<uint32_t, uint16_t>> got;
  for (const auto& k : t.tokens)
    if (k.kind == PyTok::kName) got.emplace_back(k.line, k.indent);
  EXPECT_EQ(got, (std::vector<std::pair<uint32_t, uint16_t>>{{1, 0}, {1, 0}, {2, 8}, {4, 4}}));
}

TEST(PythonTokenizer, UnterminatedStringsEndWithTheirLine) {
  EXPECT_EQ(Py("a = 'open\nb = 1\n"),
            (V{"N:a", "=", "S:open<open>", "NL", "N:b", "=", "#:1", "NL"}));
  EXPECT_EQ(Py("a = '''never closed\nb = 1\n"),
            (V{"N:a", "=", "S:never closed\nb = 1\n<open>", "NL"}));
}

std::vector<std::string> Js(std::string_view src) {
  JsTokens t = TokenizeJs(src);
  std::vector<std::string> out;
  for (const JsToken& k : t.tokens) {
    switch (k.kind) {
      case JsTok::kName: out.push_back("N:" + std::string(TokenText(src, k))); break;
      case JsTok::kNumber: out.push_back("#:" + std::string(TokenText(src, k))); break;
      case JsTok::kPunct: out.push_back(std::string(TokenText(src, k))); break;
      case JsTok::kRegex: out.push_back("R:" + std::string(TokenText(src, k))); break;
      case JsTok::kString: out.push_back("S:" + t.strings[k.value]); break;
      case JsTok::kTemplate: {
        std::string s = "T:";
        for (const auto& p : t.templates[k.value]) s += p.expr ? "{" + p.text + "}" : p.text;
        out.push_back(s);
        break;
      }
      case JsTok::kEnd: break;
    }
  }
  return out;
}

TEST(JsTokenizer, RegexOrDivision) {
  EXPECT_EQ(Js("a = b / c / d; e = /x\\/y[/]/g.test(f); return /'/;"),
            (V{"N:a",           "=", "N:b",    "/", "N:c", "/", "N:d", ";",        "N:e",   "=",
               "R:/x\\/y[/]/g", ".", "N:test", "(", "N:f", ")", ";",   "N:return", "R:/'/", ";"}));
}

TEST(JsTokenizer, TemplatesCommentsAndStrings) {
  EXPECT_EQ(Js("`a${b + `c${d}`}e` // x 'y\n/* `z */ 'q\\'r' \"\\u{1F600}\""),
            (V{"T:a{b + `c${d}`}e", "S:q'r", "S:\xf0\x9f\x98\x80"}));
  // JSX text with an apostrophe: the string ends with its line.
  EXPECT_EQ(Js("<p>Don't</p>\nx = 'y'"),
            (V{"<", "N:p", ">", "N:Don", "S:t</p>", "N:x", "=", "S:y"}));
  EXPECT_EQ(Js("a?.b ?? c ?.5 : 1 >>>= 2"),
            (V{"N:a", "?.", "N:b", "??", "N:c", "?", "#:.5", ":", "#:1", ">>>=", "#:2"}));
}

}  // namespace
}  // namespace mv::inventory
