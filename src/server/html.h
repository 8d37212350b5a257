// The one HTML builder of the web app. A page is a tree of Nodes turned into text by Render();
// text and attribute values are escaped when rendered, always, so a string from the store (a
// model id, a file name, payload evidence, a licence, a hub message, a review note) can only
// ever become text. There is no way to insert markup from a string:
// - element and attribute names are string literals checked at compile time (consteval):
//   elements that run code or load other documents (script, style, iframe, object, …) and
//   attributes that do (on*, style, srcdoc) do not compile;
// - URL attributes (href, src, action, formaction) take a Url, which only its own builders make:
//   a path of this server from a literal plus percent-encoded segments and query values, or a
//   configured http(s) origin plus encoded segments — never a `javascript:` or other scheme;
// - the document head (charset, viewport, the one stylesheet and script) is written by
//   Document(), the only place those elements appear.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mv::server::html {

namespace detail {

consteval bool Same(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}

consteval bool StartsWith(const char* s, const char* prefix) {
  while (*prefix && *s == *prefix) ++s, ++prefix;
  return *prefix == 0;
}

// Lowercase ASCII letters, digits and '-', starting with a letter.
consteval bool IsName(const char* s) {
  if (!(*s >= 'a' && *s <= 'z')) return false;
  for (; *s; ++s)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-')) return false;
  return true;
}

consteval bool IsUrlAttribute(const char* s) {
  for (const char* u : {"href", "src", "action", "formaction", "poster", "cite", "data",
                        "background", "ping", "srcset", "manifest", "codebase", "longdesc"})
    if (Same(s, u)) return true;
  return false;
}

}  // namespace detail

// An element name. Script-capable and document-loading elements are refused at compile time.
class Tag {
 public:
  consteval Tag(const char* name) : name_(name) {  // NOLINT(google-explicit-constructor)
    if (!detail::IsName(name)) throw "html::Tag: not a lowercase element name";
    for (const char* bad :
         {"script", "style", "iframe", "frame",     "frameset", "object",   "embed",    "applet",
          "base",   "meta",  "link",   "template",  "svg",      "math",     "noscript", "html",
          "head",   "body",  "xmp",    "plaintext", "noembed",  "noframes", "portal"})
      if (detail::Same(name, bad)) throw "html::Tag: this element may not be built from a Tag";
  }
  const char* name() const { return name_; }

 private:
  const char* name_;
};

// An attribute name whose value is plain text. Event handlers, style, srcdoc and URL
// attributes are refused at compile time (URL attributes take a UrlAttr and a Url).
class AttrName {
 public:
  consteval AttrName(const char* name) : name_(name) {  // NOLINT(google-explicit-constructor)
    if (!detail::IsName(name)) throw "html::AttrName: not a lowercase attribute name";
    if (detail::StartsWith(name, "on")) throw "html::AttrName: event handlers are not allowed";
    if (detail::Same(name, "style") || detail::Same(name, "srcdoc") || detail::Same(name, "is") ||
        detail::Same(name, "http-equiv"))
      throw "html::AttrName: attribute not allowed";
    if (detail::IsUrlAttribute(name)) throw "html::AttrName: URL attributes take a Url";
  }
  const char* name() const { return name_; }

 private:
  const char* name_;
};

// A URL attribute name (href, src, action, formaction).
class UrlAttr {
 public:
  consteval UrlAttr(const char* name) : name_(name) {  // NOLINT(google-explicit-constructor)
    if (!(detail::Same(name, "href") || detail::Same(name, "src") || detail::Same(name, "action") ||
          detail::Same(name, "formaction")))
      throw "html::UrlAttr: not a URL attribute";
  }
  const char* name() const { return name_; }

 private:
  const char* name_;
};

// A path of this server written in the source: starts with '/', never "//", no '?', '#', '\\'
// or characters that would need encoding.
class LocalPath {
 public:
  consteval LocalPath(const char* path) : path_(path) {  // NOLINT(google-explicit-constructor)
    if (path[0] != '/' || path[1] == '/') throw "html::LocalPath: must start with one '/'";
    for (const char* p = path; *p; ++p) {
      char c = *p;
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '/' || c == '-' || c == '_' || c == '.' || c == '~';
      if (!ok) throw "html::LocalPath: characters outside [A-Za-z0-9/._~-]";
    }
  }
  const char* str() const { return path_; }

 private:
  const char* path_;
};

// A query parameter or fragment key written in the source.
class Key {
 public:
  consteval Key(const char* key) : key_(key) {  // NOLINT(google-explicit-constructor)
    if (!*key) throw "html::Key: empty";
    for (const char* p = key; *p; ++p)
      if (!((*p >= 'a' && *p <= 'z') || *p == '_')) throw "html::Key: [a-z_] only";
  }
  const char* str() const { return key_; }

 private:
  const char* key_;
};

// Percent-encodes every byte outside [A-Za-z0-9-._~] (RFC 3986 unreserved).
std::string PercentEncode(std::string_view s);

class Url {
 public:
  explicit Url(LocalPath path) : url_(path.str()) {}
  // An http(s) origin from configuration ("https://huggingface.co", no path, query or
  // credentials); nullopt when `origin` is anything else.
  static std::optional<Url> Origin(std::string_view origin);

  // Appends "/" and `segment` percent-encoded ('/' included).
  Url& Segment(std::string_view segment);
  // Appends each '/'-separated part of `path` as a Segment.
  Url& Segments(std::string_view path);
  // Appends "?key=value" or "&key=value", the value percent-encoded.
  Url& Query(Key key, std::string_view value);
  // Sets "#fragment" (percent-encoded); at most once, last.
  Url& Fragment(std::string_view fragment);
  const std::string& str() const { return url_; }

 private:
  Url() = default;
  std::string url_;
  bool has_query_ = false;
  bool has_fragment_ = false;
};

class Node {
 public:
  static Node Element(Tag tag);
  static Node Text(std::string_view text);

  Node& Attr(AttrName name, std::string_view value) &;
  Node&& Attr(AttrName name, std::string_view value) && { return std::move(Attr(name, value)); }
  Node& Attr(AttrName name) &;  // a boolean attribute ("required")
  Node&& Attr(AttrName name) && { return std::move(Attr(name)); }
  Node& Link(UrlAttr name, const Url& url) &;
  Node&& Link(UrlAttr name, const Url& url) && { return std::move(Link(name, url)); }
  // Adds a class (space-separated with earlier ones).
  Node& Class(std::string_view cls) &;
  Node&& Class(std::string_view cls) && { return std::move(Class(cls)); }
  Node& Add(Node child) &;
  Node&& Add(Node child) && { return std::move(Add(std::move(child))); }
  Node& Add(std::string_view text) &;
  Node&& Add(std::string_view text) && { return std::move(Add(text)); }
  // Adds every child in order.
  Node& AddAll(std::vector<Node> children) &;
  Node&& AddAll(std::vector<Node> children) && { return std::move(AddAll(std::move(children))); }

  void RenderTo(std::string& out) const;
  std::string Render() const;

 private:
  Node() = default;
  const char* tag_ = nullptr;  // null: a text node
  std::string text_;
  std::vector<std::pair<const char*, std::string>> attrs_;  // values unescaped
  std::vector<Node> children_;
  friend std::string Document(std::string_view, const Url&, const Url&, const Url&, Node);
};

inline Node El(Tag tag) {
  return Node::Element(tag);
}
inline Node Text(std::string_view text) {
  return Node::Text(text);
}

// "<!DOCTYPE html>" and <html lang="en"> with the fixed head: charset, viewport, title (text),
// the stylesheet, the icon and the one script (deferred), then `body`, which must be a <div>
// or similar container that becomes the body's only child.
std::string Document(std::string_view title, const Url& stylesheet, const Url& icon,
                     const Url& script, Node body);

// Escapes text for element content (& < >) or a double-quoted attribute value (also " '). Bytes
// that are not UTF-8, NUL and other C0 controls (except tab, LF, CR) become U+FFFD; the
// invisible and bidirectional format characters EscapeText also shows (core/text.h:
// IsHiddenFormat) appear as "[U+202E]", so a file name cannot hide or reorder what a reviewer
// reads.
void EscapeText(std::string_view s, std::string& out);
void EscapeAttribute(std::string_view s, std::string& out);

}  // namespace mv::server::html
