// The HTML builder: every dynamic value is escaped when rendered; URLs are built, never pasted.
// (Element and attribute names are checked at compile time: `El("script")`, `Attr("onclick",
// …)` or `Attr("href", …)` do not compile, so they cannot be tested here.)
#include "server/html.h"

#include <gtest/gtest.h>

namespace mv::server::html {
namespace {

TEST(Html, TextAndAttributesAreEscaped) {
  std::string hostile = "\"><script>alert('x')</script>&amp;";
  Node n = El("p").Attr("title", hostile).Add(hostile);
  EXPECT_EQ(n.Render(),
            "<p title=\"&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;amp;\">"
            "\"&gt;&lt;script&gt;alert('x')&lt;/script&gt;&amp;amp;</p>");
}

TEST(Html, EveryDangerousByteIsNeutralised) {
  std::string out;
  EscapeText(std::string("a\0b\x01"
                         "c\x7f"
                         "d",
                         7),
             out);
  EXPECT_EQ(out,
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c\xEF\xBF\xBD"
            "d");
  out.clear();
  EscapeText("tab\tnl\ncr\r", out);
  EXPECT_EQ(out, "tab\tnl\ncr\r");
  // Bytes that are not UTF-8 (lone continuation, truncated sequence, overlong '<', surrogate).
  out.clear();
  EscapeText("\x80|\xE2\x82|\xC0\xBC|\xED\xA0\x80|\xF5\x80\x80\x80", out);
  EXPECT_EQ(
      out,
      "\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD|"
      "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  // Valid UTF-8 passes through; bidi overrides and invisible characters become visible (the
  // same set as the terminal's EscapeText).
  out.clear();
  EscapeText(
      "mod\xE2\x80\x8B"
      "el\xEF\xBB\xBF\xC2\x85",
      out);
  EXPECT_EQ(out, "mod[U+200B]el[U+FEFF][U+0085]");
  out.clear();
  EscapeText("caf\xC3\xA9 \xF0\x9F\x98\x80 evil\xE2\x80\xAEgpj.pkl", out);
  EXPECT_EQ(out, "caf\xC3\xA9 \xF0\x9F\x98\x80 evil[U+202E]gpj.pkl");
}

TEST(Html, VoidElementsTakeNoChildren) {
  Node n = El("input").Attr("type", "hidden").Attr("value", "<x>").Add("ignored");
  EXPECT_EQ(n.Render(), "<input type=\"hidden\" value=\"&lt;x&gt;\">");
  EXPECT_EQ(El("input").Attr("required").Render(), "<input required=\"\">");
}

TEST(Html, ClassesAccumulate) {
  EXPECT_EQ(El("span").Class("badge").Class("badge-ok").Render(),
            "<span class=\"badge badge-ok\"></span>");
}

TEST(Html, UrlsEncodeEverySegmentAndValue) {
  Url u("/models");
  u.Segments("org/na me\"><script>");
  EXPECT_EQ(u.str(), "/models/org/na%20me%22%3E%3Cscript%3E");
  Url q("/");
  q.Query("q", "a&b=c#d").Query("status", "x y").Fragment("file 1");
  EXPECT_EQ(q.str(), "/?q=a%26b%3Dc%23d&status=x%20y#file%201");
  Url s("/models");
  s.Segment("../..");
  EXPECT_EQ(s.str(), "/models/..%2F..") << "a segment cannot climb";
  Url dots("/models");
  dots.Segments("../.");
  EXPECT_EQ(dots.str(), "/models/%2E%2E/%2E") << "nor be resolved away";
  Node a = El("a").Link("href", u).Add("x");
  EXPECT_EQ(a.Render(), "<a href=\"/models/org/na%20me%22%3E%3Cscript%3E\">x</a>");
}

TEST(Html, OnlyHttpOriginsAreAccepted) {
  EXPECT_TRUE(Url::Origin("https://huggingface.co").has_value());
  EXPECT_TRUE(Url::Origin("http://127.0.0.1:8080").has_value());
  EXPECT_EQ(Url::Origin("https://hf.co")->Segments("org/x y").str(), "https://hf.co/org/x%20y");
  for (const char* bad :
       {"javascript:alert(1)", "https://", "ftp://x", "https://a.b/path", "https://user@host",
        "https://h\"onmouseover=x", "//evil.example", "data:text/html,x", "https://a b"})
    EXPECT_FALSE(Url::Origin(bad).has_value()) << bad;
}

TEST(Html, DocumentWritesTheOneHead) {
  std::string doc = Document("A <title>", Url("/static/app.css"), Url("/static/favicon.svg"),
                             Url("/static/app.js"), El("div").Add("body"));
  EXPECT_EQ(doc.rfind("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">", 0), 0u);
  EXPECT_NE(doc.find("<title>A &lt;title&gt;</title>"), std::string::npos) << "the title is text";
  EXPECT_NE(doc.find("<script src=\"/static/app.js\" defer></script>"), std::string::npos);
  EXPECT_NE(doc.find("<body><div>body</div></body></html>"), std::string::npos);
}

}  // namespace
}  // namespace mv::server::html
