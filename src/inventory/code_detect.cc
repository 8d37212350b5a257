#include "inventory/code_detect.h"

#include <algorithm>

#include "inventory/evaluate.h"
#include "inventory/model_id.h"
#include "inventory/text.h"

namespace mv::inventory {

namespace {

constexpr size_t kExcerpt = 160;  // characters of a call shown for a dynamic reference

// The argument `spec` names in `call`; sets *maybe_star when it could hide in *args/**kwargs.
const Arg* FindArg(const Expr& call, const ArgSpec& spec, bool* maybe_star) {
  size_t pos = 0;
  bool star_seen = false;
  const Arg* found = nullptr;
  for (const Arg& a : call.args) {
    if (a.star) {
      star_seen = true;
      continue;
    }
    if (!a.keyword.empty()) {
      if (!found &&
          std::find(spec.keywords.begin(), spec.keywords.end(), a.keyword) != spec.keywords.end())
        found = &a;
      continue;
    }
    if (!star_seen && spec.position >= 0 && pos == static_cast<size_t>(spec.position) && !found)
      found = &a;
    ++pos;
  }
  if (!found && maybe_star) *maybe_star = star_seen;
  return found;
}

// How the code names a call, minus its receiver: the attribute chain after the first name
// ("chat.completions.create" for client.chat.completions.create), the whole chain when the
// receiver is not a name (OpenAI().chat.completions.create, this.client.…), a bare name as is.
std::string WrittenCall(const Program& p, ExprId id) {
  std::vector<std::string_view> parts;
  while (id >= 0) {
    const Expr& e = p.exprs[static_cast<size_t>(id)];
    if (e.kind != ExprKind::kAttr || e.kids.empty()) {
      if (parts.empty() && e.kind == ExprKind::kName) return std::string(e.text);
      break;
    }
    parts.push_back(e.text);
    id = e.kids[0];
  }
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (!out.empty()) out += '.';
    out += *it;
  }
  return out;
}

class Detector {
 public:
  Detector(const Program& p, const Rules& rules, const LocalCheck& local, FileFindings& out,
           ImportHook hook)
      : p_(p), rules_(rules), local_(local), out_(out), ev_(p, std::move(hook)) {}

  void Run() {
    for (ExprId id : p_.calls) Call(id);
    if (ev_.exhausted() && out_.limit.empty()) out_.limit = "limit.inventory-eval-steps";
  }

 private:
  void Call(ExprId id) {
    const Expr& call = p_.exprs[static_cast<size_t>(id)];
    if (call.kids.empty()) return;
    const Expr& callee = p_.exprs[static_cast<size_t>(call.kids[0])];
    std::vector<std::string> paths;
    for (const Value& v : ev_.Eval(call.kids[0])) {
      if (v.text.empty()) continue;
      if (v.kind == Value::Kind::kObject || v.kind == Value::Kind::kDynamic ||
          v.kind == Value::Kind::kClass || v.kind == Value::Kind::kInstance) {
        // Calling what a call returned (a loaded pipeline, a tokenizer) is not calling the
        // function that made it.
        paths.push_back(v.kind == Value::Kind::kObject && v.called ? v.text + ".__call__" : v.text);
        if (v.kind == Value::Kind::kDynamic)
          for (const auto& m : p_.star_imports) paths.push_back(m + "." + v.text);
      }
    }
    if (paths.empty() && callee.kind == ExprKind::kAttr) paths.push_back("?." + callee.text);
    if (paths.empty()) return;
    std::string written = WrittenCall(p_, call.kids[0]);
    int after = -1;
    for (;;) {
      int index = -1;
      const CallRule* rule = rules_.MatchCall(paths, after, &index);
      if (!rule || rule->target.kind != RuleKind::kModel) return;
      if (Apply(*rule, call, written)) return;
      after = index;  // the rule wanted ids of another shape: the next rule may take the call
    }
  }

  // The values the argument `spec` names can take in `call`: the argument as written, else the
  // entry of a `**dict` (Python) or `...object` (JavaScript) spread whose dict literal is known.
  // *unknown: the argument may hide in a spread or *args whose content is not known.
  std::vector<Value> ArgValues(const Expr& call, const ArgSpec& spec, bool* unknown) {
    bool star = false;
    if (const Arg* a = FindArg(call, spec, &star)) return ev_.Eval(a->value);
    std::vector<Value> out;
    if (!star) return out;
    bool maybe = false;
    for (const Arg& a : call.args) {
      if (a.star != 2) {
        maybe = maybe || (a.star == 1 && spec.position >= 0);
        continue;
      }
      for (const Value& v : ev_.Eval(a.value)) {
        const Expr* d = v.kind == Value::Kind::kContainer && v.ref >= 0
                            ? &p_.exprs[static_cast<size_t>(v.ref)]
                            : nullptr;
        if (!d || d->kind != ExprKind::kDict) {
          maybe = true;
          continue;
        }
        for (size_t k = 0; k + 1 < d->kids.size(); k += 2) {
          if (d->kids[k] < 0) {  // a spread inside the spread: not followed further
            maybe = true;
            continue;
          }
          const Expr& key = p_.exprs[static_cast<size_t>(d->kids[k])];
          if (key.kind == ExprKind::kString && std::find(spec.keywords.begin(), spec.keywords.end(),
                                                         key.text) != spec.keywords.end()) {
            const std::vector<Value>& vs = ev_.Eval(d->kids[k + 1]);
            out.insert(out.end(), vs.begin(), vs.end());
          }
        }
      }
    }
    if (unknown) *unknown = maybe;
    return out;
  }

  // Returns false when the rule limits ids by glob and none of this call's ids fit.
  bool Apply(const CallRule& rule, const Expr& call, const std::string& written) {
    const Target& t = rule.target;
    for (const SkipWhen& s : rule.skip_when) {
      for (const Value& v : ArgValues(call, s.arg, nullptr))
        if (v.kind == Value::Kind::kString &&
            std::find(s.values.begin(), s.values.end(), v.text) != s.values.end())
          return true;  // a dataset or a space: consumed, nothing to list
    }
    std::string revision;
    if (rule.revision) {
      std::vector<Value> vs = ArgValues(call, *rule.revision, nullptr);
      if (vs.size() == 1 && vs[0].kind == Value::Kind::kString) revision = vs[0].text;
    }
    bool remote = rule.always_remote_code;
    if (rule.remote_code) {
      for (const Value& v : ArgValues(call, *rule.remote_code, nullptr))
        if (v.kind == Value::Kind::kNone && v.text == "true") remote = true;
    }
    std::string via = !t.via.empty() ? t.via : written;
    bool accepted = false, dynamic = false;
    std::vector<Found> found;
    for (size_t i = 0; i < rule.ids.size(); ++i) {
      bool unknown = false;
      std::vector<Value> values = ArgValues(call, rule.ids[i], &unknown);
      if (i == 0 && unknown) dynamic = true;
      for (const Value& v : values) {
        switch (v.kind) {
          case Value::Kind::kString: {
            IdResult r = ParseId(v.text, t, rules_);
            if (r.status != IdResult::Status::kId) break;
            if (t.form != IdForm::kService && local_ && local_(r.id)) break;  // a directory here
            Found f;
            f.provider = t.provider;
            f.id = r.id;
            f.category = t.category;
            f.revision = !r.revision.empty() ? r.revision : revision;
            f.remote_code = remote;
            f.line = call.line;
            f.via = via;
            found.push_back(std::move(f));
            accepted = true;
            break;
          }
          case Value::Kind::kDynamic: dynamic = true; break;
          case Value::Kind::kObject:
            if (!v.called) dynamic = true;  // a name imported from another file
            break;
          default: break;
        }
      }
    }
    if (!t.id_globs.empty() && !accepted) return false;
    for (auto& f : found) out_.models.push_back(std::move(f));
    if (dynamic && t.id_globs.empty()) {
      DynamicFound d;
      d.line = call.line;
      d.text = OneLine(call.src, kExcerpt);
      d.via = via;
      out_.dynamic.push_back(std::move(d));
    }
    return true;
  }

  const Program& p_;
  const Rules& rules_;
  const LocalCheck& local_;
  FileFindings& out_;
  Evaluator ev_;
};

}  // namespace

void DetectCalls(const Program& program, const Rules& rules, const LocalCheck& local,
                 FileFindings& out, ImportHook imports) {
  Detector(program, rules, local, out, std::move(imports)).Run();
  if (!program.limit.empty() && out.limit.empty()) out.limit = program.limit;
}

}  // namespace mv::inventory
