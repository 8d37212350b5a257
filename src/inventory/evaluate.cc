#include "inventory/evaluate.h"

#include <algorithm>
#include <limits>

#include "core/limits.h"

namespace mv::inventory {

namespace {

using Kind = Value::Kind;

bool StartsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

// Calls whose result is a local filesystem path (Python os.path / pathlib / tempfile, node's
// path module): an id built with them is a path, never a hub id.
bool IsLocalPathFunction(std::string_view path) {
  return StartsWith(path, "os.path.") || StartsWith(path, "pathlib.") ||
         StartsWith(path, "tempfile.") || path == "os.getcwd" || path == "os.path" ||
         path == "path.join" || path == "path.resolve" || path == "node:path.join" ||
         path == "node:path.resolve" || path == "__dirname" || path == "__file__";
}

// Calls reading the environment; their default (second argument) is a possible value.
bool IsEnvFunction(std::string_view path) {
  return path == "os.getenv" || path == "os.environ.get" || path == "os.environ.setdefault" ||
         path == "os.environ.pop" || path == "os.getenvb";
}

// Field declarations whose value is their `default` (dataclasses, pydantic, attrs).
bool IsFieldFunction(std::string_view path) {
  return path == "dataclasses.field" || path == "pydantic.Field" ||
         path == "pydantic.fields.Field" || path == "attr.ib" || path == "attrs.field" ||
         path == "attr.attrib" || path == "pydantic_settings.Field";
}

bool IsEnvPath(std::string_view path) {
  return StartsWith(path, "process.env.") || StartsWith(path, "import.meta.env.") ||
         StartsWith(path, "Deno.env.");
}

const Arg* FindArg(const Expr& call, size_t position, std::string_view keyword) {
  size_t pos = 0;
  for (const Arg& a : call.args) {
    if (a.star) continue;
    if (!a.keyword.empty()) {
      if (a.keyword == keyword) return &a;
      continue;
    }
    if (pos++ == position) return &a;
  }
  return nullptr;
}

}  // namespace

std::string DottedText(const Program& p, ExprId id) {
  std::vector<std::string_view> parts;
  while (id >= 0) {
    const Expr& e = p.exprs[static_cast<size_t>(id)];
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

void Evaluator::Add(std::vector<Value>& out, Value v) {
  if (std::find(out.begin(), out.end(), v) != out.end()) return;
  if (out.size() >= limits::kMaxInventoryValues) {
    // Too many possibilities: the rest is reported as known only at run time.
    Value d;
    d.kind = Kind::kDynamic;
    if (std::find(out.begin(), out.end(), d) == out.end()) out.back() = d;
    return;
  }
  out.push_back(std::move(v));
}

void Evaluator::AddAll(std::vector<Value>& out, const std::vector<Value>& vs) {
  for (const auto& v : vs) Add(out, v);
}

Value Evaluator::Dyn(const Expr& e, std::string text) const {
  Value v;
  v.kind = Kind::kDynamic;
  v.text = std::move(text);
  (void)e;
  return v;
}

const std::vector<Value>& Evaluator::Eval(ExprId e) {
  static const std::vector<Value> kUnknown = {Value{}};
  if (e < 0 || static_cast<size_t>(e) >= p_.exprs.size()) return kUnknown;
  if (auto it = memo_.find(e); it != memo_.end()) return it->second;
  if (++steps_ > limits::kMaxInventoryEvalSteps) {
    exhausted_ = true;
    return kUnknown;
  }
  if (std::find(active_.begin(), active_.end(), e) != active_.end() ||
      active_.size() >= static_cast<size_t>(limits::kMaxInventoryResolveDepth)) {
    return kUnknown;  // a cycle (a = b; b = a) or a chain too long to follow
  }
  active_.push_back(e);
  std::vector<Value> v = Compute(e);
  active_.pop_back();
  if (v.empty()) v.push_back(Value{});
  return memo_[e] = std::move(v);
}

std::vector<Value> Evaluator::Compute(ExprId id) {
  const Expr& e = p_.exprs[static_cast<size_t>(id)];
  std::vector<Value> out;
  switch (e.kind) {
    case ExprKind::kString: {
      Value v;
      v.kind = Kind::kString;
      v.text = e.text;
      return {v};
    }
    case ExprKind::kNumber:
    case ExprKind::kBool:
    case ExprKind::kBytes:
    case ExprKind::kNone: {
      Value v;
      v.kind = Kind::kNone;
      if (e.kind == ExprKind::kBool && (e.text == "True" || e.text == "true")) v.text = "true";
      return {v};
    }
    case ExprKind::kTemplate:
    case ExprKind::kAdd: return EvalConcat(e, e.kids);
    case ExprKind::kMod: return EvalPercent(e);
    case ExprKind::kOr:
      for (size_t i = 0; i < e.kids.size(); ++i) {
        for (const Value& v : Eval(e.kids[i])) {
          // `a or b`: an unset a (None, "") falls through to b.
          if (i + 1 < e.kids.size() &&
              (v.kind == Kind::kNone || (v.kind == Kind::kString && v.text.empty())))
            continue;
          Add(out, v);
        }
      }
      return out;
    case ExprKind::kCond:
      for (ExprId k : e.kids) AddAll(out, Eval(k));
      return out;
    case ExprKind::kList:
    case ExprKind::kDict: {
      Value v;
      v.kind = Kind::kContainer;
      v.ref = id;
      return {v};
    }
    case ExprKind::kName: return EvalName(e, e.text);
    case ExprKind::kAttr: return EvalAttr(id, e);
    case ExprKind::kSubscript: return EvalSubscript(e);
    case ExprKind::kCall: return EvalCall(e);
    case ExprKind::kOpaque:
      // `base / "sub"` on a local path stays a local path.
      if (e.text == "/" && !e.kids.empty()) {
        for (const Value& v : Eval(e.kids[0]))
          if (v.kind == Kind::kLocalPath) return {v};
      }
      return {Dyn(e)};
  }
  return {Dyn(e)};
}

std::vector<Value> Evaluator::EvalConcat(const Expr& e, const std::vector<ExprId>& parts) {
  // Product of the string possibilities of each part; a part that is not a string makes the
  // result known only at run time, a local path makes it a local path.
  std::vector<std::string> acc = {""};
  bool dynamic = false, env = false;
  for (ExprId k : parts) {
    const std::vector<Value>& vs = Eval(k);
    std::vector<std::string> strs;
    for (const Value& v : vs) {
      if (v.kind == Kind::kLocalPath) return {v};
      if (v.kind == Kind::kString) {
        strs.push_back(v.text);
      } else {
        dynamic = true;
        env = env || v.env;
      }
    }
    std::vector<std::string> next;
    for (const auto& a : acc)
      for (const auto& s : strs)
        if (next.size() < limits::kMaxInventoryValues) next.push_back(a + s);
    acc = std::move(next);
    if (acc.empty()) break;
  }
  std::vector<Value> out;
  for (auto& s : acc) {
    Value v;
    v.kind = Kind::kString;
    v.text = std::move(s);
    Add(out, std::move(v));
  }
  if (dynamic) {
    Value d = Dyn(e);
    d.env = env;
    Add(out, d);
  }
  return out;
}

std::vector<Value> Evaluator::EvalPercent(const Expr& e) {
  if (e.kids.size() != 2) return {Dyn(e)};
  // The right side: a tuple literal gives one value per %s, anything else one value.
  std::vector<ExprId> args;
  const Expr* rhs = e.kids[1] >= 0 ? &p_.exprs[static_cast<size_t>(e.kids[1])] : nullptr;
  if (rhs && rhs->kind == ExprKind::kList)
    args = rhs->kids;
  else
    args = {e.kids[1]};
  std::vector<Value> out;
  for (const Value& fmtv : Eval(e.kids[0])) {
    if (fmtv.kind != Kind::kString) {
      Add(out, Dyn(e));
      continue;
    }
    // Split the format into literal pieces around %s; other conversions are run-time text.
    std::vector<std::string> pieces = {""};
    bool ok = true;
    const std::string& f = fmtv.text;
    for (size_t i = 0; i < f.size(); ++i) {
      if (f[i] != '%') {
        pieces.back() += f[i];
        continue;
      }
      if (i + 1 < f.size() && f[i + 1] == '%') {
        pieces.back() += '%';
        ++i;
      } else if (i + 1 < f.size() && f[i + 1] == 's') {
        pieces.emplace_back();
        ++i;
      } else {
        ok = false;
        break;
      }
    }
    if (!ok || pieces.size() - 1 != args.size()) {
      Add(out, Dyn(e));
      continue;
    }
    std::vector<std::string> acc = {pieces[0]};
    bool dynamic = false;
    for (size_t i = 0; i < args.size() && !acc.empty(); ++i) {
      std::vector<std::string> next;
      for (const Value& v : Eval(args[i])) {
        if (v.kind != Kind::kString) {
          dynamic = true;
          continue;
        }
        for (const auto& a : acc)
          if (next.size() < limits::kMaxInventoryValues) next.push_back(a + v.text + pieces[i + 1]);
      }
      acc = std::move(next);
    }
    for (auto& s : acc) {
      Value v;
      v.kind = Kind::kString;
      v.text = std::move(s);
      Add(out, std::move(v));
    }
    if (dynamic) Add(out, Dyn(e));
  }
  return out;
}

int32_t Evaluator::MethodClass(int32_t scope, const std::string& root) const {
  // The innermost enclosing method whose first parameter is `root` (`self`, `cls`).
  for (int32_t s = scope; s >= 0; s = p_.scopes[static_cast<size_t>(s)].parent) {
    const Scope& sc = p_.scopes[static_cast<size_t>(s)];
    if (sc.kind == ScopeKind::kFunction && sc.cls >= 0) return sc.self_name == root ? sc.cls : -1;
  }
  return -1;
}

std::vector<Value> Evaluator::EvalName(const Expr& e, const std::string& name) {
  std::vector<uint32_t> found = Resolve(name, e.scope, e.stmt);
  if (found.empty()) {
    std::vector<Value> star;
    for (const std::string& m : p_.star_imports)
      if (Imported(m.empty() || m.back() == '.' ? m + name : m + "." + name, star)) return star;
    Value v = Dyn(e, name);  // a builtin, a global of another file, or a name never bound
    v.env = IsEnvPath(name);
    return {v};
  }
  return BindingValues(found);
}

std::vector<Value> Evaluator::BindingValues(const std::vector<uint32_t>& found) {
  std::vector<Value> out;
  for (uint32_t bi : found) {
    const Binding& b = p_.bindings[bi];
    switch (b.kind) {
      case BindKind::kValue: AddAll(out, Eval(b.value)); break;
      case BindKind::kElement:
        for (const Value& c : Eval(b.value)) AddAll(out, Elements(c));
        break;
      case BindKind::kImport: {
        if (Imported(b.path, out)) break;
        Value v;
        v.kind = Kind::kObject;
        v.text = b.path;
        Add(out, v);
        break;
      }
      case BindKind::kParam: {
        // A parameter: its default when the caller gives none, else whatever the caller gives.
        if (b.value >= 0) AddAll(out, Eval(b.value));
        Value d;
        d.kind = Kind::kDynamic;
        d.text = b.name;  // keeps the name chain for callee shapes (client.chat.…)
        Add(out, d);
        break;
      }
      case BindKind::kClass: {
        Value v;
        v.kind = Kind::kClass;
        v.ref = b.target;
        v.text = b.name;
        Add(out, v);
        break;
      }
      case BindKind::kFunction: {
        Value v;
        v.kind = Kind::kFunction;
        v.text = b.name;
        Add(out, v);
        break;
      }
      case BindKind::kUnknown: {
        Value d;
        d.kind = Kind::kDynamic;
        d.text = b.name;
        Add(out, d);
        break;
      }
    }
  }
  return out;
}

std::vector<Value> Evaluator::Elements(const Value& c) {
  if (c.kind != Kind::kContainer) {
    Value d;
    d.kind = c.kind == Kind::kLocalPath ? Kind::kLocalPath : Kind::kDynamic;
    d.env = c.env;
    return {d};
  }
  const Expr& lit = p_.exprs[static_cast<size_t>(c.ref)];
  std::vector<Value> out;
  if (lit.kind == ExprKind::kDict) {
    // Iterating a dict gives its keys; values are reached by subscripts (EvalSubscript).
    for (size_t i = 0; i + 1 < lit.kids.size(); i += 2) {
      if (lit.kids[i] < 0) {
        Add(out, Value{});
        continue;
      }
      AddAll(out, Eval(lit.kids[i]));
    }
    return out;
  }
  for (ExprId k : lit.kids) {
    const Expr& ke = p_.exprs[static_cast<size_t>(k)];
    if (ke.kind == ExprKind::kOpaque && ke.kids.size() == 1 && ke.text == "*") {
      for (const Value& inner : Eval(ke.kids[0])) AddAll(out, Elements(inner));  // *spread
      continue;
    }
    AddAll(out, Eval(k));
  }
  return out;
}

std::vector<Value> Evaluator::ClassMember(int32_t cls, const std::string& attr) {
  std::vector<uint32_t> found;
  for (const std::string& name : {attr, "self." + attr}) {
    auto it = p_.by_name.find(name);
    if (it == p_.by_name.end()) continue;
    for (uint32_t bi : it->second)
      if (p_.bindings[bi].scope == cls) found.push_back(bi);
  }
  return BindingValues(found);
}

std::vector<Value> Evaluator::EvalAttr(ExprId id, const Expr& e) {
  std::string dotted = DottedText(p_, id);
  if (!dotted.empty()) {
    size_t dot = dotted.find('.');
    std::string root = dotted.substr(0, dot);
    int32_t cls = MethodClass(e.scope, root);
    if (cls >= 0) {
      // self.x: every assignment to self.x in the class's methods, and the class attribute x.
      std::string rest = dotted.substr(dot + 1);
      std::vector<Value> vals =
          rest.find('.') == std::string::npos ? ClassMember(cls, rest) : std::vector<Value>{};
      if (!vals.empty()) return vals;
    } else {
      // obj.attr = … assigned in this file (module objects, config namespaces).
      std::vector<uint32_t> found = Resolve(dotted, e.scope, e.stmt);
      if (!found.empty()) return BindingValues(found);
    }
  }
  std::vector<Value> out;
  if (e.kids.empty()) return {Dyn(e)};
  for (const Value& base : Eval(e.kids[0])) {
    switch (base.kind) {
      case Kind::kObject: {
        if (!base.called && Imported(base.text + "." + e.text, out)) break;
        Value v;
        v.kind = Kind::kObject;
        v.text = base.text + "." + e.text;
        Add(out, v);
        break;
      }
      case Kind::kDynamic: {
        Value v = Dyn(e, base.text.empty() ? std::string() : base.text + "." + e.text);
        v.env = base.env || IsEnvPath(v.text);
        Add(out, v);
        break;
      }
      case Kind::kClass:
      case Kind::kInstance: {
        std::vector<Value> m = ClassMember(base.ref, e.text);
        if (m.empty()) {
          Value v = Dyn(e, base.text.empty() ? std::string() : base.text + "." + e.text);
          Add(out, v);
        }
        AddAll(out, m);
        break;
      }
      case Kind::kLocalPath: Add(out, base); break;
      case Kind::kNone: Add(out, base); break;
      default: Add(out, Dyn(e)); break;
    }
  }
  return out;
}

std::vector<Value> Evaluator::EvalSubscript(const Expr& e) {
  std::vector<Value> out;
  if (e.kids.empty()) return {Dyn(e)};
  ExprId index = e.kids.size() > 1 ? e.kids[1] : kNoExpr;
  for (const Value& base : Eval(e.kids[0])) {
    if (base.kind == Kind::kObject && (base.text == "os.environ" || base.text == "os.environb")) {
      Value d = Dyn(e);
      d.env = true;
      Add(out, d);
      continue;
    }
    if (base.kind != Kind::kContainer) {
      Value d = Dyn(e);
      d.env = base.env;
      Add(out, d);
      continue;
    }
    const Expr& lit = p_.exprs[static_cast<size_t>(base.ref)];
    const Expr* ie = index >= 0 ? &p_.exprs[static_cast<size_t>(index)] : nullptr;
    if (lit.kind == ExprKind::kList) {
      // A literal index picks one element; anything else could be any of them.
      if (ie && ie->kind == ExprKind::kNumber) {
        std::string n(ie->src);
        bool digits = !n.empty() &&
                      std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (digits && n.size() < 6) {
          size_t k = std::stoul(n);
          if (k < lit.kids.size()) {
            AddAll(out, Eval(lit.kids[k]));
            continue;
          }
        }
      }
      AddAll(out, Elements(base));
      continue;
    }
    // A dict: the values under the keys the index can take; all values when unknown.
    std::vector<std::string> keys;
    bool known = index >= 0;
    if (known) {
      for (const Value& k : Eval(index)) {
        if (k.kind != Kind::kString) {
          known = false;
          break;
        }
        keys.push_back(k.text);
      }
    }
    bool any = false;
    for (size_t i = 0; i + 1 < lit.kids.size(); i += 2) {
      if (lit.kids[i] < 0) continue;
      bool take = !known;
      if (known) {
        for (const Value& k : Eval(lit.kids[i]))
          if (k.kind == Kind::kString && std::find(keys.begin(), keys.end(), k.text) != keys.end())
            take = true;
      }
      if (take) {
        AddAll(out, Eval(lit.kids[i + 1]));
        any = true;
      }
    }
    if (!any) Add(out, Dyn(e));
  }
  return out;
}

std::vector<Value> Evaluator::StringMethod(const std::string& s, const std::string& method,
                                           const Expr& call) {
  if (method == "format") {
    // "{}/{}".format(a, b), "{0}", "{org}": fields with a conversion or spec are run-time text.
    std::vector<std::vector<ExprId>> fields;  // one alternative list per field
    std::vector<std::string> pieces = {""};
    size_t auto_index = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if ((c == '{' || c == '}') && i + 1 < s.size() && s[i + 1] == c) {
        pieces.back() += c;
        ++i;
        continue;
      }
      if (c != '{') {
        pieces.back() += c;
        continue;
      }
      size_t close = s.find('}', i);
      if (close == std::string::npos) return {Dyn(call)};
      std::string field = s.substr(i + 1, close - i - 1);
      if (field.find_first_of("!:[.") != std::string::npos) return {Dyn(call)};
      const Arg* a = nullptr;
      if (field.empty()) {
        a = FindArg(call, auto_index++, "\x01");
      } else if (std::all_of(field.begin(), field.end(),
                             [](char d) { return d >= '0' && d <= '9'; })) {
        a = field.size() < 4 ? FindArg(call, std::stoul(field), "\x01") : nullptr;
      } else {
        a = FindArg(call, static_cast<size_t>(-1), field);
      }
      if (!a) return {Dyn(call)};
      fields.push_back({a->value});
      pieces.emplace_back();
      i = close;
    }
    std::vector<std::string> acc = {pieces[0]};
    bool dynamic = false;
    for (size_t f = 0; f < fields.size() && !acc.empty(); ++f) {
      std::vector<std::string> next;
      for (const Value& v : Eval(fields[f][0])) {
        if (v.kind == Kind::kLocalPath) return {v};
        if (v.kind != Kind::kString) {
          dynamic = true;
          continue;
        }
        for (const auto& a : acc)
          if (next.size() < limits::kMaxInventoryValues) next.push_back(a + v.text + pieces[f + 1]);
      }
      acc = std::move(next);
    }
    std::vector<Value> out;
    for (auto& str : acc) {
      Value v;
      v.kind = Kind::kString;
      v.text = std::move(str);
      Add(out, std::move(v));
    }
    if (dynamic) Add(out, Dyn(call));
    return out;
  }
  if (method == "join" && call.args.size() == 1 && !call.args[0].star) {
    // "/".join([org, name]): only a literal list of a known length gives a string.
    for (const Value& c : Eval(call.args[0].value)) {
      if (c.kind != Kind::kContainer) return {Dyn(call)};
      const Expr& lit = p_.exprs[static_cast<size_t>(c.ref)];
      if (lit.kind != ExprKind::kList) return {Dyn(call)};
      std::vector<ExprId> parts;
      for (size_t i = 0; i < lit.kids.size(); ++i) {
        if (i > 0) parts.push_back(kNoExpr);  // separator marker
        parts.push_back(lit.kids[i]);
      }
      std::vector<std::string> acc = {""};
      bool dynamic = false;
      for (ExprId k : parts) {
        std::vector<std::string> next;
        if (k < 0) {
          for (auto& a : acc) next.push_back(a + s);
        } else {
          for (const Value& v : Eval(k)) {
            if (v.kind != Kind::kString) {
              dynamic = true;
              continue;
            }
            for (const auto& a : acc)
              if (next.size() < limits::kMaxInventoryValues) next.push_back(a + v.text);
          }
        }
        acc = std::move(next);
      }
      std::vector<Value> out;
      for (auto& str : acc) {
        Value v;
        v.kind = Kind::kString;
        v.text = std::move(str);
        Add(out, std::move(v));
      }
      if (dynamic) Add(out, Dyn(call));
      return out;
    }
  }
  if ((method == "strip" || method == "rstrip" || method == "lstrip") && call.args.empty()) {
    std::string t = s;
    auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!t.empty() && ws(t.back()) && method != "lstrip") t.pop_back();
    size_t b = 0;
    while (b < t.size() && ws(t[b]) && method != "rstrip") ++b;
    Value v;
    v.kind = Kind::kString;
    v.text = t.substr(b);
    return {v};
  }
  return {Dyn(call)};
}

std::vector<Value> Evaluator::EvalCall(const Expr& e) {
  std::vector<Value> out;
  if (e.kids.empty()) return {Dyn(e)};
  const Expr& callee = p_.exprs[static_cast<size_t>(e.kids[0])];
  if (callee.kind == ExprKind::kAttr && !callee.kids.empty()) {
    // Methods of a string value: "...".format(...), "/".join([...]).
    const std::vector<Value> bases = Eval(callee.kids[0]);
    bool all_strings =
        !bases.empty() && std::all_of(bases.begin(), bases.end(),
                                      [](const Value& v) { return v.kind == Kind::kString; });
    if (all_strings) {
      for (const Value& b : bases) AddAll(out, StringMethod(b.text, callee.text, e));
      return out;
    }
  }
  for (const Value& f : Eval(e.kids[0])) {
    switch (f.kind) {
      case Kind::kObject:
      case Kind::kDynamic: {
        const std::string& path = f.text;
        if (IsLocalPathFunction(path)) {
          Value v;
          v.kind = Kind::kLocalPath;
          Add(out, v);
          break;
        }
        if (IsEnvFunction(path)) {
          Value d = Dyn(e);
          d.env = true;
          Add(out, d);
          if (const Arg* def = FindArg(e, 1, "default")) AddAll(out, Eval(def->value));
          break;
        }
        if (IsFieldFunction(path)) {
          const Arg* def =
              FindArg(e, path.rfind("pydantic", 0) == 0 ? 0 : static_cast<size_t>(-1), "default");
          if (def) {
            AddAll(out, Eval(def->value));
          } else {
            Add(out, Dyn(e));
          }
          break;
        }
        if (f.kind == Kind::kDynamic && (path == "require" || path == "import") &&
            e.args.size() == 1 && !e.args[0].star) {
          // require('m') / import('m'): the module, as an import binding would give it.
          const auto& mods = Eval(e.args[0].value);
          if (mods.size() == 1 && mods[0].kind == Kind::kString) {
            Value v;
            v.kind = Kind::kObject;
            v.text = mods[0].text;
            Add(out, v);
            break;
          }
        }
        if (f.kind == Kind::kDynamic && (path == "str" || path == "String") && e.args.size() == 1 &&
            !e.args[0].star) {
          AddAll(out, Eval(e.args[0].value));
          break;
        }
        if (f.kind == Kind::kObject) {
          Value v;
          v.kind = Kind::kObject;
          v.text = path;
          v.called = true;
          Add(out, v);
        } else {
          Add(out, Dyn(e, path));
        }
        break;
      }
      case Kind::kClass: {
        Value v;
        v.kind = Kind::kInstance;
        v.ref = f.ref;
        v.text = f.text;
        Add(out, v);
        break;
      }
      case Kind::kLocalPath: Add(out, f); break;
      default: Add(out, Dyn(e)); break;
    }
  }
  return out;
}

bool Evaluator::Imported(const std::string& path, std::vector<Value>& out) {
  if (!hook_) return false;
  const std::vector<Value>* vs = hook_(path);
  if (!vs) return false;
  AddAll(out, *vs);
  return true;
}

std::vector<Value> Evaluator::ModuleValue(const std::string& name) {
  auto it = p_.by_name.find(name);
  if (it == p_.by_name.end()) return {};
  std::vector<uint32_t> here;
  for (uint32_t bi : it->second)
    if (p_.flat || p_.bindings[bi].scope == 0) here.push_back(bi);
  if (here.empty()) return {};
  if (p_.flat) {
    if (here.size() > limits::kMaxInventoryValues) here.resize(limits::kMaxInventoryValues);
    return BindingValues(here);
  }
  return BindingValues(Dominating(here, 0, true));
}

std::vector<uint32_t> Evaluator::Resolve(const std::string& name, int32_t scope, uint32_t stmt) {
  auto it = p_.by_name.find(name);
  if (it == p_.by_name.end()) return {};
  const std::vector<uint32_t>& all = it->second;
  if (p_.flat) {
    std::vector<uint32_t> out(all.begin(), all.end());
    if (out.size() > limits::kMaxInventoryValues) out.resize(limits::kMaxInventoryValues);
    return out;
  }
  bool same_position = true;  // the use runs where it is written (not later, from a def)
  for (int32_t s = scope; s >= 0; s = p_.scopes[static_cast<size_t>(s)].parent) {
    const Scope& sc = p_.scopes[static_cast<size_t>(s)];
    if (!same_position && sc.kind == ScopeKind::kClass) continue;  // not visible from methods
    std::vector<uint32_t> here;
    for (uint32_t bi : all)
      if (p_.bindings[bi].scope == s) here.push_back(bi);
    if (!here.empty()) {
      if (!same_position) return Dominating(here, 0, true);
      std::vector<uint32_t> before;
      for (uint32_t bi : here) {
        const Binding& b = p_.bindings[bi];
        if (b.kind == BindKind::kParam || b.stmt < stmt || (b.same_stmt && b.stmt <= stmt))
          before.push_back(bi);
      }
      if (before.empty()) {
        // Bound only later: in a function that makes it an unbound local; at module level the
        // use may run later (a def body), so every binding counts.
        if (sc.kind == ScopeKind::kFunction && sc.name.empty() == false && sc.name[0] != '<')
          return {};
        return Dominating(here, 0, true);
      }
      return Dominating(before, stmt, false);
    }
    // Comprehensions and lambdas run where they are written; a def body runs later.
    if (!(sc.kind == ScopeKind::kFunction && !sc.name.empty() && sc.name[0] == '<'))
      same_position = false;
  }
  return {};
}

std::vector<uint32_t> Evaluator::Dominating(const std::vector<uint32_t>& cands, uint32_t use_stmt,
                                            bool at_end) {
  // Walk back from the latest binding; stop after one that every path to the use passes
  // through (no statement between them is indented less than it). Earlier bindings in
  // branches (if/else, try/except) are all kept.
  std::vector<uint32_t> out;
  uint32_t running = std::numeric_limits<uint32_t>::max();
  size_t k = at_end ? p_.stmts.size() : use_stmt;
  if (!at_end && use_stmt < p_.stmts.size()) running = p_.stmts[use_stmt].indent;
  for (size_t i = cands.size(); i-- > 0;) {
    const Binding& b = p_.bindings[cands[i]];
    while (k > static_cast<size_t>(b.stmt) + 1) {
      if (running == 0) {  // nothing is indented less: no need to look further back
        k = static_cast<size_t>(b.stmt) + 1;
        break;
      }
      --k;
      if (++steps_ > limits::kMaxInventoryEvalSteps) {
        exhausted_ = true;
        return out;
      }
      running = std::min(running, p_.stmts[k].indent);
    }
    out.push_back(cands[i]);
    if (out.size() >= limits::kMaxInventoryValues) break;
    uint32_t indent = b.stmt < p_.stmts.size() ? p_.stmts[b.stmt].indent : 0;
    if (indent <= running) break;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace mv::inventory
