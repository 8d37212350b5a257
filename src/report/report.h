// Renders scan reports: JSON (the stable interface of docs/verdicts.md), SARIF 2.1.0, and text.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/scan_result.h"

namespace mv::report {

nlohmann::ordered_json FileToJson(const FileReport& f);
nlohmann::ordered_json ToJson(const ScanReport& r);
nlohmann::ordered_json ToSarif(const ScanReport& r);
// A relative path as a SARIF artifactLocation uri: every byte but [A-Za-z0-9._~/-] is %XX.
std::string SarifUri(std::string_view path);
// Human text; `color` adds ANSI colours (the CLI turns it on for terminals). WriteText hands
// the text to `sink` in order, in pieces of some tens of KiB (one file's lines are never split);
// ToText returns it whole.
using TextSink = std::function<void(std::string_view)>;
void WriteText(const ScanReport& r, bool color, const TextSink& sink);
std::string ToText(const ScanReport& r, bool color);
// JsonText(ToJson(r), 2) + "\n" and JsonText(ToSarif(r), 2) + "\n", byte for byte, handed to
// `sink` in pieces: only one file's part of the document is built at a time (stream.cc).
void WriteJson(const ScanReport& r, const TextSink& sink);
void WriteSarif(const ScanReport& r, const TextSink& sink);

}  // namespace mv::report
