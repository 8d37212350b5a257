#include "inventory/shell_detect.h"

#include <algorithm>

#include "core/limits.h"
#include "inventory/model_id.h"
#include "inventory/text.h"

namespace mv::inventory {

namespace {

std::string_view Base(std::string_view w) {
  size_t slash = w.rfind('/');
  return slash == std::string_view::npos ? w : w.substr(slash + 1);
}

// Words that run the rest of the line as a command.
bool Prefix(std::string_view w) {
  for (std::string_view p : {"sudo", "exec", "time", "nohup", "then", "do", "else", "!", "command",
                             "xargs", "nice", "stdbuf", "timeout"})
    if (w == p) return true;
  return false;
}

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

bool ShellDetector::AsAssignment(const ShellWord& w, std::string* name, ShellWord* value) {
  if (w.parts.empty() || w.parts[0].kind != WordPart::Kind::kLiteral) return false;
  std::string_view n, v;
  if (!SplitAssignment(w.parts[0].text, &n, &v)) return false;
  *name = std::string(n);
  value->parts.clear();
  if (!v.empty()) value->parts.push_back({WordPart::Kind::kLiteral, std::string(v), {}, false});
  for (size_t i = 1; i < w.parts.size(); ++i) value->parts.push_back(w.parts[i]);
  return true;
}

Possible ShellDetector::Expand(const ShellWord& w) const {
  Possible out;
  std::vector<std::string> acc = {""};
  for (const WordPart& p : w.parts) {
    std::vector<std::string> alts;
    switch (p.kind) {
      case WordPart::Kind::kLiteral: alts.push_back(p.text); break;
      case WordPart::Kind::kVar: {
        auto it = vars_.find(p.text);
        if (it != vars_.end()) {
          alts = it->second.literals;
          out.dynamic = out.dynamic || it->second.dynamic;
        } else if (p.has_fallback) {
          alts.push_back(p.fallback);  // ${MODEL:-org/default}
          out.dynamic = true;
        } else {
          out.dynamic = true;
        }
        break;
      }
      case WordPart::Kind::kDynamic: out.dynamic = true; break;
    }
    std::vector<std::string> next;
    for (const auto& a : acc)
      for (const auto& b : alts)
        if (next.size() < limits::kMaxInventoryValues) next.push_back(a + b);
    acc = std::move(next);
  }
  out.literals = std::move(acc);
  if (out.dynamic && out.literals.size() == 1 && out.literals[0].empty()) out.literals.clear();
  return out;
}

std::string ShellDetector::Excerpt(const ShellCommand& cmd) const {
  std::string s;
  for (const auto& w : cmd.words) {
    if (!s.empty()) s += ' ';
    for (const auto& p : w.parts) {
      if (p.kind == WordPart::Kind::kLiteral) s += p.text;
      if (p.kind == WordPart::Kind::kVar) s += "${" + p.text + "}";
      if (p.kind == WordPart::Kind::kDynamic) s += "$(…)";
    }
    if (s.size() > 200) break;
  }
  return OneLine(s, 160);
}

void ShellDetector::Assign(std::string_view name, const ShellWord& value, uint32_t line,
                           bool set_var, std::string_view excerpt) {
  Possible p = Expand(value);
  DetectAssignment(name, p, line, excerpt, rules_, local_, out_);
  if (set_var) vars_[std::string(name)] = std::move(p);
}

void ShellDetector::Command(const ShellCommand& cmd) {
  const auto& w = cmd.words;
  size_t i = 0;
  // Leading NAME=value words: variables of the shell (alone) or of the command (before one).
  size_t assigns = 0;
  while (assigns < w.size()) {
    std::string n;
    ShellWord v;
    if (!AsAssignment(w[assigns], &n, &v)) break;
    ++assigns;
  }
  for (size_t k = 0; k < assigns; ++k) {
    std::string n;
    ShellWord v;
    AsAssignment(w[k], &n, &v);
    Assign(n, v, cmd.line, assigns == w.size(), Excerpt(cmd));
  }
  i = assigns;
  while (i < w.size() && w[i].IsLiteral() && (Prefix(w[i].Literal()) || w[i].Literal() == "env")) {
    ++i;
    while (i < w.size() && w[i].IsLiteral() && w[i].Literal().rfind("-", 0) == 0) ++i;  // sudo -E
    while (i < w.size()) {  // env A=b cmd
      std::string n;
      ShellWord v;
      if (!AsAssignment(w[i], &n, &v)) break;
      Assign(n, v, cmd.line, false, Excerpt(cmd));
      ++i;
    }
  }
  if (i >= w.size()) return;
  std::string head = w[i].Literal();
  if (head == "export" || head == "declare" || head == "local" || head == "readonly" ||
      head == "typeset") {
    for (size_t k = i + 1; k < w.size(); ++k) {
      std::string n;
      ShellWord v;
      if (AsAssignment(w[k], &n, &v)) Assign(n, v, cmd.line, true, Excerpt(cmd));
    }
    return;
  }
  for (const CommandRule& rule : rules_.commands()) {
    if (i + rule.words.size() > w.size()) continue;
    bool match = true;
    for (size_t k = 0; k < rule.words.size() && match; ++k) {
      std::string lit = w[i + k].Literal();
      match = k == 0 ? Base(lit) == rule.words[0] : lit == rule.words[k];
    }
    if (!match) continue;
    // Operands and options after the command's words.
    std::vector<const ShellWord*> operands;
    std::vector<std::pair<std::string, ShellWord>> options;
    auto takes_value = [&](const std::string& flag) {
      if (Contains(rule.value_flags, flag)) return true;
      for (const auto& a : rule.ids)
        if (Contains(a.flags, flag)) return true;
      if (rule.revision && Contains(rule.revision->flags, flag)) return true;
      for (const auto& s : rule.skip_when)
        if (Contains(s.arg.flags, flag)) return true;
      return false;
    };
    for (size_t k = i + rule.words.size(); k < w.size(); ++k) {
      const ShellWord& word = w[k];
      std::string first = word.parts.empty() || word.parts[0].kind != WordPart::Kind::kLiteral
                              ? std::string()
                              : word.parts[0].text;
      if (first.size() > 1 && first[0] == '-' && !word.quoted) {
        size_t eq = first.find('=');
        if (eq != std::string::npos) {
          ShellWord v;
          v.parts.push_back({WordPart::Kind::kLiteral, first.substr(eq + 1), {}, false});
          for (size_t p = 1; p < word.parts.size(); ++p) v.parts.push_back(word.parts[p]);
          options.emplace_back(first.substr(0, eq), std::move(v));
        } else if (takes_value(first) && k + 1 < w.size()) {
          options.emplace_back(first, w[k + 1]);
          ++k;
        } else {
          options.emplace_back(first, ShellWord{});
        }
        continue;
      }
      operands.push_back(&word);
    }
    auto find = [&](const ArgSpec& a) -> std::vector<const ShellWord*> {
      std::vector<const ShellWord*> out;
      if (a.position >= 0 && static_cast<size_t>(a.position) < operands.size())
        out.push_back(operands[static_cast<size_t>(a.position)]);
      for (const auto& [flag, value] : options)
        if (Contains(a.flags, flag)) out.push_back(&value);
      return out;
    };
    bool skip = false;
    for (const auto& s : rule.skip_when)
      for (const ShellWord* v : find(s.arg))
        for (const auto& lit : Expand(*v).literals)
          if (Contains(s.values, lit)) skip = true;
    if (skip) return;
    std::string revision;
    if (rule.revision)
      for (const ShellWord* v : find(*rule.revision)) {
        Possible p = Expand(*v);
        if (p.literals.size() == 1 && !p.dynamic) revision = p.literals[0];
      }
    const Target& t = rule.target;
    bool dynamic = false;
    for (const ArgSpec& a : rule.ids) {
      for (const ShellWord* v : find(a)) {
        Possible p = Expand(*v);
        bool literal_id = false;
        for (const auto& lit : p.literals) {
          IdResult r = ParseId(lit, t, rules_);
          if (r.status != IdResult::Status::kId) continue;
          if (t.form != IdForm::kService && local_ && local_(r.id)) continue;
          Found f;
          f.provider = t.provider;
          f.id = r.id;
          f.category = t.category;
          f.revision = !r.revision.empty() ? r.revision : revision;
          f.line = cmd.line;
          f.via = t.via.empty() ? rule.words[0] : t.via;
          out_.models.push_back(std::move(f));
          literal_id = true;
        }
        if (p.dynamic && !literal_id) dynamic = true;
      }
    }
    // Download commands (wget, curl, git clone) take any URL: only unknown ids of the
    // model-specific commands are reported as dynamic.
    if (dynamic && t.via != "download" && t.via != "git clone") {
      DynamicFound d;
      d.line = cmd.line;
      d.text = Excerpt(cmd);
      d.via = t.via.empty() ? rule.words[0] : t.via;
      out_.dynamic.push_back(std::move(d));
    }
    return;
  }
}

void ShellDetector::Script(std::string_view script, uint32_t first_line) {
  for (const ShellCommand& c : SplitShell(script, first_line)) Command(c);
}

void ShellDetector::Dockerfile(std::string_view text) {
  // Instructions: continuation lines joined by the shell splitter itself (lines kept); comment
  // lines inside an instruction are dropped as Docker drops them.
  std::vector<std::string_view> lines;
  for (size_t b = 0; b <= text.size();) {
    size_t e = text.find('\n', b);
    if (e == std::string_view::npos) e = text.size();
    lines.push_back(text.substr(b, e - b));
    if (e == text.size()) break;
    b = e + 1;
  }
  auto trimmed = [](std::string_view l) {
    while (!l.empty() && (l.back() == '\r' || l.back() == ' ' || l.back() == '\t'))
      l.remove_suffix(1);
    size_t s = l.find_first_not_of(" \t");
    return s == std::string_view::npos ? std::string_view() : l.substr(s);
  };
  for (size_t i = 0; i < lines.size();) {
    std::string_view first = trimmed(lines[i]);
    uint32_t line = static_cast<uint32_t>(i + 1);
    if (first.empty() || first[0] == '#') {
      ++i;
      continue;
    }
    std::string body(first);
    size_t j = i;
    // A line ending in `\` continues the instruction; comment lines inside it are dropped (kept
    // as a bare `\` so line numbers stay right).
    bool continued = first.back() == '\\';
    while (continued && j + 1 < lines.size()) {
      ++j;
      std::string_view next = trimmed(lines[j]);
      body += '\n';
      if (!next.empty() && next[0] == '#') {
        body += "\\";
        continue;
      }
      body += lines[j];
      continued = !next.empty() && next.back() == '\\';
    }
    i = j + 1;
    size_t sp = body.find_first_of(" \t\n");
    std::string kw = LowerAscii(body.substr(0, sp));
    std::string rest = sp == std::string::npos ? std::string() : body.substr(sp + 1);
    if (kw == "run" || kw == "cmd" || kw == "entrypoint") {
      std::vector<std::string> exec;
      if (SplitExecForm(rest, &exec)) {
        ShellCommand c;
        c.line = line;
        for (auto& word : exec) {
          ShellWord sw;
          sw.parts.push_back({WordPart::Kind::kLiteral, std::move(word), {}, false});
          c.words.push_back(std::move(sw));
        }
        Command(c);
      } else {
        Script(rest, line);
      }
    } else if (kw == "env" || kw == "arg") {
      std::vector<ShellCommand> cmds = SplitShell(rest, line);
      if (cmds.empty()) continue;
      const auto& words = cmds[0].words;
      std::string n;
      ShellWord v;
      if (kw == "env" && !words.empty() && !AsAssignment(words[0], &n, &v)) {
        // Legacy `ENV NAME value with spaces`.
        ShellWord value;
        for (size_t k = 1; k < words.size(); ++k) {
          if (k > 1) value.parts.push_back({WordPart::Kind::kLiteral, " ", {}, false});
          for (const auto& p : words[k].parts) value.parts.push_back(p);
        }
        Assign(words[0].Literal(), value, line, true, OneLine(body, 160));
        continue;
      }
      for (const auto& word : words) {
        if (AsAssignment(word, &n, &v)) Assign(n, v, line, true, OneLine(body, 160));
      }
    }
  }
}

}  // namespace mv::inventory
