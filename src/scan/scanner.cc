#include "scan/scanner.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <system_error>
#include <unordered_set>

#include "core/limits.h"
#include "core/sha256.h"
#include "core/text.h"
#include "formats/registry.h"
#include "pickle/engine.h"
#include "verdict/judge.h"

namespace mv::scan {

namespace {

// One unit of work: a byte source to identify and analyse.
struct Item {
  SourcePtr src;
  std::string location;  // chain of member names, "" for the file itself
  int depth = 0;         // container nesting depth
  int nested = 0;        // nested-payload depth (pickle.loads inside a pickle)
  formats::Hint hint = formats::Hint::kSniff;
  std::string loader;
  // Read as this format whatever the content: the bytes are announced as it (by name or
  // container position) but content sniffing disagreed.
  formats::FormatId force = formats::FormatId::kUnknown;
  std::shared_ptr<const pickle::Trace> analysed = nullptr;  // formats::Member::analysed
};

// The last path component of a member chain ("a.zip!archive/data.pkl" -> "data.pkl").
std::string_view Leaf(std::string_view location) {
  size_t bang = location.rfind('!');
  return bang == std::string_view::npos ? location : location.substr(bang + 1);
}

std::string Join(const std::string& parent, const std::string& name) {
  if (name.empty()) return parent;
  if (parent.empty()) return name;
  return parent + "!" + name;
}

class Walker {
 public:
  Walker(const Options& options, std::chrono::steady_clock::time_point start)
      : options_(options), start_(start) {
    facts_.reserve(8);  // a torch zip's payloads without regrowing (a PayloadFacts is large)
  }

  void Run(const SourcePtr& root, FileReport& report) {
    std::vector<Item> stack;
    root_name_ = report.path;
    stack.push_back({root, "", 0, 0, formats::Hint::kSniff, "", formats::FormatId::kUnknown});
    uint64_t payloads = 0;
    bool first = true;
    while (!stack.empty()) {
      Item item = std::move(stack.back());
      stack.pop_back();
      if (++payloads > limits::kMaxPayloads) {
        LimitHit(item, "limit.payloads",
                 "more payloads than limits::kMaxPayloads; rest not analysed");
        break;
      }
      if (options_.time_budget_ms > 0 && Elapsed() > options_.time_budget_ms) {
        LimitHit(item, "limit.time", "per-file time budget exhausted; rest not analysed");
        break;
      }
      // Members decoded on demand can fail after their reader returned; what they report
      // while this payload is analysed belongs to its facts (incomplete -> needs-review).
      SourcePtr src = item.src;
      size_t at = facts_.size();
      Visit(std::move(item), stack, report, first);
      first = false;
      std::vector<Anomaly> late = src ? src->TakeAnomalies() : std::vector<Anomaly>{};
      if (!late.empty() && at < facts_.size()) {
        for (auto& a : late) {
          if (a.location.empty()) a.location = facts_[at].location;
          facts_[at].anomalies.push_back(std::move(a));
        }
      }
    }
  }

  std::vector<verdict::PayloadFacts>& facts() { return facts_; }

 private:
  uint64_t Elapsed() const {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - start_)
                                     .count());
  }

  void LimitHit(const Item& item, const char* code, const char* message) {
    verdict::PayloadFacts f;
    f.location = item.location;
    f.format = "limit";
    f.anomalies.push_back(Anomaly::Defect(code, message, 0).Incomplete().At(item.location));
    facts_.push_back(std::move(f));
  }

  void Visit(Item item, std::vector<Item>& stack, FileReport& report, bool top) {
    if (item.hint == formats::Hint::kSniff && item.force == formats::FormatId::kUnknown &&
        storages_.count(LowerAscii(item.location))) {
      // A tensor storage of a torch zip whose data.pkl was analysed first: torch.load copies
      // these bytes into a tensor and never interprets them, so they are not fetched (a
      // remote 1 GiB checkpoint costs its headers, not its tensors).
      verdict::PayloadFacts f;
      f.location = item.location;
      f.format = "tensor-storage";
      f.loader = item.loader;
      facts_.push_back(std::move(f));
      return;
    }
    // Forced (announced), told by the container (a pickle stream), or sniffed by content.
    formats::FormatId id =
        item.force != formats::FormatId::kUnknown ? item.force : formats::ReadAs(item.hint);
    if (id == formats::FormatId::kUnknown) {
      const std::vector<formats::FormatId>& want = AnnouncedFormats(item);
      // What the name announces first is read anyway unless another format claims the bytes.
      id = formats::Sniff(*item.src, want.empty() ? formats::FormatId::kUnknown : want[0]);
      Announced(item, want, id, stack);
    }
    const formats::FormatInfo* info = formats::Find(id);
    std::string fmt_name = info ? std::string(info->name) : std::string("unknown");
    if (id == formats::FormatId::kUnknown || info == nullptr || info->read == nullptr) {
      verdict::PayloadFacts f;
      f.location = item.location;
      f.format = item.src->size() == 0 ? "empty" : "unknown";
      f.loader = item.loader;
      facts_.push_back(std::move(f));
      Describe(report, top, item.src->size() == 0 ? "empty" : "data", "");
      return;
    }

    formats::ReadContext ctx;
    ctx.depth = item.depth;
    ctx.expanded_bytes = expanded_;
    ctx.location = item.location;
    ctx.loader = item.loader;
    ctx.hint = item.hint;
    ctx.semantics = &options_.kb->semantics();
    ctx.analysed = item.analysed;
    auto out = info->read(item.src, ctx);
    expanded_ = std::max(expanded_, ctx.expanded_bytes);
    verdict::PayloadFacts f;
    f.location = item.location;
    f.format = fmt_name;
    f.loader = item.loader;
    if (!out.ok()) {
      f.unreadable = true;
      f.anomalies.push_back(
          Anomaly::Defect(std::string("format.") + ErrcName(ReadErrcClass(out.error().code)),
                          fmt_name + ": " + out.error().message, out.error().offset)
              .Incomplete()
              .At(item.location));
      facts_.push_back(std::move(f));
      Describe(report, top, fmt_name, item.loader);
      return;
    }
    formats::ReadOutput& o = *out;
    if (!o.format.empty()) f.format = o.format;
    if (!o.loader.empty()) f.loader = o.loader;
    for (auto& a : o.anomalies) {
      if (a.location.empty()) a.location = item.location;
      f.anomalies.push_back(std::move(a));
    }
    for (auto& ob : o.observations) {
      if (ob.location.empty()) ob.location = item.location;
      f.observations.push_back(std::move(ob));
    }
    if (!o.complete && f.anomalies.empty()) {
      f.anomalies.push_back(Anomaly::Defect("format.incomplete", f.format + ": not fully read", 0)
                                .Incomplete()
                                .At(item.location));
    }
    std::string member_loader = f.loader;
    Describe(report, top, f.format, f.loader);
    // Single-member wrappers (gzip, xz, …) name the format of what they wrap: "xz+pickle".
    wrapper_pending_ = top && o.members.size() == 1 && o.members[0].name.empty();
    if (o.trace) {
      traces_.push_back(o.trace);
      f.trace = o.trace.get();
    }
    facts_.push_back(std::move(f));
    if (o.trace) Followed(item, *o.trace, stack);

    if (!o.members.empty() && item.depth + 1 > limits::kMaxNestingDepth) {
      LimitHit(item, "limit.depth", "containers nested deeper than limits::kMaxNestingDepth");
      return;
    }
    // Push in reverse so members are analysed (and reported) in container order.
    for (auto it = o.members.rbegin(); it != o.members.rend(); ++it) {
      Item child;
      child.src = it->data;
      child.location = Join(item.location, it->name);
      child.depth = item.depth + 1;
      child.nested = item.nested;
      child.hint = it->hint;
      child.loader = !it->loader.empty() ? it->loader : member_loader;
      child.analysed = it->analysed;
      stack.push_back(std::move(child));
    }
  }

  // A name or container position announces a format the content did not sniff as: the bytes
  // are (also) read as what they claim to be, so a broken header is a finding, not data.
  // The formats an item's name or container position announces, the loader's reading first;
  // none for empty bytes (they are reported as empty, whatever their name).
  const std::vector<formats::FormatId>& AnnouncedFormats(const Item& item) const {
    static const std::vector<formats::FormatId> kNone;
    static const std::vector<formats::FormatId> kCode{formats::FormatId::kTorchScriptCode};
    static const std::vector<formats::FormatId> kJson{formats::FormatId::kJson};
    if (item.src->size() == 0) return kNone;
    if (item.hint == formats::Hint::kTorchScriptCode) return kCode;
    if (item.hint == formats::Hint::kJson) return kJson;
    return formats::AnnouncedBy(item.location.empty() ? std::string_view(root_name_)
                                                      : Leaf(item.location));
  }

  void Announced(const Item& item, const std::vector<formats::FormatId>& want,
                 formats::FormatId& id, std::vector<Item>& stack) {
    if (want.empty() || std::find(want.begin(), want.end(), id) != want.end()) return;
    const formats::FormatInfo* named = formats::Find(want[0]);
    std::string what = named ? std::string(named->name) : std::string("?");
    if (id == formats::FormatId::kUnknown) {
      id = want[0];  // read as announced; its reader reports why it is not one
      return;
    }
    // Content says one format, the name another: analysed as both (what the loader reads
    // by name, and whatever else the bytes are).
    Item again = item;
    again.force = want[0];
    stack.push_back(std::move(again));
    verdict::PayloadFacts f;
    f.location = item.location;
    f.format = "announced";
    f.anomalies.push_back(Anomaly::Defect("format.name-content-mismatch",
                                          "named as " + what +
                                              " but the content is another format; analysed as "
                                              "both",
                                          0)
                              .At(item.location));
    facts_.push_back(std::move(f));
  }

  // What a payload's code trace leads to: tensor storages it names (not fetched), fx graph code
  // it carries, and the nested payloads it decodes (each analysed like a file).
  void Followed(const Item& item, const pickle::Trace& t, std::vector<Item>& stack) {
    NoteStorages(item, t);
    FxCode(item, t, stack);
    for (auto it = t.nested.rbegin(); it != t.nested.rend(); ++it) {
      std::string where = Join(item.location, it->via + "@" + std::to_string(it->offset));
      if (item.nested + 1 > limits::kMaxNestedPickleDepth) {
        LimitHit(Item{nullptr, where, 0, 0, formats::Hint::kSniff, "", formats::FormatId::kUnknown},
                 "limit.nested-payload",
                 "nested payloads deeper than limits::kMaxNestedPickleDepth");
        continue;
      }
      Item child;
      child.src = MakeMemorySource(it->data);
      child.location = where;
      child.depth = item.depth + 1;
      child.nested = item.nested + 1;
      child.loader = it->via;
      stack.push_back(std::move(child));
    }
  }

  // torch.load (and torch.jit.load) of a zip reads `<dir>/data.pkl`; each persistent id
  // ('storage', type, key, location, numel) names the member `<dir>/data/<key>` (matched
  // case-insensitively, as miniz does), whose bytes become a tensor's storage.
  void NoteStorages(const Item& item, const pickle::Trace& t) {
    if (item.loader != "torch.load" && item.loader != "torch.jit.load") return;
    std::string loc = LowerAscii(item.location);
    constexpr std::string_view kPkl = "data.pkl";
    if (loc.size() < kPkl.size() || loc.compare(loc.size() - kPkl.size(), kPkl.size(), kPkl) != 0)
      return;
    if (loc.size() > kPkl.size() && loc[loc.size() - kPkl.size() - 1] != '/' &&
        loc[loc.size() - kPkl.size() - 1] != '!')
      return;
    std::string dir = loc.substr(0, loc.size() - kPkl.size()) + "data/";
    for (const auto& c : t.calls) {
      if (c.kind != pickle::CallKind::kPersistentLoad || c.args.empty() || !c.args[0]) continue;
      const auto& pid = c.args[0];
      if (pid->kind != pickle::ValueKind::kTuple || pid->items.size() < 3) continue;
      const auto& tag = pid->items[0];
      const auto& key = pid->items[2];
      if (!tag || tag->kind != pickle::ValueKind::kStr || tag->text != "storage") continue;
      if (!key || key->kind != pickle::ValueKind::kStr || key->truncated) continue;
      storages_.insert(dir + LowerAscii(key->text));
    }
  }

  // A str argument in full: the engine keeps a prefix of long strings and where they start.
  static std::optional<std::string> FullText(const Item& item, const pickle::ValuePtr& v) {
    if (!v || v->kind != pickle::ValueKind::kStr) return std::nullopt;
    if (!v->truncated) return v->text;
    if (v->data_offset == 0 || v->length > limits::kMaxConfigBytes) return std::nullopt;
    auto bytes = item.src->Read(v->data_offset, static_cast<size_t>(v->length));
    if (!bytes.ok() || bytes->size() != v->length) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  }

  // The Python source a torch.fx GraphModule carries (semantic fx-graph-code): read as fx graph
  // code. A call whose source is not constant text is left to its rule (dangerous).
  void FxCode(const Item& item, const pickle::Trace& t, std::vector<Item>& stack) {
    const auto& sem = options_.kb->semantics();
    for (const auto& c : t.calls) {
      if (c.resolved.empty()) continue;
      const pickle::SemanticEntry* s = sem.Find(options_.kb->Canonical(c.resolved));
      if (s == nullptr || s->semantic != pickle::Semantic::kFxGraphCode) continue;
      auto body_at = static_cast<size_t>(s->func_arg);
      auto imports_at = static_cast<size_t>(s->data_arg);
      if (body_at >= c.args.size() || imports_at >= c.args.size()) continue;
      const pickle::ValuePtr& body = c.args[body_at];
      if (!body || body->kind != pickle::ValueKind::kDict) continue;
      pickle::ValuePtr code;
      for (const char* key : {"_code", "code"}) {
        for (size_t i = 0; !code && i + 1 < body->items.size(); i += 2) {
          const auto& k = body->items[i];
          if (k && k->kind == pickle::ValueKind::kStr && k->text == key) code = body->items[i + 1];
        }
      }
      auto imports = FullText(item, c.args[imports_at]);
      auto src = FullText(item, code);
      std::string location = verdict::NestedLocation(item.location, c.resolved, c.offset);
      auto too_long = [](const pickle::ValuePtr& v) {
        return v && v->kind == pickle::ValueKind::kStr && v->truncated &&
               v->length > limits::kMaxConfigBytes;
      };
      if (too_long(code) || too_long(c.args[imports_at])) {
        Item at = item;
        at.location = location;
        LimitHit(at, "limit.fx-code",
                 "fx GraphModule code longer than limits::kMaxConfigBytes; not analysed");
        continue;  // the call is judged by its rule
      }
      if (!imports || !src) continue;
      Item child;
      child.src = MakeMemorySource(*imports + *src);  // what torch execs
      child.location = location;
      child.depth = item.depth + 1;
      child.nested = item.nested;
      child.force = formats::FormatId::kFxCode;
      stack.push_back(std::move(child));
    }
  }

  // Records the file's format and loader from the outermost payload (and the one a
  // single-member wrapper holds).
  void Describe(FileReport& report, bool top, const std::string& format,
                const std::string& loader) {
    if (top) {
      report.format = format;
      report.loader = loader;
    } else if (wrapper_pending_) {
      report.format += "+" + format;
      if (report.loader.empty()) report.loader = loader;
      wrapper_pending_ = false;
    }
  }

  const Options& options_;
  std::chrono::steady_clock::time_point start_;
  std::vector<std::shared_ptr<const pickle::Trace>> traces_;  // kept for PayloadFacts::trace
  std::vector<verdict::PayloadFacts> facts_;
  std::string root_name_;  // the file's display path (its name announces a format)
  std::unordered_set<std::string> storages_;  // lower-cased member chains of tensor storages
  uint64_t expanded_ = 0;
  bool wrapper_pending_ = false;
};

}  // namespace

namespace {

// Paths a loader reads relative to the model file's folder (ONNX external data) are resolved on
// disk when the file is local: a link inside the folder may point anywhere. A path whose real
// target leaves the folder is reported as that target. The Hugging Face cache keeps a
// snapshot's files as links into the repository's blobs/ folder: there the repository folder
// is the model's.
void ResolveLocalPaths(std::vector<verdict::PayloadFacts>& facts, const std::string& file) {
  namespace fs = std::filesystem;
  // The folder is resolved on the first path that needs it: most files name none, and
  // resolving costs a stat and a readlink per path component (on every small file scanned).
  fs::path dir, root, root2;
  enum class Folder { kUnresolved, kResolved, kFailed } folder = Folder::kUnresolved;
  auto resolve_folder = [&] {
    if (folder != Folder::kUnresolved) return folder == Folder::kResolved;
    folder = Folder::kFailed;
    std::error_code ec;
    dir = fs::absolute(fs::path(file), ec).parent_path();
    if (ec) return false;
    root = fs::weakly_canonical(dir, ec);
    if (ec) return false;
    if (dir.parent_path().filename() == "snapshots") {
      root2 = fs::weakly_canonical(dir.parent_path().parent_path(), ec);
      if (ec) root2.clear();
    }
    folder = Folder::kResolved;
    return true;
  };
  auto inside = [](const fs::path& p, const fs::path& r) {
    if (r.empty()) return false;
    auto rel = p.lexically_relative(r);
    return !rel.empty() && *rel.begin() != "..";
  };
  for (auto& f : facts) {
    if (!f.location.empty()) continue;
    for (auto& o : f.observations) {
      if (o.cwd_relative || o.subject.empty() ||
          (o.kind != "file-read" && o.kind != "file-write" && o.kind != "file-delete")) {
        continue;
      }
      if (o.subject.find("://") != std::string::npos || o.subject[0] == '/' ||
          o.subject[0] == '\\' || o.subject[0] == '~') {
        continue;  // judged as written
      }
      if (!resolve_folder()) return;
      std::string rel = o.subject;
      std::replace(rel.begin(), rel.end(), '\\', '/');
      std::error_code ec;
      fs::path real = fs::weakly_canonical(dir / rel, ec);
      if (ec || inside(real, root) || inside(real, root2)) continue;
      o.evidence += "; on disk it resolves to " + real.string() + ", outside the model's folder";
      o.subject = real.string();
    }
  }
}

FileReport Scan(const SourcePtr& src, const std::string& display_path, const Options& options,
                const std::string* local_file) {
  FileReport report;
  report.path = display_path;
  report.size = src->size();
  Walker walker(options, std::chrono::steady_clock::now());
  walker.Run(src, report);
  if (local_file != nullptr) ResolveLocalPaths(walker.facts(), *local_file);
  verdict::Judgement j = verdict::Judge(walker.facts(), *options.kb);
  report.verdict = j.verdict;
  report.findings = std::move(j.findings);
  report.summary = std::move(j.summary);
  if (options.compute_sha256) {
    auto h = Sha256Hex(*src);
    if (h.ok()) {
      report.sha256 = *h;
    } else {
      report.error = "sha256: " + h.error().message;
    }
  }
  report.bytes_read = src->bytes_read();
  return report;
}

}  // namespace

FileReport ScanSource(const SourcePtr& src, const std::string& display_path,
                      const Options& options) {
  return Scan(src, display_path, options, nullptr);
}

FileReport ScanOpenedFile(const Result<SourcePtr>& src, const std::string& path,
                          const Options& options) {
  if (!src.ok()) {
    FileReport r;
    r.path = path;
    r.verdict = Verdict::kError;
    r.error = src.error().message;
    r.summary = "could not be read: " + src.error().message;
    return r;
  }
  return Scan(*src, path, options, &path);
}

FileReport ScanFile(const std::string& path, const Options& options) {
  return ScanOpenedFile(OpenFileSource(path), path, options);
}

}  // namespace mv::scan
