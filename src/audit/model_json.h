// The JSON of the models table and of a model's page: one writer for the HTTP API
// (docs/openapi.yaml) and `modelvet status --format json` (docs/hub.md), so the two documents
// carry the same fields with the same texts.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "audit/model_view.h"

namespace mv::audit {

using Json = nlohmann::ordered_json;

// How a document writes a value that is not there (never audited, not analysed, not classified,
// not flagged, the first status): the HTTP API writes null (and "none" for the hub flag);
// `status --format json` writes "" (its form since before the API).
enum class Absent : uint8_t { kNull, kEmptyText };

// One row of the models table.
Json SummaryJson(const ModelSummary& m, Absent absent);
// The row plus files (with findings), history, reviews, the last scan and reproductions.
Json DetailJson(const ModelDetail& d, Absent absent);
Json ReviewJson(const ReviewView& r);

}  // namespace mv::audit
