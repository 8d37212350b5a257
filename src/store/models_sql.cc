// The models table's SQL, shared by both dialects (sqlite_store.cc, postgres_store.cc).
#include "store/models_sql.h"

#include <fmt/format.h>

#include "store/rows.h"

namespace mv::store {

const char* const kModelColumns =
    "id, author, revision, sha, downloads, likes, license, license_risk, hub_flag, "
    "hub_message, status, missed_by_hub, status_source, verification, last_audit, version";

// The severity order of QueryModels' kStatus sort: the expression of the models_by_status_rank
// index (SQLite uses an expression index only for the same expression).
const char* const kStatusRank =
    "(CASE status WHEN 'confirmed-unsafe' THEN 4 WHEN 'suspected' THEN 3 WHEN 'false-positive' "
    "THEN 2 WHEN 'no-findings' THEN 1 ELSE 0 END)";

// ORDER BY of each sort, descending; the ascending order is its exact reverse.
std::string OrderBy(const ModelQuery& q) {
  const char* d = q.descending ? "DESC" : "ASC";
  const char* a = q.descending ? "ASC" : "DESC";
  ModelQuery::Sort sort = q.sort;
  // Filtered to one status, the status rank is constant: the status order is the downloads
  // order, which models_by_status answers with one index range (the rank index would visit
  // every model of a higher rank first and read each row to test its status).
  if (sort == ModelQuery::Sort::kStatus && q.statuses.size() == 1)
    sort = ModelQuery::Sort::kDownloads;
  switch (sort) {
    case ModelQuery::Sort::kDownloads: return fmt::format("downloads {}, id {}", d, a);
    case ModelQuery::Sort::kLastAudit: return fmt::format("last_audit {}, id {}", d, a);
    case ModelQuery::Sort::kStatus:
      return fmt::format("{} {}, downloads {}, id {}", kStatusRank, d, d, a);
    case ModelQuery::Sort::kId: return fmt::format("id {}", d);
  }
  return "id";
}

// LIKE pattern matching `text` as a literal substring (ESCAPE '\').
std::string LikeSubstring(const std::string& text) {
  std::string p = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') p += '\\';
    p += c;
  }
  return p + "%";
}

ModelsWhere BuildModelsWhere(const ModelQuery& q, Dialect dialect) {
  std::vector<std::string> conds;
  ModelsWhere w;
  // Missed-by-hub models are rare by definition (proven unsafe where the hub flags nothing);
  // the planner's statistics cannot know that one value of a 0/1 column is rare, so with that
  // filter the other columns are written "+col", which keeps their indexes out of the plan.
  // (PostgreSQL has no unary + on text, and its planner keeps per-value statistics.)
  const char* other = dialect == Dialect::kSqlite && q.missed_by_hub.value_or(false) ? "+" : "";
  auto in_list = [&](const char* col, const std::vector<std::string>& values) {
    if (values.empty()) return;
    std::string c = other + std::string(col) + " IN (";
    for (size_t i = 0; i < values.size(); ++i) {
      c += i ? ",?" : "?";
      w.binds.push_back(values[i]);
    }
    conds.push_back(c + ")");
  };
  std::vector<std::string> statuses;
  for (const auto& st : q.statuses) statuses.emplace_back(ColumnText(st));
  in_list("status", statuses);
  in_list("hub_flag", q.hub_flags);
  in_list("license_risk", q.license_risks);
  if (q.missed_by_hub)
    conds.push_back(*q.missed_by_hub ? "missed_by_hub = 1" : "missed_by_hub = 0");
  if (!q.id.empty()) {
    conds.push_back("id = ?");
    w.binds.push_back(q.id);
  }
  if (!q.text.empty()) {
    // SQLite's LIKE folds ASCII case; so does PostgreSQL's ILIKE under the "C" collation of
    // modelvet's columns.
    conds.push_back(dialect == Dialect::kSqlite ? "id LIKE ? ESCAPE '\\'"
                                                : "id ILIKE ? ESCAPE '\\'");
    w.binds.push_back(LikeSubstring(q.text));
  }
  if (!q.project.empty()) {
    conds.push_back(
        "id IN (SELECT model FROM project_models WHERE provider = 'huggingface' AND project = ?)");
    w.binds.push_back(q.project);
  }
  for (size_t i = 0; i < conds.size(); ++i) w.sql += (i ? " AND " : " WHERE ") + conds[i];
  return w;
}

}  // namespace mv::store
