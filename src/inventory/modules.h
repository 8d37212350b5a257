// Names imported from other files of the scanned tree: `from .config import MODEL_ID`,
// `import settings` … `settings.MODEL`, `from app.constants import *`, `import { MODEL } from
// './constants'`, `require('../config').MODEL`. The module is looked up among the tree's files
// (Python: relative imports from the importer's package, absolute ones from the importer's
// directory and each directory above it; JavaScript/TypeScript: relative specifiers with the
// usual extensions and index files, and the `@/` and `~/` aliases from the root and `src/`), read
// whole (never run) and its module-level binding evaluated with the same evaluator, so an id kept
// in a constants module is as literal as one written at the call, and a client made in another
// file keeps its SDK. Modules that are not files of the tree (libraries) are never read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "inventory/evaluate.h"
#include "inventory/rules.h"

namespace mv::inventory {

class ModuleIndex {
 public:
  // `files`: the relative paths ('/'-separated) of the tree's files; `root`: where they are.
  ModuleIndex(std::filesystem::path root, const std::unordered_set<std::string>& files,
              const Rules& rules);
  ~ModuleIndex();
  ModuleIndex(const ModuleIndex&) = delete;
  ModuleIndex& operator=(const ModuleIndex&) = delete;

  // The hook for the evaluator of `importer` (a relative path of kind kPython, kNotebook or
  // kJavaScript).
  ImportHook HookFor(const std::string& importer, FileKind kind);

 private:
  struct Module;
  const std::vector<Value>* Lookup(const std::string& importer_dir, bool js,
                                   const std::string& path);
  const std::vector<Value>* ValueOf(const std::string& file, bool js, const std::string& name);
  Module* Load(const std::string& file, bool js);

  std::filesystem::path root_;
  const std::unordered_set<std::string>& files_;
  const Rules& rules_;
  std::unordered_map<std::string, std::unique_ptr<Module>> modules_;  // by relative path
  std::unordered_map<std::string, const std::vector<Value>*> lookups_;
  int active_ = 0;  // modules being evaluated (nested imports), at most kMaxInventoryResolveDepth
};

}  // namespace mv::inventory
