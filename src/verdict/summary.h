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

}  // namespace mv::verdict
