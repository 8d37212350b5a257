#include "formats/fxcode/fxcode.h"

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/limits.h"
#include "formats/common/pylex/lexer.h"

namespace mv::formats::fxcode {

namespace {

using pylex::Tok;

// reduce_graph_module execs the source, then _deserialize_graph_module re-traces forward
// symbolically: the module-level statements *and* forward's run while torch.load loads.
constexpr const char* kLoader = "torch.load (execs the GraphModule's code and traces forward)";

// Builtins fx imports for the graph nodes it writes as calls (`from builtins import X as X`).
const std::set<std::string>& SafeBuiltins() {
  static const std::set<std::string> k = {
      "getattr", "len",  "range", "isinstance", "int",   "float", "bool", "tuple",
      "list",    "dict", "slice", "str",        "min",   "max",   "abs",  "sum",
      "any",     "all",  "zip",   "enumerate",  "round", "divmod"};
  return k;
}

// Python builtins a statement might name (reported as builtins.X, so the callable rules
// judge them: builtins.exec, builtins.open …).
bool IsPythonBuiltin(const std::string& n) {
  static const std::set<std::string> k = {
      "exec",     "eval",       "open",       "__import__", "compile",     "getattr",
      "setattr",  "delattr",    "globals",    "locals",     "vars",        "input",
      "print",    "breakpoint", "help",       "exit",       "quit",        "type",
      "object",   "super",      "memoryview", "callable",   "classmethod", "staticmethod",
      "property", "iter",       "next",       "map",        "filter"};
  return k.count(n) > 0 || SafeBuiltins().count(n) > 0;
}

const std::set<std::string>& Keywords() {
  static const std::set<std::string> k = {"return", "None", "True", "False", "and",  "or",
                                          "not",    "is",   "in",   "if",    "else", "pass"};
  return k;
}

bool IsTorch(const std::string& module) {
  return module == "torch" || module.rfind("torch.", 0) == 0;
}

bool Dunder(std::string_view part) {
  return part.size() >= 2 && part.substr(0, 2) == "__";
}

std::vector<std::string> Split(const std::string& dotted) {
  std::vector<std::string> out;
  size_t i = 0;
  while (true) {
    size_t d = dotted.find('.', i);
    out.push_back(dotted.substr(i, d == std::string::npos ? std::string::npos : d - i));
    if (d == std::string::npos) break;
    i = d + 1;
  }
  return out;
}

class Checker {
 public:
  Checker(std::string_view s, ReadOutput& out) : s_(s), out_(out) {}

  Status Run() {
    pylex::Lexed l = pylex::Lex(s_, pylex::Dialect::kPython);
    if (!l.problem.empty()) return Unparseable(l.problem);
    if (l.continuation) return Unparseable("a line continuation (fx never writes one)");
    toks_ = std::move(l.toks);
    match_ = std::move(l.match);
    Statements();
    bool forward = false;
    for (size_t k = 0; k < stmts_.size(); ++k) {
      const auto [b, e] = stmts_[k];
      const Tok& first = toks_[b];
      if (first.col == 0) {
        in_def_ = false;
        if (first.kind == Tok::kName && first.text == "def") {
          MV_RETURN_IF_ERROR(Def(b, e, forward));
          in_def_ = true;
        } else {
          TopLevel(b, e);
        }
      } else if (in_def_) {
        Body(b, e);
      } else {
        return Unparseable("an indented statement outside a function");
      }
    }
    if (!forward) return Unparseable("no `def forward(…)` in the code");
    return OkStatus();
  }

 private:
  Status Unparseable(const std::string& why) {
    return MakeError(Errc::kMalformed, "fx graph code cannot be checked: " + why);
  }

  // Logical statements: a new one at a new line outside brackets, or after `;`.
  void Statements() {
    size_t depth = 0, start = 0;
    for (size_t k = 0; k < toks_.size(); ++k) {
      const Tok& t = toks_[k];
      if (k > start && depth == 0 && t.line != toks_[k - 1].line) {
        stmts_.emplace_back(start, k);
        start = k;
      }
      if (pylex::Opens(t)) ++depth;
      if (pylex::Closes(t) && depth > 0) --depth;
      if (depth == 0 && t.kind == Tok::kOther && t.text == ";") {
        if (k > start) stmts_.emplace_back(start, k);
        start = k + 1;
      }
    }
    if (start < toks_.size()) stmts_.emplace_back(start, toks_.size());
  }

  bool Is(size_t k, const char* text) const { return k < toks_.size() && toks_[k].text == text; }

  std::string Text(size_t b) const {
    return "line " + std::to_string(toks_[b].line + 1) + ": " + pylex::LineAt(s_, toks_[b].pos);
  }

  // A statement fx does not write; `subject` names what it reaches.
  void Offending(const std::string& subject, size_t b, bool module_level) {
    if (!seen_.insert(subject + "|" + std::to_string(toks_[b].line)).second) return;
    Observation o;
    o.kind = "fx.statement";
    o.subject = subject;
    o.evidence = Text(b);
    o.offset = toks_[b].pos;
    o.evidence += module_level ? " (module level)" : " (in forward)";
    o.executes = true;
    o.loader = kLoader;
    AddObservation(out_, std::move(o));
  }

  void TorchName(const std::string& name, size_t at) {
    if (name.find('.') == std::string::npos) return;  // the module itself, as a value
    if (!calls_.insert(name).second) return;
    Observation o;
    o.kind = "fx.call";
    o.subject = name;
    o.evidence = Text(at);
    o.offset = toks_[at].pos;
    o.executes = true;
    o.loader = kLoader;
    AddObservation(out_, std::move(o));
  }

  // Module level: only the imports and aliases fx writes for its globals.
  void TopLevel(size_t b, size_t e) {
    const Tok& first = toks_[b];
    size_t n = e - b;
    if (first.kind == Tok::kName && first.text == "import") {
      // import torch[.x] [as y]
      if ((n == 2 || (n == 4 && Is(b + 2, "as"))) && toks_[b + 1].kind == Tok::kName &&
          IsTorch(toks_[b + 1].text)) {
        std::string mod = toks_[b + 1].text;
        std::string alias = n == 4 ? toks_[b + 3].text : Split(mod)[0];
        globals_[alias] = n == 4 ? mod : alias;
        return;
      }
      Offending(n >= 2 ? toks_[b + 1].text : "import", b, true);
      return;
    }
    if (first.kind == Tok::kName && first.text == "from" && n >= 4 && Is(b + 2, "import")) {
      // from M import a [as b]
      const std::string& mod = toks_[b + 1].text;
      const std::string& name = toks_[b + 3].text;
      std::string alias = (n == 6 && Is(b + 4, "as")) ? toks_[b + 5].text : name;
      bool shape = n == 4 || (n == 6 && Is(b + 4, "as"));
      bool ok = shape && toks_[b + 3].kind == Tok::kName &&
                ((IsTorch(mod)) || (mod == "math" && (name == "inf" || name == "nan")) ||
                 (mod == "builtins" && SafeBuiltins().count(name) && alias == name));
      if (ok) {
        globals_[alias] = mod == "builtins" ? "builtins." + name : mod + "." + name;
        return;
      }
      Offending(mod + "." + name, b, true);
      return;
    }
    // NoneType = type(None)
    if (n == 6 && first.text == "NoneType" && Is(b + 1, "=") && Is(b + 2, "type") &&
        Is(b + 3, "(") && Is(b + 4, "None") && Is(b + 5, ")")) {
      globals_["NoneType"] = "builtins.NoneType";
      return;
    }
    // Anything else runs when torch.load execs the code.
    std::string what = first.kind == Tok::kName ? first.text : "statement";
    for (size_t k = b; k < e; ++k) {
      if (toks_[k].kind == Tok::kName && !Keywords().count(toks_[k].text)) {
        what = Reached(toks_[k].text);
        break;
      }
    }
    Offending(what, b, true);
  }

  // What a name outside the allowed ones reaches, for the callable rules.
  std::string Reached(const std::string& dotted) const {
    std::string root = dotted.substr(0, dotted.find('.'));
    if (dotted == root && IsPythonBuiltin(root)) return "builtins." + root;
    auto g = globals_.find(root);
    if (g != globals_.end()) return g->second + dotted.substr(root.size());
    return dotted;
  }

  // def forward(self, x, y : torch.Tensor = None) -> torch.Tensor:
  Status Def(size_t b, size_t e, bool& forward) {
    locals_.clear();
    locals_.insert("self");
    if (e - b < 4 || toks_[b + 1].kind != Tok::kName || !Is(b + 2, "(") || match_[b + 2] >= e ||
        !Is(e - 1, ":")) {
      return Unparseable("a `def` fx would not write: " + Text(b));
    }
    if (toks_[b + 1].text == "forward") forward = true;
    size_t close = match_[b + 2];
    for (size_t k = b + 3; k < close; ++k) {
      const Tok& t = toks_[k];
      if (t.kind != Tok::kName) continue;
      bool param = (Is(k - 1, "(") || Is(k - 1, ",") || Is(k - 1, "*")) &&
                   (Is(k + 1, ",") || Is(k + 1, ")") || Is(k + 1, ":") || Is(k + 1, "="));
      if (param) {
        locals_.insert(t.text);
      } else {
        Name(k, b, true);  // annotations and defaults are evaluated by the def itself
      }
    }
    for (size_t k = close + 1; k + 1 < e; ++k) {
      if (toks_[k].kind == Tok::kName) Name(k, b, true);
    }
    // Every name a statement of the body assigns is a local (fx assigns before use).
    for (size_t k = e; k < toks_.size() && toks_[k].col > 0; ++k) {
      if (toks_[k].kind == Tok::kName && Is(k + 1, "=") && !Is(k + 2, "=") &&
          (k == e || !Is(k - 1, "."))) {
        locals_.insert(toks_[k].text);
      }
    }
    return OkStatus();
  }

  void Body(size_t b, size_t e) {
    // fx assigns names only; setting an attribute changes a module or class for later code.
    if (toks_[b].kind == Tok::kName && toks_[b].text.find('.') != std::string::npos &&
        Is(b + 1, "=") && !Is(b + 2, "=")) {
      Offending(Reached(toks_[b].text), b, false);
    }
    for (size_t k = b; k < e; ++k) {
      const Tok& t = toks_[k];
      if (t.kind == Tok::kStr) {
        // A prefixed literal starts at its prefix: f'{…}' evaluates what its braces hold.
        bool fstring = false;
        for (size_t q = t.pos; q < s_.size() && s_[q] != '\'' && s_[q] != '"'; ++q) {
          fstring = fstring || s_[q] == 'f' || s_[q] == 'F';
        }
        if (fstring) Offending("f-string", b, false);
        if (t.text.size() > 4 && Dunder(t.text) && t.text.substr(t.text.size() - 2) == "__") {
          Offending("*." + t.text, b, false);
        }
        continue;
      }
      if (t.kind == Tok::kName) Name(k, b, false);
    }
  }

  // One name token of a statement starting at b.
  void Name(size_t k, size_t b, bool module_level) {
    const Tok& t = toks_[k];
    const std::string& n = t.text;
    if (Keywords().count(n)) return;
    std::vector<std::string> parts = Split(n);
    bool attribute = k > 0 && Is(k - 1, ".");  // `.sum` after a call or subscript
    for (size_t i = attribute ? 0 : 1; i < parts.size(); ++i) {
      if (Dunder(parts[i])) {
        Offending("*." + parts[i], b, module_level);
        return;
      }
    }
    if (attribute) return;
    // A keyword argument's name: `dim = 0` inside a call.
    if (parts.size() == 1 && Is(k + 1, "=") && !Is(k + 2, "=") && k > 0 &&
        (Is(k - 1, "(") || Is(k - 1, ","))) {
      return;
    }
    const std::string& root = parts[0];
    if (locals_.count(root)) return;
    // __import__('os').system: what the import reaches, for the callable rules.
    if (n == "__import__" && Is(k + 1, "(") && k + 3 < toks_.size() &&
        toks_[k + 2].kind == Tok::kStr && Is(k + 3, ")")) {
      std::string reached = toks_[k + 2].text;
      if (Is(k + 4, ".") && k + 5 < toks_.size() && toks_[k + 5].kind == Tok::kName) {
        reached += "." + toks_[k + 5].text;
      }
      Offending(reached, b, module_level);
    }
    auto g = globals_.find(root);
    if (g == globals_.end()) {
      Offending(Reached(n), b, module_level);
      return;
    }
    const std::string& target = g->second;
    if (target == "builtins.getattr") {
      // getattr(obj, "name"): the attribute fx records for a node; a computed or private name
      // reaches what fx never writes.
      bool literal = Is(k + 1, "(") && match_[k + 1] < toks_.size() && k + 4 < toks_.size() &&
                     toks_[k + 2].kind == Tok::kName && locals_.count(toks_[k + 2].text) &&
                     Is(k + 3, ",") && toks_[k + 4].kind == Tok::kStr &&
                     (Is(k + 5, ")") || Is(k + 5, ",")) && !toks_[k + 4].text.empty() &&
                     toks_[k + 4].text[0] != '_';
      if (!literal) Offending("builtins.getattr", b, module_level);
      return;
    }
    if (target.rfind("builtins.", 0) == 0 || target == "math.inf" || target == "math.nan") {
      return;
    }
    TorchName(target + n.substr(root.size()), k);
  }

  std::string_view s_;
  ReadOutput& out_;
  std::vector<Tok> toks_;
  std::vector<size_t> match_;
  std::vector<std::pair<size_t, size_t>> stmts_;
  std::map<std::string, std::string> globals_;  // name the code uses -> what fx bound it to
  std::set<std::string> locals_;
  std::set<std::string> calls_;
  std::set<std::string> seen_;
  bool in_def_ = false;
};

}  // namespace

Result<ReadOutput> Read(const SourcePtr& src, ReadContext& /*ctx*/) {
  if (src->size() > limits::kMaxConfigBytes) {
    return MakeError(Errc::kLimit, "fx graph code larger than limits::kMaxConfigBytes");
  }
  Cursor cur(*src);
  MV_ASSIGN_OR_RETURN(ByteSpan b, cur.Take(static_cast<size_t>(src->size())));
  std::string_view s(reinterpret_cast<const char*>(b.data()), b.size());
  ReadOutput out;
  out.format = "fx-graph-code";
  out.loader = kLoader;
  Observation code;
  code.kind = "fx.code";
  code.evidence = "Python source of a torch.fx GraphModule, exec'd by torch.load";
  code.loader = kLoader;
  out.observations.push_back(std::move(code));
  MV_RETURN_IF_ERROR(Checker(s, out).Run());
  return out;
}

}  // namespace mv::formats::fxcode
