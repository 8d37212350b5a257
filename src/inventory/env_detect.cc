#include "inventory/env_detect.h"

#include "inventory/model_id.h"
#include "inventory/text.h"

namespace mv::inventory {

bool SplitAssignment(std::string_view text, std::string_view* name, std::string_view* value) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  for (size_t i = 0; i < eq; ++i) {
    char c = text[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  *name = text.substr(0, eq);
  *value = text.substr(eq + 1);
  return true;
}

void DetectAssignment(std::string_view name, const Possible& value, uint32_t line,
                      std::string_view excerpt, const Rules& rules, const LocalCheck& local,
                      FileFindings& out) {
  std::string upper(name);
  for (char& c : upper)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  const EnvRule* rule = rules.MatchEnv(upper);
  if (!rule) return;
  const Target& t = rule->target;
  bool any = false;
  for (const auto& lit : value.literals) {
    IdResult r = ParseId(lit, t, rules);
    if (r.status != IdResult::Status::kId) continue;
    if (t.form != IdForm::kService && local && local(r.id)) continue;
    Found f;
    f.provider = t.provider;
    f.id = r.id;
    f.category = t.category;
    f.revision = r.revision;
    f.line = line;
    f.via = std::string(name);
    out.models.push_back(std::move(f));
    any = true;
  }
  // Only when nothing literal is known: `ENV MODEL=${BASE}` with BASE unset here.
  if (!any && value.dynamic && value.literals.empty()) {
    DynamicFound d;
    d.line = line;
    d.text = OneLine(excerpt, 160);
    d.via = std::string(name);
    out.dynamic.push_back(std::move(d));
  }
}

}  // namespace mv::inventory
