// The inventory as a table for people. Everything that comes from the tree is escaped.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "core/text.h"
#include "inventory/render.h"

namespace mv::inventory {

namespace {

std::string Used(const std::vector<Reference>& refs) {
  if (refs.empty()) return "-";
  std::string s = fmt::format("{}:{}", EscapeText(refs[0].path), refs[0].line);
  if (refs.size() > 1) s += fmt::format(" (+{} more)", refs.size() - 1);
  return s;
}

std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(rows[0].size(), 0);
  // Widths by code points, so escaped multi-byte names still line up.
  auto len = [](const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s)
      if ((c & 0xc0) != 0x80) ++n;
    return n;
  };
  for (const auto& r : rows)
    for (size_t i = 0; i + 1 < r.size(); ++i) width[i] = std::max(width[i], len(r[i]));
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - len(r[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace

std::string ToText(const Inventory& inv) {
  bool projects = std::any_of(inv.models.begin(), inv.models.end(),
                              [](const ModelUse& m) { return m.projects > 0; });
  std::vector<std::vector<std::string>> rows = {
      {"MODEL", "PROVIDER", "CATEGORY", "STATUS", "LICENSE", "USED AT"}};
  if (projects) rows[0].insert(rows[0].end() - 1, "PROJECTS");
  for (const ModelUse& m : inv.models) {
    std::string name = EscapeText(m.id);
    if (!m.revision.empty()) name += "@" + EscapeText(m.revision);
    if (m.remote_code) name += " [remote code]";
    std::string status = m.status ? EnumText(*m.status) : "-";
    if (m.status && m.missed_by_hub) status += " (missed-by-hub)";
    if (!m.status && !m.audit_error.empty()) status = "not audited";
    std::string license = "-";
    if (m.license) {
      license = EscapeText(m.license->empty() ? "none" : *m.license);
      if (m.license_risk && !m.license_risk->empty()) license += " (" + *m.license_risk + ")";
    }
    rows.push_back(
        {name, m.provider, CategoryName(m.category), status, license, Used(m.references)});
    if (projects) rows.back().insert(rows.back().end() - 1, std::to_string(m.projects));
  }
  for (const Artifact& a : inv.artifacts) {
    rows.push_back({EscapeText(a.path), "artifact", "self-hosted", VerdictName(a.verdict), "-",
                    "(committed file)"});
    if (projects) rows.back().insert(rows.back().end() - 1, "-");
  }
  std::string out;
  if (rows.size() > 1) {
    out = Table(rows);
  } else {
    out = fmt::format("No models found in {}\n", EscapeText(inv.root));
  }
  if (!inv.dynamic_references.empty()) {
    std::vector<std::string> where;
    for (const auto& d : inv.dynamic_references)
      where.push_back(fmt::format("{}:{}", EscapeText(d.path), d.line));
    size_t n = where.size();
    out += fmt::format("{} dynamic reference{} (id built at run time): {}\n", n, n == 1 ? "" : "s",
                       fmt::join(where, ", "));
  }
  for (const ModelUse& m : inv.models)
    if (!m.audit_error.empty())
      out += fmt::format("not audited: {}: {}\n", EscapeText(m.id), EscapeText(m.audit_error));
  for (const Incomplete& i : inv.incomplete)
    out += fmt::format("not fully read: {}: {}\n", EscapeText(i.path), EscapeText(i.reason));
  return out;
}

}  // namespace mv::inventory
