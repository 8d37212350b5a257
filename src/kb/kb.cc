#include "kb/kb.h"

#include <map>

namespace mv::kb {

// Placeholder until the rule loader lands.
struct KnowledgeBase::Impl {
  pickle::Semantics semantics;
  std::vector<Rule> rules;
};

KnowledgeBase::KnowledgeBase(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KnowledgeBase::~KnowledgeBase() = default;

Result<std::shared_ptr<const KnowledgeBase>> KnowledgeBase::Load(const std::vector<std::string>&) {
  return std::shared_ptr<const KnowledgeBase>(
      std::make_shared<KnowledgeBase>(std::make_unique<Impl>()));
}

Result<std::shared_ptr<const KnowledgeBase>> KnowledgeBase::FromStrings(
    const std::vector<std::pair<std::string, std::string>>&) {
  return Load({});
}

const Rule* KnowledgeBase::Match(std::string_view) const {
  return nullptr;
}
const FeatureRule* KnowledgeBase::MatchFeature(std::string_view, std::string_view) const {
  return nullptr;
}
std::string KnowledgeBase::Canonical(std::string_view dotted) const {
  return std::string(dotted);
}
const pickle::Semantics& KnowledgeBase::semantics() const {
  return impl_->semantics;
}
size_t KnowledgeBase::rule_count() const {
  return impl_->rules.size();
}

}  // namespace mv::kb
