// The reproduce report in its two forms. JSON (a stable interface, extend never break):
//   {"path", "loader", "sandbox": {limits…, "limit_hit", "error"}, "outcome",
//    "observed": [{"kind", "detail", "when"}], "load_error": "…"|null, "notes": […]}
// Text: one plain line per observation, then the outcome. Strings the file controls are
// escaped (core/text.h) in the text; the JSON holds the path's exact bytes, to be written with
// report::JsonText.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "reproduce/observation.h"

namespace mv::reproduce {

nlohmann::ordered_json ToJson(const RunReport& r);
// JSON array of the observations: [{"kind","detail","when"}].
nlohmann::ordered_json ObservedJson(const std::vector<Observation>& observed);
// One plain sentence for a summary: "loading it ran `sh -c id`".
std::string Sentence(const Observation& o);
std::string ToText(const RunReport& r);

}  // namespace mv::reproduce
