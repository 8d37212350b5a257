// The program form the code readers (Python, JavaScript/TypeScript) produce and the detector
// consumes: expressions (calls with positional and keyword arguments, names, attributes,
// literals), the bindings that give names their values (assignments, imports and their
// aliases, parameters, loop variables, classes), scopes and statements. Only what following a
// model id through a file needs is kept; nothing here knows about models.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mv::inventory {

using ExprId = int32_t;  // index into Program::exprs; -1: none
inline constexpr ExprId kNoExpr = -1;

enum class ExprKind : uint8_t {
  kString,     // text: the decoded value
  kTemplate,   // f-string / template literal: kids are kString literals and field expressions
  kNumber,     // numeric literal
  kBool,       // True/False/true/false
  kNone,       // None/null/undefined
  kBytes,      // a bytes literal: never an id
  kName,       // text: the identifier
  kAttr,       // kids[0] . text
  kCall,       // kids[0] is the callee; args
  kSubscript,  // kids[0] [ kids[1] ] (kids[1] is -1 for slices)
  kAdd,        // kids[0] + kids[1] + … (string concatenation when strings)
  kMod,        // kids[0] % kids[1] (printf-style formatting)
  kOr,         // `or`, `||`, `??`: the first operand that is set, else the last
  kCond,       // kids: the two branches of a conditional expression
  kList,       // kids: elements (lists, tuples, sets, arrays)
  kDict,       // kids: key, value, key, value … (key -1: a `**spread`)
  kOpaque,     // anything else; kids are kept so calls inside are still found
};

struct Arg {
  std::string keyword;  // "" for positional arguments
  ExprId value = kNoExpr;
  uint8_t star = 0;  // 1: *args, 2: **kwargs (or a JS spread)
};

struct Expr {
  ExprKind kind = ExprKind::kOpaque;
  uint32_t line = 0;
  uint32_t stmt = 0;     // the statement it belongs to (Program::stmts)
  int32_t scope = 0;     // the scope it is evaluated in (Program::scopes)
  std::string_view src;  // its source text (into the file or Program::buffers)
  std::string text;
  std::vector<ExprId> kids;
  std::vector<Arg> args;  // kCall
};

enum class ScopeKind : uint8_t { kModule, kFunction, kClass };

struct Scope {
  ScopeKind kind = ScopeKind::kModule;
  int32_t parent = -1;
  std::string name;
  // Methods: the class they belong to and the name of their first parameter (`self`).
  int32_t cls = -1;
  std::string self_name;
};

enum class BindKind : uint8_t {
  kValue,     // name = value
  kElement,   // for name in value / comprehensions: one element of value
  kImport,    // import: `path` names what the name refers to ("transformers.AutoModel")
  kParam,     // a function parameter; value is its default (-1: none)
  kClass,     // class name: `target` is the class scope
  kFunction,  // def name
  kUnknown,   // a value known only at run time (unpacking, augmented assignment, except … as)
};

struct Binding {
  std::string name;  // "x", or "self.x" / "obj.attr" for attribute assignments
  BindKind kind = BindKind::kUnknown;
  ExprId value = kNoExpr;
  std::string path;     // kImport
  int32_t scope = 0;    // the scope the name lives in
  int32_t target = -1;  // kClass: the class scope
  uint32_t stmt = 0;
  // Visible from the statement that makes it (comprehension variables, lambda parameters,
  // walrus targets) rather than from the next one.
  bool same_stmt = false;
};

struct Stmt {
  uint32_t line = 0;
  uint32_t indent = 0;  // statements on the line of a compound header count one deeper
};

// Which files are worth parsing: a program can only hold a reference if it calls a name that
// ends some rule's callee pattern or imports a module that starts one. Readers given this skip
// the parse (tokens only) when neither shows up; null means parse everything.
struct Relevance {
  std::function<bool(std::string_view)> call_name;  // the name right before '('
  std::function<bool(std::string_view)> module;     // an imported module (first dotted part)
};

struct Program {
  std::string_view source;
  std::deque<std::string> buffers;  // owned text (f-string fields) that Expr::src points into
  std::vector<Expr> exprs;
  std::vector<Scope> scopes;  // scopes[0] is the module
  std::vector<Stmt> stmts;
  std::vector<Binding> bindings;
  std::unordered_map<std::string, std::vector<uint32_t>> by_name;  // in statement order
  std::vector<ExprId> calls;
  std::vector<std::string> star_imports;  // `from m import *` / `export * from`
  // JavaScript: every binding is visible everywhere in the file (no block scoping).
  bool flat = false;
  std::string limit;  // "" or the limit a reader hit

  ExprId Add(Expr e) {
    exprs.push_back(std::move(e));
    return static_cast<ExprId>(exprs.size() - 1);
  }
  void Bind(Binding b) {
    by_name[b.name].push_back(static_cast<uint32_t>(bindings.size()));
    bindings.push_back(std::move(b));
  }
};

}  // namespace mv::inventory
