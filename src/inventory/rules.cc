#include "inventory/rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "core/embedded.h"
#include "inventory/text.h"
#include "libs/toml.h"

namespace mv::inventory {

std::string_view EmbeddedRules();  // generated from data/inventory.toml

const char* CategoryName(Category c) {
  return c == Category::kAiService ? "ai-service" : "self-hosted";
}

const char* FileKindName(FileKind k) {
  switch (k) {
    case FileKind::kPython: return "python";
    case FileKind::kJavaScript: return "javascript";
    case FileKind::kNotebook: return "notebook";
    case FileKind::kJson: return "json";
    case FileKind::kYaml: return "yaml";
    case FileKind::kToml: return "toml";
    case FileKind::kShell: return "shell";
    case FileKind::kDockerfile: return "dockerfile";
    case FileKind::kOther: return "other";
  }
  return "other";
}

std::vector<std::string> SplitDots(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t dot = s.find('.', start);
    out.emplace_back(
        s.substr(start, dot == std::string_view::npos ? s.size() - start : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

bool MatchPattern(const std::vector<std::string>& p, const std::vector<std::string>& s) {
  // Wildcard matching over segments with one backtrack point per `**` (linear in practice).
  size_t pi = 0, si = 0, star = std::string::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == "**") {
      star = pi++;
      mark = si;
    } else if (pi < p.size() && Glob(p[pi], s[si])) {
      ++pi;
      ++si;
    } else if (star != std::string::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == "**") ++pi;
  return pi == p.size();
}

namespace {

// Strict reading of one TOML table: every key must be consumed, types are checked, errors
// name file:line.
class Reader {
 public:
  Reader(const toml::table& t, std::string file) : t_(t), file_(std::move(file)) {}

  std::string Where(const toml::node& n) const {
    return fmt::format("{}:{}", file_, n.source().begin.line);
  }
  std::string Where() const { return Where(t_); }
  Error Fail(const toml::node& n, const std::string& msg) const {
    return MakeError(Errc::kMalformed, Where(n) + ": " + msg);
  }

  const toml::node* Get(std::string_view key) {
    used_.emplace_back(key);
    return t_.get(key);
  }
  Result<std::optional<std::string>> String(std::string_view key) {
    const toml::node* n = Get(key);
    if (!n) return std::optional<std::string>();
    auto v = n->value<std::string>();
    if (!v || v->empty()) return Fail(*n, fmt::format("`{}` must be a non-empty string", key));
    return std::optional<std::string>(*v);
  }
  Result<std::vector<std::string>> Strings(std::string_view key, bool required) {
    const toml::node* n = Get(key);
    if (!n) {
      if (required)
        return MakeError(Errc::kMalformed, Where() + ": `" + std::string(key) + "` is required");
      return std::vector<std::string>{};
    }
    return StringList(*n, key);
  }
  Result<std::vector<std::string>> StringList(const toml::node& n, std::string_view key) const {
    const toml::array* a = n.as_array();
    if (!a) return Fail(n, fmt::format("`{}` must be a list of strings", key));
    std::vector<std::string> out;
    for (const toml::node& x : *a) {
      auto v = x.value<std::string>();
      if (!v || v->empty())
        return Fail(x, fmt::format("`{}` holds a non-string or empty entry", key));
      out.push_back(*v);
    }
    return out;
  }
  Result<bool> Bool(std::string_view key) {
    const toml::node* n = Get(key);
    if (!n) return false;
    auto v = n->value<bool>();
    if (!v) return Fail(*n, fmt::format("`{}` must be true or false", key));
    return *v;
  }
  // Rejects keys nobody asked for.
  Status Finish() const {
    for (const auto& [k, v] : t_) {
      if (std::find(used_.begin(), used_.end(), k.str()) == used_.end())
        return Fail(v, fmt::format("unknown key `{}`", k.str()));
    }
    return OkStatus();
  }

 private:
  const toml::table& t_;
  std::string file_;
  std::vector<std::string> used_;
};

Result<ArgSpec> ParseArg(const toml::node& n, const std::string& file, bool allow_values,
                         std::vector<std::string>* values) {
  const toml::table* t = n.as_table();
  if (!t)
    return MakeError(Errc::kMalformed,
                     fmt::format("{}:{}: an argument is a table {{position, keywords, flags}}",
                                 file, n.source().begin.line));
  Reader r(*t, file);
  ArgSpec a;
  if (const toml::node* p = r.Get("position")) {
    auto v = p->value<int64_t>();
    if (!v || *v < 0 || *v > 64) return r.Fail(*p, "`position` must be an integer 0..64");
    a.position = static_cast<int>(*v);
  }
  MV_ASSIGN_OR_RETURN(a.keywords, r.Strings("keywords", false));
  MV_ASSIGN_OR_RETURN(a.flags, r.Strings("flags", false));
  if (allow_values) {
    MV_ASSIGN_OR_RETURN(*values, r.Strings("values", true));
  }
  MV_RETURN_IF_ERROR(r.Finish());
  if (a.position < 0 && a.keywords.empty() && a.flags.empty())
    return r.Fail(n, "an argument needs `position`, `keywords` or `flags`");
  return a;
}

Result<std::vector<ArgSpec>> ParseArgs(Reader& r, std::string_view key, const std::string& file,
                                       bool required) {
  const toml::node* n = r.Get(key);
  if (!n) {
    if (required)
      return MakeError(Errc::kMalformed, r.Where() + ": `" + std::string(key) + "` is required");
    return std::vector<ArgSpec>{};
  }
  const toml::array* a = n->as_array();
  if (!a || a->empty()) return r.Fail(*n, fmt::format("`{}` must be a non-empty list", key));
  std::vector<ArgSpec> out;
  for (const toml::node& x : *a) {
    MV_ASSIGN_OR_RETURN(ArgSpec s, ParseArg(x, file, false, nullptr));
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::optional<ArgSpec>> ParseOptArg(Reader& r, std::string_view key,
                                           const std::string& file) {
  const toml::node* n = r.Get(key);
  if (!n) return std::optional<ArgSpec>();
  MV_ASSIGN_OR_RETURN(ArgSpec s, ParseArg(*n, file, false, nullptr));
  return std::optional<ArgSpec>(std::move(s));
}

Result<std::vector<SkipWhen>> ParseSkip(Reader& r, const std::string& file) {
  const toml::node* n = r.Get("skip_when");
  if (!n) return std::vector<SkipWhen>{};
  const toml::array* a = n->as_array();
  if (!a) return r.Fail(*n, "`skip_when` must be a list");
  std::vector<SkipWhen> out;
  for (const toml::node& x : *a) {
    SkipWhen s;
    MV_ASSIGN_OR_RETURN(s.arg, ParseArg(x, file, true, &s.values));
    out.push_back(std::move(s));
  }
  return out;
}

// provider, kind, category, id_form, via, require_org, id_prefixes, id_globs, bare_name_org.
Result<Target> ParseTarget(Reader& r, const toml::node& where, bool allow_kind) {
  Target t;
  t.line = static_cast<uint32_t>(where.source().begin.line);
  if (allow_kind) {
    MV_ASSIGN_OR_RETURN(auto kind, r.String("kind"));
    if (kind) {
      if (*kind == "model") {
        t.kind = RuleKind::kModel;
      } else if (*kind == "dataset") {
        t.kind = RuleKind::kDataset;
      } else if (*kind == "ignore") {
        t.kind = RuleKind::kIgnore;
      } else {
        return r.Fail(where, "unknown kind `" + *kind + "` (model|dataset|ignore)");
      }
    }
  }
  MV_ASSIGN_OR_RETURN(auto provider, r.String("provider"));
  if (t.kind == RuleKind::kModel && !provider) return r.Fail(where, "`provider` is required");
  if (provider) {
    for (char c : *provider)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
        return r.Fail(where, "`provider` must be lower-case letters, digits and '-'");
    t.provider = *provider;
  }
  MV_ASSIGN_OR_RETURN(auto cat, r.String("category"));
  if (cat) {
    if (*cat == "self-hosted") {
      t.category = Category::kSelfHosted;
    } else if (*cat == "ai-service") {
      t.category = Category::kAiService;
    } else {
      return r.Fail(where, "unknown category `" + *cat + "` (self-hosted|ai-service)");
    }
  }
  t.form = t.provider == "huggingface" ? IdForm::kHub
           : t.provider == "github"    ? IdForm::kGithub
                                       : IdForm::kService;
  MV_ASSIGN_OR_RETURN(auto form, r.String("id_form"));
  if (form) {
    if (*form == "hub") {
      t.form = IdForm::kHub;
    } else if (*form == "github") {
      t.form = IdForm::kGithub;
    } else if (*form == "service") {
      t.form = IdForm::kService;
    } else {
      return r.Fail(where, "unknown id_form `" + *form + "` (hub|github|service)");
    }
  }
  MV_ASSIGN_OR_RETURN(auto via, r.String("via"));
  if (via) t.via = *via;
  MV_ASSIGN_OR_RETURN(t.require_org, r.Bool("require_org"));
  MV_ASSIGN_OR_RETURN(t.id_prefixes, r.Strings("id_prefixes", false));
  MV_ASSIGN_OR_RETURN(t.id_globs, r.Strings("id_globs", false));
  MV_ASSIGN_OR_RETURN(auto org, r.String("bare_name_org"));
  if (org) t.bare_name_org = *org;
  return t;
}

Status ParseCall(const toml::table& tb, const std::string& file, Rules* /*unused*/,
                 std::vector<CallRule>& out) {
  Reader r(tb, file);
  CallRule c;
  MV_ASSIGN_OR_RETURN(c.callees, r.Strings("callees", true));
  for (const auto& pat : c.callees) {
    auto segs = SplitDots(pat);
    if (std::any_of(segs.begin(), segs.end(), [](const std::string& s) { return s.empty(); }))
      return r.Fail(*tb.get("callees"), "callee pattern `" + pat + "` has an empty segment");
    c.patterns.push_back(std::move(segs));
  }
  MV_ASSIGN_OR_RETURN(c.target, ParseTarget(r, tb, true));
  MV_ASSIGN_OR_RETURN(c.ids, ParseArgs(r, "ids", file, c.target.kind == RuleKind::kModel));
  MV_ASSIGN_OR_RETURN(c.revision, ParseOptArg(r, "revision", file));
  MV_ASSIGN_OR_RETURN(c.remote_code, ParseOptArg(r, "remote_code", file));
  MV_ASSIGN_OR_RETURN(c.always_remote_code, r.Bool("always_remote_code"));
  MV_ASSIGN_OR_RETURN(c.skip_when, ParseSkip(r, file));
  MV_RETURN_IF_ERROR(r.Finish());
  out.push_back(std::move(c));
  return OkStatus();
}

}  // namespace

Result<Rules> Rules::Parse(std::string_view text, const std::string& name) {
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    return MakeError(Errc::kMalformed, fmt::format("{}:{}: {}", name, e.source().begin.line,
                                                   std::string(e.description())));
  }
  Rules rules;
  auto tables = [&](const toml::node& n, std::string_view key) -> Result<const toml::array*> {
    const toml::array* a = n.as_array();
    if (!a || !a->is_array_of_tables())
      return MakeError(Errc::kMalformed, fmt::format("{}:{}: `{}` must be [[{}]] tables", name,
                                                     n.source().begin.line, key, key));
    return a;
  };
  for (const auto& [key, node] : root) {
    std::string_view k = key.str();
    if (k == "call") {
      MV_ASSIGN_OR_RETURN(const toml::array* a, tables(node, k));
      for (const toml::node& x : *a)
        MV_RETURN_IF_ERROR(ParseCall(*x.as_table(), name, &rules, rules.calls_));
    } else if (k == "env") {
      MV_ASSIGN_OR_RETURN(const toml::array* a, tables(node, k));
      for (const toml::node& x : *a) {
        Reader r(*x.as_table(), name);
        EnvRule e;
        MV_ASSIGN_OR_RETURN(e.names, r.Strings("names", true));
        MV_ASSIGN_OR_RETURN(e.target, ParseTarget(r, x, false));
        MV_RETURN_IF_ERROR(r.Finish());
        rules.env_.push_back(std::move(e));
      }
    } else if (k == "command") {
      MV_ASSIGN_OR_RETURN(const toml::array* a, tables(node, k));
      for (const toml::node& x : *a) {
        Reader r(*x.as_table(), name);
        CommandRule c;
        MV_ASSIGN_OR_RETURN(c.words, r.Strings("words", true));
        MV_ASSIGN_OR_RETURN(c.target, ParseTarget(r, x, false));
        MV_ASSIGN_OR_RETURN(c.ids, ParseArgs(r, "ids", name, true));
        MV_ASSIGN_OR_RETURN(c.revision, ParseOptArg(r, "revision", name));
        MV_ASSIGN_OR_RETURN(c.skip_when, ParseSkip(r, name));
        MV_ASSIGN_OR_RETURN(c.value_flags, r.Strings("value_flags", false));
        MV_RETURN_IF_ERROR(r.Finish());
        rules.commands_.push_back(std::move(c));
      }
    } else if (k == "image") {
      MV_ASSIGN_OR_RETURN(const toml::array* a, tables(node, k));
      for (const toml::node& x : *a) {
        Reader r(*x.as_table(), name);
        ImageRule im;
        MV_ASSIGN_OR_RETURN(im.images, r.Strings("images", true));
        MV_ASSIGN_OR_RETURN(im.words, r.Strings("words", true));
        MV_RETURN_IF_ERROR(r.Finish());
        rules.images_.push_back(std::move(im));
      }
    } else if (k == "config" || k == "hub" || k == "files") {
      const toml::table* t = node.as_table();
      if (!t)
        return MakeError(Errc::kMalformed, fmt::format("{}:{}: `{}` must be a table", name,
                                                       node.source().begin.line, k));
      Reader r(*t, name);
      if (k == "config") {
        MV_ASSIGN_OR_RETURN(auto keys, r.Strings("keys", true));
        for (const auto& key : keys) rules.config_keys_.push_back(SplitDots(LowerAscii(key)));
        MV_ASSIGN_OR_RETURN(auto commands, r.Strings("command_keys", false));
        for (const auto& key : commands) rules.command_keys_.push_back(LowerAscii(key));
      } else if (k == "hub") {
        MV_ASSIGN_OR_RETURN(rules.canonical_, r.Strings("canonical", true));
        MV_ASSIGN_OR_RETURN(rules.local_suffixes_, r.Strings("local_suffixes", true));
        std::sort(rules.canonical_.begin(), rules.canonical_.end());
      } else {
        const std::pair<const char*, FileKind> kinds[] = {
            {"python", FileKind::kPython},     {"javascript", FileKind::kJavaScript},
            {"notebook", FileKind::kNotebook}, {"json", FileKind::kJson},
            {"yaml", FileKind::kYaml},         {"toml", FileKind::kToml},
            {"shell", FileKind::kShell},       {"dockerfile", FileKind::kDockerfile}};
        for (const auto& [key_name, kind] : kinds) {
          MV_ASSIGN_OR_RETURN(auto globs, r.Strings(key_name, true));
          for (auto& g : globs) rules.file_globs_.emplace_back(kind, std::move(g));
        }
        const std::pair<const char*, FileKind> interp[] = {
            {"python_interpreters", FileKind::kPython},
            {"shell_interpreters", FileKind::kShell},
            {"javascript_interpreters", FileKind::kJavaScript}};
        for (const auto& [key_name, kind] : interp) {
          MV_ASSIGN_OR_RETURN(auto names, r.Strings(key_name, true));
          for (auto& g : names) rules.interpreters_.emplace_back(kind, std::move(g));
        }
        MV_ASSIGN_OR_RETURN(rules.skip_dirs_, r.Strings("skip_dirs", true));
        MV_ASSIGN_OR_RETURN(rules.generated_, r.Strings("generated", false));
      }
      MV_RETURN_IF_ERROR(r.Finish());
    } else {
      return MakeError(Errc::kMalformed,
                       fmt::format("{}:{}: unknown key `{}`", name, node.source().begin.line, k));
    }
  }
  if (rules.calls_.empty()) return MakeError(Errc::kMalformed, name + ": no [[call]] rules");
  if (rules.file_globs_.empty()) return MakeError(Errc::kMalformed, name + ": no [files] table");
  auto literal = [](const std::string& seg) {
    return seg.find_first_of("*?") == std::string::npos;
  };
  for (size_t i = 0; i < rules.calls_.size(); ++i) {
    int idx = static_cast<int>(i);
    bool generic = false;
    std::vector<std::string> lasts, firsts;
    for (const auto& p : rules.calls_[i].patterns) {
      if (literal(p.back())) {
        lasts.push_back(p.back());
      } else if (literal(p.front())) {
        firsts.push_back(p.front());
      } else {
        generic = true;
      }
    }
    if (generic) {
      rules.generic_.push_back(idx);
      continue;
    }
    auto add = [idx](std::vector<int>& v) {
      if (v.empty() || v.back() != idx) v.push_back(idx);
    };
    for (const auto& l : lasts) add(rules.by_last_[l]);
    for (const auto& f : firsts) add(rules.by_first_[f]);
    // A callee that starts with a module needs that module imported; only patterns open at
    // the front (`**.from_pretrained`) are triggered by the call's own name.
    for (const auto& p : rules.calls_[i].patterns) {
      if (literal(p.front())) {
        rules.module_names_.insert(p.front());
      } else if (literal(p.back())) {
        rules.call_names_.insert(p.back());
      }
    }
  }
  return rules;
}

const Rules& Rules::Embedded() {
  static const Rules rules =
      EmbeddedOrDie(Parse(EmbeddedRules(), "data/inventory.toml"), "data/inventory.toml");
  return rules;
}

const CallRule* Rules::MatchCall(const std::vector<std::string>& paths, int after,
                                 int* index) const {
  int best = -1;
  for (const std::string& path : paths) {
    if (path.empty()) continue;
    std::vector<std::string> segs = SplitDots(path);
    auto consider = [&](int i) {
      if (i <= after || (best >= 0 && i >= best)) return;
      for (const auto& p : calls_[static_cast<size_t>(i)].patterns) {
        if (MatchPattern(p, segs)) {
          best = i;
          return;
        }
      }
    };
    if (auto it = by_last_.find(segs.back()); it != by_last_.end())
      for (int i : it->second) consider(i);
    if (auto it = by_first_.find(segs.front()); it != by_first_.end())
      for (int i : it->second) consider(i);
    for (int i : generic_) consider(i);
  }
  if (best < 0) return nullptr;
  if (index) *index = best;
  return &calls_[static_cast<size_t>(best)];
}

bool Rules::IsCallName(std::string_view name) const {
  return !generic_.empty() || call_names_.find(name) != call_names_.end();
}

bool Rules::IsModuleName(std::string_view module) const {
  if (!generic_.empty()) return true;
  return module_names_.find(module.substr(0, module.find('.'))) != module_names_.end();
}

const EnvRule* Rules::MatchEnv(std::string_view upper_name) const {
  for (const auto& e : env_)
    for (const auto& n : e.names)
      if (Glob(n, upper_name)) return &e;
  return nullptr;
}

bool Rules::IsConfigKey(const std::vector<std::string>& path) const {
  for (const auto& k : config_keys_) {
    if (k.size() > path.size()) continue;
    if (std::equal(k.begin(), k.end(), path.end() - static_cast<ptrdiff_t>(k.size()))) return true;
  }
  return false;
}

bool Rules::IsCommandKey(std::string_view lower_key) const {
  return std::find(command_keys_.begin(), command_keys_.end(), lower_key) != command_keys_.end();
}

const std::vector<std::string>* Rules::ImageWords(std::string_view image) const {
  for (const ImageRule& im : images_)
    for (const std::string& g : im.images)
      if (Glob(g, image)) return &im.words;
  return nullptr;
}

bool Rules::IsCanonical(std::string_view name) const {
  return std::binary_search(canonical_.begin(), canonical_.end(), name);
}

bool Rules::HasLocalSuffix(std::string_view name) const {
  std::string low = LowerAscii(name);
  for (const auto& s : local_suffixes_)
    if (low.size() > s.size() && low.compare(low.size() - s.size(), s.size(), s) == 0) return true;
  return false;
}

FileKind Rules::KindOf(std::string_view file_name, std::string_view first_line) const {
  for (const auto& g : generated_)
    if (Glob(g, file_name)) return FileKind::kOther;
  for (const auto& [kind, glob] : file_globs_)
    if (Glob(glob, file_name)) return kind;
  if (first_line.size() > 2 && first_line[0] == '#' && first_line[1] == '!') {
    // #!/usr/bin/env python3, #!/bin/bash -e: the interpreter's file name.
    std::string_view l = first_line.substr(2);
    size_t b = l.find_first_not_of(" \t");
    if (b == std::string_view::npos) return FileKind::kOther;
    l = l.substr(b);
    std::string_view prog = l.substr(0, l.find_first_of(" \t\r"));
    std::string_view base =
        prog.substr(prog.rfind('/') == std::string_view::npos ? 0 : prog.rfind('/') + 1);
    if (base == "env") {
      std::string_view rest = l.substr(prog.size());
      size_t s = rest.find_first_not_of(" \t");
      if (s == std::string_view::npos) return FileKind::kOther;
      rest = rest.substr(s);
      if (rest.rfind("-S", 0) == 0) {
        rest = rest.substr(2);
        rest = rest.substr(std::min(rest.size(), rest.find_first_not_of(" \t")));
      }
      base = rest.substr(0, rest.find_first_of(" \t\r"));
    }
    for (const auto& [kind, glob] : interpreters_)
      if (Glob(glob, base)) return kind;
  }
  return FileKind::kOther;
}

bool Rules::SkipDir(std::string_view dir_name) const {
  return std::find(skip_dirs_.begin(), skip_dirs_.end(), dir_name) != skip_dirs_.end();
}

}  // namespace mv::inventory
