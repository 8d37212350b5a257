// The plain-language prose of verdicts: the one-line summary a reviewer reads first
// ("runs a shell command `ls` on load"), built from the action the knowledge base records for
// each callable (kb::Action: a phrase and the role of one argument). Policy (judge.cc) decides
// what is found and how bad it is; this file only says it in English.
#pragma once

#include <string>
#include <vector>

#include "kb/kb.h"
#include "pickle/value.h"

namespace mv::verdict {

// An argument as plain text for a summary: strings and bytes as they are (control characters
// and backticks replaced, at most 120 characters), lists of strings joined by spaces; any
// other value renders as Python would show it.
std::string PlainValue(const pickle::ValuePtr& v);

// Fills "{0}", "{1}", "{*}" (every text argument) and "{name}" in a template (benign notes,
// feature rules).
std::string FillTemplate(const std::string& tmpl, const std::string& name,
                         const std::vector<pickle::ValuePtr>& args);

// The action of a call of a rule's callable: the rule's own, or that of the first
// [[….when]] case whose argument matches.
const kb::Action& ActionOf(const kb::Rule& r, const std::vector<pickle::ValuePtr>& args,
                           const pickle::ValuePtr& kwargs);

// The argument that has the action's role, as shown in a summary ("ls", "203.0.113.5:4444");
// "" when there is none or it is not text (a module, an object made on load, a tensor type is
// never shown as "the command").
std::string RoleArgument(const kb::ArgRef& ref, const std::vector<pickle::ValuePtr>& args,
                         const pickle::ValuePtr& kwargs);

// "runs a shell command `ls` on load", "opens a network connection to `203.0.113.5:4444` on
// load", "executes Python code on load (through sympy.sympify)": the phrase, the argument with
// its role (or the callable's name when no argument is shown), and when it happens.
// `on_load`: the loader calls it (else the wording of a review rule).
std::string CallSummary(const kb::Action& a, const std::string& name,
                        const std::vector<pickle::ValuePtr>& args, const pickle::ValuePtr& kwargs,
                        bool on_load);

// A dangerous name the file only references: "references posix.system, which runs a shell
// command; no benign model needs it".
std::string ReferenceSummary(const kb::Action& a, const std::string& name);

// The summary of a feature rule (format engines' observations): its template, else the
// category's phrase with the subject.
std::string FeatureSummary(const kb::FeatureRule& r, const kb::KnowledgeBase& kb,
                           const std::string& subject);

// The headline and how many findings of the same weight follow it: "… (+2 more dangerous
// findings)".
std::string Headline(const std::string& top, size_t others, bool unsafe);

// The wording of the findings the judge makes itself (not from a rule): the message of the
// finding and the one-line summary shown when it is the headline.
struct Wording {
  std::string message;
  std::string summary;
};

// A class or function of a module the rules do not know: what loading needs (the user's own
// module, or the script that saved it) and how to vouch for it (--trust-module, [[trust]]).
Wording UnknownCallableWording(const std::string& name, bool called);
// A call of a function or method under a wildcard that vouches for a library's classes (category
// unswept-library: the library could not be swept), which no rule names.
Wording ClassesOnlyWording(const std::string& name, const kb::Rule& wildcard);
// A call of a method through its class (`NDFrame.to_csv(obj, …)`) whose class a benign rule
// (`owner`) clears: the rule clears rebuilding the class's objects, not calling their methods.
Wording MethodCalledWording(const std::string& name, const kb::Rule& owner);
// A name of a module the rules know other names of (`builtins.print`, `torch.x`): not the
// user's module, and not listed.
Wording UnlistedLibraryWording(const std::string& name, bool called);
// A benign name known as a value, called.
Wording ValueCalledWording(const std::string& name, const std::string& why);
// A rebuild-only benign class called directly (its __init__ runs).
Wording InitCalledWording(const std::string& name, const std::string& why);
// A payload of `format` that could not be parsed.
Wording UnreadableWording(const std::string& format);
// A file that is no model format at all (or empty).
Wording NotAModelWording(bool empty);
// An anomaly a reader or the pickle machine recorded; `incomplete`: content after it was not
// analysed.
Wording AnomalyWording(const std::string& message, bool incomplete);
Wording UnresolvedExtensionWording();
Wording PickleIncompleteWording();
// BUILD applied to a global (a class, function or module).
Wording BuildOnGlobalWording(const std::string& target);
// A function built from code carried in the file (by `maker`), called.
Wording CarriedCodeCalledWording(const std::string& maker);
// An object made by `maker`, called; what it runs is not known.
Wording ObjectCalledWording(const std::string& maker);
Wording UnresolvedResolverWording(const std::string& name);
Wording NestedPayloadWording(const std::string& name);
// An observation of a format engine no feature rule covers.
Wording UnknownFeatureWording(const std::string& kind, const std::string& subject);
// A dangerous feature rule's message: its reason, and who runs it when it executes on load.
std::string FeatureMessage(const std::string& why, bool executes, const std::string& loader);

// The summary of a file with nothing to report, by why it is clean.
enum class Clean { kBenignCalls, kPlainData, kNotAModel, kNothingExecutable };
std::string CleanSummary(Clean why);

}  // namespace mv::verdict
