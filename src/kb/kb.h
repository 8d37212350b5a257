// The knowledge base: Python callables and format features with a stance (dangerous / benign),
// a category, a severity and why — from TOML rule files (rules/*.toml, loaded and precompiled
// at build time: kb/packed.h; more with --rules). Loading is strict: unknown keys are errors
// with file:line.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/facts.h"
#include "core/result.h"
#include "pickle/semantics.h"

namespace mv::kb {

// kDangerous: reaching it makes a file unsafe (severity >= medium) or needs-review (low/info).
// kBenign: known harmless; a non-empty `summary` on a benign rule is the note that explains the
// clearing of something naive scanners flag ("functools.partial wraps only benign callables").
// kReview: never cleared automatically, never proof of harm (code objects, Keras lambdas).
enum class Stance : uint8_t { kDangerous, kBenign, kReview };

// What one argument of a call is, for the plain-language summary: the command a shell runs, the
// URL a browser opens, the host:port a socket connects to, the path written … kNone: the
// summary shows no argument (only text values are ever shown as one).
enum class Role : uint8_t {
  kNone,
  kCommand,  // a shell command line (str) or argv (list of str)
  kProgram,  // a program path or argv
  kCode,     // Python (or other) source text that is evaluated
  kUrl,
  kAddress,  // host:port, a (host, port) tuple or a host name
  kPath,
  kModule,  // a module, package or library name
  kKeys,    // bytes typed into a terminal
  kText,    // any other text worth showing (an environment variable, an attribute)
};

// Which argument has the role: its position in the call and/or its keyword name.
struct ArgRef {
  Role role = Role::kNone;
  int position = -1;    // -1: not passed by position
  std::string keyword;  // "": not passed by keyword
};

// How bad the action is, for choosing the call a summary headlines (lower is worse):
// running code or programs, then the network, then writing/deleting files, then reading.
enum class Effect : uint8_t { kExecute, kNetwork, kWrite, kRead, kOther };

// The action of a callable, in plain language: `phrase` is what it does ("runs a shell
// command"), `arg` which argument says with what.
struct Action {
  std::string phrase;
  ArgRef arg;
  Effect effect = Effect::kOther;
};

// A refinement of a rule's action by the value of one argument: `fcntl.ioctl(fd, TIOCSTI, c)`
// types keystrokes, other ioctls only control a device.
struct ActionCase {
  int if_arg = 0;       // position of the argument compared
  bool is_int = false;  // compare as an integer (else as text)
  int64_t int_value = 0;
  std::string text_value;
  Action action;
};

struct Rule {
  std::string id;       // "<file>:<pattern>", stable, shown in findings
  std::string pattern;  // "os.system", "os.*" (module and every sub-module/attribute), …
  Stance stance = Stance::kDangerous;
  std::string category;  // code-execution, process, network, file-system, browser, debugger,
                         // package-install, deserialization, import-machinery, native-code, …
  Severity severity = Severity::kCritical;
  std::string why;  // for the finding message
  // Dangerous and review rules: what a call does (`phrase`, `role`/`arg`/`keyword`, `effect`
  // in the rule file; each defaults to the category's [[category]] entry), refined by the
  // value of an argument ([[dangerous.when]]). verdict/summary.cc turns it into the summary.
  Action action;
  std::vector<ActionCase> cases;
  // Benign rules: the note that explains a clearing (see Stance). Unused on other rules.
  std::string summary;
  bool import_acts = false;  // importing the module itself acts (antigravity, this)
  std::string source;        // "file.toml:line"
};

// A rule for things that are not Python callables: Observation kinds from format engines
// ("tf.op" ReadFile, "jinja.attr" __globals__, "keras.module-ref" …).
struct FeatureRule {
  std::string kind;
  std::string pattern;
  Stance stance = Stance::kDangerous;
  std::string category;
  Severity severity = Severity::kHigh;
  std::string why;
  std::string summary;
  std::string source;
};

// Defaults for the rules of one category ([[category]] in rules/categories.toml).
struct CategoryDefaults {
  std::string name;
  Action action;
};

class KnowledgeBase {
 public:
  // The embedded rules plus each extra file or directory of *.toml files.
  // trusted_modules: `--trust-module NAME` (as a `[[trust]] module = NAME` rule).
  // Without either, the precompiled knowledge base, read in place (no parsing); with them,
  // the embedded rule files and theirs through the TOML loader (load.cc).
  static Result<std::shared_ptr<const KnowledgeBase>> Load(
      const std::vector<std::string>& extra, const std::vector<std::string>& trusted_modules = {});
  // Parses rule text (one file); for tests and the fuzz target. A file named
  // benign_lib_<module>.toml is deferred as embedded ones are.
  static Result<std::shared_ptr<const KnowledgeBase>> FromStrings(
      const std::vector<std::pair<std::string, std::string>>& files);

  // The most specific rule matching a dotted name, after aliases (posix -> os,
  // __builtin__ -> builtins …) are applied; null when the name is in neither list.
  // Exact patterns beat `mod.*`; longer prefixes beat shorter ones. When the best match is a
  // benign wildcard (or nothing), the name is also checked for laundering: a dangerous
  // attribute component (`__globals__`) or a tail that is exactly a dangerous name
  // (`pathlib.os.system` -> `os.system`) wins. Cost: a few hash lookups per component;
  // callers with many names should cache by name (verdict/ does).
  const Rule* Match(std::string_view dotted) const;
  // Whether the rules name anything in top-level module `top` (after aliases: `__builtin__` is
  // builtins): an unknown name under it belongs to a library the rules know, not to the user.
  bool KnowsModule(std::string_view top) const;
  // Feature rules of `kind`: exact pattern first, else the glob (`*`, `?`) with the most
  // literal characters; ties go to the stricter stance. Null when no rule of the kind matches.
  const FeatureRule* MatchFeature(std::string_view kind, std::string_view subject) const;
  // Canonical name: aliases applied ("posix.system" -> "os.system").
  std::string Canonical(std::string_view dotted) const;
  const pickle::Semantics& semantics() const;
  // A number no other knowledge base of this process has (however short-lived, at whatever
  // address): answers remembered across calls are kept per id.
  uint64_t id() const;
  size_t rule_count() const;  // rules of the files loaded eagerly (not deferred ones)
  // Embedded `benign_lib_<module>.toml` files (generated exact names of one library) are
  // parsed on the first Match() of a name under <module>. This loads every one now and
  // returns the first error (tests check the embedded files this way).
  Status LoadAllDeferred() const;
  size_t deferred_file_count() const;
  // Every callable rule: those loaded eagerly, then those of deferred files already loaded
  // (all of them after LoadAllDeferred(), and always for the precompiled form). For tests that
  // go through the whole knowledge base.
  std::vector<const Rule*> AllRules() const;
  // The [[category]] defaults, null when the category has none.
  const CategoryDefaults* Category(std::string_view name) const;

  struct Impl;
  explicit KnowledgeBase(std::unique_ptr<Impl> impl);
  ~KnowledgeBase();
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// Rule files compiled into the binary: (file name, TOML text).
const std::vector<std::pair<std::string_view, std::string_view>>& EmbeddedRules();

}  // namespace mv::kb
