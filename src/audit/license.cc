#include "audit/license.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>

#include "core/embedded.h"
#include "core/text.h"
#include "libs/toml.h"

namespace mv::audit {

std::string_view EmbeddedLicenses();  // generated from data/licenses.toml

namespace {

// Lower-cased, without the spaces a card may carry.
std::string Normalized(std::string_view s) {
  std::string out = LowerAscii(s);
  auto b = out.find_first_not_of(" \t");
  auto e = out.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : out.substr(b, e - b + 1);
}

std::string Where(const toml::node& n, const std::string& name) {
  return fmt::format("{}:{}", name, n.source().begin.line);
}

const char* Describe(LicenseRisk r) {
  switch (r) {
    case LicenseRisk::kPublicDomain: return "public domain";
    case LicenseRisk::kPermissive: return "permissive";
    case LicenseRisk::kWeakCopyleft: return "weak copyleft";
    case LicenseRisk::kStrongCopyleft: return "strong copyleft";
    case LicenseRisk::kUseRestricted: return "use-restricted";
    case LicenseRisk::kNonCommercial: return "non-commercial";
    case LicenseRisk::kUnknown: return "unknown: needs review";
  }
  return "unknown";
}

}  // namespace

const char* LicenseRiskName(LicenseRisk r) {
  return EnumText(r);
}

std::optional<LicenseRisk> ParseLicenseRisk(std::string_view s) {
  return EnumFromText<LicenseRisk>(s);
}

Result<LicenseTable> LicenseTable::Parse(std::string_view text, const std::string& name) {
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    return MakeError(Errc::kMalformed, fmt::format("{}:{}: {}", name, e.source().begin.line,
                                                   std::string(e.description())));
  }
  LicenseTable t;
  std::map<std::string, int64_t> lines;  // id -> line, for duplicate messages
  for (const auto& [key, node] : root) {
    if (key == "classes") {
      const toml::table* classes = node.as_table();
      if (!classes)
        return MakeError(Errc::kMalformed, Where(node, name) + ": `classes` must be a table");
      for (const auto& [cls, body] : *classes) {
        auto risk = ParseLicenseRisk(cls.str());
        if (!risk)
          return MakeError(Errc::kMalformed,
                           fmt::format("{}: unknown class `{}`", Where(body, name), cls.str()));
        const toml::table* tb = body.as_table();
        if (!tb) return MakeError(Errc::kMalformed, Where(body, name) + ": class is not a table");
        for (const auto& [k, v] : *tb) {
          if (k != "ids")
            return MakeError(Errc::kMalformed,
                             fmt::format("{}: unknown key `{}`", Where(v, name), k.str()));
          const toml::array* ids = v.as_array();
          if (!ids) return MakeError(Errc::kMalformed, Where(v, name) + ": `ids` must be a list");
          for (const toml::node& id : *ids) {
            auto s = id.value<std::string>();
            if (!s || s->empty())
              return MakeError(Errc::kMalformed, Where(id, name) + ": id must be a string");
            std::string low = Normalized(*s);
            int64_t line = static_cast<int64_t>(id.source().begin.line);
            if (!t.ids_.emplace(low, *risk).second)
              return MakeError(Errc::kMalformed,
                               fmt::format("{}: `{}` is listed twice (also at line {})",
                                           Where(id, name), low, lines[low]));
            lines[low] = line;
          }
        }
      }
    } else if (key == "patterns") {
      const toml::array* pats = node.as_array();
      if (!pats)
        return MakeError(Errc::kMalformed, Where(node, name) + ": `patterns` must be [[patterns]]");
      for (const toml::node& p : *pats) {
        const toml::table* pt = p.as_table();
        if (!pt) return MakeError(Errc::kMalformed, Where(p, name) + ": pattern is not a table");
        std::string contains;
        std::optional<LicenseRisk> risk;
        for (const auto& [k, v] : *pt) {
          auto s = v.value<std::string>();
          if (k == "contains" && s && !s->empty()) {
            contains = Normalized(*s);
          } else if (k == "class" && s) {
            risk = ParseLicenseRisk(*s);
            if (!risk)
              return MakeError(Errc::kMalformed,
                               fmt::format("{}: unknown class `{}`", Where(v, name), *s));
          } else {
            return MakeError(Errc::kMalformed, fmt::format("{}: unknown or invalid key `{}`",
                                                           Where(v, name), k.str()));
          }
        }
        if (contains.empty() || !risk)
          return MakeError(Errc::kMalformed,
                           Where(p, name) + ": a pattern needs `contains` and `class`");
        t.patterns_.emplace_back(contains, *risk);
      }
    } else {
      return MakeError(Errc::kMalformed,
                       fmt::format("{}: unknown key `{}`", Where(node, name), key.str()));
    }
  }
  if (t.ids_.empty()) return MakeError(Errc::kMalformed, name + ": no license ids");
  return t;
}

const LicenseTable& LicenseTable::Embedded() {
  static const LicenseTable table =
      EmbeddedOrDie(Parse(EmbeddedLicenses(), "data/licenses.toml"), "data/licenses.toml");
  return table;
}

std::optional<LicenseRisk> LicenseTable::Lookup(std::string_view id) const {
  std::string low = Normalized(id);
  if (low.starts_with("license:")) low = low.substr(8);
  if (low.empty()) return std::nullopt;
  if (auto it = ids_.find(low); it != ids_.end()) return it->second;
  for (const auto& [needle, risk] : patterns_)
    if (low.find(needle) != std::string::npos) return risk;
  return std::nullopt;
}

LicenseInfo LicenseTable::Classify(const std::vector<std::string>& ids,
                                   const std::string& license_name) const {
  LicenseInfo info;
  std::vector<std::string> seen;
  std::vector<std::string> parts;
  std::vector<std::string> whys;
  bool any = false;
  LicenseRisk worst = LicenseRisk::kPublicDomain;
  auto take = [&](LicenseRisk r, std::string why) {
    if (!any || r > worst) worst = r;
    any = true;
    whys.push_back(std::move(why));
  };
  std::string name = Normalized(license_name);
  for (const std::string& raw : ids) {
    std::string id = Normalized(raw);
    if (id.starts_with("license:")) id = id.substr(8);
    if (id.empty() || std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
    seen.push_back(id);
    if ((id == "other" || id == "unknown") && !name.empty()) {
      parts.push_back(id + ":" + name);
      auto r = Lookup(name);
      take(r.value_or(LicenseRisk::kUnknown),
           r ? fmt::format("{} is {}", name, Describe(*r))
             : fmt::format("custom license `{}`: needs review", name));
      continue;
    }
    parts.push_back(id);
    auto r = Lookup(id);
    take(r.value_or(LicenseRisk::kUnknown),
         r ? fmt::format("{} is {}", id, Describe(*r))
           : fmt::format("`{}` is not a known license id: needs review", id));
  }
  if (!any && !name.empty()) {
    parts.push_back("other:" + name);
    auto r = Lookup(name);
    take(r.value_or(LicenseRisk::kUnknown),
         r ? fmt::format("{} is {}", name, Describe(*r))
           : fmt::format("custom license `{}`: needs review", name));
  }
  if (!any) {
    info.risk = LicenseRisk::kUnknown;
    info.why = "no license declared: needs review";
    return info;
  }
  info.risk = worst;
  info.declared = fmt::format("{}", fmt::join(parts, ","));
  info.why = fmt::format("{}", fmt::join(whys, "; "));
  return info;
}

}  // namespace mv::audit
