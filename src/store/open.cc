// store::Open: the one place that turns `--db` / $MODELVET_DB into a store.
#include <string>

#include "store/store.h"

namespace mv::store {

bool IsPostgresUrl(const std::string& where) {
  for (const char* prefix : {"postgresql://", "postgres://"})
    if (where.rfind(prefix, 0) == 0) return true;
  // libpq's key=value form ("host=db1 dbname=modelvet"): a file path starting "host=" must be
  // written "./host=…".
  for (const char* key : {"host=", "hostaddr=", "dbname=", "service="})
    if (where.rfind(key, 0) == 0) return true;
  return false;
}

Result<std::unique_ptr<Store>> Open(const std::string& where) {
  if (IsPostgresUrl(where)) return OpenPostgresStore(where);
  return OpenSqliteStore(where);
}

}  // namespace mv::store
