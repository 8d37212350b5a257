// Model references in shell scripts, Dockerfiles and notebook `!` lines: [[command]] rules of
// data/inventory.toml (huggingface-cli download ORG/NAME, vllm serve, ollama pull, git clone /
// wget of hub URLs, …) and [[env]] assignments (ENV/ARG, VAR=…, export VAR=…). Variables set
// earlier in the same file are substituted ($MODEL, ${MODEL:-org/default}); anything else in an
// id is known only at run time (a dynamic reference).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "inventory/env_detect.h"
#include "inventory/findings.h"
#include "inventory/rules.h"
#include "inventory/shell.h"

namespace mv::inventory {

class ShellDetector {
 public:
  ShellDetector(const Rules& rules, const LocalCheck& local, FileFindings& out)
      : rules_(rules), local_(local), out_(out) {}

  void Script(std::string_view script, uint32_t first_line = 1);
  void Dockerfile(std::string_view text);
  void Command(const ShellCommand& cmd);

 private:
  Possible Expand(const ShellWord& w) const;
  void Assign(std::string_view name, const ShellWord& value, uint32_t line, bool set_var,
              std::string_view excerpt);
  static bool AsAssignment(const ShellWord& w, std::string* name, ShellWord* value);
  std::string Excerpt(const ShellCommand& cmd) const;

  const Rules& rules_;
  const LocalCheck& local_;
  FileFindings& out_;
  std::map<std::string, Possible, std::less<>> vars_;
};

}  // namespace mv::inventory
