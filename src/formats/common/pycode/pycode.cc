#include "formats/common/pycode/pycode.h"

#include <algorithm>
#include <array>
#include <set>

#include "core/limits.h"

namespace mv::formats::pycode {

namespace {

// Kinds of decoded marshal objects. Containers keep child indices into the arena, so the
// object graph is flat and nothing below walks it recursively.
enum class K : uint8_t {
  kNull,
  kNone,
  kBool,
  kInt,
  kFloat,
  kStr,
  kBytes,
  kSeq,
  kDict,
  kCode,
  kRef,
  kOther
};

struct Obj {
  K k = K::kOther;
  int64_t i = 0;               // int value, or referenced index for kRef
  std::string s;               // str/bytes value (cut to limits::kMaxKeptString)
  bool cut = false;            // s was cut
  std::vector<uint32_t> kids;  // container children / code object fields
};

// Code object layouts: 'i' is a raw little-endian int32 field, the rest are objects with the
// expected kind: B bytes, T tuple, S str, A anything.
struct Layout {
  const char* name;
  const char* schema;
  int code, consts, names, co_name;  // object-field positions (counting only object fields)
};
constexpr std::array<Layout, 3> kLayouts = {{
    {"3.11+", "iiiiiBTTTBSSSiBB", 0, 1, 2, 6},
    {"3.8-3.10", "iiiiiiBTTTTTSSiB", 0, 1, 2, 7},
    {"3.0-3.7", "iiiiiBTTTTTSSiB", 0, 1, 2, 7},
}};

class Parser {
 public:
  Parser(Source& src, const Layout& layout) : cur_(src), layout_(layout) {}

  Result<uint32_t> Parse() {
    std::vector<Frame> stack;
    while (true) {
      MV_ASSIGN_OR_RETURN(uint8_t code, cur_.U8());
      bool flag = (code & 0x80) != 0;
      char t = static_cast<char>(code & 0x7f);
      if (objs_.size() >= limits::kMaxMarshalObjects) {
        return MakeError(Errc::kLimit, "more marshal objects than limits::kMaxMarshalObjects",
                         cur_.pos());
      }
      uint32_t idx = static_cast<uint32_t>(objs_.size());
      objs_.emplace_back();
      if (flag) refs_.push_back(idx);
      bool done = true;
      Obj& o = objs_.back();
      switch (t) {
        case '0': o.k = K::kNull; break;
        case 'N': o.k = K::kNone; break;
        case 'F':
        case 'T':
          o.k = K::kBool;
          o.i = t == 'T';
          break;
        case 'S':
        case '.': o.k = K::kOther; break;
        case 'i': {
          MV_ASSIGN_OR_RETURN(uint32_t v, cur_.Le32());
          o.k = K::kInt;
          o.i = static_cast<int32_t>(v);
          break;
        }
        case 'I': {
          MV_ASSIGN_OR_RETURN(uint64_t v, cur_.Le64());
          o.k = K::kInt;
          o.i = static_cast<int64_t>(v);
          break;
        }
        case 'l': {
          MV_ASSIGN_OR_RETURN(uint32_t v, cur_.Le32());
          int64_t n = static_cast<int32_t>(v);
          uint64_t digits = static_cast<uint64_t>(n < 0 ? -n : n);
          MV_RETURN_IF_ERROR(cur_.Skip(digits * 2));
          o.k = K::kInt;
          break;
        }
        case 'f': {
          MV_RETURN_IF_ERROR(SkipShort());
          o.k = K::kFloat;
          break;
        }
        case 'x': {
          MV_RETURN_IF_ERROR(SkipShort());
          MV_RETURN_IF_ERROR(SkipShort());
          o.k = K::kFloat;
          break;
        }
        case 'g':
          MV_RETURN_IF_ERROR(cur_.Skip(8));
          o.k = K::kFloat;
          break;
        case 'y':
          MV_RETURN_IF_ERROR(cur_.Skip(16));
          o.k = K::kFloat;
          break;
        case 's':
        case 'u':
        case 't':
        case 'a':
        case 'A': {
          MV_ASSIGN_OR_RETURN(uint32_t n, cur_.Le32());
          MV_RETURN_IF_ERROR(TakeString(n, objs_.back()));
          objs_.back().k = t == 's' ? K::kBytes : K::kStr;
          break;
        }
        case 'z':
        case 'Z': {
          MV_ASSIGN_OR_RETURN(uint8_t n, cur_.U8());
          MV_RETURN_IF_ERROR(TakeString(n, objs_.back()));
          objs_.back().k = K::kStr;
          break;
        }
        case 'r': {
          MV_ASSIGN_OR_RETURN(uint32_t r, cur_.Le32());
          if (r >= refs_.size()) {
            return MakeError(Errc::kMalformed, "marshal ref to an object not yet seen", cur_.pos());
          }
          objs_.back().k = K::kRef;
          objs_.back().i = refs_[r];
          break;
        }
        case '(':
        case '[':
        case '<':
        case '>':
        case ')': {
          uint32_t n = 0;
          if (t == ')') {
            MV_ASSIGN_OR_RETURN(uint8_t b, cur_.U8());
            n = b;
          } else {
            MV_ASSIGN_OR_RETURN(n, cur_.Le32());
          }
          // Every element takes at least one byte.
          if (n > cur_.remaining()) {
            return MakeError(Errc::kMalformed, "marshal container longer than the data",
                             cur_.pos());
          }
          objs_.back().k = K::kSeq;
          if (n > 0) {
            stack.push_back({idx, K::kSeq, n, 0, true});
            done = false;
          }
          break;
        }
        case ':':  // slice (3.14): three objects
          objs_.back().k = K::kSeq;
          stack.push_back({idx, K::kSeq, 3, 0, true});
          done = false;
          break;
        case '{':
          objs_.back().k = K::kDict;
          stack.push_back({idx, K::kDict, 0, 0, true});
          done = false;
          break;
        case 'c': {
          objs_.back().k = K::kCode;
          stack.push_back({idx, K::kCode, 0, 0, true});
          MV_RETURN_IF_ERROR(ReadRawInts(stack.back()));
          done = false;
          break;
        }
        default:
          return MakeError(Errc::kMalformed, "unknown marshal type byte " + std::to_string(code),
                           cur_.pos() - 1);
      }
      if (stack.size() > limits::kMaxMarshalDepth) {
        return MakeError(Errc::kLimit, "marshal nesting deeper than limits::kMaxMarshalDepth",
                         cur_.pos());
      }
      uint32_t child = idx;
      while (done) {
        if (stack.empty()) {
          if (objs_[child].k == K::kNull) {
            return MakeError(Errc::kMalformed, "marshal data is a NULL", 0);
          }
          return child;
        }
        Frame& f = stack.back();
        K ck = objs_[Resolve(child)].k;
        if (f.kind == K::kDict) {
          if (f.key && ck == K::kNull) {
            child = f.obj;
            stack.pop_back();
            continue;
          }
          if (ck == K::kNull) return MakeError(Errc::kMalformed, "NULL dict value", cur_.pos());
          objs_[f.obj].kids.push_back(child);
          f.key = !f.key;
          done = false;
          break;
        }
        if (ck == K::kNull) {
          return MakeError(Errc::kMalformed, "NULL inside a marshal container", cur_.pos());
        }
        if (f.kind == K::kSeq) {
          objs_[f.obj].kids.push_back(child);
          if (--f.remaining == 0) {
            child = f.obj;
            stack.pop_back();
            continue;
          }
          done = false;
          break;
        }
        // Code object: check the field's kind, then read raw int fields that follow.
        char want = layout_.schema[f.field];
        bool fits = want == 'A' || (want == 'B' && ck == K::kBytes) ||
                    (want == 'T' && ck == K::kSeq) || (want == 'S' && ck == K::kStr);
        if (!fits) {
          return MakeError(Errc::kMalformed,
                           std::string("code object field does not fit layout ") + layout_.name,
                           cur_.pos());
        }
        objs_[f.obj].kids.push_back(child);
        ++f.field;
        MV_RETURN_IF_ERROR(ReadRawInts(f));
        if (layout_.schema[f.field] == '\0') {
          child = f.obj;
          stack.pop_back();
          continue;
        }
        done = false;
      }
    }
  }

  uint32_t Resolve(uint32_t i) const {
    for (int n = 0; n < 4 && objs_[i].k == K::kRef; ++n) i = static_cast<uint32_t>(objs_[i].i);
    return i;
  }
  const std::vector<Obj>& objs() const { return objs_; }

 private:
  struct Frame {
    uint32_t obj;
    K kind;
    uint64_t remaining;
    size_t field;
    bool key;  // dict: next object is a key
  };

  Status SkipShort() {
    MV_ASSIGN_OR_RETURN(uint8_t n, cur_.U8());
    return cur_.Skip(n);
  }

  Status TakeString(uint64_t n, Obj& o) {
    if (n > cur_.remaining()) {
      return MakeError(Errc::kTruncated, "marshal string longer than the data", cur_.pos());
    }
    uint64_t keep = std::min<uint64_t>(n, limits::kMaxKeptString);
    MV_ASSIGN_OR_RETURN(ByteSpan b, cur_.Take(static_cast<size_t>(keep)));
    o.s.assign(reinterpret_cast<const char*>(b.data()), b.size());
    o.cut = keep < n;
    return cur_.Skip(n - keep);
  }

  Status ReadRawInts(Frame& f) {
    while (layout_.schema[f.field] == 'i') {
      MV_ASSIGN_OR_RETURN(uint32_t v, cur_.Le32());
      (void)v;
      ++f.field;
    }
    return OkStatus();
  }

  Cursor cur_;
  const Layout& layout_;
  std::vector<Obj> objs_;
  std::vector<uint32_t> refs_;
};

// Bytecode dialects: opcode numbers of the instructions the name walk understands.
struct Dialect {
  const char* name;
  bool wordcode;  // 2-byte instructions (3.6+); else 1 byte, +2 arg bytes when op >= 90
  int load_name, load_attr, load_method, import_name, import_from, load_global, load_const;
  int extended_arg, cache, push_null, precall;
  std::array<int, 4> calls;  // opcodes that call what is on the stack
  int global_shift, attr_shift;
  int resume;  // first instruction of every code object (-1: none)
};
constexpr Dialect kPy30{"3.0-3.5", false, 101, 106, -1, 108, 109,
                        116,       100,   144, -1,  -1, -1,  {131, 140, 141, 142},
                        0,         0,     -1};
constexpr Dialect kPy36{"3.6-3.10", true, 101, 106, 160, 108, 109,
                        116,        100,  144, -1,  -1,  -1,  {131, 161, 141, 142},
                        0,          0,    -1};
constexpr Dialect kPy311{
    "3.11", true, 101, 106, 160, 108, 109, 116, 100, 144, 0, 2, 166, {171, 142, -1, -1}, 1, 0, 151};
constexpr Dialect kPy312{
    "3.12", true, 101, 106, -1, 108, 109, 116, 100, 144, 0, 2, -1, {171, 142, -1, -1}, 1, 1, 151};
constexpr Dialect kPy313{"3.13",           true, 92, 82, -1, 75, 74, 91, 83, 71, 0, 34, -1,
                         {53, 57, 76, -1}, 1,    1,  149};

const std::set<std::string, std::less<>>& Builtins() {
  static const std::set<std::string, std::less<>> kNames = {"__build_class__",
                                                            "__import__",
                                                            "abs",
                                                            "aiter",
                                                            "all",
                                                            "anext",
                                                            "any",
                                                            "ascii",
                                                            "bin",
                                                            "breakpoint",
                                                            "callable",
                                                            "chr",
                                                            "compile",
                                                            "delattr",
                                                            "dir",
                                                            "divmod",
                                                            "eval",
                                                            "exec",
                                                            "exit",
                                                            "format",
                                                            "getattr",
                                                            "globals",
                                                            "hasattr",
                                                            "hash",
                                                            "help",
                                                            "hex",
                                                            "id",
                                                            "input",
                                                            "isinstance",
                                                            "issubclass",
                                                            "iter",
                                                            "len",
                                                            "locals",
                                                            "max",
                                                            "min",
                                                            "next",
                                                            "oct",
                                                            "open",
                                                            "ord",
                                                            "pow",
                                                            "print",
                                                            "quit",
                                                            "repr",
                                                            "round",
                                                            "setattr",
                                                            "sorted",
                                                            "sum",
                                                            "vars",
                                                            "bool",
                                                            "bytearray",
                                                            "bytes",
                                                            "classmethod",
                                                            "complex",
                                                            "dict",
                                                            "enumerate",
                                                            "filter",
                                                            "float",
                                                            "frozenset",
                                                            "int",
                                                            "list",
                                                            "map",
                                                            "memoryview",
                                                            "object",
                                                            "property",
                                                            "range",
                                                            "reversed",
                                                            "set",
                                                            "slice",
                                                            "staticmethod",
                                                            "str",
                                                            "super",
                                                            "tuple",
                                                            "type",
                                                            "zip",
                                                            "__loader__",
                                                            "__spec__",
                                                            "__builtins__"};
  return kNames;
}

struct Insn {
  int op;
  uint32_t arg;
};

// Splits bytecode into instructions (EXTENDED_ARG folded into the next argument).
bool Decode(const std::string& code, const Dialect& d, std::vector<Insn>& out) {
  out.clear();
  uint32_t ext = 0;
  size_t i = 0;
  while (i < code.size()) {
    int op = static_cast<uint8_t>(code[i]);
    uint32_t arg = 0;
    if (d.wordcode) {
      if (i + 1 >= code.size()) return false;
      arg = static_cast<uint8_t>(code[i + 1]) | (ext << 8);
      i += 2;
    } else if (op >= 90) {
      if (i + 2 >= code.size()) return false;
      arg = (static_cast<uint8_t>(code[i + 1]) | (static_cast<uint8_t>(code[i + 2]) << 8)) |
            (ext << 16);
      i += 3;
    } else {
      i += 1;
    }
    if (op == d.extended_arg) {
      ext = arg;
      continue;
    }
    ext = 0;
    out.push_back({op, arg});
  }
  return true;
}

struct CodeView {
  std::string bytecode;
  std::vector<std::string> names;
  std::vector<const Obj*> consts;
};

class Walker {
 public:
  Walker(const Dialect& d, CodeSummary& s) : d_(d), s_(s) {}

  // False when an instruction's index does not fit this dialect (wrong dialect guessed).
  bool Check(const CodeView& c) {
    std::vector<Insn> insns;
    if (!Decode(c.bytecode, d_, insns)) return false;
    // RESUME opens every 3.11+ code object (after COPY_FREE_VARS / MAKE_CELL prologue ops).
    if (d_.resume >= 0) {
      size_t head = std::min<size_t>(insns.size(), 8);
      bool seen = false;
      for (size_t i = 0; i < head; ++i) seen |= insns[i].op == d_.resume;
      if (!seen) return false;
    }
    for (const auto& in : insns) {
      size_t n = NameIndex(in);
      if (n != SIZE_MAX && n >= c.names.size()) return false;
      if (in.op == d_.load_const && in.arg >= c.consts.size()) return false;
    }
    return true;
  }

  void Walk(const CodeView& c) {
    std::vector<Insn> insns;
    if (!Decode(c.bytecode, d_, insns)) return;
    std::string chain, last_import, imp_module;
    enum { kIdle, kWantConst, kWantCall } imp = kIdle;
    auto flush = [&] {
      if (!chain.empty()) Add(s_.refs, chain);
      chain.clear();
    };
    for (const auto& in : insns) {
      if (in.op == d_.cache || in.op == d_.push_null || in.op == d_.precall ||
          (d_.resume >= 0 && in.op == d_.resume)) {
        continue;
      }
      if (in.op == d_.load_global || in.op == d_.load_name) {
        flush();
        const std::string& n = c.names[NameIndex(in)];
        chain = Builtins().count(n) ? "builtins." + n : n;
        imp = chain == "builtins.__import__" ? kWantConst : kIdle;
        continue;
      }
      if (in.op == d_.load_attr || in.op == d_.load_method) {
        const std::string& a = c.names[NameIndex(in)];
        if (chain.empty()) {
          Add(s_.refs, "*." + a);
        } else {
          chain += "." + a;
        }
        imp = chain == "importlib.import_module" ? kWantConst : kIdle;
        continue;
      }
      if (in.op == d_.import_name) {
        flush();
        last_import = c.names[in.arg];
        Add(s_.imports, last_import);
        chain = last_import;
        imp = kIdle;
        continue;
      }
      if (in.op == d_.import_from) {
        if (!last_import.empty()) Add(s_.refs, last_import + "." + c.names[in.arg]);
        continue;
      }
      if (in.op == d_.load_const && imp == kWantConst && c.consts[in.arg]->k == K::kStr) {
        flush();
        imp_module = c.consts[in.arg]->s;
        imp = kWantCall;
        continue;
      }
      if (imp == kWantCall &&
          std::find(d_.calls.begin(), d_.calls.end(), in.op) != d_.calls.end()) {
        Add(s_.imports, imp_module);
        chain = imp_module;
        imp = kIdle;
        continue;
      }
      flush();
      imp = kIdle;
    }
    flush();
  }

  static void Add(std::vector<std::string>& v, const std::string& x) {
    if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
  }

 private:
  size_t NameIndex(const Insn& in) const {
    if (in.op == d_.load_global) return in.arg >> d_.global_shift;
    if (in.op == d_.load_attr) return in.arg >> d_.attr_shift;
    if (in.op == d_.load_method || in.op == d_.load_name || in.op == d_.import_name ||
        in.op == d_.import_from) {
      return in.arg;
    }
    return SIZE_MAX;
  }

  const Dialect& d_;
  CodeSummary& s_;
};

std::vector<const Dialect*> Candidates(const std::string& layout,
                                       const std::vector<CodeView>& codes) {
  if (layout == "3.8-3.10") return {&kPy36};
  if (layout == "3.0-3.7") return {&kPy36, &kPy30};
  // 3.11 puts PRECALL (166) before every CALL (171); 3.12 has no PRECALL.
  bool precall = false, call = false;
  for (const auto& c : codes) {
    for (size_t i = 0; i + 1 < c.bytecode.size(); i += 2) {
      uint8_t op = static_cast<uint8_t>(c.bytecode[i]);
      precall |= op == 166;
      call |= op == 171;
    }
  }
  if (call && !precall) return {&kPy312, &kPy313, &kPy311};
  return {&kPy311, &kPy312, &kPy313};
}

}  // namespace

Result<CodeSummary> Analyze(ByteSpan marshal) {
  SourcePtr mem = MakeMemorySource(std::vector<uint8_t>(marshal.begin(), marshal.end()));
  Error last = MakeError(Errc::kMalformed, "no marshal layout fits");
  for (const Layout& layout : kLayouts) {
    Parser p(*mem, layout);
    auto root = p.Parse();
    if (!root.ok()) {
      if (root.error().code == Errc::kLimit) return root.error();
      last = root.error();
      continue;
    }
    const auto& objs = p.objs();
    if (objs[p.Resolve(*root)].k != K::kCode) {
      last = MakeError(Errc::kMalformed, "marshal data is not a code object");
      continue;
    }
    CodeSummary s;
    s.layout = layout.name;
    std::vector<CodeView> codes;
    for (const Obj& o : objs) {
      if (o.k != K::kCode) continue;
      CodeView c;
      auto field = [&](int i) -> const Obj& {
        return objs[p.Resolve(o.kids[static_cast<size_t>(i)])];
      };
      c.bytecode = field(layout.code).s;
      if (field(layout.code).cut) s.cut = true;
      for (uint32_t k : field(layout.names).kids) {
        const Obj& n = objs[p.Resolve(k)];
        if (n.cut) s.cut = true;
        c.names.push_back(n.k == K::kStr ? n.s : std::string("?"));
        Walker::Add(s.names, c.names.back());
      }
      for (uint32_t k : field(layout.consts).kids) {
        const Obj& v = objs[p.Resolve(k)];
        c.consts.push_back(&v);
        if (v.k == K::kStr) Walker::Add(s.strings, v.s.substr(0, 200));
      }
      if (codes.empty()) s.name = field(layout.co_name).s;
      codes.push_back(std::move(c));
    }
    s.code_objects = static_cast<uint32_t>(codes.size());
    for (const Dialect* d : Candidates(layout.name, codes)) {
      Walker w(*d, s);
      bool fits =
          std::all_of(codes.begin(), codes.end(), [&](const CodeView& c) { return w.Check(c); });
      if (!fits) continue;
      for (const auto& c : codes) w.Walk(c);
      s.dialect = d->name;
      s.bytecode_decoded = true;
      break;
    }
    if (!s.bytecode_decoded || s.cut) {
      for (const auto& n : s.names) {
        Walker::Add(s.refs, Builtins().count(n) ? "builtins." + n : n);
      }
    }
    return s;
  }
  return last;
}

Result<std::vector<uint8_t>> DecodeBase64(std::string_view text) {
  std::vector<uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  bool pad = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+' || c == '-') {
      v = 62;
    } else if (c == '/' || c == '_') {
      v = 63;
    } else if (c == '=') {
      pad = true;
      continue;
    } else if (c == '\n' || c == '\r' || c == ' ' || c == '\t') {
      continue;
    } else {
      return MakeError(Errc::kMalformed, "not base64", i);
    }
    if (pad) return MakeError(Errc::kMalformed, "base64 data after padding", i);
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::string Describe(const CodeSummary& s) {
  auto join = [](const std::vector<std::string>& v, bool quote) {
    std::string r;
    size_t n = 0;
    for (const auto& x : v) {
      if (++n > limits::kMaxRenderedItems) {
        r += ", …";
        break;
      }
      if (!r.empty()) r += ", ";
      if (quote) {  // appended piecewise: "'" + s makes GCC 12 -O3 warn (-Wrestrict)
        r += '\'';
        r.append(x, 0, 60);
        r += '\'';
      } else {
        r += x;
      }
    }
    return r;
  };
  std::string r = (s.name.empty() ? std::string("code") : s.name) + " (py " + s.layout + ")";
  if (!s.refs.empty()) r += ": uses " + join(s.refs, false);
  if (!s.imports.empty()) r += "; imports " + join(s.imports, false);
  if (!s.strings.empty()) r += "; strings " + join(s.strings, true);
  if (!s.bytecode_decoded) r += "; bytecode not decoded (names only)";
  if (r.size() > limits::kMaxRenderedChars) r = r.substr(0, limits::kMaxRenderedChars) + "…";
  return r;
}

}  // namespace mv::formats::pycode
