// KnowledgeBase::Load: the rules compiled into the binary (the precompiled knowledge base,
// packed.h), or, when the user adds rule files or trusted modules, the embedded rule files
// parsed with them so each user rule is checked against and refines the built-in ones exactly
// as the loader always did.
#include "kb/impl.h"

namespace mv::kb {

// Generated at build time (src/kb/CMakeLists.txt) by the rule compiler (compile_rules.cc).
std::string_view PrecompiledRules();

Result<std::shared_ptr<const KnowledgeBase>> KnowledgeBase::Load(
    const std::vector<std::string>& extra, const std::vector<std::string>& trusted_modules) {
  if (extra.empty() && trusted_modules.empty()) return FromPacked(PrecompiledRules());
  return LoadToml(EmbeddedRules(), extra, trusted_modules);
}

}  // namespace mv::kb
