// `modelvet inventory`: which models an application uses. Walks a source tree, reads every
// source it understands (Python, notebooks, JavaScript/TypeScript, YAML/JSON/TOML configs,
// Dockerfiles, shell scripts and .env files) for model references, and scans every committed
// model file (found by content, any name, any size) with the scan engine. The result is plain
// data; statuses from the audit store are added by enrich.h, rendering is in render.h.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "inventory/rules.h"
#include "scan/scanner.h"
#include "store/record_enums.h"

namespace mv::inventory {

struct Reference {
  std::string path;  // relative to the scanned root ('/' separated)
  uint32_t line = 0;
  std::string via;  // how the model is reached: from_pretrained, pipeline, MODEL_ID, …
};

// One model (provider + id + pinned revision) with every place that uses it.
struct ModelUse {
  std::string provider;  // huggingface, github, openai, anthropic, google, …
  std::string id;        // ORG/NAME, OWNER/REPO, or the service's model name
  Category category = Category::kSelfHosted;
  std::string revision;  // "" when not pinned
  bool remote_code = false;
  std::vector<Reference> references;
  // Filled in from the audit store (enrich.h); unset when unknown.
  std::optional<store::ModelStatus> status;
  bool missed_by_hub = false;
  std::string verification;
  std::optional<std::string> license;
  std::optional<std::string> license_risk;
  std::string sha;                  // commit the audit saw
  std::vector<std::string> sha256;  // content hashes of the audited files (CycloneDX hashes)
  std::string audit_error;          // why the audit run by this inventory failed
  uint32_t projects = 0;            // projects of the store using it (status --project); 0: n/a
};

struct DynamicReference {
  std::string path;
  uint32_t line = 0;
  std::string text;  // the call or assignment, on one line
  std::string via;
};

// A model file committed in the tree, with the scan engine's verdict.
struct Artifact {
  std::string path;
  std::string format;
  Verdict verdict = Verdict::kError;
  std::string summary;
  uint64_t size = 0;
  std::optional<std::string> sha256;
};

// A file (or part of one) not read, so the inventory may miss references there.
struct Incomplete {
  std::string path;
  std::string reason;  // "limit.inventory-file-size: …", "could not be read: …"
};

struct Inventory {
  std::string root;
  std::vector<ModelUse> models;  // sorted by provider, id, revision
  std::vector<DynamicReference> dynamic_references;
  std::vector<Artifact> artifacts;
  std::vector<Incomplete> incomplete;
  uint64_t files = 0;       // files seen
  uint64_t files_read = 0;  // source files read for references
  uint64_t bytes_read = 0;  // bytes delivered from disk (sources whole, model files as scanned)
};

struct Options {
  const Rules* rules = nullptr;  // default: Rules::Embedded()
  scan::Options scan;            // kb required (committed model files are scanned)
  std::function<void(std::string_view)> progress;  // optional, one call per file
};

// Inventories `root` (a directory, or a single file). Errors: root missing or unreadable.
Result<Inventory> TakeInventory(const std::string& root, const Options& options);

// Per-file entry point (tests, fuzzing): the references of one source text of the given kind.
// `path` names the file in findings; `local` tells which would-be ids are paths of the tree;
// `modules` (optional) resolves names imported from other files of the tree.
class ModuleIndex;
struct SourceResult {
  std::vector<ModelUse> models;  // one reference each, unmerged
  std::vector<DynamicReference> dynamic;
  std::string incomplete;  // "" or why part of the file was not read
};
SourceResult ReadSource(FileKind kind, std::string_view text, const std::string& path,
                        const Rules& rules, const std::function<bool(std::string_view)>& local,
                        ModuleIndex* modules = nullptr);

}  // namespace mv::inventory
