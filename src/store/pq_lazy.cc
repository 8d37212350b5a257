// libpq, opened on first use (core/lazy_lib.h): only a PostgreSQL store (a `postgresql://`
// URL) loads it, so `modelvet scan` and SQLite audits never map libpq or what it links
// (Kerberos, LDAP, SASL, GnuTLS and their dependencies, about twenty libraries).
//
// When libpq cannot be loaded, PQconnectdb returns null, which pg_conn.cc reports as a
// connection error naming the URL; nothing else is reached without a connection.
#include <libpq-fe.h>

#include "core/lazy_lib.h"

#define PQ_FN(ret, name, params, args, fallback) \
  MV_LAZY_FN(MV_PQ_SONAME, ret, name, params, args, fallback)

PQ_FN(PGconn*, PQconnectdb, (const char* conninfo), (conninfo), nullptr)
PQ_FN(void, PQfinish, (PGconn * c), (c), void())
PQ_FN(void, PQreset, (PGconn * c), (c), void())
PQ_FN(ConnStatusType, PQstatus, (const PGconn* c), (c), CONNECTION_BAD)
PQ_FN(PGTransactionStatusType, PQtransactionStatus, (const PGconn* c), (c), PQTRANS_UNKNOWN)
PQ_FN(char*, PQerrorMessage, (const PGconn* c), (c),
      const_cast<char*>("libpq (PostgreSQL client library) cannot be loaded"))
PQ_FN(PQnoticeProcessor, PQsetNoticeProcessor, (PGconn * c, PQnoticeProcessor p, void* arg),
      (c, p, arg), nullptr)
PQ_FN(PGresult*, PQexec, (PGconn * c, const char* query), (c, query), nullptr)
PQ_FN(PGresult*, PQexecParams,
      (PGconn * c, const char* command, int nParams, const Oid* paramTypes,
       const char* const* paramValues, const int* paramLengths, const int* paramFormats,
       int resultFormat),
      (c, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat),
      nullptr)
PQ_FN(ExecStatusType, PQresultStatus, (const PGresult* r), (r), PGRES_FATAL_ERROR)
PQ_FN(char*, PQresultErrorMessage, (const PGresult* r), (r),
      const_cast<char*>("libpq (PostgreSQL client library) cannot be loaded"))
PQ_FN(char*, PQresultErrorField, (const PGresult* r, int fieldcode), (r, fieldcode), nullptr)
PQ_FN(void, PQclear, (PGresult * r), (r), void())
PQ_FN(int, PQntuples, (const PGresult* r), (r), 0)
PQ_FN(int, PQnfields, (const PGresult* r), (r), 0)
PQ_FN(char*, PQgetvalue, (const PGresult* r, int row, int col), (r, row, col),
      const_cast<char*>(""))
PQ_FN(int, PQgetlength, (const PGresult* r, int row, int col), (r, row, col), 0)
PQ_FN(int, PQgetisnull, (const PGresult* r, int row, int col), (r, row, col), 1)
PQ_FN(char*, PQcmdTuples, (PGresult * r), (r), const_cast<char*>(""))
