#include "audit/reproduce_evidence.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/limits.h"
#include "report/json_text.h"
#include "reproduce/escape.h"
#include "reproduce/report.h"
#include "reproduce/sandbox.h"

namespace mv::audit {

namespace fs = std::filesystem;

namespace {

// Bytes copied per read while downloading (one HTTP range request of the source).
constexpr size_t kCopyChunk = 8 << 20;

}  // namespace

bool WantsReproduction(const FileReport& r) {
  return r.verdict == Verdict::kUnsafe || r.verdict == Verdict::kNeedsReview;
}

std::optional<reproduce::RunReport> ReproduceSource(const SourcePtr& src, const FileReport& r,
                                                    const ReproduceFn& fn, std::string& why) {
  auto loader = reproduce::LoaderForStatic(r.format, r.loader);
  if (!loader) {
    why = "not reproduced: no loader reads `" + r.format + "`";
    return std::nullopt;
  }
  if (src->size() > limits::kReproduceMaxDownloadBytes) {
    why = "not reproduced: larger than the download limit for sandboxed loads";
    return std::nullopt;
  }
  const char* base = std::getenv("TMPDIR");
  std::string dir_tmpl =
      std::string(base && *base ? base : "/tmp") + "/modelvet-audit-reproduce-XXXXXX";
  std::vector<char> buf(dir_tmpl.begin(), dir_tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) {
    why = std::string("not reproduced: mkdtemp: ") + std::strerror(errno);
    return std::nullopt;
  }
  std::string dir = buf.data();
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};
  // The sandbox runs as an unprivileged user: the copy must be readable by it.
  chmod(dir.c_str(), 0755);
  std::string path = dir + "/" + reproduce::SandboxFileName(r.path);
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    why = std::string("not reproduced: ") + std::strerror(errno);
    return std::nullopt;
  }
  std::string head;
  for (uint64_t off = 0; off < src->size();) {
    auto bytes =
        src->Read(off, static_cast<size_t>(std::min<uint64_t>(kCopyChunk, src->size() - off)));
    if (!bytes.ok() || bytes->empty()) {
      close(fd);
      why = "not reproduced: download failed: " +
            (bytes.ok() ? std::string("short read") : bytes.error().message);
      return std::nullopt;
    }
    if (head.size() < (64u << 10)) {
      head.append(reinterpret_cast<const char*>(bytes->data()),
                  std::min<size_t>(bytes->size(), (64u << 10) - head.size()));
    }
    if (write(fd, bytes->data(), bytes->size()) != static_cast<ssize_t>(bytes->size())) {
      close(fd);
      why = std::string("not reproduced: ") + std::strerror(errno);
      return std::nullopt;
    }
    off += bytes->size();
  }
  close(fd);
  return fn(path, reproduce::RefineByContent(*loader, head));
}

void MergeReproduction(const reproduce::RunReport& run, FileReport& report,
                       store::FileRecord& record) {
  std::string where = std::string("sandbox (") + run.loader + ")";
  if (run.outcome != reproduce::Outcome::kPayloadObserved) {
    // Never clears, never lowers: an info finding says what the run showed.
    std::string what = std::string("loaded in the sandbox with ") + run.loader + ": " +
                       reproduce::OutcomeName(run.outcome);
    if (run.load_error) what += " (" + *run.load_error + ")";
    if (!run.sandbox_error.empty()) what += " (" + run.sandbox_error + ")";
    report.findings.push_back(Finding{Severity::kInfo, "reproduced", "reproduce.quiet", "", what,
                                      where,
                                      "a run that shows nothing does not clear a file: a payload "
                                      "may wait, detect the sandbox or need what it lacks"});
    return;
  }
  for (const auto& o : run.observed) {
    report.findings.push_back(Finding{
        Severity::kCritical, "reproduced", std::string("reproduce.") + reproduce::KindName(o.kind),
        "", o.detail, where + " " + reproduce::WhenName(o.when),
        "observed when the file was loaded with its real loader in the sandbox"});
  }
  std::string summary = "Reproduced: " + reproduce::Sentence(run.observed.front());
  if (run.observed.size() > 1) {
    summary += " (+" + std::to_string(run.observed.size() - 1) + " more observed)";
  }
  report.verdict = Verdict::kUnsafe;
  report.summary = summary;
  record.verdict = Verdict::kUnsafe;
  record.summary = summary;
}

store::Reproduction ToReproduction(const reproduce::RunReport& run, const store::FileRecord& record,
                                   const std::string& time) {
  store::Reproduction r;
  r.model = record.model;
  r.path = record.path;
  r.file_sha = record.ContentId();
  r.time = time;
  r.loader = run.loader;
  r.outcome = reproduce::OutcomeName(run.outcome);
  r.observed_json = report::JsonText(reproduce::ObservedJson(run.observed));
  r.report_json = report::JsonText(reproduce::ToJson(run));
  return r;
}

std::string ReproducedReason(const std::vector<store::Reproduction>& runs) {
  std::string out;
  for (const auto& r : runs) {
    if (r.outcome != reproduce::OutcomeName(reproduce::Outcome::kPayloadObserved)) continue;
    auto observed = nlohmann::json::parse(r.observed_json, nullptr, false);
    std::string what = "payload observed";
    if (observed.is_array() && !observed.empty() && observed[0].is_object()) {
      reproduce::Observation o;
      o.detail = observed[0].value("detail", "");
      std::string kind = observed[0].value("kind", "");
      for (auto k : {reproduce::Kind::kExec, reproduce::Kind::kConnect, reproduce::Kind::kDns,
                     reproduce::Kind::kBrowser, reproduce::Kind::kWrite, reproduce::Kind::kDelete,
                     reproduce::Kind::kReadSecret, reproduce::Kind::kImport}) {
        if (kind == reproduce::KindName(k)) o.kind = k;
      }
      o.when = observed[0].value("when", "") == "after-load" ? reproduce::When::kAfterLoad
                                                             : reproduce::When::kDuringLoad;
      what = reproduce::Sentence(o);
    }
    out += (out.empty() ? "reproduced in the sandbox: " : "; ") + r.path + ": " + what;
  }
  return out;
}

}  // namespace mv::audit
