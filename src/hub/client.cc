#include "hub/client.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "core/limits.h"
#include "hub/http.h"
#include "report/json_text.h"

namespace mv::hub {
namespace {

using json = nlohmann::json;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

bool EnvTrue(const char* name) {
  std::string v = Env(name);
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v == "1" || v == "on" || v == "yes" || v == "true";
}

std::string TrimWs(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  return s.substr(b);
}

std::string ReadTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::string line;
  std::getline(in, line);
  return TrimWs(line);
}

// Tolerant accessors: the hub's JSON is not a contract, so a wrong type reads as absent.
std::string Str(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
uint64_t U64(const json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer())
    return static_cast<uint64_t>(std::max<int64_t>(0, it->get<int64_t>()));
  return 0;
}
bool Bool(const json& j, const char* key) {
  if (!j.is_object()) return false;
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}
const json* Obj(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? &*it : nullptr;
}
std::vector<std::string> StrList(const json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.is_object()) return out;
  auto it = j.find(key);
  if (it == j.end()) return out;
  if (it->is_string()) out.push_back(it->get<std::string>());
  if (it->is_array())
    for (const auto& v : *it)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

ScannerResult ParseScanner(const json& parent, const char* key) {
  ScannerResult r;
  const json* o = Obj(parent, key);
  if (!o) return r;
  r.present = true;
  r.status = Str(*o, "status");
  r.message = Str(*o, "message");
  r.report_link = Str(*o, "reportLink");
  r.version = Str(*o, "version");
  auto it = o->find("pickleImports");
  if (it != o->end() && it->is_array()) {
    for (const auto& p : *it) {
      r.pickle_imports.push_back({Str(p, "module"), Str(p, "name"), Str(p, "safety")});
    }
  }
  return r;
}

FileSecurityStatus ParseFileSecurity(const json& entry) {
  FileSecurityStatus s;
  if (const json* o = Obj(entry, "securityFileStatus")) {
    s.present = true;
    s.status = Str(*o, "status");
    s.av_scan = ParseScanner(*o, "avScan");
    s.pickle_import_scan = ParseScanner(*o, "pickleImportScan");
    s.protect_ai_scan = ParseScanner(*o, "protectAiScan");
    s.jfrog_scan = ParseScanner(*o, "jFrogScan");
    s.virus_total_scan = ParseScanner(*o, "virusTotalScan");
    s.raw_json = report::JsonText(*o);
  } else if (const json* l = Obj(entry, "security")) {
    // Legacy (before Oct 2024): {safe, avScan:{virusFound, virusNames}, pickleImportScan:
    // {highestSafetyLevel, imports}}.
    s.present = true;
    s.raw_json = report::JsonText(*l);
    std::string worst = "safe";
    if (const json* av = Obj(*l, "avScan")) {
      s.av_scan.present = true;
      bool infected = Bool(*av, "virusFound");
      s.av_scan.status = infected ? "unsafe" : "safe";
      if (infected) {
        worst = "unsafe";
        std::vector<std::string> names = StrList(*av, "virusNames");
        std::string joined;
        for (const auto& n : names) joined += (joined.empty() ? "" : ", ") + n;
        s.av_scan.message = "Detected malware signatures: " + joined;
      }
    }
    if (const json* pk = Obj(*l, "pickleImportScan")) {
      s.pickle_import_scan.present = true;
      std::string level = Str(*pk, "highestSafetyLevel");
      s.pickle_import_scan.status = level == "dangerous"    ? "unsafe"
                                    : level == "suspicious" ? "suspicious"
                                                            : "safe";
      if (LevelRank(s.pickle_import_scan.status) > LevelRank(worst))
        worst = s.pickle_import_scan.status;
      auto it = pk->find("imports");
      if (it != pk->end() && it->is_array())
        for (const auto& p : *it)
          s.pickle_import_scan.pickle_imports.push_back(
              {Str(p, "module"), Str(p, "name"), Str(p, "safety")});
    }
    if (l->contains("safe") && !Bool(*l, "safe") && worst == "safe") worst = "unsafe";
    s.status = worst;
  }
  return s;
}

RepoSecurityStatus ParseRepoSecurity(const json& o) {
  RepoSecurityStatus s;
  if (!o.is_object()) return s;
  s.present = true;
  s.raw_json = report::JsonText(o);
  if (o.contains("containsInfected")) {  // legacy 2022 shape
    s.legacy = true;
    s.scans_done = true;
    if (Bool(o, "containsInfected")) s.files_with_issues.push_back({"", "unsafe"});
    return s;
  }
  s.scans_done = Bool(o, "scansDone");
  auto it = o.find("filesWithIssues");
  if (it != o.end() && it->is_array())
    for (const auto& f : *it) s.files_with_issues.push_back({Str(f, "path"), Str(f, "level")});
  return s;
}

ModelInfo ParseModel(const json& j) {
  ModelInfo m;
  m.id = Str(j, "id");
  if (m.id.empty()) m.id = Str(j, "modelId");
  m.sha = Str(j, "sha");
  m.author = Str(j, "author");
  m.is_private = Bool(j, "private");
  m.disabled = Bool(j, "disabled");
  if (auto it = j.find("gated"); it != j.end() && it->is_string()) m.gated = it->get<std::string>();
  if (auto it = j.find("gated"); it != j.end() && it->is_boolean() && it->get<bool>())
    m.gated = "auto";
  m.downloads = U64(j, "downloads");
  m.downloads_all_time = U64(j, "downloadsAllTime");
  m.likes = U64(j, "likes");
  m.tags = StrList(j, "tags");
  m.pipeline_tag = Str(j, "pipeline_tag");
  m.library_name = Str(j, "library_name");
  m.created_at = Str(j, "createdAt");
  m.last_modified = Str(j, "lastModified");
  if (auto it = j.find("siblings"); it != j.end() && it->is_array())
    for (const auto& s : *it)
      if (std::string f = Str(s, "rfilename"); !f.empty()) m.siblings.push_back(f);
  if (const json* card = Obj(j, "cardData")) {
    m.card_data_json = report::JsonText(*card);
    m.card_licenses = StrList(*card, "license");
    m.license_name = Str(*card, "license_name");
    m.license_link = Str(*card, "license_link");
  }
  for (const auto& t : m.tags)
    if (t.starts_with("license:")) m.license_tags.push_back(t.substr(8));
  if (const json* sec = Obj(j, "securityRepoStatus")) {
    m.security = ParseRepoSecurity(*sec);
  } else if (const json* legacy = Obj(j, "securityStatus")) {
    m.security = ParseRepoSecurity(*legacy);
  }
  m.raw_json = report::JsonText(j);
  return m;
}

TreeEntry ParseTreeEntry(const json& j) {
  TreeEntry e;
  e.type = Str(j, "type");
  e.path = Str(j, "path");
  e.oid = Str(j, "oid");
  e.size = U64(j, "size");
  if (const json* lfs = Obj(j, "lfs")) {
    e.is_lfs = true;
    e.lfs_sha256 = Str(*lfs, "oid");
    if (e.lfs_sha256.empty()) e.lfs_sha256 = Str(*lfs, "sha256");
    e.lfs_size = U64(*lfs, "size");
    if (e.size == 0) e.size = e.lfs_size;
  }
  e.xet_hash = Str(j, "xetHash");
  if (const json* lc = Obj(j, "lastCommit")) {
    e.last_commit_id = Str(*lc, "id");
    e.last_commit_date = Str(*lc, "date");
  }
  if (e.type == "file") e.security = ParseFileSecurity(j);
  e.raw_json = report::JsonText(j);
  return e;
}

// `Link: <url>; rel="next", …` -> url of rel=next, "" at the last page.
std::string NextLink(const std::string& link) {
  static const std::regex re(R"(<([^>]*)>\s*;\s*rel\s*=\s*"?next"?)", std::regex::icase);
  std::smatch m;
  if (std::regex_search(link, m, re)) return m[1].str();
  return {};
}

// Deepest nesting of arrays and objects in JSON text (brackets inside strings do not count);
// stops counting past `limit`. Linear, no recursion.
size_t JsonNesting(std::string_view text, size_t limit) {
  size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

// Parses a reply of the hub API. Its nesting is bounded before parsing, so nothing downstream
// (parse, copy, destruction) can recurse deeply on a hostile document.
Result<json> ParseJsonBody(const HttpResponse& resp, const std::string& what) {
  if (JsonNesting(resp.body, limits::kMaxHubJsonDepth) > limits::kMaxHubJsonDepth) {
    return MakeError(Errc::kBadResponse,
                     fmt::format("bad response: {}: body of {} nests deeper than {} levels "
                                 "(limits::kMaxHubJsonDepth)",
                                 what, resp.url, limits::kMaxHubJsonDepth));
  }
  json j = json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return MakeError(Errc::kBadResponse,
                     fmt::format("bad response: {}: body of {} is not JSON", what, resp.url));
  }
  return j;
}

// Pages of one paginated listing (tree, models): the bytes received across pages are bounded
// (not only the entries), and a `Link: rel="next"` that leads back to a page already fetched
// ends the listing with an error instead of a loop.
class Pager {
 public:
  explicit Pager(std::string what) : what_(std::move(what)) {}
  Status Account(const std::string& url, const HttpResponse& resp) {
    bytes_ += resp.body.size();
    if (bytes_ > limits::kMaxHubListingBytes)
      return MakeError(Errc::kBadResponse,
                       fmt::format("bad response: {}: listing pages exceed {} bytes in total "
                                   "(limits::kMaxHubListingBytes)",
                                   what_, limits::kMaxHubListingBytes));
    seen_.insert(url);
    return OkStatus();
  }
  Status CheckNext(const std::string& next) const {
    if (!next.empty() && seen_.count(next))
      return MakeError(Errc::kBadResponse,
                       fmt::format("bad response: {}: Link rel=\"next\" repeats a page already "
                                   "fetched ({})",
                                   what_, next));
    return OkStatus();
  }

 private:
  std::string what_;
  uint64_t bytes_ = 0;
  std::set<std::string> seen_;
};

}  // namespace

HubConfig HubConfig::FromEnv() {
  HubConfig c;
  std::string ep = Env("HF_ENDPOINT");
  if (!ep.empty()) c.endpoint = ep;
  while (!c.endpoint.empty() && c.endpoint.back() == '/') c.endpoint.pop_back();
  if (std::string t = TrimWs(Env("HF_TOKEN")); !t.empty()) {
    c.token = t;
    c.token_source = "HF_TOKEN";
  } else if (std::string t2 = TrimWs(Env("HUGGING_FACE_HUB_TOKEN")); !t2.empty()) {
    c.token = t2;
    c.token_source = "HUGGING_FACE_HUB_TOKEN";
  } else {
    std::string path = Env("HF_TOKEN_PATH");
    if (path.empty()) {
      std::string home = Env("HF_HOME");
      if (home.empty()) {
        std::string xdg = Env("XDG_CACHE_HOME");
        if (!xdg.empty()) {
          home = xdg + "/huggingface";
        } else if (std::string h = Env("HOME"); !h.empty()) {
          home = h + "/.cache/huggingface";
        }
      }
      if (!home.empty()) path = home + "/token";
    }
    if (!path.empty()) {
      c.token = ReadTokenFile(path);
      if (!c.token.empty()) c.token_source = path;
    }
  }
  c.offline = EnvTrue("HF_HUB_OFFLINE") || EnvTrue("TRANSFORMERS_OFFLINE");
  return c;
}

namespace {

// Why `id` is not a repo id the hub could have issued (huggingface_hub's validate_repo_id:
// [ORG/]NAME of letters, digits, '-', '_', '.', each part at most 96 characters, no '--' or
// '..', not starting or ending with '-' or '.'); nullptr when it is one.
const char* RepoIdDefect(std::string_view id) {
  if (id.empty()) return "empty repo id";
  size_t slash = id.find('/');
  if (slash != std::string_view::npos && id.find('/', slash + 1) != std::string_view::npos)
    return "more than one '/'";
  std::string_view parts[2] = {id.substr(0, slash), slash == std::string_view::npos
                                                        ? std::string_view("x")
                                                        : id.substr(slash + 1)};
  for (std::string_view part : parts) {
    if (part.empty()) return "empty org or name";
    if (part.size() > 96) return "org or name longer than 96 characters";
    for (char c : part) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
        return "invalid character in repo id (letters, digits, '-', '_', '.' only)";
    }
    if (part.front() == '-' || part.front() == '.' || part.back() == '-' || part.back() == '.')
      return "org or name starts or ends with '-' or '.'";
  }
  if (id.find("..") != std::string_view::npos) return "'..' in repo id";
  if (id.find("--") != std::string_view::npos) return "'--' in repo id";
  return nullptr;
}

}  // namespace

Status ValidateRepoId(std::string_view id) {
  if (const char* why = RepoIdDefect(id))
    return MakeError(Errc::kMalformed, fmt::format("repo id `{}`: {}", id, why));
  return OkStatus();
}

Result<RepoRef> RepoRef::Parse(std::string_view text) {
  RepoRef r;
  auto at = text.find('@');
  std::string_view repo = text.substr(0, at);
  if (at != std::string_view::npos) r.revision = std::string(text.substr(at + 1));
  auto bad = [&](const char* why) {
    return MakeError(Errc::kMalformed,
                     fmt::format("repo reference `{}`: {} (expected ORG/NAME[@REV])", text, why));
  };
  if (r.revision.empty()) return bad("empty revision after '@'");
  for (char c : r.revision) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return bad("control character or space in revision");
  }
  if (const char* why = RepoIdDefect(repo)) return bad(why);
  r.repo = std::string(repo);
  return r;
}

std::string RepoRef::ToString() const {
  return revision.empty() || revision == "main" ? repo : repo + "@" + revision;
}

int LevelRank(std::string_view l) {
  if (l == "unscanned") return 1;
  if (l == "queued") return 2;
  if (l == "error") return 3;
  if (l == "safe") return 4;
  if (l == "caution") return 5;
  if (l == "suspicious") return 6;
  if (l == "unsafe") return 7;
  return 0;
}

bool IsFlaggedLevel(std::string_view l) {
  return LevelRank(l) >= 5;
}

std::string FileSecurityStatus::WorstLevel() const {
  std::string w = status;
  for (const ScannerResult* s :
       {&av_scan, &pickle_import_scan, &protect_ai_scan, &jfrog_scan, &virus_total_scan}) {
    if (s->present && LevelRank(s->status) > LevelRank(w)) w = s->status;
  }
  return w;
}

std::string FileSecurityStatus::FlagMessage() const {
  for (const ScannerResult* s :
       {&av_scan, &pickle_import_scan, &protect_ai_scan, &jfrog_scan, &virus_total_scan}) {
    if (s->present && IsFlaggedLevel(s->status)) {
      if (!s->message.empty()) return s->message;
      if (s == &pickle_import_scan) {
        std::string out;
        for (const auto& p : s->pickle_imports) {
          if (p.safety == "innocuous") continue;
          out += fmt::format("{}{}.{} ({})", out.empty() ? "pickle imports: " : ", ", p.module,
                             p.name, p.safety);
        }
        if (!out.empty()) return out;
      }
    }
  }
  return {};
}

std::vector<std::string> ModelInfo::LicenseIds() const {
  std::vector<std::string> out;
  auto add = [&](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    s = TrimWs(s);
    if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  };
  for (const auto& l : card_licenses) add(l);
  for (const auto& l : license_tags) add(l);
  return out;
}

std::string UrlEncode(std::string_view s, bool keep_slash) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

HubClient::HubClient(HubConfig config)
    : config_(std::move(config)),
      transport_(std::make_shared<HttpTransport>(config_, std::make_shared<SharedStats>())) {
  while (!config_.endpoint.empty() && config_.endpoint.back() == '/') config_.endpoint.pop_back();
}

HubClient::~HubClient() = default;

std::shared_ptr<HttpTransport> HubClient::NewTransport() const {
  return std::make_shared<HttpTransport>(config_, transport_->stats());
}

HttpStats HubClient::stats() const {
  const auto& s = *transport_->stats();
  return HttpStats{s.requests.load(), s.retries.load(), s.rate_limited.load(), s.waited_ms.load(),
                   s.body_bytes.load()};
}

std::string HubClient::ResolveUrl(const std::string& repo, const std::string& revision,
                                  const std::string& path) const {
  return fmt::format("{}/{}/resolve/{}/{}", config_.endpoint, UrlEncode(repo, true),
                     UrlEncode(revision), UrlEncode(path, true));
}

namespace {
// GET an API URL and parse JSON; non-200 statuses become classified errors.
Result<std::pair<json, HttpResponse>> GetJson(HttpTransport& t, const std::string& url,
                                              const std::string& what) {
  HttpRequest req;
  req.url = url;
  MV_ASSIGN_OR_RETURN(HttpResponse resp, t.Send(req));
  if (resp.status != 200) return StatusError(resp, what, t.config());
  MV_ASSIGN_OR_RETURN(json j, ParseJsonBody(resp, what));
  return std::make_pair(std::move(j), std::move(resp));
}

// A Link URL from the server, with the public hub rewritten to the configured endpoint (as
// huggingface_hub's fix_hf_endpoint_in_url does).
std::string FixEndpoint(std::string url, const std::string& endpoint) {
  static const std::string kHub = "https://huggingface.co";
  if (endpoint != kHub && url.starts_with(kHub)) url = endpoint + url.substr(kHub.size());
  return url;
}
}  // namespace

Result<ModelInfo> HubClient::GetModelInfo(const std::string& repo, const std::string& revision,
                                          bool security_status) {
  std::string url = fmt::format("{}/api/models/{}", config_.endpoint, UrlEncode(repo, true));
  if (!revision.empty() && revision != "main") url += "/revision/" + UrlEncode(revision);
  if (security_status) url += "?securityStatus=true";
  std::string what = revision.empty() || revision == "main" ? repo : repo + "@" + revision;
  MV_ASSIGN_OR_RETURN(auto jr, GetJson(*transport_, url, what));
  if (!jr.first.is_object())
    return MakeError(Errc::kBadResponse,
                     fmt::format("bad response: {}: model info is not an object", what));
  return ParseModel(jr.first);
}

Result<RepoSecurityStatus> HubClient::GetScan(const std::string& repo) {
  std::string url = fmt::format("{}/api/models/{}/scan", config_.endpoint, UrlEncode(repo, true));
  MV_ASSIGN_OR_RETURN(auto jr, GetJson(*transport_, url, repo));
  if (!jr.first.is_object())
    return MakeError(Errc::kBadResponse,
                     fmt::format("bad response: {}: scan is not an object", repo));
  return ParseRepoSecurity(jr.first);
}

Result<std::vector<TreeEntry>> HubClient::ListTree(const std::string& repo,
                                                   const std::string& revision, bool expand,
                                                   bool recursive, const std::string& path) {
  std::string rev = revision.empty() ? "main" : revision;
  std::string url = fmt::format("{}/api/models/{}/tree/{}", config_.endpoint, UrlEncode(repo, true),
                                UrlEncode(rev));
  if (!path.empty()) url += "/" + UrlEncode(path, true);
  url += fmt::format("?recursive={}&expand={}", recursive ? "true" : "false",
                     expand ? "true" : "false");
  std::string what = repo + "@" + rev;
  std::vector<TreeEntry> out;
  Pager pager(what + " tree");
  for (uint64_t page = 0; !url.empty(); ++page) {
    if (page >= 100000)
      return MakeError(Errc::kBadResponse,
                       fmt::format("bad response: {}: tree pages never end", what));
    MV_ASSIGN_OR_RETURN(auto jr, GetJson(*transport_, url, what));
    MV_RETURN_IF_ERROR(pager.Account(url, jr.second));
    if (!jr.first.is_array())
      return MakeError(Errc::kBadResponse,
                       fmt::format("bad response: {}: tree page is not an array", what));
    for (const auto& e : jr.first) out.push_back(ParseTreeEntry(e));
    if (out.size() > limits::kMaxArchiveEntries)
      return MakeError(Errc::kLimit, fmt::format("{}: more than {} tree entries", what,
                                                 limits::kMaxArchiveEntries));
    url = FixEndpoint(NextLink(jr.second.Header("link")), config_.endpoint);
    MV_RETURN_IF_ERROR(pager.CheckNext(url));
  }
  return out;
}

Result<std::vector<ModelInfo>> HubClient::ListModels(const ListModelsQuery& q) {
  std::string url = config_.endpoint + "/api/models?";
  auto add = [&](const char* k, const std::string& v) {
    if (url.back() != '?') url += '&';
    url += k;
    url += '=';
    url += UrlEncode(v);
  };
  if (!q.search.empty()) add("search", q.search);
  if (!q.author.empty()) add("author", q.author);
  for (const auto& f : q.filters) add("filter", f);
  if (!q.sort.empty()) {
    add("sort", q.sort);
    add("direction", "-1");
  }
  uint64_t page_size = q.page_size ? q.page_size : 100;
  if (q.limit) page_size = std::min(page_size, q.limit);
  add("limit", std::to_string(page_size));
  if (!q.expand.empty()) {
    for (const auto& e : q.expand) add("expand", e);
  } else {
    if (q.full) add("full", "true");
    if (q.card_data) add("cardData", "true");
  }
  std::vector<ModelInfo> out;
  Pager pager("model listing");
  for (uint64_t page = 0; !url.empty(); ++page) {
    if (page >= q.max_pages) break;
    MV_ASSIGN_OR_RETURN(auto jr, GetJson(*transport_, url, "model listing"));
    MV_RETURN_IF_ERROR(pager.Account(url, jr.second));
    if (!jr.first.is_array())
      return MakeError(Errc::kBadResponse, "bad response: model listing is not an array");
    for (const auto& m : jr.first) {
      if (!m.is_object()) continue;
      ModelInfo info = ParseModel(m);
      if (q.stop_before && q.stop_before(info)) return out;
      out.push_back(std::move(info));
      if (q.limit && out.size() >= q.limit) return out;
    }
    url = FixEndpoint(NextLink(jr.second.Header("link")), config_.endpoint);
    MV_RETURN_IF_ERROR(pager.CheckNext(url));
  }
  return out;
}

Result<FileMeta> HubClient::HeadFile(const std::string& repo, const std::string& revision,
                                     const std::string& path) {
  HttpRequest req;
  req.method = "HEAD";
  req.url = ResolveUrl(repo, revision, path);
  req.follow_absolute_redirects = false;  // like huggingface_hub: stop at the CDN redirect
  std::string what = fmt::format("{}@{}:{}", repo, revision, path);
  MV_ASSIGN_OR_RETURN(HttpResponse resp, transport_->Send(req));
  bool redirect = resp.status >= 300 && resp.status < 400;
  if (resp.status != 200 && !redirect) return StatusError(resp, what, config_);
  FileMeta m;
  m.commit = resp.AnyHeader("x-repo-commit");
  std::string etag = resp.AnyHeader("x-linked-etag");
  if (etag.empty()) etag = resp.Header("etag");
  if (etag.starts_with("W/")) etag = etag.substr(2);
  etag.erase(std::remove(etag.begin(), etag.end(), '"'), etag.end());
  m.etag = etag;
  std::string size = resp.AnyHeader("x-linked-size");
  if (size.empty() && !redirect) size = resp.Header("content-length");
  m.size = ParseDecimal(size);
  std::string loc = resp.Header("x-mv-redirect-url");
  m.location = redirect && !loc.empty() ? loc : resp.url;
  m.redirected_off_host = OriginOf(m.location) != OriginOf(config_.endpoint);
  return m;
}

}  // namespace mv::hub
