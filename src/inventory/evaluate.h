// Static evaluation of program expressions (ir.h): what values a model-id argument can take,
// following names through the bindings of the same file (module constants, assignments in the
// same function, branches, loop variables over literal lists, class and `self.` attributes,
// dataclass field defaults), string building (`+`, f-strings, %, str.format, str.join),
// imports with their aliases and, through an ImportHook, names imported from other files of the
// scanned tree (modules.h). Anything that depends on the run (parameters, the environment,
// function results) is `kDynamic`. Never runs anything; every walk is bounded by
// core/limits.h (kMaxInventoryResolveDepth, kMaxInventoryValues, kMaxInventoryEvalSteps).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "inventory/ir.h"

namespace mv::inventory {

struct Value {
  enum class Kind : uint8_t {
    kString,     // text: the value
    kNone,       // None, numbers, booleans (text "true" for a true literal): never an id
    kLocalPath,  // built by os.path / pathlib / node's path: a local path, never an id
    kObject,     // text: dotted path rooted at an import ("openai.OpenAI", "os.environ")
    kDynamic,    // known only at run time; text: the written name chain when there is one
    kContainer,  // ref: a list/tuple/set/dict literal
    kClass,      // ref: a class scope of this file
    kInstance,   // ref: the class scope of an instance of a class of this file
    kFunction,   // a function of this file
  };
  Kind kind = Kind::kDynamic;
  std::string text;
  int32_t ref = -1;
  // kObject: the result of calling `text` (an instance, a loaded model), not a module member.
  bool called = false;
  // kDynamic: the value comes from the environment (os.getenv, process.env).
  bool env = false;

  bool operator==(const Value& o) const {
    return kind == o.kind && text == o.text && ref == o.ref && called == o.called;
  }
};

// The values of an imported dotted path ("config.MODEL_ID", "./constants.MODEL") when it names
// a module-level binding of another file of the tree; null when it does not (a library, a
// function, a class), and the path stays a kObject.
using ImportHook = std::function<const std::vector<Value>*(const std::string& path)>;

class Evaluator {
 public:
  explicit Evaluator(const Program& p, ImportHook hook = nullptr) : p_(p), hook_(std::move(hook)) {}

  // Possible values of `e` (deduplicated, at most kMaxInventoryValues).
  const std::vector<Value>& Eval(ExprId e);
  // The step budget of the file ran out: later results are kDynamic (a limit finding).
  bool exhausted() const { return exhausted_; }
  // What `name` holds at the end of the module (what importing it from this file gives); empty
  // when the module does not bind it.
  std::vector<Value> ModuleValue(const std::string& name);

 private:
  std::vector<Value> Compute(ExprId e);
  std::vector<Value> EvalName(const Expr& e, const std::string& name);
  std::vector<Value> EvalAttr(ExprId id, const Expr& e);
  std::vector<Value> EvalSubscript(const Expr& e);
  std::vector<Value> EvalCall(const Expr& e);
  std::vector<Value> EvalConcat(const Expr& e, const std::vector<ExprId>& parts);
  std::vector<Value> EvalPercent(const Expr& e);
  std::vector<Value> StringMethod(const std::string& s, const std::string& method,
                                  const Expr& call);
  std::vector<Value> BindingValues(const std::vector<uint32_t>& bindings);
  std::vector<Value> ClassMember(int32_t cls, const std::string& attr);
  std::vector<Value> Elements(const Value& container);
  // Bindings of `name` visible from (scope, stmt), after the dominance walk.
  std::vector<uint32_t> Resolve(const std::string& name, int32_t scope, uint32_t stmt);
  std::vector<uint32_t> Dominating(const std::vector<uint32_t>& candidates, uint32_t use_stmt,
                                   bool at_end);
  int32_t MethodClass(int32_t scope, const std::string& root) const;
  static void Add(std::vector<Value>& out, Value v);
  static void AddAll(std::vector<Value>& out, const std::vector<Value>& vs);
  Value Dyn(const Expr& e, std::string text = {}) const;

  // hook_ applied to an imported path; false when it does not name a value of another file.
  bool Imported(const std::string& path, std::vector<Value>& out);

  const Program& p_;
  ImportHook hook_;
  std::unordered_map<ExprId, std::vector<Value>> memo_;
  std::vector<ExprId> active_;  // expressions being evaluated (cycles give kDynamic)
  uint64_t steps_ = 0;
  bool exhausted_ = false;
};

// Dotted text of a name/attribute chain ("self.client"), "" for anything else.
std::string DottedText(const Program& p, ExprId id);

}  // namespace mv::inventory
