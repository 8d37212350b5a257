#include "inventory/js_reader.h"

#include <algorithm>

#include "core/limits.h"
#include "inventory/js_tokenizer.h"

namespace mv::inventory {

namespace {

bool IsReserved(std::string_view w) {
  for (std::string_view k :
       {"break", "case",       "catch",  "const",   "continue", "debugger",  "default",
        "do",    "else",       "export", "extends", "finally",  "for",       "if",
        "in",    "instanceof", "let",    "return",  "switch",   "throw",     "try",
        "var",   "while",      "with",   "yield",   "of",       "interface", "enum"})
    if (w == k) return true;
  return false;
}

bool IsAssignOp(std::string_view t) {
  for (std::string_view k : {"=", "+=", "-=", "*=", "/=", "%=", "**=", "<<=", ">>=", ">>>=", "&=",
                             "|=", "^=", "&&=", "||=", "?\?="})
    if (t == k) return true;
  return false;
}

class Parser {
 public:
  Parser(Program& p, const JsTokens& t, std::string_view src, int fdepth)
      : p_(p), t_(t), src_(src), fdepth_(fdepth), limit_(t.tokens.size() - 1) {
    // Matching brackets, once: blocks are found in O(1) and never searched again.
    match_.assign(t_.tokens.size(), -1);
    std::vector<size_t> stack;
    for (size_t i = 0; i + 1 < t_.tokens.size(); ++i) {
      if (t_.tokens[i].kind != JsTok::kPunct) continue;
      std::string_view x = TokenText(src_, t_.tokens[i]);
      if (x == "(" || x == "[" || x == "{") {
        stack.push_back(i);
      } else if (x == ")" || x == "]" || x == "}") {
        char open = x == ")" ? '(' : x == "]" ? '[' : '{';
        // Unbalanced input: drop openers until one fits (recovers from stray brackets).
        while (!stack.empty() && TokenText(src_, t_.tokens[stack.back()])[0] != open)
          stack.pop_back();
        if (!stack.empty()) {
          match_[stack.back()] = static_cast<int32_t>(i);
          match_[i] = static_cast<int32_t>(stack.back());
          stack.pop_back();
        }
      }
    }
  }

  void ScanAll() { ScanStatements(t_.tokens.size() - 1); }

  ExprId ParseField(int depth) {
    depth_ = depth;
    return ParseSequence();
  }

 private:
  // ---- tokens --------------------------------------------------------------------------
  const JsToken& Peek(size_t k = 0) const {
    size_t i = pos_ + k;
    if (i >= limit_) return t_.tokens.back();
    return t_.tokens[i];
  }
  std::string_view Text(size_t k = 0) const { return TokenText(src_, Peek(k)); }
  bool Same(const JsToken& t, std::string_view w) const {
    if (t.end - t.begin != w.size()) return false;
    for (size_t i = 0; i < w.size(); ++i)
      if (src_[t.begin + i] != w[i]) return false;
    return true;
  }
  bool IsPunct(std::string_view x, size_t k = 0) const {
    const JsToken& t = Peek(k);
    return t.kind == JsTok::kPunct && Same(t, x);
  }
  bool IsName(std::string_view x, size_t k = 0) const {
    const JsToken& t = Peek(k);
    return t.kind == JsTok::kName && Same(t, x);
  }
  bool AtEnd() const { return pos_ >= limit_; }
  bool Accept(std::string_view x) {
    if (!IsPunct(x)) return false;
    ++pos_;
    return true;
  }
  int32_t Match(size_t i) const { return i < match_.size() ? match_[i] : -1; }

  ExprId Make(ExprKind kind, size_t start, std::string text = {}, std::vector<ExprId> kids = {}) {
    Expr e;
    e.kind = kind;
    const JsToken& first = t_.tokens[std::min(start, t_.tokens.size() - 1)];
    e.line = first.line;
    size_t last = pos_ > start ? pos_ - 1 : start;
    const JsToken& lt = t_.tokens[std::min(last, t_.tokens.size() - 1)];
    if (lt.end >= first.begin) e.src = src_.substr(first.begin, lt.end - first.begin);
    e.text = std::move(text);
    e.kids = std::move(kids);
    return p_.Add(std::move(e));
  }

  void Bind(std::string name, BindKind kind, ExprId value, std::string path = {}) {
    if (name.empty()) return;
    Binding b;
    b.name = std::move(name);
    b.kind = kind;
    b.value = value;
    b.path = std::move(path);
    p_.Bind(std::move(b));
  }

  struct Guard {
    explicit Guard(Parser& p) : p(p) {
      ok = ++p.depth_ <= limits::kMaxInventoryNesting;
      if (!ok) {
        if (p.p_.limit.empty()) p.p_.limit = "limit.inventory-nesting";
        p.pos_ = p.limit_;  // the rest of this block is not read
      }
    }
    ~Guard() { --p.depth_; }
    Parser& p;
    bool ok;
  };

  // ---- statements ----------------------------------------------------------------------
  void ScanStatements(size_t end) {
    size_t saved = limit_;
    limit_ = std::min(end, saved);
    while (!AtEnd()) {
      size_t before = pos_;
      Statement();
      if (pos_ == before) ++pos_;
    }
    limit_ = saved;
  }

  // A `{ … }` body at pos_: its statements are read, then pos_ is after it.
  void ScanBlock() {
    int32_t close = Match(pos_);
    if (close < 0 || static_cast<size_t>(close) > limit_) {
      ++pos_;
      return;
    }
    Guard g(*this);
    if (!g.ok) return;
    ++pos_;
    ScanStatements(static_cast<size_t>(close));
    pos_ = static_cast<size_t>(close) + 1;
  }

  void Statement() {
    const JsToken& t = Peek();
    if (t.kind == JsTok::kName) {
      std::string_view w = Text();
      if (w == "import" && !IsPunct("(", 1) && !IsPunct(".", 1)) return ParseImport();
      if (w == "export") {
        ++pos_;
        if (IsName("default")) ++pos_;
        if (IsPunct("*") || IsPunct("{")) {  // re-exports: export { a } from 'm'
          if (IsPunct("{") && Match(pos_) > 0) pos_ = static_cast<size_t>(Match(pos_)) + 1;
          while (!AtEnd() && !IsName("from") && !IsPunct(";") && Peek().kind != JsTok::kString)
            ++pos_;
        }
        return;
      }
      if (w == "const" || w == "let" || w == "var") return ParseDecl();
      if (w == "function" || (w == "async" && IsName("function", 1))) {
        ParseFunction();
        return;
      }
      if (w == "class") {
        ParseClass();
        return;
      }
      if (w == "for") {
        ++pos_;
        if (IsName("await")) ++pos_;
        if (!Accept("(")) return;
        if (IsName("const") || IsName("let") || IsName("var")) ++pos_;
        size_t start = pos_;
        ExprId target = Peek().kind == JsTok::kName ? ParseUnary() : kNoExpr;
        if (IsName("of") || IsName("in")) {
          ++pos_;
          ExprId iter = ParseAssign();
          if (target >= 0) BindTarget(target, BindKind::kElement, iter);
        } else {
          pos_ = start;  // for (init; cond; step): read as expressions
        }
        return;
      }
      if (w == "type" && Peek(1).kind == JsTok::kName && (IsPunct("=", 2) || IsPunct("<", 2))) {
        // A TypeScript type alias: nothing to evaluate up to the end of the statement.
        while (!AtEnd() && !IsPunct(";") &&
               !(Peek().line > t.line && Peek(0).kind == JsTok::kName &&
                 (Text() == "const" || Text() == "export")))
          ++pos_;
        return;
      }
      if (w == "interface" || w == "enum" || w == "declare" || w == "namespace" ||
          w == "abstract" || w == "implements" || w == "public" || w == "private" ||
          w == "protected" || w == "readonly" || w == "static" || w == "override") {
        ++pos_;
        if (w == "interface" || w == "enum") {
          while (!AtEnd() && !IsPunct("{")) ++pos_;
          if (IsPunct("{") && Match(pos_) > 0) pos_ = static_cast<size_t>(Match(pos_)) + 1;
        }
        return;
      }
      if (IsReserved(w) || w == "return" || w == "throw" || w == "await" || w == "yield") {
        ++pos_;
        return;
      }
    } else if (t.kind == JsTok::kPunct) {
      std::string_view x = Text();
      if (x == "{" || x == "}" || x == ";" || x == "," || x == ")" || x == "]" || x == ":" ||
          x == "<" || x == ">" || x == "/" || x == "=>") {
        ++pos_;
        return;
      }
    }
    ExprId e = ParseSequence();
    // `name(params) { … }`: a method definition, not a call.
    if (e >= 0 && IsPunct("{")) {
      Expr& ex = p_.exprs[static_cast<size_t>(e)];
      if (ex.kind == ExprKind::kCall && !ex.kids.empty() &&
          p_.exprs[static_cast<size_t>(ex.kids[0])].kind == ExprKind::kName) {
        auto it = std::find(p_.calls.begin(), p_.calls.end(), e);
        if (it != p_.calls.end()) p_.calls.erase(it);
        for (const Arg& a : ex.args) {
          if (a.value < 0) continue;
          const Expr& av = p_.exprs[static_cast<size_t>(a.value)];
          if (av.kind == ExprKind::kName) Bind(av.text, BindKind::kParam, kNoExpr);
        }
        ScanBlock();
      }
    }
  }

  void ParseImport() {
    ++pos_;                                                                // import
    if (IsName("type") && !IsPunct(",", 1) && !IsName("from", 1)) ++pos_;  // import type {…}
    if (Peek().kind == JsTok::kString) {                                   // import 'side-effect'
      ++pos_;
      return;
    }
    std::vector<std::pair<std::string, std::string>> names;  // local, member ("" = module)
    while (!AtEnd() && !IsName("from")) {
      size_t before = pos_;
      if (Peek().kind == JsTok::kName) {
        names.emplace_back(std::string(Text()), "");  // default import
        ++pos_;
      } else if (IsPunct("*")) {
        ++pos_;
        if (IsName("as") && Peek(1).kind == JsTok::kName) {
          names.emplace_back(std::string(Text(1)), "");
          pos_ += 2;
        }
      } else if (IsPunct("{")) {
        ++pos_;
        while (!AtEnd() && !IsPunct("}")) {
          size_t b2 = pos_;
          if (IsName("type")) ++pos_;
          if (Peek().kind == JsTok::kName || Peek().kind == JsTok::kString) {
            std::string member =
                Peek().kind == JsTok::kString ? t_.strings[Peek().value] : std::string(Text());
            ++pos_;
            std::string local = member;
            if (IsName("as") && Peek(1).kind == JsTok::kName) {
              local = std::string(Text(1));
              pos_ += 2;
            }
            names.emplace_back(local, member);
          }
          Accept(",");
          if (pos_ == b2) ++pos_;
        }
        Accept("}");
      }
      Accept(",");
      if (pos_ == before) return;
    }
    if (!IsName("from") || Peek(1).kind != JsTok::kString) return;
    std::string module = t_.strings[Peek(1).value];
    pos_ += 2;
    for (auto& [local, member] : names)
      Bind(local, BindKind::kImport, kNoExpr, member.empty() ? module : module + "." + member);
  }

  void SkipType() {
    // A TypeScript annotation: up to `=`, `,`, `;`, `)`, `]`, `}` outside brackets.
    int angle = 0;
    while (!AtEnd()) {
      if (Peek().kind == JsTok::kPunct) {
        std::string_view x = Text();
        if (x == "(" || x == "[" || x == "{") {
          int32_t m = Match(pos_);
          if (m < 0) return;
          pos_ = static_cast<size_t>(m) + 1;
          continue;
        }
        if (x == "<") ++angle;
        if (x == ">" && angle > 0) --angle;
        if (x == ">>" && angle > 0) angle = std::max(0, angle - 2);
        if (angle == 0 && (x == "=" || x == "," || x == ";" || x == ")" || x == "]" || x == "}"))
          return;
      }
      ++pos_;
    }
  }

  void ParseDecl() {
    ++pos_;  // const/let/var
    for (;;) {
      if (Peek().kind == JsTok::kName) {
        std::string name(Text());
        ++pos_;
        (void)Accept("!");  // definite assignment (let x!: T)
        if (Accept(":")) SkipType();
        if (Accept("=")) {
          ExprId v = ParseAssign();
          Bind(name, BindKind::kValue, v);
        } else {
          Bind(name, BindKind::kUnknown, kNoExpr);
        }
      } else if (IsPunct("{") || IsPunct("[")) {
        bool object = IsPunct("{");
        size_t open = pos_;
        int32_t close = Match(open);
        if (close < 0) return;
        pos_ = static_cast<size_t>(close) + 1;
        if (Accept(":")) SkipType();
        ExprId v = Accept("=") ? ParseAssign() : kNoExpr;
        size_t after = pos_;
        pos_ = open;
        if (object) {
          DestructureObject(static_cast<size_t>(close), v);
        } else {
          // Array patterns: each name is known only at run time.
          for (size_t i = open + 1; i < static_cast<size_t>(close); ++i)
            if (t_.tokens[i].kind == JsTok::kName && i + 1 <= static_cast<size_t>(close)) {
              std::string_view nx = TokenText(src_, t_.tokens[i + 1]);
              if (nx == "," || nx == "]" || nx == "=")
                Bind(std::string(TokenText(src_, t_.tokens[i])), BindKind::kUnknown, kNoExpr);
            }
        }
        pos_ = after;
      } else {
        return;
      }
      if (!Accept(",")) return;
    }
  }

  // `{ a, b: c, d = 1, ...rest }` at pos_ (closing at `close`) taken from `value`: each local
  // name is bound to value.key.
  void DestructureObject(size_t close, ExprId value) {
    ++pos_;  // {
    while (pos_ < close) {
      size_t before = pos_;
      if (Accept("...")) {
        if (Peek().kind == JsTok::kName) Bind(std::string(Text()), BindKind::kUnknown, kNoExpr);
        ++pos_;
      } else if (Peek().kind == JsTok::kName || Peek().kind == JsTok::kString) {
        std::string key =
            Peek().kind == JsTok::kString ? t_.strings[Peek().value] : std::string(Text());
        size_t key_tok = pos_;
        ++pos_;
        std::string local = key;
        if (Accept(":")) {
          if (Peek().kind == JsTok::kName) {
            local = std::string(Text());
            ++pos_;
          } else if (IsPunct("{") || IsPunct("[")) {  // nested pattern: run-time names
            int32_t m = Match(pos_);
            pos_ = m > 0 ? static_cast<size_t>(m) + 1 : close;
            local.clear();
          }
        }
        ExprId member = kNoExpr;
        if (value >= 0 && !local.empty()) {
          size_t saved = pos_;
          pos_ = key_tok + 1;
          member = Make(ExprKind::kAttr, key_tok, key, {value});
          pos_ = saved;
        }
        if (Accept("=")) {
          ExprId def = ParseAssign();
          if (!local.empty() && member >= 0) {
            ExprId alt = Make(ExprKind::kOr, key_tok, {}, {member, def});
            Bind(local, BindKind::kValue, alt);
            local.clear();
          }
        }
        if (!local.empty())
          Bind(local, member >= 0 ? BindKind::kValue : BindKind::kUnknown, member);
      }
      Accept(",");
      if (pos_ == before) ++pos_;
    }
    pos_ = close + 1;
  }

  void BindParamsBetween(size_t open, size_t close) {
    // Names at the top level of a parameter list (defaults and types skipped).
    int depth = 0;
    for (size_t i = open + 1; i < close; ++i) {
      const JsToken& tk = t_.tokens[i];
      std::string_view x = TokenText(src_, tk);
      if (tk.kind == JsTok::kPunct) {
        if (x == "(" || x == "[" || x == "{" || x == "<") ++depth;
        if (x == ")" || x == "]" || x == "}" || x == ">") --depth;
        continue;
      }
      if (tk.kind != JsTok::kName || depth > 1) continue;
      std::string_view prev = TokenText(src_, t_.tokens[i - 1]);
      std::string_view next = i + 1 < close ? TokenText(src_, t_.tokens[i + 1]) : ")";
      bool starts = prev == "(" || prev == "," || prev == "{" || prev == "..." || prev == "[";
      bool ends = next == "," || next == ")" || next == "=" || next == ":" || next == "?" ||
                  next == "}" || next == "]" || i + 1 == close;
      if (starts && ends && depth <= 1) Bind(std::string(x), BindKind::kParam, kNoExpr);
    }
  }

  // function [name] (params) [: type] { body }
  ExprId ParseFunction() {
    size_t start = pos_;
    if (IsName("async")) ++pos_;
    ++pos_;  // function
    Accept("*");
    if (Peek().kind == JsTok::kName) {
      Bind(std::string(Text()), BindKind::kFunction, kNoExpr);
      ++pos_;
    }
    if (IsPunct("<")) SkipAngles();
    if (IsPunct("(")) {
      int32_t close = Match(pos_);
      if (close < 0) return kNoExpr;
      BindParamsBetween(pos_, static_cast<size_t>(close));
      // Default values may hold calls: read them too.
      size_t saved_limit = limit_;
      limit_ = std::min(limit_, static_cast<size_t>(close));
      ++pos_;
      while (!AtEnd()) {
        size_t before = pos_;
        if (Accept("=")) ParseAssign();
        if (pos_ == before) ++pos_;
      }
      limit_ = saved_limit;
      pos_ = static_cast<size_t>(close) + 1;
    }
    if (Accept(":")) SkipReturnType();
    if (IsPunct("{")) ScanBlock();
    return Make(ExprKind::kOpaque, start);
  }

  void SkipAngles() {
    int depth = 0;
    while (!AtEnd()) {
      if (IsPunct("<")) ++depth;
      if (IsPunct(">")) --depth;
      if (IsPunct(">>")) depth -= 2;
      ++pos_;
      if (depth <= 0) return;
    }
  }

  void SkipReturnType() {
    while (!AtEnd() && !IsPunct("{") && !IsPunct("=>") && !IsPunct(";")) {
      if (IsPunct("(") || IsPunct("[")) {
        int32_t m = Match(pos_);
        if (m < 0) return;
        pos_ = static_cast<size_t>(m) + 1;
        continue;
      }
      ++pos_;
    }
  }

  ExprId ParseClass() {
    size_t start = pos_++;  // class
    if (Peek().kind == JsTok::kName && !IsName("extends") && !IsName("implements")) ++pos_;
    if (IsPunct("<")) SkipAngles();
    if (IsName("extends")) {
      ++pos_;
      ParseCallChain();
    }
    while (!AtEnd() && !IsPunct("{")) ++pos_;  // implements …
    if (IsPunct("{")) ScanBlock();
    return Make(ExprKind::kOpaque, start);
  }

  // ---- expressions ---------------------------------------------------------------------
  ExprId ParseSequence() {
    size_t start = pos_;
    ExprId first = ParseAssign();
    if (first < 0 || !IsPunct(",")) return first;
    std::vector<ExprId> kids = {first};
    while (Accept(",")) {
      ExprId e = ParseAssign();
      if (e < 0) break;
      kids.push_back(e);
    }
    return Make(ExprKind::kOpaque, start, {}, std::move(kids));
  }

  // An arrow function at pos_ (after any `async`): parameters bound, body read.
  bool TryArrow(ExprId* out) {
    size_t start = pos_;
    if (Peek().kind == JsTok::kName && IsPunct("=>", 1) && !IsReserved(Text())) {
      Bind(std::string(Text()), BindKind::kParam, kNoExpr);
      pos_ += 2;
    } else if (IsPunct("(") || IsPunct("<")) {
      size_t open = pos_;
      if (IsPunct("<")) {  // generic arrow <T>(x) => …
        SkipAngles();
        if (!IsPunct("(")) {
          pos_ = start;
          return false;
        }
        open = pos_;
      }
      int32_t close = Match(open);
      if (close < 0) {
        pos_ = start;
        return false;
      }
      size_t after = static_cast<size_t>(close) + 1;
      size_t k = after;
      if (k < limit_ && t_.tokens[k].kind == JsTok::kPunct &&
          TokenText(src_, t_.tokens[k]) == ":") {
        pos_ = k + 1;
        SkipReturnType();
        k = pos_;
      }
      if (!(k < limit_ && t_.tokens[k].kind == JsTok::kPunct &&
            TokenText(src_, t_.tokens[k]) == "=>")) {
        pos_ = start;
        return false;
      }
      BindParamsBetween(open, static_cast<size_t>(close));
      pos_ = k + 1;
    } else {
      return false;
    }
    if (IsPunct("{")) {
      ScanBlock();
      *out = Make(ExprKind::kOpaque, start);
    } else {
      ExprId body = ParseAssign();
      *out = Make(ExprKind::kOpaque, start, {}, {body});
    }
    return true;
  }

  ExprId ParseAssign() {
    Guard g(*this);
    if (!g.ok) return kNoExpr;
    if (IsName("async") && (Peek(1).kind == JsTok::kName || IsPunct("(", 1)) &&
        Peek(1).line == Peek().line) {
      size_t saved = pos_++;
      ExprId arrow;
      if (TryArrow(&arrow)) return arrow;
      pos_ = saved;
    }
    ExprId arrow;
    if (TryArrow(&arrow)) return arrow;
    size_t start = pos_;
    ExprId x = ParseCond();
    if (x >= 0 && Peek().kind == JsTok::kPunct && IsAssignOp(Text())) {
      std::string op(Text());
      ++pos_;
      ExprId v = ParseAssign();
      BindTarget(
          x, op == "=" || op == "||=" || op == "?\?=" ? BindKind::kValue : BindKind::kUnknown, v);
      (void)start;
      return v;
    }
    return x;
  }

  void BindTarget(ExprId target, BindKind kind, ExprId value) {
    if (target < 0) return;
    const Expr& t = p_.exprs[static_cast<size_t>(target)];
    if (t.kind == ExprKind::kName || t.kind == ExprKind::kAttr) {
      std::string dotted;
      std::vector<std::string_view> parts;
      ExprId id = target;
      while (id >= 0) {
        const Expr& e = p_.exprs[static_cast<size_t>(id)];
        if (e.kind == ExprKind::kName) {
          dotted = e.text;
          for (auto it = parts.rbegin(); it != parts.rend(); ++it) (dotted += '.') += *it;
          break;
        }
        if (e.kind != ExprKind::kAttr || e.kids.empty()) return;
        parts.push_back(e.text);
        id = e.kids[0];
      }
      Bind(dotted, kind, value);
    }
  }

  ExprId ParseCond() {
    size_t start = pos_;
    ExprId x = ParseBinary(0);
    if (x < 0 || !IsPunct("?")) return x;
    ++pos_;
    ExprId a = ParseAssign();
    if (!Accept(":")) return x;
    ExprId b = ParseAssign();
    return Make(ExprKind::kCond, start, {}, {a, b});
  }

  // Binary operator level of the token (0 `?? ||` … 10 `**`), -1 when it is none.
  int TokLevel() const {
    const JsToken& t = Peek();
    std::string_view op = Text();
    if (t.kind == JsTok::kName) return op == "instanceof" || op == "in" ? 6 : -1;
    if (t.kind != JsTok::kPunct || op.size() > 3) return -1;
    char c = op[0];
    char d = op.size() > 1 ? op[1] : '\0';
    switch (op.size()) {
      case 1:
        switch (c) {
          case '|': return 2;
          case '^': return 3;
          case '&': return 4;
          case '<':
          case '>': return 6;
          case '+':
          case '-': return 8;
          case '*':
          case '/':
          case '%': return 9;
          default: return -1;
        }
      case 2:
        if ((c == '?' && d == '?') || (c == '|' && d == '|')) return 0;
        if (c == '&' && d == '&') return 1;
        if (d == '=' && (c == '=' || c == '!')) return 5;
        if (d == '=' && (c == '<' || c == '>')) return 6;
        if ((c == '<' || c == '>') && d == c) return 7;
        if (c == '*' && d == '*') return 10;
        return -1;
      default:
        if ((c == '=' || c == '!') && d == '=' && op[2] == '=') return 5;
        if (op == ">>>") return 7;
        return -1;
    }
  }

  // Binary operators by precedence climbing (one call per operand, not per level).
  ExprId ParseBinary(int min_level) {
    size_t start = pos_;
    ExprId x = ParseUnary();
    if (x < 0) return x;
    ExprId sum = kNoExpr;  // the kOr / kAdd this loop builds: a || b || c is one node
    for (;;) {
      int level = TokLevel();
      if (level < min_level) return x;
      std::string ops(Text());
      ++pos_;
      ExprId y = ParseBinary(level + 1);
      ExprKind kind = level == 0 ? ExprKind::kOr : ops == "+" ? ExprKind::kAdd : ExprKind::kOpaque;
      if (kind != ExprKind::kOpaque && sum >= 0 && sum == x &&
          p_.exprs[static_cast<size_t>(x)].kind == kind) {
        p_.exprs[static_cast<size_t>(x)].kids.push_back(y);
      } else if (kind != ExprKind::kOpaque) {
        x = sum = Make(kind, start, {}, {x, y});
      } else {
        x = Make(ExprKind::kOpaque, start, ops, {x, y});
        sum = kNoExpr;
      }
      if (sum == x) {
        Expr& xe = p_.exprs[static_cast<size_t>(x)];
        const JsToken& f = t_.tokens[start];
        const JsToken& l = t_.tokens[pos_ - 1];
        xe.src = src_.substr(f.begin, l.end - f.begin);
      }
    }
  }

  ExprId ParseUnary() {
    if (Peek().kind == JsTok::kPunct) {
      std::string_view op = Text();
      if (op == "!" || op == "~" || op == "+" || op == "-" || op == "++" || op == "--") {
        Guard g(*this);
        if (!g.ok) return kNoExpr;
        size_t start = pos_++;
        ExprId e = ParseUnary();
        return Make(ExprKind::kOpaque, start, std::string(op), {e});
      }
    }
    if (IsName("typeof") || IsName("void") || IsName("delete")) {
      Guard g(*this);
      if (!g.ok) return kNoExpr;
      size_t start = pos_++;
      ExprId e = ParseUnary();
      return Make(ExprKind::kOpaque, start, "typeof", {e});
    }
    if (IsName("await") || IsName("yield")) {
      Guard g(*this);
      if (!g.ok) return kNoExpr;
      ++pos_;
      if (IsPunct("*")) ++pos_;
      return ParseUnary();  // the awaited value stands for the result
    }
    ExprId x = ParseCallChain();
    if (x >= 0 && (IsPunct("++") || IsPunct("--")) && Peek().line == t_.tokens[pos_ - 1].line)
      ++pos_;
    while (x >= 0 && (IsName("as") || IsName("satisfies"))) {
      ++pos_;
      SkipTypeExpr();
    }
    return x;
  }

  void SkipTypeExpr() {
    for (;;) {
      if (IsPunct("(") || IsPunct("[") || IsPunct("{")) {
        int32_t m = Match(pos_);
        if (m < 0) return;
        pos_ = static_cast<size_t>(m) + 1;
      } else if (Peek().kind == JsTok::kName || Peek().kind == JsTok::kString) {
        ++pos_;
        while (IsPunct(".") && Peek(1).kind == JsTok::kName) pos_ += 2;
        if (IsPunct("<")) SkipAngles();
      } else {
        return;
      }
      while (IsPunct("[") && IsPunct("]", 1)) pos_ += 2;
      if (IsPunct("|") || IsPunct("&")) {
        ++pos_;
        continue;
      }
      return;
    }
  }

  ExprId ParseCallChain() {
    size_t start = pos_;
    ExprId x;
    if (IsName("new") && !IsPunct(".", 1)) {
      Guard g(*this);
      if (!g.ok) return kNoExpr;
      ++pos_;
      // The constructor: a member expression (no calls), then its arguments.
      size_t cstart = pos_;
      ExprId callee = ParseAtom();
      while (callee >= 0 && IsPunct(".") && Peek(1).kind == JsTok::kName) {
        std::string attr(Text(1));
        pos_ += 2;
        callee = Make(ExprKind::kAttr, cstart, std::move(attr), {callee});
      }
      if (callee < 0) return kNoExpr;
      if (IsPunct("<")) TrySkipTypeArgs();
      std::vector<Arg> args;
      if (IsPunct("(")) args = ParseArgs();
      x = Make(ExprKind::kCall, start, {}, {callee});
      p_.exprs[static_cast<size_t>(x)].args = std::move(args);
      p_.calls.push_back(x);
    } else {
      x = ParseAtom();
    }
    if (x < 0) return x;
    for (;;) {
      if ((IsPunct(".") || IsPunct("?.")) && Peek(1).kind == JsTok::kName) {
        std::string attr(Text(1));
        pos_ += 2;
        x = Make(ExprKind::kAttr, start, std::move(attr), {x});
      } else if (IsPunct("?.") && (IsPunct("(", 1) || IsPunct("[", 1))) {
        ++pos_;
      } else if (IsPunct("(")) {
        Guard g(*this);
        if (!g.ok) return x;
        std::vector<Arg> args = ParseArgs();
        x = Make(ExprKind::kCall, start, {}, {x});
        p_.exprs[static_cast<size_t>(x)].args = std::move(args);
        p_.calls.push_back(x);
      } else if (IsPunct("[")) {
        Guard g(*this);
        if (!g.ok) return x;
        ++pos_;
        ExprId index = ParseSequence();
        Accept("]");
        x = Make(ExprKind::kSubscript, start, {}, {x, index});
      } else if (Peek().kind == JsTok::kTemplate) {  // tagged template
        ++pos_;
        x = Make(ExprKind::kOpaque, start, {}, {x});
      } else if (IsPunct("!") && (IsPunct(".", 1) || IsPunct("(", 1) || IsPunct("[", 1) ||
                                  IsPunct(")", 1) || IsPunct(",", 1) || IsPunct(";", 1))) {
        ++pos_;  // TypeScript non-null assertion
      } else if (IsPunct("<") && TrySkipTypeArgs()) {
        // f<T>(…): the type arguments are skipped, the call follows
      } else {
        return x;
      }
    }
  }

  // `<…>` followed by `(`: TypeScript type arguments of a call. Restores pos_ otherwise.
  bool TrySkipTypeArgs() {
    size_t saved = pos_;
    int depth = 0;
    for (size_t k = 0; k < 64 && !AtEnd(); ++k) {
      if (IsPunct("<"))
        ++depth;
      else if (IsPunct(">"))
        --depth;
      else if (IsPunct(">>"))
        depth -= 2;
      else if (Peek().kind == JsTok::kPunct && !IsPunct(",") && !IsPunct(".") && !IsPunct("[") &&
               !IsPunct("]") && !IsPunct("|") && !IsPunct("&"))
        break;
      ++pos_;
      if (depth <= 0) {
        if (IsPunct("(")) return true;
        break;
      }
    }
    pos_ = saved;
    return false;
  }

  std::vector<Arg> ParseArgs() {
    size_t close = Match(pos_) >= 0 ? static_cast<size_t>(Match(pos_)) : limit_;
    ++pos_;  // (
    size_t saved_limit = limit_;
    limit_ = std::min(limit_, close);
    std::vector<Arg> args;
    while (!AtEnd()) {
      size_t before = pos_;
      Arg a;
      if (Accept("...")) a.star = 1;
      a.value = ParseAssign();
      if (a.value >= 0) {
        args.push_back(a);
        // An object literal argument also names its properties: f({ model: "x" }).
        const Expr& v = p_.exprs[static_cast<size_t>(a.value)];
        if (!a.star && v.kind == ExprKind::kDict) {
          std::vector<ExprId> kids = v.kids;
          for (size_t i = 0; i + 1 < kids.size(); i += 2) {
            if (kids[i] < 0) {  // f({ ...opts, … }): its properties are arguments too
              Arg spread;
              spread.star = 2;
              spread.value = kids[i + 1];
              args.push_back(spread);
              continue;
            }
            const Expr& k = p_.exprs[static_cast<size_t>(kids[i])];
            if (k.kind != ExprKind::kString) continue;
            Arg kw;
            kw.keyword = k.text;
            kw.value = kids[i + 1];
            args.push_back(kw);
          }
        }
      }
      if (Accept(",")) continue;
      if (pos_ == before) ++pos_;  // not understood: skip
    }
    limit_ = saved_limit;
    pos_ = close < saved_limit ? close + 1 : saved_limit;
    // Keyword arguments go after positional ones so positions count as written.
    std::stable_partition(args.begin(), args.end(), [](const Arg& a) { return a.keyword.empty(); });
    return args;
  }

  ExprId ParseAtom() {
    const JsToken& t = Peek();
    size_t start = pos_;
    switch (t.kind) {
      case JsTok::kName: {
        std::string_view w = Text();
        if (w == "null" || w == "undefined") return ++pos_, Make(ExprKind::kNone, start);
        if (w == "true" || w == "false")
          return ++pos_, Make(ExprKind::kBool, start, std::string(w));
        if (w == "function" || (w == "async" && IsName("function", 1))) return ParseFunction();
        if (w == "class") return ParseClass();
        if (IsReserved(w) || w == "return" || w == "throw" || w == "new" || w == "typeof" ||
            w == "delete" || w == "void" || w == "await")
          return kNoExpr;
        ++pos_;
        return Make(ExprKind::kName, start, std::string(w));
      }
      case JsTok::kNumber: return ++pos_, Make(ExprKind::kNumber, start);
      case JsTok::kString: {
        ++pos_;
        return Make(ExprKind::kString, start, t_.strings[t.value]);
      }
      case JsTok::kTemplate: return ParseTemplate();
      case JsTok::kRegex: return ++pos_, Make(ExprKind::kOpaque, start);
      case JsTok::kPunct: break;
      case JsTok::kEnd: return kNoExpr;
    }
    std::string_view x = Text();
    if (x == "(") {
      Guard g(*this);
      if (!g.ok) return kNoExpr;
      int32_t close = Match(pos_);
      ++pos_;
      size_t saved_limit = limit_;
      if (close >= 0) limit_ = std::min(limit_, static_cast<size_t>(close));
      ExprId e = ParseSequence();
      limit_ = saved_limit;
      if (close >= 0 && static_cast<size_t>(close) < limit_) pos_ = static_cast<size_t>(close) + 1;
      return e;
    }
    if (x == "[") return ParseArray();
    if (x == "{") return ParseObject();
    return kNoExpr;
  }

  ExprId ParseArray() {
    Guard g(*this);
    if (!g.ok) return kNoExpr;
    size_t start = pos_;
    int32_t close = Match(pos_);
    size_t end = close >= 0 ? static_cast<size_t>(close) : limit_;
    ++pos_;
    size_t saved_limit = limit_;
    limit_ = std::min(limit_, end);
    std::vector<ExprId> kids;
    while (!AtEnd()) {
      size_t before = pos_;
      if (Accept(",")) continue;
      if (IsPunct("...")) {
        size_t s = pos_++;
        ExprId e = ParseAssign();
        kids.push_back(Make(ExprKind::kOpaque, s, "*", {e}));
      } else {
        ExprId e = ParseAssign();
        if (e >= 0) kids.push_back(e);
      }
      if (pos_ == before) ++pos_;
    }
    limit_ = saved_limit;
    pos_ = end < saved_limit ? end + 1 : saved_limit;
    return Make(ExprKind::kList, start, {}, std::move(kids));
  }

  ExprId ParseObject() {
    Guard g(*this);
    if (!g.ok) return kNoExpr;
    size_t start = pos_;
    int32_t close = Match(pos_);
    size_t end = close >= 0 ? static_cast<size_t>(close) : limit_;
    ++pos_;
    size_t saved_limit = limit_;
    limit_ = std::min(limit_, end);
    std::vector<ExprId> kids;
    while (!AtEnd()) {
      size_t before = pos_;
      if (Accept(",")) continue;
      if (Accept("...")) {
        kids.push_back(kNoExpr);
        kids.push_back(ParseAssign());
        continue;
      }
      // Modifiers of methods and accessors.
      while ((IsName("get") || IsName("set") || IsName("async") || IsName("static")) &&
             (Peek(1).kind == JsTok::kName || Peek(1).kind == JsTok::kString || IsPunct("[", 1)))
        ++pos_;
      Accept("*");
      size_t key_tok = pos_;
      ExprId key = kNoExpr;
      if (Peek().kind == JsTok::kName || Peek().kind == JsTok::kNumber) {
        std::string k(Text());
        ++pos_;
        key = Make(ExprKind::kString, key_tok, k);
      } else if (Peek().kind == JsTok::kString) {
        std::string k = t_.strings[Peek().value];
        ++pos_;
        key = Make(ExprKind::kString, key_tok, std::move(k));
      } else if (IsPunct("[")) {
        int32_t m = Match(pos_);
        ++pos_;
        key = ParseAssign();
        pos_ = m >= 0 ? static_cast<size_t>(m) + 1 : pos_;
      }
      if (key < 0) {
        if (pos_ == before) ++pos_;
        continue;
      }
      if (Accept(":")) {
        kids.push_back(key);
        kids.push_back(ParseAssign());
      } else if (IsPunct("(")) {  // method
        int32_t m = Match(pos_);
        if (m < 0) break;
        BindParamsBetween(pos_, static_cast<size_t>(m));
        pos_ = static_cast<size_t>(m) + 1;
        if (Accept(":")) SkipReturnType();
        if (IsPunct("{")) ScanBlock();
        kids.push_back(key);
        kids.push_back(Make(ExprKind::kOpaque, key_tok));
      } else {
        // Shorthand `{ model }` (or `{ model = x }` in patterns): the value is the name.
        const Expr& ke = p_.exprs[static_cast<size_t>(key)];
        ExprId value = Make(ExprKind::kName, key_tok, ke.text);
        if (Accept("=")) ParseAssign();
        kids.push_back(key);
        kids.push_back(value);
      }
      if (pos_ == before) ++pos_;
    }
    limit_ = saved_limit;
    pos_ = end < saved_limit ? end + 1 : saved_limit;
    return Make(ExprKind::kDict, start, {}, std::move(kids));
  }

  ExprId ParseTemplate() {
    size_t start = pos_;
    const JsToken& tok = Peek();
    ++pos_;
    std::vector<ExprId> kids;
    for (const FStringPart& part : t_.templates[tok.value]) {
      if (!part.expr) {
        size_t saved = pos_;
        pos_ = start + 1;
        kids.push_back(Make(ExprKind::kString, start, part.text));
        pos_ = saved;
        continue;
      }
      kids.push_back(Field(part));
    }
    size_t saved = pos_;
    pos_ = start + 1;
    ExprId e = Make(ExprKind::kTemplate, start, {}, std::move(kids));
    pos_ = saved;
    return e;
  }

  ExprId Field(const FStringPart& part) {
    if (fdepth_ + 1 >= limits::kMaxInventoryStringNesting) {
      if (p_.limit.empty()) p_.limit = "limit.inventory-string-nesting";
      return kNoExpr;
    }
    p_.buffers.push_back(part.text);
    const std::string& buf = p_.buffers.back();
    JsTokens toks = TokenizeJs(buf, part.line, fdepth_ + 1);
    if (!toks.limit.empty() && p_.limit.empty()) p_.limit = toks.limit;
    Parser sub(p_, toks, buf, fdepth_ + 1);
    return sub.ParseField(depth_);
  }

  Program& p_;
  const JsTokens& t_;
  std::string_view src_;
  int fdepth_;
  size_t pos_ = 0;
  size_t limit_;
  int depth_ = 0;
  std::vector<int32_t> match_;
};

}  // namespace

namespace {

bool Relevant(const JsTokens& toks, std::string_view src, const Relevance& r) {
  const auto& t = toks.tokens;
  for (size_t i = 0; i + 1 < t.size(); ++i) {
    if (t[i].kind == JsTok::kString) {
      const std::string& s = toks.strings[t[i].value];
      if (r.module(std::string_view(s).substr(0, s.find('/', s[0] == '@' ? s.find('/') + 1 : 0))) ||
          r.module(s))
        return true;
      continue;
    }
    if (t[i].kind != JsTok::kName) continue;
    const JsToken& next = t[i + 1];
    if (next.kind == JsTok::kPunct && next.end - next.begin == 1 && src[next.begin] == '(' &&
        r.call_name(TokenText(src, t[i])))
      return true;
  }
  for (const auto& parts : toks.templates)
    for (const auto& part : parts)
      if (part.expr && part.text.find('(') != std::string::npos) return true;
  return false;
}

}  // namespace

Program ReadJs(std::string_view source, const Relevance* relevance) {
  Program p;
  p.source = source;
  p.flat = true;
  p.scopes.push_back(Scope{});
  p.stmts.push_back({1, 0});
  JsTokens toks = TokenizeJs(source);
  if (!toks.limit.empty()) p.limit = toks.limit;
  if (relevance && !Relevant(toks, source, *relevance)) return p;
  p.exprs.reserve(toks.tokens.size() / 2 + 8);
  Parser parser(p, toks, source, 0);
  parser.ScanAll();
  return p;
}

}  // namespace mv::inventory
