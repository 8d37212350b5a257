// The one place where the store's records become the typed views of model_view.h (and typed
// queries become store queries). The records' enums arrive typed (the stores' own mapping,
// store/rows.h, rejects unknown text); the columns still held as text (license risk, hub flag)
// are mapped here, and anything unknown is an Errc::kMalformed error naming the model and column.
#pragma once

#include "audit/model_view.h"
#include "core/result.h"
#include "store/store.h"

namespace mv::audit {

store::ModelQuery ToStoreQuery(const ModelListQuery& query);
Result<ModelSummary> FromStore(const store::ModelRow& row);
// `report_json` (our FileReport) and `hub_imports_json` are parsed here; a file whose report
// cannot be parsed keeps its verdict and summary and gets an `error` saying so.
FileView FromStore(const store::FileRecord& file);
ReviewView FromStore(const store::Review& review);
HistoryEntry FromStore(const store::StatusChange& change);
ScanView FromStore(const store::ScanRecord& scan);

}  // namespace mv::audit
