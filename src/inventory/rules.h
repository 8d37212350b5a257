// The detection knowledge of `modelvet inventory` (data/inventory.toml, embedded at build
// time): which calls, variables, commands and config keys carry model ids, for which provider,
// and which files are read as what. Loaded strictly: unknown keys, wrong types and unknown
// values are errors naming file:line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/result.h"
#include "core/string_hash.h"

namespace mv::inventory {

enum class RuleKind : uint8_t { kModel, kDataset, kIgnore };
enum class Category : uint8_t { kSelfHosted, kAiService };
const char* CategoryName(Category c);  // "self-hosted", "ai-service"

// How a literal is read as an id: ORG/NAME on the Hugging Face hub (also hub URLs and
// canonical names), OWNER/REPO[:REF] on GitHub, or a provider's own model name.
enum class IdForm : uint8_t { kHub, kGithub, kService };

// Where an argument is: a position (operands after a command's words, or positional
// arguments of a call), keywords (call keyword arguments, JS object-literal properties) or
// flags (command-line options).
struct ArgSpec {
  int position = -1;
  std::vector<std::string> keywords;
  std::vector<std::string> flags;
};

struct SkipWhen {
  ArgSpec arg;
  std::vector<std::string> values;
};

// What a matched rule says about the ids it finds.
struct Target {
  RuleKind kind = RuleKind::kModel;
  std::string provider;
  Category category = Category::kSelfHosted;
  IdForm form = IdForm::kHub;
  std::string via;  // "" for calls: the callee's last segment
  bool require_org = false;
  std::vector<std::string> id_prefixes;
  std::vector<std::string> id_globs;
  std::string bare_name_org;
  uint32_t line = 0;  // in the rules file
};

struct CallRule {
  std::vector<std::string> callees;                // as written
  std::vector<std::vector<std::string>> patterns;  // split on '.'
  Target target;
  std::vector<ArgSpec> ids;
  std::optional<ArgSpec> revision;
  std::optional<ArgSpec> remote_code;
  bool always_remote_code = false;
  std::vector<SkipWhen> skip_when;
};

struct EnvRule {
  std::vector<std::string> names;
  Target target;
};

struct CommandRule {
  std::vector<std::string> words;
  Target target;
  std::vector<ArgSpec> ids;
  std::optional<ArgSpec> revision;
  std::vector<SkipWhen> skip_when;
  std::vector<std::string> value_flags;
};

// A container image whose own program takes the flags a container spec gives it (`command:` /
// `args:` of docker-compose services, Kubernetes containers, Helm values).
struct ImageRule {
  std::vector<std::string> images;  // globs over the image reference ("vllm/vllm-openai*")
  std::vector<std::string> words;   // the command they run ("text-generation-launcher")
};

enum class FileKind : uint8_t {
  kOther,
  kPython,
  kJavaScript,
  kNotebook,
  kJson,
  kYaml,
  kToml,
  kShell,
  kDockerfile
};
const char* FileKindName(FileKind k);

class Rules {
 public:
  static Result<Rules> Parse(std::string_view toml, const std::string& name);
  // data/inventory.toml as embedded in this build (aborts the process if it does not load:
  // the build's own tests load it, so that is a build defect, not an input).
  static const Rules& Embedded();

  // The first call rule (file order) one of `callee_paths` matches, starting after rule index
  // `after` (-1: from the first); its index in `index`.
  const CallRule* MatchCall(const std::vector<std::string>& callee_paths, int after,
                            int* index) const;
  const EnvRule* MatchEnv(std::string_view upper_name) const;
  // For the readers' Relevance: a call named so could match a rule; a module so named could
  // start a callee. Both true for everything when a rule is wild at both ends.
  bool IsCallName(std::string_view name) const;
  bool IsModuleName(std::string_view module) const;
  const std::vector<CommandRule>& commands() const { return commands_; }
  // Config keys (lower case; dotted ones match the last keys of a path).
  bool IsConfigKey(const std::vector<std::string>& lower_path) const;
  // A config key holding a command line (`command`, `args`, `entrypoint`; lowercase).
  bool IsCommandKey(std::string_view lower_key) const;
  // The program `image` runs with the flags of its spec; null when no [[image]] rule knows it.
  const std::vector<std::string>* ImageWords(std::string_view image) const;

  bool IsCanonical(std::string_view bare_name) const;
  bool HasLocalSuffix(std::string_view name) const;

  // By file name (then by `#!` interpreter when the name says nothing).
  FileKind KindOf(std::string_view file_name, std::string_view first_line) const;
  bool SkipDir(std::string_view dir_name) const;

  const std::vector<CallRule>& calls() const { return calls_; }

 private:
  std::vector<CallRule> calls_;
  // Rules indexed by a literal last segment of their patterns, else by a literal first
  // segment; only rules whose patterns are wild at both ends are tried for every call.
  std::unordered_map<std::string, std::vector<int>> by_last_;
  std::unordered_map<std::string, std::vector<int>> by_first_;
  std::vector<int> generic_;
  std::unordered_set<std::string, StringHash, std::equal_to<>> call_names_, module_names_;
  std::vector<EnvRule> env_;
  std::vector<CommandRule> commands_;
  std::vector<std::vector<std::string>> config_keys_;
  std::vector<std::string> command_keys_;
  std::vector<ImageRule> images_;
  std::vector<std::string> canonical_;  // sorted
  std::vector<std::string> local_suffixes_;
  std::vector<std::pair<FileKind, std::string>> file_globs_;
  std::vector<std::string> generated_;
  std::vector<std::pair<FileKind, std::string>> interpreters_;
  std::vector<std::string> skip_dirs_;
};

// Dotted-pattern match: segments are globs, a `**` segment spans any number of segments.
bool MatchPattern(const std::vector<std::string>& pattern, const std::vector<std::string>& path);
std::vector<std::string> SplitDots(std::string_view s);

}  // namespace mv::inventory
