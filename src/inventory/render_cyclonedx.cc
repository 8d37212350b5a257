// CycloneDX 1.6 ML-BOM: one machine-learning-model component per model (purl
// pkg:huggingface/ORG/NAME[@REVISION] or pkg:github/OWNER/REPO[@REF]) and per committed model
// file, hashes where the audit knows them, licenses, a minimal modelCard, the status as a
// property, the source lines as evidence occurrences; confirmed-unsafe models and unsafe files
// also as vulnerabilities. Validated against the official schema in the tests.
#include <fmt/format.h>

#include <random>

#include "core/version.h"
#include "inventory/render.h"

namespace mv::inventory {

using json = nlohmann::ordered_json;

std::string RandomSerial() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  uint64_t a = gen(), b = gen();
  a = (a & 0xffffffffffff0fffull) | 0x0000000000004000ull;  // version 4
  b = (b & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // variant 10
  return fmt::format("urn:uuid:{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff,
                     a & 0xffff, b >> 48, b & 0xffffffffffffull);
}

namespace {

// purl components: letters, digits and ".-_~" stay, everything else is percent-encoded.
std::string PurlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '-' || c == '_' || c == '~';
    out += keep ? std::string(1, static_cast<char>(c)) : fmt::format("%{:02X}", c);
  }
  return out;
}

std::string Version(const ModelUse& m) {
  if (!m.revision.empty()) return m.revision;
  return m.sha;
}

std::string Ref(const ModelUse& m) {
  std::string r = "model:" + m.provider + "/" + m.id;
  if (!m.revision.empty()) r += "@" + m.revision;
  return r;
}

json Prop(const std::string& name, const std::string& value) {
  return {{"name", name}, {"value", value}};
}

}  // namespace

std::string Purl(const ModelUse& m) {
  if (m.provider != "huggingface" && m.provider != "github") return "";
  std::string out = "pkg:" + m.provider + "/";
  size_t slash = m.id.find('/');
  if (slash != std::string::npos)
    out += PurlEncode(m.id.substr(0, slash)) + "/" + PurlEncode(m.id.substr(slash + 1));
  else
    out += PurlEncode(m.id);
  std::string v = Version(m);
  if (!v.empty()) {
    out.push_back('@');  // appended forward: GCC 12 -O3 -Wrestrict misreads "@" + string
    out += PurlEncode(v);
  }
  return out;
}

json ToCycloneDx(const Inventory& inv, const BomInfo& info) {
  json components = json::array();
  json vulns = json::array();
  json depends = json::array();
  for (const ModelUse& m : inv.models) {
    json c;
    c["type"] = "machine-learning-model";
    c["bom-ref"] = Ref(m);
    size_t slash = m.id.find('/');
    if (slash != std::string::npos && m.provider != "aws-bedrock") {
      c["group"] = m.id.substr(0, slash);
      c["name"] = m.id.substr(slash + 1);
    } else {
      c["name"] = m.id;
    }
    if (std::string v = Version(m); !v.empty()) c["version"] = v;
    c["supplier"] = {{"name", m.provider}};
    if (std::string p = Purl(m); !p.empty()) c["purl"] = p;
    if (!m.sha256.empty()) {
      json hashes = json::array();
      for (const auto& h : m.sha256) hashes.push_back({{"alg", "SHA-256"}, {"content", h}});
      c["hashes"] = std::move(hashes);
    }
    if (m.license && !m.license->empty()) {
      json lic = json::array();
      size_t b = 0;
      while (b <= m.license->size()) {
        size_t e = m.license->find(',', b);
        std::string id = m.license->substr(b, e == std::string::npos ? std::string::npos : e - b);
        if (!id.empty()) lic.push_back({{"license", {{"name", id}}}});
        if (e == std::string::npos) break;
        b = e + 1;
      }
      if (!lic.empty()) c["licenses"] = std::move(lic);
    }
    std::string status = m.status ? EnumText(*m.status) : "not-audited";
    json card_props = json::array({Prop("modelvet:status", status)});
    if (!m.verification.empty())
      card_props.push_back(Prop("modelvet:verification", m.verification));
    c["modelCard"] = {{"properties", std::move(card_props)}};
    json props = json::array({Prop("modelvet:provider", m.provider),
                              Prop("modelvet:category", CategoryName(m.category)),
                              Prop("modelvet:status", status),
                              Prop("modelvet:remote-code", m.remote_code ? "true" : "false")});
    if (m.license_risk) props.push_back(Prop("modelvet:license-risk", *m.license_risk));
    if (m.missed_by_hub) props.push_back(Prop("modelvet:missed-by-hub", "true"));
    c["properties"] = std::move(props);
    json occ = json::array();
    for (const Reference& r : m.references)
      occ.push_back({{"location", r.path}, {"line", r.line}, {"additionalContext", r.via}});
    c["evidence"] = {{"occurrences", std::move(occ)}};
    depends.push_back(Ref(m));
    if (m.status == store::ModelStatus::kConfirmedUnsafe) {
      vulns.push_back(
          {{"bom-ref", "vulnerability:" + Ref(m)},
           {"id", "modelvet:confirmed-unsafe:" + m.provider + "/" + m.id},
           {"source", {{"name", "modelvet"}}},
           {"ratings", json::array({{{"source", {{"name", "modelvet"}}},
                                     {"severity", "critical"},
                                     {"method", "other"}}})},
           {"description",
            m.verification.empty() ? "confirmed unsafe by a modelvet audit" : m.verification},
           {"affects", json::array({{{"ref", Ref(m)}}})}});
    }
    components.push_back(std::move(c));
  }
  for (const Artifact& a : inv.artifacts) {
    std::string ref = "artifact:" + a.path;
    json c = {{"type", "machine-learning-model"}, {"bom-ref", ref}, {"name", a.path}};
    if (a.sha256) c["hashes"] = json::array({{{"alg", "SHA-256"}, {"content", *a.sha256}}});
    c["modelCard"] = {
        {"properties", json::array({Prop("modelvet:verdict", VerdictName(a.verdict))})}};
    c["properties"] = json::array(
        {Prop("modelvet:origin", "artifact"), Prop("modelvet:format", a.format),
         Prop("modelvet:verdict", VerdictName(a.verdict)), Prop("modelvet:summary", a.summary)});
    c["evidence"] = {{"occurrences", json::array({{{"location", a.path}}})}};
    depends.push_back(ref);
    if (a.verdict == Verdict::kUnsafe) {
      vulns.push_back({{"bom-ref", "vulnerability:" + ref},
                       {"id", "modelvet:unsafe-artifact:" + a.path},
                       {"source", {{"name", "modelvet"}}},
                       {"ratings", json::array({{{"source", {{"name", "modelvet"}}},
                                                 {"severity", "critical"},
                                                 {"method", "other"}}})},
                       {"description", a.summary},
                       {"affects", json::array({{{"ref", ref}}})}});
    }
    components.push_back(std::move(c));
  }
  std::string root_ref = "application:" + (info.name.empty() ? "application" : info.name);
  json bom;
  bom["$schema"] = "http://cyclonedx.org/schema/bom-1.6.schema.json";
  bom["bomFormat"] = "CycloneDX";
  bom["specVersion"] = "1.6";
  bom["serialNumber"] = info.serial.empty() ? RandomSerial() : info.serial;
  bom["version"] = 1;
  json meta;
  if (!info.timestamp.empty()) meta["timestamp"] = info.timestamp;
  meta["tools"] = {
      {"components",
       json::array({{{"type", "application"}, {"name", "modelvet"}, {"version", kVersion}}})}};
  meta["component"] = {{"type", "application"},
                       {"bom-ref", root_ref},
                       {"name", info.name.empty() ? "application" : info.name}};
  bom["metadata"] = std::move(meta);
  bom["components"] = std::move(components);
  bom["dependencies"] = json::array({{{"ref", root_ref}, {"dependsOn", std::move(depends)}}});
  if (!vulns.empty()) bom["vulnerabilities"] = std::move(vulns);
  if (!inv.dynamic_references.empty()) {
    json props = json::array();
    for (const auto& d : inv.dynamic_references)
      props.push_back(
          Prop("modelvet:dynamic-reference", fmt::format("{}:{}: {}", d.path, d.line, d.text)));
    bom["properties"] = std::move(props);
  }
  return bom;
}

}  // namespace mv::inventory
