#include "report/json_text.h"

#include <cstdio>
#include <vector>

#include "core/text.h"

namespace mv::report {

namespace {

void AppendString(std::string& out, std::string_view s) {
  out.push_back('"');
  char buf[16];
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      uint32_t cp = 0;
      size_t n = Utf8SequenceAt(s, i, &cp);
      if (n == 0) {
        std::snprintf(buf, sizeof buf, "\\udc%02x", c);  // surrogateescape
        out += buf;
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

template <class J>
std::string Write(const J& root, int indent) {
  using Iter = typename J::const_iterator;
  struct Frame {
    const J* v;
    Iter it;
    bool first = true;
  };
  std::string out;
  std::vector<Frame> stack;
  auto newline = [&](size_t depth) {
    if (indent < 0) return;
    out.push_back('\n');
    out.append(depth * static_cast<size_t>(indent), ' ');
  };
  // Writes a scalar, or opens a container and pushes it.
  auto open = [&](const J& v) {
    if (v.is_object() || v.is_array()) {
      if (v.empty()) {
        out += v.is_object() ? "{}" : "[]";
        return;
      }
      out.push_back(v.is_object() ? '{' : '[');
      stack.push_back({&v, v.cbegin(), true});
    } else if (v.is_string()) {
      AppendString(out, v.template get_ref<const typename J::string_t&>());
    } else if (v.is_binary()) {
      out += "null";  // never built by modelvet
    } else {
      out += v.dump();  // number, boolean, null: no nesting, no strings
    }
  };
  open(root);
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (f.it == f.v->cend()) {
      bool object = f.v->is_object();
      stack.pop_back();
      newline(stack.size());
      out.push_back(object ? '}' : ']');
      continue;
    }
    if (!f.first) out.push_back(',');
    f.first = false;
    newline(stack.size());
    Iter it = f.it++;
    if (f.v->is_object()) {
      AppendString(out, it.key());
      out += indent < 0 ? ":" : ": ";
    }
    open(*it);  // may push: `f` is not used after this
  }
  return out;
}

}  // namespace

std::string JsonText(const nlohmann::ordered_json& j, int indent) {
  return Write(j, indent);
}

std::string JsonText(const nlohmann::json& j, int indent) {
  return Write(j, indent);
}

std::string JsonString(std::string_view s) {
  std::string out;
  AppendString(out, s);
  return out;
}

}  // namespace mv::report
