// Renderings of an inventory: the text table, the stable JSON document (docs/inventory.md),
// a CycloneDX 1.6 ML-BOM and SARIF 2.1.0 results at the lines that load suspected or
// confirmed-unsafe models. Every string from the scanned tree goes through EscapeText
// (core/text.h) in text output and report::JsonText in the JSON-based ones (bytes that are not
// UTF-8 as \udcXX, so paths round-trip exactly).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "inventory/inventory.h"

namespace mv::inventory {

std::string ToText(const Inventory& inv);
nlohmann::ordered_json ToJson(const Inventory& inv);

struct BomInfo {
  std::string name;       // the application (project name, else the root directory's name)
  std::string serial;     // "urn:uuid:…"; RandomSerial() when empty
  std::string timestamp;  // ISO-8601 UTC
};
nlohmann::ordered_json ToCycloneDx(const Inventory& inv, const BomInfo& info);
std::string RandomSerial();  // urn:uuid: with a random (v4) UUID

nlohmann::ordered_json ToSarif(const Inventory& inv);

// JSON text (report::JsonText, two-space indent) with a final newline.
std::string DumpJson(const nlohmann::ordered_json& j);

// "huggingface ORG/NAME@REV" style purl for hub and GitHub models; "" for services.
std::string Purl(const ModelUse& m);

}  // namespace mv::inventory
