#include "reproduce/harness_events.h"

namespace mv::reproduce {

std::string HarnessEvent::Str(const char* key) const {
  auto it = fields.find(key);
  return it != fields.end() && it->is_string() ? it->get<std::string>() : std::string();
}

HarnessReport ParseHarnessReport(std::string_view text) {
  HarnessReport out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("ev") || !j["ev"].is_string()) {
      ++out.unreadable_lines;
      continue;
    }
    HarnessEvent e;
    e.ev = j["ev"].get<std::string>();
    if (j.contains("t") && j["t"].is_number()) e.t = j["t"].get<double>();
    if (j.contains("pid") && j["pid"].is_number_integer()) e.pid = j["pid"].get<int>();
    e.fields = std::move(j);
    out.events.push_back(std::move(e));
  }
  return out;
}

}  // namespace mv::reproduce
