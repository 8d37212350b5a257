#include "verdict/summary.h"

#include <algorithm>

namespace mv::verdict {

using pickle::Value;
using pickle::ValueKind;
using pickle::ValuePtr;

namespace {

constexpr size_t kMaxShown = 120;

// One line of text from a file: control characters and backticks (which delimit arguments in
// summaries) become spaces, newlines "; ", at most kMaxShown characters.
std::string Clip(const std::string& t, bool truncated) {
  std::string clean;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c == '\n') {
      while (!clean.empty() && clean.back() == ' ') clean.pop_back();
      if (!clean.empty() && i + 1 < t.size()) clean += "; ";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == '`' || c == 0x7f) {
      clean += ' ';
    } else {
      clean += c;
    }
  }
  if (clean.size() > kMaxShown) {
    clean.resize(kMaxShown);
    truncated = true;
  }
  if (truncated) clean += "…";
  return clean;
}

bool IsText(const ValuePtr& v) {
  return v && (v->kind == ValueKind::kStr || v->kind == ValueKind::kBytes ||
               v->kind == ValueKind::kByteArray);
}

bool IsPlainText(const ValuePtr& v) {
  if (!v) return false;
  if (IsText(v)) return !v->text.empty();
  if (v->kind == ValueKind::kList || v->kind == ValueKind::kTuple) {
    return !v->items.empty() && std::all_of(v->items.begin(), v->items.end(), IsText);
  }
  return false;
}

// Strings, and lists or tuples of strings (argv), joined by spaces; "" for anything else.
std::string TextOf(const ValuePtr& v) {
  if (!IsPlainText(v)) return "";
  if (IsText(v)) return Clip(v->text, v->truncated);
  std::string s;
  bool truncated = false;
  for (const auto& i : v->items) {
    if (!s.empty()) s += " ";
    s += i->text;
    truncated = truncated || i->truncated;
    if (s.size() > kMaxShown) break;
  }
  return Clip(s, truncated);
}

// (host, port) of a socket address, or a "host:port" / host string.
std::string AddressOf(const ValuePtr& v) {
  if (!v) return "";
  if ((v->kind == ValueKind::kTuple || v->kind == ValueKind::kList) && v->items.size() >= 2 &&
      IsText(v->items[0]) && v->items[1] && v->items[1]->kind == ValueKind::kInt) {
    return Clip(v->items[0]->text + ":" + v->items[1]->text, v->items[0]->truncated);
  }
  if (IsText(v)) return Clip(v->text, v->truncated);
  return "";
}

const ValuePtr* FindArgument(const kb::ArgRef& ref, const std::vector<ValuePtr>& args,
                             const ValuePtr& kwargs) {
  if (ref.position >= 0 && static_cast<size_t>(ref.position) < args.size()) {
    return &args[static_cast<size_t>(ref.position)];
  }
  if (!ref.keyword.empty() && kwargs && kwargs->kind == ValueKind::kDict) {
    for (size_t i = 0; i + 1 < kwargs->items.size(); i += 2) {
      const ValuePtr& k = kwargs->items[i];
      if (k && k->kind == ValueKind::kStr && k->text == ref.keyword) return &kwargs->items[i + 1];
    }
  }
  return nullptr;
}

// The word between a phrase and its argument.
const char* Connector(kb::Role r) {
  switch (r) {
    case kb::Role::kUrl: return "at ";
    case kb::Role::kAddress: return "to ";
    default: return "";
  }
}

bool Matches(const kb::ActionCase& c, const std::vector<ValuePtr>& args) {
  if (static_cast<size_t>(c.if_arg) >= args.size() || !args[static_cast<size_t>(c.if_arg)]) {
    return false;
  }
  const Value& v = *args[static_cast<size_t>(c.if_arg)];
  if (c.is_int) {
    return (v.kind == ValueKind::kInt || v.kind == ValueKind::kBool) &&
           v.text == std::to_string(c.int_value);
  }
  return (v.kind == ValueKind::kStr || v.kind == ValueKind::kBytes) && !v.truncated &&
         v.text == c.text_value;
}

}  // namespace

std::string PlainValue(const ValuePtr& v) {
  if (!v) return "";
  if (IsPlainText(v)) return TextOf(v);
  return Clip(pickle::Render(v, kMaxShown), false);
}

std::string FillTemplate(const std::string& tmpl, const std::string& name,
                         const std::vector<ValuePtr>& args) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '{') {
      size_t close = tmpl.find('}', i);
      if (close != std::string::npos) {
        std::string key = tmpl.substr(i + 1, close - i - 1);
        if (key == "name") {
          out += Clip(name, false);
          i = close;
          continue;
        }
        if (key == "*") {
          std::string all;
          for (const auto& a : args) {
            if (!IsPlainText(a)) continue;
            if (!all.empty()) all += " ";
            all += TextOf(a);
          }
          out += all.empty() ? "…" : all;
          i = close;
          continue;
        }
        if (!key.empty() && key.size() <= 2 &&
            std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          size_t idx = static_cast<size_t>(std::stoi(key));
          std::string a = idx < args.size() ? PlainValue(args[idx]) : "";
          out += a.empty() ? "…" : a;
          i = close;
          continue;
        }
      }
    }
    out.push_back(tmpl[i]);
  }
  return out;
}

const kb::Action& ActionOf(const kb::Rule& r, const std::vector<ValuePtr>& args,
                           const ValuePtr& /*kwargs*/) {
  for (const auto& c : r.cases) {
    if (Matches(c, args)) return c.action;
  }
  return r.action;
}

std::string RoleArgument(const kb::ArgRef& ref, const std::vector<ValuePtr>& args,
                         const ValuePtr& kwargs) {
  if (ref.role == kb::Role::kNone) return "";
  const ValuePtr* v = FindArgument(ref, args, kwargs);
  if (v == nullptr) return "";
  return ref.role == kb::Role::kAddress ? AddressOf(*v) : TextOf(*v);
}

std::string CallSummary(const kb::Action& a, const std::string& name,
                        const std::vector<ValuePtr>& args, const ValuePtr& kwargs, bool on_load) {
  std::string arg = RoleArgument(a.arg, args, kwargs);
  std::string out = a.phrase.empty() ? "calls " + Clip(name, false) : a.phrase;
  if (!arg.empty()) {
    out += std::string(" ") + Connector(a.arg.role) + "`" + arg + "`";
  } else if (!a.phrase.empty()) {
    out += " through " + Clip(name, false);
  }
  out += on_load ? " on load" : " (needs review)";
  return out;
}

std::string ReferenceSummary(const kb::Action& a, const std::string& name) {
  if (a.phrase.empty()) return "references " + Clip(name, false) + ", which no benign model needs";
  return "references " + Clip(name, false) + ", which " + a.phrase +
         " (not called on load); no benign model needs it";
}

std::string FeatureSummary(const kb::FeatureRule& r, const kb::KnowledgeBase& kb,
                           const std::string& subject) {
  auto subj = std::make_shared<Value>();
  subj->kind = ValueKind::kStr;
  subj->text = subject;
  if (!r.summary.empty()) return FillTemplate(r.summary, subject, {subj});
  const kb::CategoryDefaults* c = kb.Category(r.category);
  if (c != nullptr) return c->action.phrase + " (`" + Clip(subject, false) + "`)";
  return "has " + r.kind + " `" + Clip(subject, false) + "`";
}

std::string Headline(const std::string& top, size_t others, bool unsafe) {
  if (others == 0) return top;
  return top + " (+" + std::to_string(others) + " more " + (unsafe ? "dangerous" : "open") +
         " finding" + (others > 1 ? "s" : "") + ")";
}

Wording UnknownCallableWording(const std::string& name, bool called) {
  size_t dot = name.rfind('.');
  std::string module = dot == std::string::npos ? name : name.substr(0, dot);
  bool main = name.substr(0, name.find('.')) == "__main__";
  std::string needs;
  if (main) {
    needs = "the script that saved it (`";
    needs += name;
    needs += "` from `__main__`)";
  } else {
    needs = "your module `";
    needs += module;
    needs += '`';
  }
  Wording w;
  w.message = called ? "calls " : "imports ";
  w.message += name;
  w.message += ", which the knowledge base does not know; loading needs ";
  w.message += needs;
  w.message += ", whose code is not in the file (if it is yours: --trust-module ";
  w.message += module;
  w.message += ", or a [[trust]] rule)";
  w.summary = "loading needs ";
  w.summary += needs;
  if (!main) {
    w.summary += " (`";
    w.summary += name;
    w.summary += "`)";
  }
  return w;
}

Wording ClassesOnlyWording(const std::string& name, const kb::Rule& wildcard) {
  Wording w;
  w.message = "calls " + name + ", a function or method under " + wildcard.pattern + " (" +
              wildcard.why + "): that rule clears the library's " +
              "classes, and its functions only where they are not called, since the library " +
              "could not be read for what they do; no rule names this one";
  w.summary = "calls `" + name + "`, a function of " +
              wildcard.pattern.substr(0, wildcard.pattern.find('.')) +
              " no rule has vetted (only its classes are cleared)";
  return w;
}

Wording UnlistedLibraryWording(const std::string& name, bool called) {
  std::string top = name.substr(0, name.find('.'));
  Wording w;
  w.message = (called ? "calls " : "imports ") + name + ", which the knowledge base does not " +
              "list, although it knows other names of " + top + ": neither cleared nor known " +
              "to act, so what it does on load needs a look";
  w.summary =
      (called ? "calls `" : "imports `") + name + "`, a " + top + " name the rules do not list";
  return w;
}

Wording MethodCalledWording(const std::string& name, const kb::Rule& owner) {
  Wording w;
  w.message = "calls " + name + " on an object the file built: " + owner.pattern + " (" +
              owner.why + ") clears rebuilding the class's objects, not calling their " +
              "methods, and no rule says what this one does";
  w.summary = "calls the method `" + name + "`, which no rule has vetted";
  return w;
}

Wording ValueCalledWording(const std::string& name, const std::string& why) {
  return {"calls " + name + ", which the knowledge base knows as a value (" + why +
              "), not as a callable; no benign pickle calls it",
          "calls " + name + ", which is a value, not a callable"};
}

Wording InitCalledWording(const std::string& name, const std::string& why) {
  return {"calls " + name +
              " directly, which runs its __init__ with arguments from the file; the knowledge "
              "base clears it only when the loader rebuilds an instance without __init__ (" +
              why + ")",
          "calls " + name + " directly (its __init__ can act; cleared only when rebuilt)"};
}

Wording UnreadableWording(const std::string& format) {
  return {format + " could not be parsed; its content was not analysed",
          format + " payload could not be parsed"};
}

Wording NotAModelWording(bool empty) {
  return {empty ? "empty; holds no executable content"
                : "not a known model format; holds no executable content",
          CleanSummary(Clean::kNotAModel)};
}

Wording AnomalyWording(const std::string& message, bool incomplete) {
  Wording w;
  w.message = message;
  if (incomplete) w.message += " (content after this point was not analysed)";
  w.summary = incomplete ? "could not be fully analysed: " : "anomaly: ";
  w.summary += message;
  return w;
}

Wording UnresolvedExtensionWording() {
  return {"an extension code (EXT opcode) that no registration in the stream defines",
          "uses an extension code the file does not define"};
}

Wording PickleIncompleteWording() {
  return {"the pickle stream was not read to its end; later calls were not analysed",
          "could not be fully analysed: the pickle stream was not read to its end"};
}

Wording BuildOnGlobalWording(const std::string& target) {
  return {
      "BUILD sets attributes on a class, function or module, poisoning later lookups; no "
      "benign pickle does this",
      "changes attributes of " + target + " on load"};
}

Wording CarriedCodeCalledWording(const std::string& maker) {
  return {"the load calls a function built from code carried in the file (" + maker +
              "); that code runs now",
          "runs Python code carried in the file (built by " + maker + ") on load"};
}

Wording ObjectCalledWording(const std::string& maker) {
  return {"the load calls an object made by " + maker + "; what that runs is not known",
          "calls an object made by " + maker};
}

Wording UnresolvedResolverWording(const std::string& name) {
  return {name + " returns something the analysis could not determine",
          "uses " + name + " on something the analysis could not resolve"};
}

Wording NestedPayloadWording(const std::string& name) {
  return {name + " loads bytes carried in the stream; they were analysed as a payload of their own",
          "loads a nested payload that was analysed too"};
}

Wording UnknownFeatureWording(const std::string& kind, const std::string& subject) {
  return {"no rule covers " + kind + " `" + subject + "`",
          "has " + kind + " `" + subject + "`, which no rule covers"};
}

std::string FeatureMessage(const std::string& why, bool executes, const std::string& loader) {
  std::string m = why;
  if (executes) {
    m += "; ";
    m += loader.empty() ? "the loader" : loader;
    m += " runs it while loading";
  }
  return m;
}

std::string CleanSummary(Clean why) {
  switch (why) {
    case Clean::kBenignCalls: return "every call the loader makes is a known-benign reconstructor";
    case Clean::kPlainData: return "plain data; the loader calls nothing";
    case Clean::kNotAModel: return "not a model format; holds no executable content";
    case Clean::kNothingExecutable: return "no executable content found";
  }
  return "no executable content found";
}

}  // namespace mv::verdict
