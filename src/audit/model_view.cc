#include "audit/model_view.h"

#include <charconv>

#include "audit/store_records.h"

namespace mv::audit {

const char* HubFlagName(HubFlag f) {
  return EnumText(f);
}

std::optional<HubFlag> ParseHubFlag(std::string_view s) {
  return EnumFromText<HubFlag>(s);
}

const char* ModelSortName(ModelSort s) {
  return EnumText(s);
}

std::optional<ModelSort> ParseModelSort(std::string_view s) {
  return EnumFromText<ModelSort>(s);
}

const char* StatusOrNotAudited(const std::optional<ModelStatus>& s) {
  return s ? StatusName(*s) : "not-audited";
}

bool ParseStatusFilter(std::string_view s, std::optional<ModelStatus>* out) {
  if (s == "not-audited") {
    out->reset();
    return true;
  }
  auto st = EnumFromText<ModelStatus>(s);
  if (st) *out = *st;
  return st.has_value();
}

std::optional<Verdict> WorstVerdict(const FileCounts& c) {
  return WorstCounted(c);
}

Location SplitLocation(std::string_view location) {
  Location out{std::string(location), std::nullopt};
  auto at = location.rfind('@');
  if (at == std::string_view::npos || at + 1 == location.size()) return out;
  uint64_t offset = 0;
  const char* first = location.data() + at + 1;
  const char* last = location.data() + location.size();
  auto [ptr, ec] = std::from_chars(first, last, offset);
  if (ec != std::errc() || ptr != last) return out;
  return Location{std::string(location.substr(0, at)), offset};
}

Result<ModelList> ListModels(store::Store& store, const ModelListQuery& query) {
  MV_ASSIGN_OR_RETURN(store::ModelPage page, store.QueryModels(ToStoreQuery(query)));
  ModelList out;
  out.total = page.total;
  out.models.reserve(page.rows.size());
  for (const auto& row : page.rows) {
    MV_ASSIGN_OR_RETURN(ModelSummary m, FromStore(row));
    out.models.push_back(std::move(m));
  }
  return out;
}

Result<std::optional<ModelDetail>> GetModelDetail(store::Store& store, const std::string& id) {
  store::ModelQuery q;
  q.id = id;
  MV_ASSIGN_OR_RETURN(store::ModelPage page, store.QueryModels(q));
  if (page.rows.empty()) return std::optional<ModelDetail>();
  ModelDetail d;
  MV_ASSIGN_OR_RETURN(d.model, FromStore(page.rows[0]));
  MV_ASSIGN_OR_RETURN(std::vector<store::Review> reviews, store.ListReviews(id, false));
  for (const auto& r : reviews) {
    ReviewView v = FromStore(r);
    d.reviews.push_back(std::move(v));
  }
  MV_ASSIGN_OR_RETURN(std::vector<store::FileRecord> files, store.ListFiles(id));
  for (const auto& f : files) {
    FileView v = FromStore(f);
    // The last active review of the path is the one that applies (status.h).
    for (const auto& r : d.reviews)
      if (r.active && r.path == v.path) v.review = r;
    d.files.push_back(std::move(v));
  }
  MV_ASSIGN_OR_RETURN(std::vector<store::StatusChange> history, store.History(id));
  for (const auto& c : history) {
    HistoryEntry h = FromStore(c);
    d.history.push_back(std::move(h));
  }
  MV_ASSIGN_OR_RETURN(std::vector<store::ScanRecord> scans, store.ListScans(id));
  if (!scans.empty()) d.last_scan = FromStore(scans.back());
  MV_ASSIGN_OR_RETURN(d.reproductions, store.ListReproductions(id));
  return std::optional<ModelDetail>(std::move(d));
}

}  // namespace mv::audit
