// Python-like rendering of symbolic values for evidence. Iterative (values can nest deeply or,
// through memo references, refer to themselves) and bounded by max_chars.
#include <cstdio>
#include <string>
#include <vector>

#include "core/limits.h"
#include "pickle/value.h"

namespace mv::pickle {

namespace {

constexpr size_t kMaxRenderDepth = 32;

void Quote(std::string& out, const Value& v, bool bytes) {
  const std::string& s = v.text;
  bool has_single = s.find('\'') != std::string::npos;
  char q = has_single && s.find('"') == std::string::npos ? '"' : '\'';
  out.push_back(q);
  for (unsigned char c : s) {
    if (c == static_cast<unsigned char>(q) || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80)) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (v.truncated) out += "…";
  out.push_back(q);
}

bool IsComposite(const Value& v) {
  switch (v.kind) {
    case ValueKind::kTuple:
    case ValueKind::kList:
    case ValueKind::kDict:
    case ValueKind::kSet:
    case ValueKind::kFrozenSet:
    case ValueKind::kPersistentId: return true;
    default: return false;
  }
}

void Leaf(std::string& out, const Value& v) {
  switch (v.kind) {
    case ValueKind::kNone: out += "None"; break;
    case ValueKind::kBool:
    case ValueKind::kInt:
    case ValueKind::kFloat:
      out += v.text;
      if (v.truncated) out += "…";
      break;
    case ValueKind::kStr: Quote(out, v, false); break;
    case ValueKind::kBytes:
      out += "b";
      Quote(out, v, true);
      break;
    case ValueKind::kByteArray:
      out += "bytearray(b";
      Quote(out, v, true);
      out += ")";
      break;
    case ValueKind::kGlobal: out += v.text.empty() ? "?" : v.text; break;
    case ValueKind::kModule: out += "module " + v.text; break;
    case ValueKind::kObject:
      out += v.type_name.empty() ? "<object>" : "<" + v.type_name + " object>";
      break;
    case ValueKind::kBuffer: out += "<buffer>"; break;
    default: out += "?"; break;
  }
}

}  // namespace

std::string Render(const ValuePtr& root, size_t max_chars) {
  if (!root) return "None";
  struct Frame {
    const Value* v;
    size_t next = 0;
    bool opened = false;
  };
  std::string out;
  std::vector<Frame> stack{{root.get()}};
  while (!stack.empty() && out.size() <= max_chars) {
    size_t top = stack.size() - 1;
    const Value& v = *stack[top].v;
    if (!IsComposite(v)) {
      Leaf(out, v);
      stack.pop_back();
      continue;
    }
    bool dict = v.kind == ValueKind::kDict;
    size_t n = v.items.size();
    size_t shown = std::min(n, dict ? 2 * limits::kMaxRenderedItems : limits::kMaxRenderedItems);
    if (!stack[top].opened) {
      stack[top].opened = true;
      switch (v.kind) {
        case ValueKind::kTuple: out += "("; break;
        case ValueKind::kList: out += "["; break;
        case ValueKind::kSet: out += n == 0 ? "set(" : "{"; break;
        case ValueKind::kFrozenSet: out += n == 0 ? "frozenset(" : "frozenset({"; break;
        case ValueKind::kPersistentId: out += "persistent_load("; break;
        default: out += "{"; break;
      }
    }
    if (stack[top].next < shown) {
      size_t i = stack[top].next++;
      if (i > 0) out += dict && i % 2 == 1 ? ": " : ", ";
      const ValuePtr& child = v.items[i];
      if (!child) {
        out += "None";
      } else if (stack.size() >= kMaxRenderDepth) {
        out += "…";
      } else {
        stack.push_back({child.get()});
      }
      continue;
    }
    if (n > shown) out += ", …";
    if (v.truncated) out += "…";
    switch (v.kind) {
      case ValueKind::kTuple: out += n == 1 ? ",)" : ")"; break;
      case ValueKind::kList: out += "]"; break;
      case ValueKind::kSet: out += n == 0 ? ")" : "}"; break;
      case ValueKind::kFrozenSet: out += n == 0 ? ")" : "})"; break;
      case ValueKind::kPersistentId: out += ")"; break;
      default: out += "}"; break;
    }
    stack.pop_back();
  }
  if (!stack.empty() || out.size() > max_chars) {
    // Cut on a UTF-8 boundary.
    size_t cut = std::min(out.size(), max_chars);
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "…";
  }
  return out;
}

const char* CallKindName(CallKind k) {
  switch (k) {
    case CallKind::kReduce: return "reduce";
    case CallKind::kNewObj: return "newobj";
    case CallKind::kInst: return "inst";
    case CallKind::kBuild: return "build";
    case CallKind::kExtend: return "extend";
    case CallKind::kSetItem: return "setitem";
    case CallKind::kPersistentLoad: return "persistent-load";
    case CallKind::kDerived: return "derived";
  }
  return "unknown";
}

}  // namespace mv::pickle
