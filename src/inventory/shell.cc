#include "inventory/shell.h"

#include <nlohmann/json.hpp>

#include "core/limits.h"

namespace mv::inventory {

std::string ShellWord::Literal() const {
  std::string out;
  for (const auto& p : parts) {
    if (p.kind != WordPart::Kind::kLiteral) return "";
    out += p.text;
  }
  return out;
}

bool ShellWord::IsLiteral() const {
  for (const auto& p : parts)
    if (p.kind != WordPart::Kind::kLiteral) return false;
  return true;
}

namespace {

bool NameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool NameChar(char c) {
  return NameStart(c) || (c >= '0' && c <= '9');
}

class Splitter {
 public:
  Splitter(std::string_view s, uint32_t first_line) : s_(s), line_(first_line) {}

  std::vector<ShellCommand> Run() {
    const size_t n = s_.size();
    size_t i = 0;
    while (i < n) {
      char c = s_[i];
      if (c == '\n') {
        EndCommand();
        ++line_;
        ++i;
        SkipHeredocs(i);
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r') {
        EndWord();
        ++i;
        continue;
      }
      if (c == '\\' && i + 1 < n &&
          (s_[i + 1] == '\n' || (s_[i + 1] == '\r' && i + 2 < n && s_[i + 2] == '\n'))) {
        EndWord();
        i += s_[i + 1] == '\r' ? 3 : 2;
        ++line_;
        continue;
      }
      if (c == '#' && !in_word_) {
        while (i < n && s_[i] != '\n') ++i;
        continue;
      }
      if (c == ';' || c == '&' || c == '|' || c == '(' || c == ')') {
        EndCommand();
        ++i;
        continue;
      }
      if (c == '<' && i + 1 < n && s_[i + 1] == '<' && (i + 2 >= n || s_[i + 2] != '<')) {
        i = Heredoc(i + 2);
        continue;
      }
      if (c == '<' || c == '>') {  // redirections: the target is not an argument
        EndWord();
        ++i;
        while (i < n && (s_[i] == '>' || s_[i] == '&' || s_[i] == '|')) ++i;
        while (i < n && (s_[i] == ' ' || s_[i] == '\t')) ++i;
        skip_next_word_ = true;
        continue;
      }
      i = WordChar(i);
    }
    EndCommand();
    return std::move(out_);
  }

 private:
  void Lit(std::string_view t) {
    in_word_ = true;
    if (word_.parts.empty() || word_.parts.back().kind != WordPart::Kind::kLiteral)
      word_.parts.push_back({});
    word_.parts.back().text += t;
  }
  void Dyn() {
    in_word_ = true;
    word_.parts.push_back({WordPart::Kind::kDynamic, {}, {}, false});
  }

  // One character (or quoted run / expansion) of a word at i; returns the next offset.
  size_t WordChar(size_t i) {
    const size_t n = s_.size();
    char c = s_[i];
    if (!in_word_) word_line_ = line_;
    if (c == '\\' && i + 1 < n) {
      Lit(s_.substr(i + 1, 1));
      return i + 2;
    }
    if (c == '\'') {
      size_t e = s_.find('\'', i + 1);
      if (e == std::string_view::npos) e = n;
      CountLines(i, e);
      word_.quoted = true;
      Lit(s_.substr(i + 1, e - i - 1));
      return e < n ? e + 1 : n;
    }
    if (c == '"') {
      word_.quoted = true;
      in_word_ = true;
      size_t j = i + 1;
      while (j < n && s_[j] != '"') {
        if (s_[j] == '\\' && j + 1 < n &&
            std::string_view("$`\"\\\n").find(s_[j + 1]) != std::string_view::npos) {
          if (s_[j + 1] != '\n') Lit(s_.substr(j + 1, 1));
          if (s_[j + 1] == '\n') ++line_;
          j += 2;
          continue;
        }
        if (s_[j] == '$' || s_[j] == '`') {
          j = Expansion(j);
          continue;
        }
        if (s_[j] == '\n') ++line_;
        Lit(s_.substr(j, 1));
        ++j;
      }
      return j < n ? j + 1 : n;
    }
    if (c == '$' || c == '`') return Expansion(i);
    Lit(s_.substr(i, 1));
    return i + 1;
  }

  // $name, ${…}, $(…), `…`, $1 … at i.
  size_t Expansion(size_t i) {
    const size_t n = s_.size();
    if (s_[i] == '`') {
      size_t e = s_.find('`', i + 1);
      if (e == std::string_view::npos) e = n;
      CountLines(i, e);
      Dyn();
      return e < n ? e + 1 : n;
    }
    if (i + 1 >= n) {
      Lit("$");
      return i + 1;
    }
    char c = s_[i + 1];
    if (c == '(') {  // $(…) or $((…)): to the matching parenthesis
      int depth = 0;
      size_t j = i + 1;
      for (; j < n; ++j) {
        if (s_[j] == '(') ++depth;
        if (s_[j] == ')' && --depth == 0) break;
        if (s_[j] == '\n') ++line_;
      }
      Dyn();
      return j < n ? j + 1 : n;
    }
    if (c == '{') {
      size_t e = s_.find('}', i + 2);
      if (e == std::string_view::npos) {
        Dyn();
        return n;
      }
      std::string_view body = s_.substr(i + 2, e - i - 2);
      size_t k = 0;
      while (k < body.size() && NameChar(body[k])) ++k;
      std::string_view name = body.substr(0, k), rest = body.substr(k);
      if (name.empty() || !NameStart(name[0])) {
        Dyn();
      } else if (rest.empty()) {
        in_word_ = true;
        word_.parts.push_back({WordPart::Kind::kVar, std::string(name), {}, false});
      } else if (rest.rfind(":-", 0) == 0 || rest.rfind(":=", 0) == 0 || rest.rfind("-", 0) == 0 ||
                 rest.rfind("=", 0) == 0) {
        size_t skip = rest[0] == ':' ? 2 : 1;
        in_word_ = true;
        word_.parts.push_back(
            {WordPart::Kind::kVar, std::string(name), std::string(rest.substr(skip)), true});
      } else {
        Dyn();
      }
      return e + 1;
    }
    if (NameStart(c)) {
      size_t j = i + 1;
      while (j < n && NameChar(s_[j])) ++j;
      in_word_ = true;
      word_.parts.push_back(
          {WordPart::Kind::kVar, std::string(s_.substr(i + 1, j - i - 1)), {}, false});
      return j;
    }
    if ((c >= '0' && c <= '9') || c == '@' || c == '*' || c == '#' || c == '?' || c == '$' ||
        c == '!' || c == '-') {
      Dyn();
      return i + 2;
    }
    Lit("$");
    return i + 1;
  }

  size_t Heredoc(size_t i) {
    const size_t n = s_.size();
    if (i < n && s_[i] == '-') ++i;
    while (i < n && (s_[i] == ' ' || s_[i] == '\t')) ++i;
    std::string delim;
    while (i < n && s_[i] != '\n' && s_[i] != ' ' && s_[i] != '\t' && s_[i] != ';' &&
           s_[i] != '&' && s_[i] != '|' && s_[i] != ')') {
      if (s_[i] != '\'' && s_[i] != '"' && s_[i] != '\\') delim += s_[i];
      ++i;
    }
    if (!delim.empty()) heredocs_.push_back(delim);
    return i;
  }

  // After a newline: the bodies of pending here-documents are skipped.
  void SkipHeredocs(size_t& i) {
    const size_t n = s_.size();
    for (const auto& delim : heredocs_) {
      while (i < n) {
        size_t e = s_.find('\n', i);
        std::string_view l = s_.substr(i, e == std::string_view::npos ? n - i : e - i);
        while (!l.empty() && (l.front() == '\t')) l.remove_prefix(1);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        i = e == std::string_view::npos ? n : e + 1;
        ++line_;
        if (l == delim) break;
      }
    }
    heredocs_.clear();
  }

  void CountLines(size_t b, size_t e) {
    for (size_t k = b; k < e && k < s_.size(); ++k)
      if (s_[k] == '\n') ++line_;
  }

  void EndWord() {
    if (!in_word_) return;
    if (skip_next_word_) {
      skip_next_word_ = false;
    } else if (cmd_.words.size() < 4096) {
      if (cmd_.words.empty()) cmd_.line = word_line_;
      cmd_.words.push_back(std::move(word_));
    }
    word_ = ShellWord{};
    in_word_ = false;
  }

  void EndCommand() {
    EndWord();
    skip_next_word_ = false;
    if (!cmd_.words.empty() && out_.size() < limits::kMaxInventoryTokens)
      out_.push_back(std::move(cmd_));
    cmd_ = ShellCommand{};
  }

  std::string_view s_;
  uint32_t line_;
  uint32_t word_line_ = 0;
  bool in_word_ = false;
  bool skip_next_word_ = false;
  ShellWord word_;
  ShellCommand cmd_;
  std::vector<ShellCommand> out_;
  std::vector<std::string> heredocs_;
};

}  // namespace

std::vector<ShellCommand> SplitShell(std::string_view script, uint32_t first_line) {
  return Splitter(script, first_line).Run();
}

bool SplitExecForm(std::string_view text, std::vector<std::string>* words) {
  size_t b = text.find_first_not_of(" \t");
  if (b == std::string_view::npos || text[b] != '[') return false;
  nlohmann::json j = nlohmann::json::parse(text.substr(b), nullptr, false);
  if (j.is_discarded() || !j.is_array()) return false;
  for (const auto& w : j) {
    if (!w.is_string()) return false;
    words->push_back(w.get<std::string>());
  }
  return true;
}

}  // namespace mv::inventory
