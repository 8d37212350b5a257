#include "report/report.h"

#include <fmt/format.h>

#include <map>

#include "core/prefault.h"
#include "core/text.h"
#include "core/version.h"

namespace mv::report {

using json = nlohmann::ordered_json;

nlohmann::ordered_json FileToJson(const FileReport& f) {
  json j;
  j["path"] = f.path;
  j["format"] = f.format;
  j["loader"] = f.loader;
  j["size"] = f.size;
  j["bytes_read"] = f.bytes_read;
  if (f.sha256) j["sha256"] = *f.sha256;
  j["verdict"] = VerdictName(f.verdict);
  j["summary"] = f.summary;
  json findings = json::array();
  for (const auto& x : f.findings) {
    findings.push_back({{"severity", SeverityName(x.severity)},
                        {"category", x.category},
                        {"rule", x.rule},
                        {"callable", x.callable},
                        {"evidence", x.evidence},
                        {"location", x.location},
                        {"message", x.message}});
  }
  j["findings"] = std::move(findings);
  if (!f.error.empty()) j["error"] = f.error;
  return j;
}

nlohmann::ordered_json ToJson(const ScanReport& r) {
  json files = json::array();
  for (const auto& f : r.files) files.push_back(FileToJson(f));
  auto counts = [](const ScanReport::Counts& c) {
    return json{{"files", c.files},
                {"unsafe", c.unsafe},
                {"needs_review", c.needs_review},
                {"safe", c.safe},
                {"error", c.error}};
  };
  json out = {{"tool", "modelvet"},
              {"version", kVersion},
              {"files", std::move(files)},
              {"summary", counts(r.Count())}};
  if (!r.repositories.empty()) {
    json repos = json::array();
    for (const auto& g : r.repositories) {
      json e = {{"name", g.name}, {"verdict", VerdictName(g.counts.Overall())}};
      e.update(counts(g.counts));
      repos.push_back(std::move(e));
    }
    out["repositories"] = std::move(repos);
  }
  return out;
}

// An artifact URI (RFC 3986 relative or absolute-path reference): every byte outside the
// unreserved set and '/' is percent-encoded, so `#`, `?`, spaces, `%` and non-UTF-8 bytes in a
// file name cannot change what the URI designates.
std::string SarifUri(std::string_view path) {
  std::string out;
  for (unsigned char c : path) {
    bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    if (keep) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

namespace {

const char* SarifLevel(Severity s) {
  switch (s) {
    case Severity::kCritical:
    case Severity::kHigh: return "error";
    case Severity::kMedium:
    case Severity::kLow: return "warning";
    case Severity::kInfo: return "note";
  }
  return "none";
}

}  // namespace

nlohmann::ordered_json ToSarif(const ScanReport& r) {
  json results = json::array();
  json rules = json::array();
  std::map<std::string, size_t> rule_index;
  for (const auto& f : r.files) {
    for (const auto& x : f.findings) {
      std::string id = x.rule.empty() ? x.category : x.rule;
      if (!rule_index.count(id)) {
        rule_index[id] = rules.size();
        rules.push_back({{"id", id},
                         {"shortDescription", {{"text", x.category}}},
                         {"properties", {{"category", x.category}}}});
      }
      results.push_back(
          {{"ruleId", id},
           {"ruleIndex", rule_index[id]},
           {"level", SarifLevel(x.severity)},
           {"message", {{"text", x.evidence.empty() ? x.message : x.evidence + ": " + x.message}}},
           {"locations",
            json::array({{{"physicalLocation", {{"artifactLocation", {{"uri", SarifUri(f.path)}}}}},
                          {"logicalLocations", json::array({{{"fullyQualifiedName", x.location},
                                                             {"kind", "member"}}})}}})},
           {"properties",
            {{"severity", SeverityName(x.severity)},
             {"callable", x.callable},
             {"verdict", VerdictName(f.verdict)}}}});
    }
  }
  json artifacts = json::array();
  for (const auto& f : r.files) {
    json a = {
        {"location", {{"uri", SarifUri(f.path)}}},
        {"length", f.size},
        {"properties",
         {{"verdict", VerdictName(f.verdict)}, {"summary", f.summary}, {"format", f.format}}}};
    if (f.sha256) a["hashes"] = {{"sha-256", *f.sha256}};
    artifacts.push_back(std::move(a));
  }
  return json{{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
              {"version", "2.1.0"},
              {"runs", json::array({{{"tool",
                                      {{"driver",
                                        {{"name", "modelvet"},
                                         {"version", kVersion},
                                         {"informationUri", "https://github.com/modelvet/modelvet"},
                                         {"rules", std::move(rules)}}}}},
                                     {"artifacts", std::move(artifacts)},
                                     {"results", std::move(results)}}})}};
}

std::string ToText(const ScanReport& r, bool color) {
  // Every string below may hold attacker bytes (file names, callable names, evidence): each is
  // escaped so none can start a line, move the cursor or recolour the terminal. Everything is
  // appended to one string (a directory of many models is one report).
  std::string out;
  // One allocation for a report of many files: the text is about the strings shown plus a few
  // dozen characters of layout per line (escapes are rare; growth handles them).
  size_t estimate = 256 + r.repositories.size() * 128;
  for (const auto& f : r.files) {
    estimate +=
        48 + f.path.size() + f.format.size() + f.loader.size() + f.summary.size() + f.error.size();
    for (const auto& x : f.findings) {
      estimate += 48 + x.category.size() + x.location.size() +
                  (x.evidence.empty() ? x.message.size() : x.evidence.size());
    }
  }
  out.reserve(estimate);
  PrefaultForWrite(out.data(), out.capacity());
  auto paint = [color, &out](const char* code, std::string_view s) {
    if (color)
      fmt::format_to(std::back_inserter(out), "\x1b[{}m{}\x1b[0m", code, s);
    else
      out += s;
  };
  auto tag = [&paint](Verdict v) {
    switch (v) {
      case Verdict::kUnsafe: return paint("1;31", "UNSAFE ");
      case Verdict::kNeedsReview: return paint("1;33", "REVIEW ");
      case Verdict::kSafe: return paint("1;32", "SAFE   ");
      case Verdict::kError: return paint("1;35", "ERROR  ");
    }
  };
  for (const auto& f : r.files) {
    tag(f.verdict);
    out += ' ';
    AppendEscapedText(out, f.path);
    if (!f.format.empty() || !f.loader.empty()) {
      out += "  (";
      AppendEscapedText(out, f.format);
      if (!f.format.empty() && !f.loader.empty()) out += ", ";
      AppendEscapedText(out, f.loader);
      out += ')';
    }
    out += '\n';
    if (!f.summary.empty()) {
      out += "  ";
      AppendEscapedText(out, f.summary);
      out += '\n';
    }
    for (const auto& x : f.findings) {
      std::string sev = SeverityName(x.severity);
      const char* code = x.severity >= Severity::kHigh  ? "31"
                         : x.severity >= Severity::kLow ? "33"
                                                        : "2";
      out += "  ";
      paint(code, sev);
      if (!color && sev.size() < 8) out.append(8 - sev.size(), ' ');  // {:<8} of the text
      out += "  ";
      AppendEscapedText(out, x.category);
      out += "  ";
      AppendEscapedText(out, x.location);
      out += "  ";
      AppendEscapedText(out, x.evidence.empty() ? x.message : x.evidence);
      out += '\n';
    }
    if (!f.error.empty()) {
      out += "  error: ";
      AppendEscapedText(out, f.error);
      out += '\n';
    }
  }
  if (!r.repositories.empty()) out += "\nRepositories:\n";
  for (const auto& g : r.repositories) {
    const auto& k = g.counts;
    tag(k.Overall());
    out += ' ';
    AppendEscapedText(out, g.name);
    fmt::format_to(std::back_inserter(out),
                   "  {} file(s): {} unsafe, {} needs review, {} safe, {} error\n", k.files,
                   k.unsafe, k.needs_review, k.safe, k.error);
  }
  auto c = r.Count();
  fmt::format_to(std::back_inserter(out),
                 "\n{} file(s): {} unsafe, {} needs review, {} safe, {} error\n", c.files, c.unsafe,
                 c.needs_review, c.safe, c.error);
  return out;
}

}  // namespace mv::report
