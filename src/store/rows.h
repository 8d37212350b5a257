// Internal to store/: the row <-> record mapping both stores share. A backend runs the query
// (SQL and placeholders are the same in both dialects for these column lists) and hands each
// result row to a reader here through an adapter with `std::string Text(int col) const` and
// `int64_t Int(int col) const`; what it writes, it binds through ColumnText. The record enums
// become text here and nowhere else in store/: a stored text no table row holds (a database
// written by a newer or broken tool) is an Errc::kMalformed error naming the column, never a
// default.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>

#include "core/enum_text.h"
#include "core/result.h"
#include "store/store.h"

namespace mv::store {

// The stored text of an enum field ("" for an unset optional: never audited, not analysed).
template <class E>
const char* ColumnText(E v) {
  return EnumText(v);
}
template <class E>
const char* ColumnText(const std::optional<E>& v) {
  return v ? EnumText(*v) : "";
}

inline Error UnknownStored(const char* column, const std::string& text) {
  return MakeError(Errc::kMalformed,
                   fmt::format("store: {} holds an unknown value `{}`", column, text));
}

// `column` is "table.column", for the error.
template <class E>
Result<E> FromColumn(const char* column, const std::string& text) {
  std::optional<E> v = EnumFromText<E>(text);
  if (!v) return UnknownStored(column, text);
  return *v;
}
// "" is nullopt.
template <class E>
Result<std::optional<E>> FromOptionalColumn(const char* column, const std::string& text) {
  if (text.empty()) return std::optional<E>();
  MV_ASSIGN_OR_RETURN(E v, FromColumn<E>(column, text));
  return std::optional<E>(v);
}

// The columns of each reader below, in its order (kModelColumns: models_sql.h).
inline constexpr const char* kFileColumns =
    "model, path, sha256, oid, size, hub_status, hub_message, hub_imports, verdict, summary, "
    "bytes_read, report";
inline constexpr const char* kScanColumns =
    "id, model, revision, sha, started, finished, files_total, files_scanned, bytes_read, "
    "tool_version, error";
inline constexpr const char* kChangeColumns =
    "id, model, time, from_status, to_status, missed_by_hub, source, who, reason, "
    "COALESCE(scan, 0)";
inline constexpr const char* kReviewColumns =
    "id, model, path, decision, note, reviewer, time, file_sha, active, superseded_time, "
    "superseded_reason";
inline constexpr const char* kArtifactColumns = "path, format, verdict, summary, sha256, size";
inline constexpr const char* kReproductionColumns =
    "id, model, path, file_sha, time, loader, outcome, observed, report, COALESCE(scan, 0)";

template <class Row>
Result<ModelRecord> ReadModelRow(const Row& r) {
  ModelRecord m;
  m.id = r.Text(0);
  m.author = r.Text(1);
  m.revision = r.Text(2);
  m.sha = r.Text(3);
  m.downloads = static_cast<uint64_t>(r.Int(4));
  m.likes = static_cast<uint64_t>(r.Int(5));
  m.license = r.Text(6);
  m.license_risk = r.Text(7);
  m.hub_flag = r.Text(8);
  m.hub_message = r.Text(9);
  MV_ASSIGN_OR_RETURN(m.status, FromOptionalColumn<ModelStatus>("models.status", r.Text(10)));
  m.missed_by_hub = r.Int(11) != 0;
  MV_ASSIGN_OR_RETURN(m.status_source,
                      FromOptionalColumn<StatusSource>("models.status_source", r.Text(12)));
  m.verification = r.Text(13);
  m.last_audit = r.Text(14);
  m.version = r.Int(15);
  return m;
}

template <class Row>
Result<FileRecord> ReadFileRow(const Row& r) {
  FileRecord f;
  f.model = r.Text(0);
  f.path = r.Text(1);
  f.sha256 = r.Text(2);
  f.oid = r.Text(3);
  f.size = static_cast<uint64_t>(r.Int(4));
  f.hub_status = r.Text(5);
  f.hub_message = r.Text(6);
  f.hub_imports_json = r.Text(7);
  MV_ASSIGN_OR_RETURN(f.verdict, FromOptionalColumn<Verdict>("files.verdict", r.Text(8)));
  f.summary = r.Text(9);
  f.bytes_read = static_cast<uint64_t>(r.Int(10));
  f.report_json = r.Text(11);
  return f;
}

template <class Row>
ScanRecord ReadScanRow(const Row& r) {
  ScanRecord s;
  s.id = r.Int(0);
  s.model = r.Text(1);
  s.revision = r.Text(2);
  s.sha = r.Text(3);
  s.started = r.Text(4);
  s.finished = r.Text(5);
  s.files_total = static_cast<uint64_t>(r.Int(6));
  s.files_scanned = static_cast<uint64_t>(r.Int(7));
  s.bytes_read = static_cast<uint64_t>(r.Int(8));
  s.tool_version = r.Text(9);
  s.error = r.Text(10);
  return s;
}

template <class Row>
Result<StatusChange> ReadChangeRow(const Row& r) {
  StatusChange c;
  c.id = r.Int(0);
  c.model = r.Text(1);
  c.time = r.Text(2);
  MV_ASSIGN_OR_RETURN(c.from,
                      FromOptionalColumn<ModelStatus>("status_history.from_status", r.Text(3)));
  MV_ASSIGN_OR_RETURN(c.to, FromColumn<ModelStatus>("status_history.to_status", r.Text(4)));
  c.missed_by_hub = r.Int(5) != 0;
  MV_ASSIGN_OR_RETURN(c.source, FromColumn<StatusSource>("status_history.source", r.Text(6)));
  c.who = r.Text(7);
  c.reason = r.Text(8);
  c.scan = r.Int(9);
  return c;
}

template <class Row>
Result<Review> ReadReviewRow(const Row& r) {
  Review v;
  v.id = r.Int(0);
  v.model = r.Text(1);
  v.path = r.Text(2);
  MV_ASSIGN_OR_RETURN(v.decision, FromColumn<Decision>("reviews.decision", r.Text(3)));
  v.note = r.Text(4);
  v.reviewer = r.Text(5);
  v.time = r.Text(6);
  v.file_sha = r.Text(7);
  v.active = r.Int(8) != 0;
  v.superseded_time = r.Text(9);
  v.superseded_reason = r.Text(10);
  return v;
}

template <class Row>
Result<ProjectArtifact> ReadArtifactRow(const Row& r) {
  ProjectArtifact a;
  a.path = r.Text(0);
  a.format = r.Text(1);
  MV_ASSIGN_OR_RETURN(a.verdict, FromColumn<Verdict>("project_artifacts.verdict", r.Text(2)));
  a.summary = r.Text(3);
  a.sha256 = r.Text(4);
  a.size = static_cast<uint64_t>(r.Int(5));
  return a;
}

template <class Row>
Reproduction ReadReproductionRow(const Row& r) {
  Reproduction p;
  p.id = r.Int(0);
  p.model = r.Text(1);
  p.path = r.Text(2);
  p.file_sha = r.Text(3);
  p.time = r.Text(4);
  p.loader = r.Text(5);
  p.outcome = r.Text(6);
  p.observed_json = r.Text(7);
  p.report_json = r.Text(8);
  p.scan = r.Int(9);
  return p;
}

}  // namespace mv::store
