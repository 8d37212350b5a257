#include "inventory/python_reader.h"

#include <algorithm>
#include <array>

#include "core/limits.h"
#include "inventory/python_tokenizer.h"

namespace mv::inventory {

namespace {

constexpr std::array<std::string_view, 35> kKeywords = {
    "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
    "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
    "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
    "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};

bool IsKeyword(std::string_view s) {
  // Keywords are 2-8 ASCII letters; only those of the same length and first letter are
  // compared (this runs for every name).
  if (s.size() < 2 || s.size() > 8) return false;
  for (std::string_view k : kKeywords)
    if (k.size() == s.size() && k[0] == s[0] && k == s) return true;
  return false;
}

constexpr std::string_view kAugOps[] = {
    "+=", "-=", "*=", "/=", "//=", "%=", "@=", "&=", "|=", "^=", ">>=", "<<=", "**="};

class Parser {
 public:
  Parser(Program& p, const PyTokens& t, std::string_view src, int fdepth)
      : p_(p), t_(t), src_(src), fdepth_(fdepth) {}

  void ParseFile() {
    while (Peek().kind != PyTok::kEnd) {
      if (Peek().kind == PyTok::kNewline) {
        ++pos_;
        continue;
      }
      uint32_t indent = Peek().indent;
      while (!open_.empty() && open_.back().indent >= indent) open_.pop_back();
      scope_ = open_.empty() ? 0 : open_.back().scope;
      NewStmt(indent);
      ParseStatements(indent, 0);
      while (!AtLineEnd()) ++pos_;
      if (Peek().kind == PyTok::kNewline) ++pos_;
    }
  }

  // A replacement field of an f-string, read in the scope and statement of its string.
  ExprId ParseField(int32_t scope, uint32_t stmt, int depth) {
    scope_ = scope;
    stmt_ = stmt;
    depth_ = depth;
    ExprId e = ParseExprList(true);
    return e;
  }

 private:
  struct Open {
    uint32_t indent;
    int32_t scope;
  };

  // ---- tokens --------------------------------------------------------------------------
  const PyToken& Peek(size_t k = 0) const {
    return t_.tokens[std::min(pos_ + k, t_.tokens.size() - 1)];
  }
  std::string_view Text(size_t k = 0) const { return TokenText(src_, Peek(k)); }
  bool Same(const PyToken& t, std::string_view w) const {
    if (t.end - t.begin != w.size()) return false;
    for (size_t i = 0; i < w.size(); ++i)
      if (src_[t.begin + i] != w[i]) return false;
    return true;
  }
  bool IsOp(std::string_view op, size_t k = 0) const {
    const PyToken& t = Peek(k);
    return t.kind == PyTok::kOp && Same(t, op);
  }
  bool IsName(std::string_view kw, size_t k = 0) const {
    const PyToken& t = Peek(k);
    return t.kind == PyTok::kName && Same(t, kw);
  }
  bool AtLineEnd() const {
    auto k = Peek().kind;
    return k == PyTok::kNewline || k == PyTok::kEnd;
  }
  bool AtStmtEnd() const { return AtLineEnd() || IsOp(";"); }
  bool Accept(std::string_view op) {
    if (!IsOp(op)) return false;
    ++pos_;
    return true;
  }
  void SkipLine() {
    while (!AtLineEnd()) ++pos_;
  }

  // ---- building ------------------------------------------------------------------------
  void NewStmt(uint32_t indent) {
    p_.stmts.push_back({Peek().line, indent});
    stmt_ = static_cast<uint32_t>(p_.stmts.size() - 1);
  }

  ExprId Make(ExprKind kind, size_t start, std::string text = {}, std::vector<ExprId> kids = {}) {
    Expr e;
    e.kind = kind;
    const PyToken& first = t_.tokens[std::min(start, t_.tokens.size() - 1)];
    e.line = first.line;
    e.stmt = stmt_;
    e.scope = scope_;
    size_t last = pos_ > start ? pos_ - 1 : start;
    const PyToken& lt = t_.tokens[std::min(last, t_.tokens.size() - 1)];
    if (lt.end >= first.begin) e.src = src_.substr(first.begin, lt.end - first.begin);
    e.text = std::move(text);
    e.kids = std::move(kids);
    return p_.Add(std::move(e));
  }

  void Bind(std::string name, BindKind kind, ExprId value, int32_t scope, bool same_stmt = false,
            std::string path = {}, int32_t target = -1) {
    Binding b;
    b.name = std::move(name);
    b.kind = kind;
    b.value = value;
    b.scope = scope;
    b.stmt = stmt_;
    b.same_stmt = same_stmt;
    b.path = std::move(path);
    b.target = target;
    p_.Bind(std::move(b));
  }

  // Dotted text of a name/attribute chain ("self.client"), "" for anything else.
  std::string Dotted(ExprId id) const {
    std::vector<std::string_view> parts;
    while (id >= 0) {
      const Expr& e = p_.exprs[static_cast<size_t>(id)];
      if (e.kind == ExprKind::kName) {
        std::string out(e.text);
        for (auto it = parts.rbegin(); it != parts.rend(); ++it) (out += '.') += *it;
        return out;
      }
      if (e.kind != ExprKind::kAttr || e.kids.empty()) return "";
      parts.push_back(e.text);
      id = e.kids[0];
    }
    return "";
  }

  void BindTarget(ExprId target, BindKind kind, ExprId value, bool same_stmt = false) {
    if (target < 0) return;
    const Expr& t = p_.exprs[static_cast<size_t>(target)];
    if (t.kind == ExprKind::kName) {
      Bind(t.text, kind, value, scope_, same_stmt);
      return;
    }
    if (t.kind == ExprKind::kAttr) {
      std::string dotted = Dotted(target);
      if (dotted.empty()) return;
      const Scope& s = p_.scopes[static_cast<size_t>(scope_)];
      size_t dot = dotted.find('.');
      if (s.cls >= 0 && !s.self_name.empty() && dotted.compare(0, dot, s.self_name) == 0) {
        // self.x = … in a method: an attribute of every instance of the class.
        Bind("self" + dotted.substr(dot), kind, value, s.cls, same_stmt);
      } else {
        Bind(dotted, kind, value, scope_, same_stmt);
      }
      return;
    }
    if (t.kind == ExprKind::kList) {
      std::vector<ExprId> kids = t.kids;
      const Expr* v = value >= 0 ? &p_.exprs[static_cast<size_t>(value)] : nullptr;
      bool pairwise = kind == BindKind::kValue && v && v->kind == ExprKind::kList &&
                      v->kids.size() == kids.size();
      std::vector<ExprId> vals = pairwise ? v->kids : std::vector<ExprId>{};
      for (size_t i = 0; i < kids.size(); ++i)
        BindTarget(kids[i], pairwise ? kind : BindKind::kUnknown, pairwise ? vals[i] : kNoExpr,
                   same_stmt);
      return;
    }
    if (t.kind == ExprKind::kOpaque && t.kids.size() == 1 && t.text == "*")  // *rest
      BindTarget(t.kids[0], BindKind::kUnknown, kNoExpr, same_stmt);
  }

  int32_t NewScope(ScopeKind kind, std::string name) {
    Scope s;
    s.kind = kind;
    s.parent = scope_;
    s.name = std::move(name);
    if (kind == ScopeKind::kFunction &&
        p_.scopes[static_cast<size_t>(scope_)].kind == ScopeKind::kClass)
      s.cls = scope_;
    p_.scopes.push_back(std::move(s));
    return static_cast<int32_t>(p_.scopes.size() - 1);
  }

  // Guards recursion on nesting an attacker controls; past the limit the rest of the logical
  // line is skipped and the limit recorded.
  struct Guard {
    explicit Guard(Parser& p) : p(p) {
      ok = ++p.depth_ <= limits::kMaxInventoryNesting;
      if (!ok) {
        if (p.p_.limit.empty()) p.p_.limit = "limit.inventory-nesting";
        p.SkipLine();
      }
    }
    ~Guard() { --p.depth_; }
    Parser& p;
    bool ok;
  };

  // ---- statements ----------------------------------------------------------------------
  void ParseStatements(uint32_t indent, int nest) {
    while (!AtLineEnd()) {
      size_t before = pos_;
      ParseOne(indent, nest);
      if (Accept(";")) {
        if (!AtLineEnd()) NewStmt(indent);
        continue;
      }
      if (AtLineEnd()) break;
      if (pos_ == before) ++pos_;  // not understood: skip a token, read on
    }
  }

  // The statements after a compound header's colon on the same line.
  void InlineBody(uint32_t indent, int nest) {
    if (!Accept(":")) return;
    if (AtLineEnd()) return;
    if (nest + 1 > limits::kMaxInventoryNesting) {
      if (p_.limit.empty()) p_.limit = "limit.inventory-nesting";
      SkipLine();
      return;
    }
    NewStmt(indent + 1);
    ParseStatements(indent + 1, nest + 1);
  }

  void ParseOne(uint32_t indent, int nest) {
    if (Peek().kind == PyTok::kOp && Text() == "@") {
      ++pos_;
      ParseTest();
      return;
    }
    if (Peek().kind != PyTok::kName) {
      ParseExprStatement();
      return;
    }
    std::string_view kw = Text();
    if (kw == "async" && (IsName("def", 1) || IsName("for", 1) || IsName("with", 1))) {
      ++pos_;
      kw = Text();
    }
    if (kw == "def") return ParseDef(indent, nest);
    if (kw == "class") return ParseClass(indent, nest);
    if (kw == "if" || kw == "elif" || kw == "while") {
      ++pos_;
      ParseTest();
      return InlineBody(indent, nest);
    }
    if (kw == "else" || kw == "try" || kw == "finally") {
      ++pos_;
      return InlineBody(indent, nest);
    }
    if (kw == "except") {
      ++pos_;
      Accept("*");
      if (!IsOp(":")) {
        ParseTest();
        if (IsName("as") && Peek(1).kind == PyTok::kName) {
          ++pos_;
          Bind(std::string(Text()), BindKind::kUnknown, kNoExpr, scope_);
          ++pos_;
        }
      }
      return InlineBody(indent, nest);
    }
    if (kw == "for") {
      ++pos_;
      ExprId targets = ParseTargets();
      if (IsName("in")) {
        ++pos_;
        ExprId iter = ParseExprList(true);
        BindTarget(targets, BindKind::kElement, iter);
      }
      return InlineBody(indent, nest);
    }
    if (kw == "with") {
      ++pos_;
      while (!AtStmtEnd() && !IsOp(":")) {
        size_t before = pos_;
        ExprId e = ParseTest();
        if (IsName("as")) {
          ++pos_;
          ExprId target = ParseTargets();
          BindTarget(target, BindKind::kValue, e);
        }
        if (!Accept(",") && pos_ == before) break;
        if (pos_ == before) break;
      }
      return InlineBody(indent, nest);
    }
    if (kw == "import") return ParseImport();
    if (kw == "from" && !IsOp("=", 1)) return ParseFrom();
    if (kw == "return" || kw == "del" || kw == "assert" || kw == "raise" || kw == "print" ||
        kw == "exec") {
      if (kw == "print" || kw == "exec") {
        // Python 2 statements; as names (print(...)) they are ordinary calls.
        if (IsOp("(", 1) || IsOp("=", 1) || IsOp(".", 1)) return ParseExprStatement();
      }
      ++pos_;
      if (!AtStmtEnd()) ParseExprList(true);
      if (IsName("from")) {  // raise X from Y
        ++pos_;
        ParseTest();
      }
      while (Accept(",")) ParseTest();  // assert x, msg
      return;
    }
    if (kw == "global" || kw == "nonlocal" || kw == "pass" || kw == "break" || kw == "continue") {
      while (!AtStmtEnd()) ++pos_;
      return;
    }
    if ((kw == "match" || kw == "case") && SoftKeywordHeader()) {
      ++pos_;
      while (!AtStmtEnd() && !IsOp(":")) {
        size_t before = pos_;
        ParseExprList(true);
        if (IsName("if")) {  // case guard
          ++pos_;
          continue;
        }
        if (pos_ == before) ++pos_;
      }
      return InlineBody(indent, nest);
    }
    ParseExprStatement();
  }

  // `match x:` / `case y:`: the soft keyword starts a header when the line ends with a colon
  // and the word is not used as a name (`match = …`, `match(…)` followed by nothing).
  bool SoftKeywordHeader() const {
    if (IsOp("=", 1) || IsOp(".", 1) || IsOp(",", 1) || IsOp(")", 1) || AtLineEndAt(1))
      return false;
    for (size_t k = pos_ + 1; k < t_.tokens.size(); ++k) {
      auto kind = t_.tokens[k].kind;
      if (kind == PyTok::kNewline || kind == PyTok::kEnd)
        return k > pos_ + 1 && t_.tokens[k - 1].kind == PyTok::kOp &&
               TokenText(src_, t_.tokens[k - 1]) == ":";
    }
    return false;
  }
  bool AtLineEndAt(size_t k) const {
    auto kind = Peek(k).kind;
    return kind == PyTok::kNewline || kind == PyTok::kEnd;
  }

  void ParseDef(uint32_t indent, int nest) {
    ++pos_;  // def
    if (Peek().kind != PyTok::kName) return;
    std::string name(Text());
    ++pos_;
    Bind(name, BindKind::kFunction, kNoExpr, scope_);
    int32_t outer = scope_;
    int32_t fn = NewScope(ScopeKind::kFunction, name);
    if (IsOp("[")) SkipBalanced();  // type parameters
    if (Accept("(")) {
      bool first = true;
      while (!IsOp(")") && !AtLineEnd()) {
        size_t before = pos_;
        if (!Accept("*")) Accept("**");  // *args, **kwargs, a bare `*`
        if (Accept("/")) {
          Accept(",");
          continue;
        }
        if (Peek().kind == PyTok::kName) {
          std::string pname(Text());
          ++pos_;
          if (Accept(":")) ParseTest();
          ExprId def = kNoExpr;
          if (Accept("=")) def = ParseTest();  // defaults are evaluated in the outer scope
          Binding b;
          b.name = pname;
          b.kind = BindKind::kParam;
          b.value = def;
          b.scope = fn;
          b.stmt = stmt_;
          b.same_stmt = true;
          p_.Bind(std::move(b));
          if (first && p_.scopes[static_cast<size_t>(fn)].cls >= 0)
            p_.scopes[static_cast<size_t>(fn)].self_name = pname;
          first = false;
        }
        if (!Accept(",") && pos_ == before) ++pos_;
      }
      Accept(")");
    }
    if (Accept("->")) ParseTest();
    open_.push_back({indent, fn});
    scope_ = fn;
    InlineBody(indent, nest);
    scope_ = outer;
  }

  void ParseClass(uint32_t indent, int nest) {
    ++pos_;  // class
    if (Peek().kind != PyTok::kName) return;
    std::string name(Text());
    ++pos_;
    if (IsOp("[")) SkipBalanced();
    if (IsOp("(")) {
      size_t start = pos_;
      ++pos_;
      ParseCallArgs(start);  // base classes and keywords: calls inside still count
    }
    int32_t outer = scope_;
    int32_t cls = NewScope(ScopeKind::kClass, name);
    Bind(name, BindKind::kClass, kNoExpr, outer, false, {}, cls);
    open_.push_back({indent, cls});
    scope_ = cls;
    InlineBody(indent, nest);
    scope_ = outer;
  }

  void SkipBalanced() {
    int depth = 0;
    while (!AtLineEnd()) {
      if (IsOp("(") || IsOp("[") || IsOp("{")) ++depth;
      if (IsOp(")") || IsOp("]") || IsOp("}")) --depth;
      ++pos_;
      if (depth <= 0) return;
    }
  }

  std::string DottedName() {
    std::string out;
    while (Peek().kind == PyTok::kName && !IsKeyword(Text())) {
      out += Text();
      ++pos_;
      if (IsOp(".") && Peek(1).kind == PyTok::kName) {
        out += '.';
        ++pos_;
        continue;
      }
      break;
    }
    return out;
  }

  void ParseImport() {
    ++pos_;  // import
    while (!AtStmtEnd()) {
      std::string mod = DottedName();
      if (mod.empty()) return;
      if (IsName("as") && Peek(1).kind == PyTok::kName) {
        ++pos_;
        Bind(std::string(Text()), BindKind::kImport, kNoExpr, scope_, false, mod);
        ++pos_;
      } else {
        std::string top = mod.substr(0, mod.find('.'));
        Bind(top, BindKind::kImport, kNoExpr, scope_, false, top);
      }
      if (!Accept(",")) return;
    }
  }

  void ParseFrom() {
    ++pos_;  // from
    std::string mod;
    while (IsOp(".") || IsOp("...")) {
      mod += Text();
      ++pos_;
    }
    mod += DottedName();
    if (!IsName("import")) return;
    ++pos_;
    if (Accept("*")) {
      p_.star_imports.push_back(mod);
      return;
    }
    bool paren = Accept("(");
    std::string prefix = mod.empty() || mod.back() == '.' ? mod : mod + ".";
    while (Peek().kind == PyTok::kName) {
      std::string name(Text());
      ++pos_;
      std::string alias = name;
      if (IsName("as") && Peek(1).kind == PyTok::kName) {
        ++pos_;
        alias = std::string(Text());
        ++pos_;
      }
      Bind(alias, BindKind::kImport, kNoExpr, scope_, false, prefix + name);
      if (!Accept(",")) break;
    }
    if (paren) Accept(")");
  }

  void ParseExprStatement() {
    ExprId first = ParseExprList(true);
    if (first < 0) return;
    if (IsOp("=")) {
      std::vector<ExprId> chain = {first};
      while (Accept("=")) {
        if (IsName("yield")) ++pos_;
        ExprId e = ParseExprList(true);
        if (e < 0) return;
        chain.push_back(e);
      }
      ExprId value = chain.back();
      chain.pop_back();
      for (ExprId t : chain) BindTarget(t, BindKind::kValue, value);
      return;
    }
    if (IsOp(":")) {  // annotation
      ++pos_;
      ParseTest();
      if (Accept("=")) BindTarget(first, BindKind::kValue, ParseExprList(true));
      return;
    }
    for (auto op : kAugOps) {
      if (IsOp(op)) {
        ++pos_;
        ExprId v = ParseExprList(true);
        BindTarget(first, BindKind::kUnknown, v);
        return;
      }
    }
  }

  // ---- expressions ---------------------------------------------------------------------
  // test (',' test)* [','] -> a tuple when there is a comma.
  ExprId ParseExprList(bool allow_star) {
    size_t start = pos_;
    ExprId first = allow_star ? ParseTestOrStar() : ParseTest();
    if (first < 0 || !IsOp(",")) return first;
    std::vector<ExprId> kids = {first};
    while (Accept(",")) {
      if (AtStmtEnd() || IsOp("=") || IsOp(")") || IsOp(":")) break;
      ExprId e = allow_star ? ParseTestOrStar() : ParseTest();
      if (e < 0) break;
      kids.push_back(e);
    }
    return Make(ExprKind::kList, start, {}, std::move(kids));
  }

  ExprId ParseTestOrStar() {
    if (IsOp("*")) {
      size_t start = pos_++;
      ExprId e = ParseBin(0);
      return Make(ExprKind::kOpaque, start, "*", {e});
    }
    return ParseTest();
  }

  ExprId ParseTest() {
    Guard g(*this);
    if (!g.ok) return kNoExpr;
    if (IsName("lambda")) return ParseLambda();
    size_t start = pos_;
    ExprId x = ParseOr();
    if (x < 0) return x;
    if (IsName("if")) {
      ++pos_;
      ParseOr();
      if (IsName("else")) {
        ++pos_;
        ExprId y = ParseTest();
        return Make(ExprKind::kCond, start, {}, {x, y});
      }
      return x;
    }
    if (IsOp(":=") && p_.exprs[static_cast<size_t>(x)].kind == ExprKind::kName) {
      ++pos_;
      ExprId v = ParseTest();
      Bind(p_.exprs[static_cast<size_t>(x)].text, BindKind::kValue, v, scope_, true);
      return v;
    }
    return x;
  }

  ExprId ParseLambda() {
    size_t start = pos_++;  // lambda
    int32_t outer = scope_;
    int32_t fn = NewScope(ScopeKind::kFunction, "<lambda>");
    while (!IsOp(":") && !AtStmtEnd()) {
      size_t before = pos_;
      if (!Accept("*") && !Accept("**")) Accept("/");
      if (Peek().kind == PyTok::kName) {
        Binding b;
        b.name = std::string(Text());
        b.kind = BindKind::kParam;
        b.scope = fn;
        b.stmt = stmt_;
        b.same_stmt = true;
        ++pos_;
        if (Accept("=")) b.value = ParseTest();
        p_.Bind(std::move(b));
      }
      if (!Accept(",") && pos_ == before) break;
    }
    if (!Accept(":")) return kNoExpr;
    scope_ = fn;
    ExprId body = ParseTest();
    scope_ = outer;
    return Make(ExprKind::kOpaque, start, {}, {body});
  }

  ExprId ParseOr() {
    size_t start = pos_;
    ExprId x = ParseAnd();
    if (x < 0 || !IsName("or")) return x;
    std::vector<ExprId> kids = {x};
    while (IsName("or")) {
      ++pos_;
      kids.push_back(ParseAnd());
    }
    return Make(ExprKind::kOr, start, {}, std::move(kids));
  }

  ExprId ParseAnd() {
    size_t start = pos_;
    ExprId x = ParseNot();
    if (x < 0 || !IsName("and")) return x;
    std::vector<ExprId> kids = {x};
    while (IsName("and")) {
      ++pos_;
      kids.push_back(ParseNot());
    }
    return Make(ExprKind::kOpaque, start, {}, std::move(kids));
  }

  ExprId ParseNot() {
    if (!IsName("not")) return ParseComparison();
    Guard g(*this);
    if (!g.ok) return kNoExpr;
    size_t start = pos_++;
    ExprId e = ParseNot();
    return Make(ExprKind::kOpaque, start, {}, {e});
  }

  bool AtCompOp() const {
    const PyToken& t = Peek();
    if (t.kind == PyTok::kOp) {
      size_t n = t.end - t.begin;
      char c = src_[t.begin];
      if (n == 1) return c == '<' || c == '>';
      if (n == 2) {
        char d = src_[t.begin + 1];
        return (d == '=' && (c == '=' || c == '<' || c == '>' || c == '!')) ||
               (c == '<' && d == '>');
      }
      return false;
    }
    return IsName("in") || IsName("is") || (IsName("not") && IsName("in", 1));
  }

  ExprId ParseComparison() {
    size_t start = pos_;
    ExprId x = ParseBin(0);
    if (x < 0 || !AtCompOp()) return x;
    std::vector<ExprId> kids = {x};
    while (AtCompOp()) {
      if (IsName("not") || IsName("is")) {
        ++pos_;
        if (IsName("not") || IsName("in")) ++pos_;
      } else {
        ++pos_;
      }
      kids.push_back(ParseBin(0));
    }
    return Make(ExprKind::kOpaque, start, {}, std::move(kids));
  }

  // Binary operator level of the token (0 `|` … 5 `* / // % @`), -1 when it is none.
  int BinLevel() const {
    const PyToken& t = Peek();
    if (t.kind != PyTok::kOp) return -1;
    size_t n = t.end - t.begin;
    char c = src_[t.begin];
    if (n == 1) {
      switch (c) {
        case '|': return 0;
        case '^': return 1;
        case '&': return 2;
        case '+':
        case '-': return 4;
        case '*':
        case '/':
        case '%':
        case '@': return 5;
        default: return -1;
      }
    }
    if (n == 2 && src_[t.begin + 1] == c) {
      if (c == '<' || c == '>') return 3;
      if (c == '/') return 5;
    }
    return -1;
  }

  // Binary operators by precedence climbing: operands bind tighter at higher levels, so one
  // call per operand instead of one per level.
  ExprId ParseBin(int min_level) {
    size_t start = pos_;
    ExprId x = ParseUnary();
    if (x < 0) return x;
    ExprId sum = kNoExpr;  // the kAdd this loop builds: a + b + c is one node
    for (;;) {
      int level = BinLevel();
      if (level < min_level) return x;
      std::string_view op = Text();
      ++pos_;
      ExprId y = ParseBin(level + 1);
      if (op == "+" && sum >= 0 && sum == x) {
        Expr& xe = p_.exprs[static_cast<size_t>(x)];
        xe.kids.push_back(y);
        const PyToken& first = t_.tokens[start];
        const PyToken& last = t_.tokens[pos_ - 1];
        xe.src = src_.substr(first.begin, last.end - first.begin);
        continue;
      }
      if (op == "+") {
        x = sum = Make(ExprKind::kAdd, start, {}, {x, y});
      } else if (op == "%") {
        x = Make(ExprKind::kMod, start, {}, {x, y});
      } else {
        x = Make(ExprKind::kOpaque, start, std::string(op), {x, y});
      }
    }
  }

  ExprId ParseUnary() {
    if (IsOp("-") || IsOp("+") || IsOp("~")) {
      Guard g(*this);
      if (!g.ok) return kNoExpr;
      std::string op(Text());
      size_t start = pos_++;
      ExprId e = ParseUnary();
      return Make(ExprKind::kOpaque, start, op, {e});
    }
    size_t start = pos_;
    if (IsName("await")) ++pos_;
    ExprId x = ParsePrimary();
    if (x >= 0 && IsOp("**")) {
      ++pos_;
      ExprId y = ParseUnary();
      x = Make(ExprKind::kOpaque, start, {}, {x, y});
    }
    return x;
  }

  ExprId ParsePrimary() {
    size_t start = pos_;
    ExprId x = ParseAtom();
    if (x < 0) return x;
    for (;;) {
      if (IsOp(".") && Peek(1).kind == PyTok::kName) {
        std::string attr(Text(1));
        pos_ += 2;
        x = Make(ExprKind::kAttr, start, std::move(attr), {x});
      } else if (IsOp("(")) {
        Guard g(*this);
        if (!g.ok) return x;
        ++pos_;
        std::vector<Arg> args = ParseCallArgs(start);
        x = Make(ExprKind::kCall, start, {}, {x});
        p_.exprs[static_cast<size_t>(x)].args = std::move(args);
        p_.calls.push_back(x);
      } else if (IsOp("[")) {
        Guard g(*this);
        if (!g.ok) return x;
        ++pos_;
        ExprId index = ParseSubscript();
        x = Make(ExprKind::kSubscript, start, {}, {x, index});
      } else {
        return x;
      }
    }
  }

  // After '(': arguments up to and including ')'.
  std::vector<Arg> ParseCallArgs(size_t /*start*/) {
    std::vector<Arg> args;
    while (!IsOp(")") && !AtLineEnd()) {
      size_t before = pos_;
      Arg a;
      if (Accept("*")) {
        a.star = 1;
        a.value = ParseTest();
      } else if (Accept("**")) {
        a.star = 2;
        a.value = ParseTest();
      } else if (Peek().kind == PyTok::kName && IsOp("=", 1) && !IsKeyword(Text())) {
        a.keyword = std::string(Text());
        pos_ += 2;
        a.value = ParseTest();
      } else {
        size_t vstart = pos_;
        size_t first_expr = p_.exprs.size();
        a.value = ParseTest();
        if (a.value >= 0 && (IsName("for") || IsName("async")))
          a.value = Comprehension(vstart, first_expr, {a.value});
      }
      if (a.value >= 0 || a.star) args.push_back(std::move(a));
      if (Accept(",")) continue;
      if (IsOp(")")) break;
      SkipToArgEnd();  // not understood: skip to the next argument
      Accept(",");
      (void)before;
    }
    Accept(")");
    return args;
  }

  // Skips tokens up to the next ',' or ')' of this argument list (nested brackets skipped).
  void SkipToArgEnd() {
    int depth = 0;
    while (!AtLineEnd()) {
      if (depth == 0 && (IsOp(",") || IsOp(")"))) return;
      if (IsOp("(") || IsOp("[") || IsOp("{")) ++depth;
      if ((IsOp(")") || IsOp("]") || IsOp("}")) && depth > 0) --depth;
      ++pos_;
    }
  }

  // After '[': the index, or -1 for slices and tuples of indexes (parsed for calls only).
  ExprId ParseSubscript() {
    ExprId index = kNoExpr;
    int items = 0;
    bool slice = false;
    while (!IsOp("]") && !AtLineEnd()) {
      size_t before = pos_;
      if (Accept(":")) {
        slice = true;
      } else {
        ExprId e = ParseTestOrStar();
        if (items++ == 0) index = e;
      }
      if (Accept(",")) items = 2;
      if (pos_ == before) break;
    }
    Accept("]");
    return slice || items > 1 ? kNoExpr : index;
  }

  // `for … in … [if …]…` after an element: binds the loop variables in a scope of their own
  // (Python 3 comprehensions do not leak them) and moves the element's expressions there.
  ExprId Comprehension(size_t start, size_t first_expr, std::vector<ExprId> elems) {
    int32_t outer = scope_;
    int32_t comp = NewScope(ScopeKind::kFunction, "<comprehension>");
    for (size_t i = first_expr; i < p_.exprs.size(); ++i)
      if (p_.exprs[i].scope == outer) p_.exprs[i].scope = comp;
    bool first_iter = true;
    while (IsName("for") || IsName("async")) {
      if (IsName("async")) ++pos_;
      ++pos_;
      scope_ = comp;
      ExprId targets = ParseTargets();
      if (!IsName("in")) break;
      ++pos_;
      scope_ = first_iter ? outer : comp;  // the first iterable is evaluated outside
      ExprId iter = ParseOr();
      scope_ = comp;
      BindTarget(targets, BindKind::kElement, iter, true);
      first_iter = false;
      while (IsName("if")) {
        ++pos_;
        ParseOr();
      }
    }
    scope_ = outer;
    return Make(ExprKind::kOpaque, start, {}, std::move(elems));
  }

  ExprId ParseTargets() {
    size_t start = pos_;
    std::vector<ExprId> kids;
    for (;;) {
      ExprId e;
      if (IsOp("*")) {
        size_t s = pos_++;
        ExprId inner = ParseBin(0);
        e = Make(ExprKind::kOpaque, s, "*", {inner});
      } else {
        e = ParseBin(0);
      }
      if (e < 0) break;
      kids.push_back(e);
      if (!IsOp(",")) break;
      ++pos_;
      if (IsName("in") || IsOp("=") || AtStmtEnd()) break;
    }
    if (kids.size() == 1) return kids[0];
    if (kids.empty()) return kNoExpr;
    return Make(ExprKind::kList, start, {}, std::move(kids));
  }

  ExprId ParseAtom() {
    const PyToken& t = Peek();
    size_t start = pos_;
    switch (t.kind) {
      case PyTok::kName: {
        std::string_view name = Text();
        if (name == "None") return ++pos_, Make(ExprKind::kNone, start);
        if (name == "True" || name == "False")
          return ++pos_, Make(ExprKind::kBool, start, std::string(name));
        if (name == "lambda") return ParseLambda();
        if (name == "yield") {
          ++pos_;
          if (IsName("from")) ++pos_;
          ExprId e = AtStmtEnd() || IsOp(")") ? kNoExpr : ParseExprList(true);
          return Make(ExprKind::kOpaque, start, {}, {e});
        }
        if (IsKeyword(name)) return kNoExpr;
        ++pos_;
        return Make(ExprKind::kName, start, std::string(name));
      }
      case PyTok::kNumber: ++pos_; return Make(ExprKind::kNumber, start);
      case PyTok::kString:
      case PyTok::kFString: return ParseStrings();
      case PyTok::kOp: break;
      default: return kNoExpr;
    }
    std::string_view op = Text();
    if (op == "...") return ++pos_, Make(ExprKind::kOpaque, start);
    if (op == "(" || op == "[" || op == "{") {
      Guard g(*this);
      if (!g.ok) return kNoExpr;
      if (op == "(") return ParseParen();
      if (op == "[") return ParseListDisplay();
      return ParseBraceDisplay();
    }
    if (op == "`") {  // Python 2 repr
      ++pos_;
      ExprId e = ParseExprList(false);
      Accept("`");
      return Make(ExprKind::kOpaque, start, {}, {e});
    }
    return kNoExpr;
  }

  ExprId ParseParen() {
    size_t start = pos_++;
    if (Accept(")")) return Make(ExprKind::kList, start);
    if (IsName("yield")) {
      ExprId e = ParseAtom();
      Accept(")");
      return e;
    }
    size_t first_expr = p_.exprs.size();
    ExprId e = ParseTestOrStar();
    if (e >= 0 && (IsName("for") || IsName("async"))) {
      e = Comprehension(start, first_expr, {e});
      Accept(")");
      return e;
    }
    if (IsOp(",")) {
      std::vector<ExprId> kids = {e};
      while (Accept(",")) {
        if (IsOp(")")) break;
        ExprId k = ParseTestOrStar();
        if (k < 0) break;
        kids.push_back(k);
      }
      Accept(")");
      return Make(ExprKind::kList, start, {}, std::move(kids));
    }
    Accept(")");
    return e;
  }

  ExprId ParseListDisplay() {
    size_t start = pos_++;
    std::vector<ExprId> kids;
    size_t first_expr = p_.exprs.size();
    while (!IsOp("]") && !AtLineEnd()) {
      size_t before = pos_;
      ExprId e = ParseTestOrStar();
      if (e >= 0 && kids.empty() && (IsName("for") || IsName("async"))) {
        ExprId c = Comprehension(start, first_expr, {e});
        Accept("]");
        return c;
      }
      if (e >= 0) kids.push_back(e);
      if (!Accept(",") && pos_ == before) break;
      if (pos_ == before) break;
      if (!IsOp("]") && t_.tokens[pos_ - 1].kind != PyTok::kOp) break;
    }
    Accept("]");
    return Make(ExprKind::kList, start, {}, std::move(kids));
  }

  ExprId ParseBraceDisplay() {
    size_t start = pos_++;
    std::vector<ExprId> kids;
    bool dict = true;
    size_t first_expr = p_.exprs.size();
    while (!IsOp("}") && !AtLineEnd()) {
      size_t before = pos_;
      if (Accept("**")) {
        kids.push_back(kNoExpr);
        kids.push_back(ParseBin(0));
      } else {
        ExprId k = ParseTestOrStar();
        if (Accept(":")) {
          ExprId v = ParseTest();
          if (kids.empty() && (IsName("for") || IsName("async"))) {
            ExprId c = Comprehension(start, first_expr, {k, v});
            Accept("}");
            return c;
          }
          kids.push_back(k);
          kids.push_back(v);
        } else {
          if (kids.empty() && (IsName("for") || IsName("async"))) {
            ExprId c = Comprehension(start, first_expr, {k});
            Accept("}");
            return c;
          }
          dict = false;
          kids.push_back(k);
        }
      }
      if (!Accept(",") && pos_ == before) break;
      if (pos_ == before) break;
      if (!IsOp("}") && t_.tokens[pos_ - 1].kind != PyTok::kOp) break;
    }
    Accept("}");
    if (!dict) {
      std::vector<ExprId> elems;
      for (ExprId k : kids)
        if (k >= 0) elems.push_back(k);
      return Make(ExprKind::kList, start, {}, std::move(elems));
    }
    return Make(ExprKind::kDict, start, {}, std::move(kids));
  }

  // Adjacent literals concatenate ("org/" "name", "a" f"{b}").
  ExprId ParseStrings() {
    size_t start = pos_;
    bool bytes = false, fmt = false;
    std::vector<size_t> toks;
    while (Peek().kind == PyTok::kString || Peek().kind == PyTok::kFString) {
      if (Peek().flags & kTokBytes) bytes = true;
      if (Peek().kind == PyTok::kFString) fmt = true;
      toks.push_back(pos_++);
    }
    if (bytes) return Make(ExprKind::kBytes, start);
    if (!fmt) {
      std::string v;
      for (size_t i : toks) v += t_.strings[t_.tokens[i].value];
      return Make(ExprKind::kString, start, std::move(v));
    }
    std::vector<ExprId> kids;
    for (size_t i : toks) {
      const PyToken& tok = t_.tokens[i];
      if (tok.kind == PyTok::kString) {
        kids.push_back(Literal(t_.strings[tok.value], i));
        continue;
      }
      for (const FStringPart& part : t_.fstrings[tok.value]) {
        if (!part.expr) {
          kids.push_back(Literal(part.text, i));
          continue;
        }
        ExprId e = Field(part);
        if (!part.plain) e = Make(ExprKind::kOpaque, i, {}, {e});
        kids.push_back(e);
      }
    }
    ExprId out = Make(ExprKind::kTemplate, start, {}, std::move(kids));
    return out;
  }

  ExprId Literal(const std::string& value, size_t tok) {
    size_t saved = pos_;
    pos_ = tok + 1;
    ExprId e = Make(ExprKind::kString, tok, value);
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
    PyTokens toks = TokenizePython(buf, part.line, fdepth_ + 1);
    if (!toks.limit.empty() && p_.limit.empty()) p_.limit = toks.limit;
    Parser sub(p_, toks, buf, fdepth_ + 1);
    return sub.ParseField(scope_, stmt_, depth_);
  }

  Program& p_;
  const PyTokens& t_;
  std::string_view src_;
  int fdepth_;
  size_t pos_ = 0;
  int32_t scope_ = 0;
  uint32_t stmt_ = 0;
  int depth_ = 0;
  std::vector<Open> open_;
};

}  // namespace

namespace {

bool Relevant(const PyTokens& toks, std::string_view src, const Relevance& r) {
  const auto& t = toks.tokens;
  for (size_t i = 0; i + 1 < t.size(); ++i) {
    if (t[i].kind != PyTok::kName) continue;
    std::string_view name = TokenText(src, t[i]);
    const PyToken& next = t[i + 1];
    if (next.kind == PyTok::kOp && next.end - next.begin == 1 && src[next.begin] == '(' &&
        r.call_name(name))
      return true;
    if ((name == "import" || name == "from") && next.kind == PyTok::kName &&
        r.module(TokenText(src, next)))
      return true;
  }
  // f-string fields are tokenized later: their calls are looked for in the text.
  for (const auto& parts : toks.fstrings)
    for (const auto& part : parts)
      if (part.expr && part.text.find('(') != std::string::npos) return true;
  return false;
}

}  // namespace

Program ReadPython(std::string_view source, const Relevance* relevance) {
  Program p;
  p.source = source;
  p.scopes.push_back(Scope{});
  PyTokens toks = TokenizePython(source);
  if (!toks.limit.empty()) p.limit = toks.limit;
  if (relevance && !Relevant(toks, source, *relevance)) {
    p.stmts.push_back({1, 0});
    return p;
  }
  p.exprs.reserve(toks.tokens.size() / 2 + 8);
  Parser parser(p, toks, source, 0);
  parser.ParseFile();
  if (p.stmts.empty()) p.stmts.push_back({1, 0});
  return p;
}

}  // namespace mv::inventory
