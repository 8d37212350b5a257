// The one place where the store's strings become the typed views of model_view.h (and typed
// queries become store queries). Every value the store's CHECK constraints allow has a mapping;
// anything else is an Errc::kMalformed error naming the model and the column.
#pragma once

#include "audit/model_view.h"
#include "core/result.h"
#include "store/store.h"

namespace mv::audit {

std::optional<Verdict> ParseVerdictName(std::string_view s);    // "safe" … "error"
std::optional<Severity> ParseSeverityName(std::string_view s);  // "info" … "critical"

store::ModelQuery ToStoreQuery(const ModelListQuery& query);
Result<ModelSummary> FromStore(const store::ModelRow& row);
// `report_json` (our FileReport) and `hub_imports_json` are parsed here; a file whose report
// cannot be parsed keeps its verdict and summary and gets an `error` saying so.
Result<FileView> FromStore(const store::FileRecord& file);
Result<ReviewView> FromStore(const store::Review& review);
Result<HistoryEntry> FromStore(const store::StatusChange& change);
ScanView FromStore(const store::ScanRecord& scan);

}  // namespace mv::audit
