#include "server/html.h"

#include <fmt/format.h>

#include "core/text.h"

namespace mv::server::html {

namespace {

constexpr const char* kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool IsVoid(const char* tag) {
  for (const char* v : {"br", "hr", "img", "input", "wbr", "col", "area", "source", "track"})
    if (std::string_view(tag) == v) return true;
  return false;
}

void Escape(std::string_view s, std::string& out, bool attribute) {
  out.reserve(out.size() + s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t n = Utf8SequenceAt(s, i, &cp);
    if (n == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    if (n == 1) {
      char c = s[i];
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"':
          if (attribute)
            out += "&quot;";
          else
            out += c;
          break;
        case '\'':
          if (attribute)
            out += "&#39;";
          else
            out += c;
          break;
        default:
          if ((cp < 0x20 && c != '\t' && c != '\n' && c != '\r') || cp == 0x7F)
            out += kReplacement;
          else
            out += c;
      }
    } else if (IsHiddenFormat(cp)) {
      out += fmt::format("[U+{:04X}]", cp);
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
}

}  // namespace

void EscapeText(std::string_view s, std::string& out) {
  Escape(s, out, false);
}

void EscapeAttribute(std::string_view s, std::string& out) {
  Escape(s, out, true);
}

std::string PercentEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::optional<Url> Url::Origin(std::string_view origin) {
  std::string_view rest;
  if (origin.substr(0, 8) == "https://")
    rest = origin.substr(8);
  else if (origin.substr(0, 7) == "http://")
    rest = origin.substr(7);
  else
    return std::nullopt;
  if (rest.empty()) return std::nullopt;
  // host[:port]: letters, digits, '.', '-', ':' and IPv6 brackets; nothing else.
  for (char c : rest) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    if (!ok) return std::nullopt;
  }
  Url u;
  u.url_ = std::string(origin);
  return u;
}

Url& Url::Segment(std::string_view segment) {
  url_ += (url_.empty() || url_.back() != '/') ? "/" : "";
  // "." and ".." are unreserved yet would be resolved away by the browser.
  if (segment == "." || segment == "..")
    for (size_t i = 0; i < segment.size(); ++i) url_ += "%2E";
  else
    url_ += PercentEncode(segment);
  return *this;
}

Url& Url::Segments(std::string_view path) {
  size_t start = 0;
  for (;;) {
    size_t slash = path.find('/', start);
    Segment(path.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) return *this;
    start = slash + 1;
  }
}

Url& Url::Query(Key key, std::string_view value) {
  url_ += has_query_ ? "&" : "?";
  has_query_ = true;
  url_ += key.str();
  url_ += "=";
  url_ += PercentEncode(value);
  return *this;
}

Url& Url::Fragment(std::string_view fragment) {
  if (has_fragment_) return *this;
  has_fragment_ = true;
  url_.push_back('#');  // appended forward: GCC 12 -O3 -Wrestrict misreads "#" + string
  url_ += PercentEncode(fragment);
  return *this;
}

Node Node::Element(Tag tag) {
  Node n;
  n.tag_ = tag.name();
  return n;
}

Node Node::Text(std::string_view text) {
  Node n;
  n.text_ = std::string(text);
  return n;
}

Node& Node::Attr(AttrName name, std::string_view value) & {
  attrs_.emplace_back(name.name(), std::string(value));
  return *this;
}

Node& Node::Attr(AttrName name) & {
  attrs_.emplace_back(name.name(), std::string());
  return *this;
}

Node& Node::Link(UrlAttr name, const Url& url) & {
  attrs_.emplace_back(name.name(), url.str());
  return *this;
}

Node& Node::Class(std::string_view cls) & {
  for (auto& [n, v] : attrs_)
    if (std::string_view(n) == "class") {
      v += " ";
      v += cls;
      return *this;
    }
  attrs_.emplace_back("class", std::string(cls));
  return *this;
}

Node& Node::Add(Node child) & {
  if (tag_ && !IsVoid(tag_)) children_.push_back(std::move(child));
  return *this;
}

Node& Node::Add(std::string_view text) & {
  return Add(Text(text));
}

Node& Node::AddAll(std::vector<Node> children) & {
  for (auto& c : children) Add(std::move(c));
  return *this;
}

void Node::RenderTo(std::string& out) const {
  if (!tag_) {
    EscapeText(text_, out);
    return;
  }
  out += '<';
  out += tag_;
  for (const auto& [name, value] : attrs_) {
    out += ' ';
    out += name;
    out += "=\"";
    EscapeAttribute(value, out);
    out += '"';
  }
  out += '>';
  if (IsVoid(tag_)) return;
  for (const Node& c : children_) c.RenderTo(out);
  out += "</";
  out += tag_;
  out += '>';
}

std::string Node::Render() const {
  std::string out;
  RenderTo(out);
  return out;
}

std::string Document(std::string_view title, const Url& stylesheet, const Url& icon,
                     const Url& script, Node body) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"referrer\" content=\"same-origin\"><title>";
  EscapeText(title, out);
  out += "</title><link rel=\"stylesheet\" href=\"";
  EscapeAttribute(stylesheet.str(), out);
  out += "\"><link rel=\"icon\" type=\"image/svg+xml\" href=\"";
  EscapeAttribute(icon.str(), out);
  out += "\"><script src=\"";
  EscapeAttribute(script.str(), out);
  out += "\" defer></script></head><body>";
  body.RenderTo(out);
  out += "</body></html>\n";
  return out;
}

}  // namespace mv::server::html
