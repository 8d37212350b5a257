// libsqlite3, opened on first use (core/lazy_lib.h): only commands that open a store (audits,
// status, the inventory's store, the queue) load it. Mapped at start-up it was the largest
// library left in `modelvet scan` (about 3,000 relocations, most of them symbol lookups).
//
// When libsqlite3 cannot be loaded, sqlite3_open_v2 fails with SQLITE_CANTOPEN and a null
// handle, and sqlite3_errmsg says why; sqlite_store.cc reports that as a store error naming the
// path. Nothing else is reached without an open database.
#include <sqlite3.h>

#include "core/lazy_lib.h"

#define SQ_FN(ret, name, params, args, fallback) \
  MV_LAZY_FN(MV_SQLITE_SONAME, ret, name, params, args, fallback)

SQ_FN(int, sqlite3_open_v2, (const char* filename, sqlite3** db, int flags, const char* vfs),
      (filename, db, flags, vfs), (*db = nullptr, SQLITE_CANTOPEN))
SQ_FN(int, sqlite3_close_v2, (sqlite3 * db), (db), SQLITE_OK)
SQ_FN(const char*, sqlite3_errmsg, (sqlite3 * db), (db),
      "libsqlite3 (SQLite library) cannot be loaded")
SQ_FN(int, sqlite3_extended_result_codes, (sqlite3 * db, int on), (db, on), SQLITE_ERROR)
SQ_FN(int, sqlite3_busy_timeout, (sqlite3 * db, int ms), (db, ms), SQLITE_ERROR)
SQ_FN(int, sqlite3_exec,
      (sqlite3 * db, const char* sql, int (*callback)(void*, int, char**, char**), void* arg,
       char** errmsg),
      (db, sql, callback, arg, errmsg), SQLITE_ERROR)
SQ_FN(void, sqlite3_free, (void* p), (p), void())
SQ_FN(int, sqlite3_prepare_v2,
      (sqlite3 * db, const char* sql, int bytes, sqlite3_stmt** stmt, const char** tail),
      (db, sql, bytes, stmt, tail), (*stmt = nullptr, SQLITE_ERROR))
SQ_FN(int, sqlite3_step, (sqlite3_stmt * stmt), (stmt), SQLITE_ERROR)
SQ_FN(int, sqlite3_finalize, (sqlite3_stmt * stmt), (stmt), SQLITE_OK)
SQ_FN(int, sqlite3_bind_text,
      (sqlite3_stmt * stmt, int i, const char* text, int bytes, void (*destroy)(void*)),
      (stmt, i, text, bytes, destroy), SQLITE_ERROR)
SQ_FN(int, sqlite3_bind_int64, (sqlite3_stmt * stmt, int i, sqlite3_int64 v), (stmt, i, v),
      SQLITE_ERROR)
SQ_FN(int, sqlite3_bind_null, (sqlite3_stmt * stmt, int i), (stmt, i), SQLITE_ERROR)
SQ_FN(const unsigned char*, sqlite3_column_text, (sqlite3_stmt * stmt, int col), (stmt, col),
      nullptr)
SQ_FN(sqlite3_int64, sqlite3_column_int64, (sqlite3_stmt * stmt, int col), (stmt, col), 0)
SQ_FN(int, sqlite3_column_bytes, (sqlite3_stmt * stmt, int col), (stmt, col), 0)
SQ_FN(int, sqlite3_changes, (sqlite3 * db), (db), 0)
SQ_FN(sqlite3_int64, sqlite3_total_changes64, (sqlite3 * db), (db), 0)
SQ_FN(sqlite3_int64, sqlite3_last_insert_rowid, (sqlite3 * db), (db), 0)
