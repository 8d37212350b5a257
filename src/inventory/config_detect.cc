#include "inventory/config_detect.h"

#include <algorithm>

#include "inventory/env_detect.h"
#include "inventory/model_id.h"
#include "inventory/shell.h"
#include "inventory/shell_detect.h"
#include "inventory/text.h"

namespace mv::inventory {

namespace {

bool Templated(std::string_view v) {
  return v.find("${") != std::string_view::npos || v.find("{{") != std::string_view::npos ||
         v.find("$(") != std::string_view::npos ||
         (v.size() > 1 && v[0] == '$' && (v[1] == '_' || (v[1] >= 'A' && v[1] <= 'Z')));
}

bool EnvStyle(std::string_view key) {
  bool upper = false;
  for (char c : key) {
    if (c >= 'a' && c <= 'z') return false;
    if (c >= 'A' && c <= 'Z') upper = true;
  }
  return upper;
}

// A word of a container command line as the shell reader sees it: literal, or, when it holds
// `$VAR` / `${VAR}` (compose interpolation), read double-quoted so those stay variables.
ShellWord Word(const std::string& text) {
  if (text.find('$') == std::string::npos) {  // a literal word, as an exec-form word
    ShellWord w;
    w.parts.push_back({WordPart::Kind::kLiteral, text, {}, false});
    return w;
  }
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\' || c == '`') quoted += '\\';
    quoted += c;
  }
  quoted += '"';
  std::vector<ShellCommand> cmds = SplitShell(quoted);
  if (cmds.empty() || cmds[0].words.empty()) return {};
  return std::move(cmds[0].words[0]);
}

// Container specs (docker-compose services, Kubernetes containers, Helm values): the
// `entrypoint`/`command`/`args` of one object form a command line; one that is flags only runs
// the program of the object's `image` ([[image]] rules). List items add no key to a leaf's path,
// so objects are told apart by document order: a run of command keys under one parent, with
// the `image` nearest to it under the same parent.
void DetectContainerCommands(const ConfigDoc& doc, const Rules& rules, const LocalCheck& local,
                             FileFindings& out) {
  struct Group {
    std::vector<std::string> parent;
    std::string key;
    std::vector<const ConfigLeaf*> leaves;
  };
  std::vector<Group> groups;
  for (const ConfigLeaf& leaf : doc.leaves) {
    if (leaf.path.empty()) continue;
    std::string key = LowerAscii(leaf.path.back());
    if (key != "image" && !rules.IsCommandKey(key)) continue;
    std::vector<std::string> parent(leaf.path.begin(), leaf.path.end() - 1);
    if (!groups.empty() && key != "image" && groups.back().key == key &&
        groups.back().parent == parent) {
      groups.back().leaves.push_back(&leaf);
      continue;
    }
    groups.push_back({std::move(parent), std::move(key), {&leaf}});
  }
  ShellDetector shell(rules, local, out);
  for (size_t i = 0; i < groups.size();) {
    if (groups[i].key == "image") {
      ++i;
      continue;
    }
    // The run of command keys of one object, in the order the program sees them.
    size_t end = i;
    while (end < groups.size() && groups[end].key != "image" &&
           groups[end].parent == groups[i].parent)
      ++end;
    std::vector<const Group*> run;
    for (const char* k : {"entrypoint", "command", "args"})
      for (size_t j = i; j < end; ++j)
        if (groups[j].key == k) run.push_back(&groups[j]);
    for (size_t j = i; j < end; ++j)
      if (std::find(run.begin(), run.end(), &groups[j]) == run.end()) run.push_back(&groups[j]);
    const ConfigLeaf* image = nullptr;
    for (size_t d = 1; d <= groups.size() && !image; ++d) {
      for (size_t j : {i >= d ? i - d : groups.size(), end - 1 + d}) {
        if (j < groups.size() && groups[j].key == "image" && groups[j].parent == groups[i].parent) {
          image = groups[j].leaves[0];
          break;
        }
      }
    }
    const std::vector<std::string>* program = image ? rules.ImageWords(image->value) : nullptr;
    ShellCommand cmd;
    cmd.line = run[0]->leaves[0]->line;
    bool script = run.size() == 1 && run[0]->leaves.size() == 1;
    std::string first = run[0]->leaves[0]->value;
    bool flags_only = !first.empty() && first[0] == '-';
    if (flags_only && program)
      for (const std::string& w : *program) cmd.words.push_back(Word(w));
    if (script) {
      // `command: vllm serve org/x --port 8000`: a shell line.
      std::string line;
      for (const ShellWord& w : cmd.words) line += w.Literal() + " ";
      shell.Script(line + first, cmd.line);
    } else {
      for (const Group* g : run)
        for (const ConfigLeaf* l : g->leaves) cmd.words.push_back(Word(l->value));
      shell.Command(cmd);
    }
    i = end;
  }
}

}  // namespace

void DetectConfig(const ConfigDoc& doc, const Rules& rules, const LocalCheck& local,
                  FileFindings& out) {
  Target hub;
  hub.provider = "huggingface";
  hub.form = IdForm::kHub;
  for (const ConfigLeaf& leaf : doc.leaves) {
    std::string_view name, value;
    if (SplitAssignment(leaf.value, &name, &value)) {  // environment: [MODEL_ID=org/x]
      Possible p;
      if (Templated(value)) {
        p.dynamic = true;
      } else {
        p.literals.emplace_back(value);
      }
      DetectAssignment(name, p, leaf.line, leaf.value, rules, local, out);
      continue;
    }
    if (leaf.path.empty()) continue;
    const std::string& key = leaf.path.back();
    if (EnvStyle(key)) {
      Possible p;
      if (Templated(leaf.value)) {
        p.dynamic = true;
      } else {
        p.literals.push_back(leaf.value);
      }
      DetectAssignment(key, p, leaf.line, key + ": " + leaf.value, rules, local, out);
      continue;
    }
    std::vector<std::string> lower;
    lower.reserve(leaf.path.size());
    for (const auto& k : leaf.path) lower.push_back(LowerAscii(k));
    if (!rules.IsConfigKey(lower)) continue;
    if (Templated(leaf.value)) {
      DynamicFound d;
      d.line = leaf.line;
      d.text = OneLine(key + ": " + leaf.value, 160);
      d.via = key;
      out.dynamic.push_back(std::move(d));
      continue;
    }
    IdResult r = ParseId(leaf.value, hub, rules);
    if (r.status != IdResult::Status::kId) continue;
    if (local && local(r.id)) continue;
    Found f;
    f.provider = hub.provider;
    f.id = r.id;
    f.revision = r.revision;
    f.line = leaf.line;
    f.via = key;
    out.models.push_back(std::move(f));
  }
  DetectContainerCommands(doc, rules, local, out);
  if (doc.limit && out.limit.empty()) out.limit = "limit.inventory-config-depth";
}

}  // namespace mv::inventory
