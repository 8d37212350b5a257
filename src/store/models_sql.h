// Internal to store/: the SQL of the models table (QueryModels) that both dialects share, so
// the SQLite and PostgreSQL stores filter and order exactly alike.
#pragma once

#include <string>
#include <vector>

#include "store/store.h"

namespace mv::store {

enum class Dialect : uint8_t { kSqlite, kPostgres };

// The columns of ModelRecord, in ReadModel order.
extern const char* const kModelColumns;
// The severity order of QueryModels' kStatus sort: the expression of the models_by_status_rank
// index (SQLite uses an expression index only for the same expression).
extern const char* const kStatusRank;

// ORDER BY of each sort, descending; the ascending order is its exact reverse.
std::string OrderBy(const ModelQuery& q);
// LIKE pattern matching `text` as a literal substring (ESCAPE '\').
std::string LikeSubstring(const std::string& text);

// The WHERE clause of a models query and its binds (`?` placeholders), shared by the count, the
// page and the per-row queries.
struct ModelsWhere {
  std::string sql;  // "" or " WHERE …"
  std::vector<std::string> binds;
};
ModelsWhere BuildModelsWhere(const ModelQuery& q, Dialect dialect);

}  // namespace mv::store
