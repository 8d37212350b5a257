#include "hub/http.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>
#include <thread>

#include "core/limits.h"
#include "core/text.h"

namespace mv::hub {
namespace {

std::once_flag g_curl_init;

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string Get(const std::multimap<std::string, std::string>& h, std::string_view name) {
  auto it = h.find(std::string(name));
  return it == h.end() ? std::string() : it->second;
}

struct Sink {
  HttpResponse* resp;
  uint64_t max_body;
  bool too_big = false;
};

size_t WriteCb(char* ptr, size_t size, size_t nmemb, void* user) {
  auto* s = static_cast<Sink*>(user);
  size_t n = size * nmemb;
  if (s->resp->body.size() + n > s->max_body) {
    s->too_big = true;
    return 0;  // aborts the transfer
  }
  s->resp->body.append(ptr, n);
  return n;
}

size_t HeaderCb(char* ptr, size_t size, size_t nmemb, void* user) {
  auto* s = static_cast<Sink*>(user);
  size_t n = size * nmemb;
  std::string_view line(ptr, n);
  if (line.starts_with("HTTP/")) {
    s->resp->headers.clear();  // a new response (e.g. after 100 Continue)
    return n;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    s->resp->headers.emplace(LowerAscii(Trim(line.substr(0, colon))), Trim(line.substr(colon + 1)));
  }
  return n;
}

bool Retryable(long status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
         status == 504;
}

// Transport failures worth another attempt: the connection could not be made, broke, stalled
// or returned nothing. DNS, TLS verification and protocol errors are not retried.
bool RetryableCurl(CURLcode c) {
  switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return true;
    default: return false;
  }
}

// Seconds as a header gives them: decimal digits only; values too large for uint64 saturate.
std::optional<uint64_t> ParseSeconds(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
  }
  return v;
}

// `RateLimit: "api";r=0;t=55` -> 55 when r=0.
std::optional<uint64_t> RateLimitResetSeconds(const std::string& v) {
  if (v.empty()) return std::nullopt;
  std::optional<uint64_t> r, t;
  size_t pos = 0;
  while (pos < v.size()) {
    size_t semi = v.find(';', pos);
    std::string part = Trim(std::string_view(v).substr(
        pos, semi == std::string::npos ? std::string::npos : semi - pos));
    if (part.size() > 2 && part[1] == '=' && (part[0] == 'r' || part[0] == 't')) {
      if (auto x = ParseSeconds(std::string_view(part).substr(2))) (part[0] == 'r' ? r : t) = x;
    }
    if (semi == std::string::npos) break;
    pos = semi + 1;
  }
  if (r && *r == 0 && t) return t;
  return std::nullopt;
}

}  // namespace

std::string HttpResponse::Header(std::string_view n) const {
  return Get(headers, n);
}
std::string HttpResponse::FirstHeader(std::string_view n) const {
  return Get(first_headers, n);
}
std::string HttpResponse::AnyHeader(std::string_view n) const {
  std::string v = Get(first_headers, n);
  return v.empty() ? Get(headers, n) : v;
}

std::optional<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

std::string OriginOf(const std::string& url) {
  CURLU* u = curl_url();
  std::string out;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char *scheme = nullptr, *host = nullptr, *port = nullptr;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
      out = LowerAscii(scheme) + "://" + LowerAscii(host) + ":" + port;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return out;
}

HttpTransport::HttpTransport(HubConfig config, std::shared_ptr<SharedStats> stats)
    : config_(std::move(config)), stats_(std::move(stats)) {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  endpoint_origin_ = OriginOf(config_.endpoint);
  curl_ = curl_easy_init();
}

HttpTransport::~HttpTransport() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

long HttpTransport::RetryDelayMs(const HttpResponse* resp, int attempt) const {
  const long cap = std::max(0L, config_.backoff_max_ms);
  // Seconds from the server, as milliseconds, saturating at the cap (a value near 2^63 must
  // not wrap around to "no wait").
  auto seconds = [cap](uint64_t s) {
    return s >= static_cast<uint64_t>(cap) / 1000 + 1 ? cap : static_cast<long>(s) * 1000;
  };
  long ms = config_.backoff_initial_ms << std::min(attempt, 20);
  if (resp) {
    if (auto t = RateLimitResetSeconds(resp->Header("ratelimit"))) {
      ms = seconds(*t == UINT64_MAX ? *t : *t + 1);
    } else if (auto ra = ParseSeconds(Trim(resp->Header("retry-after")))) {
      ms = seconds(*ra);  // the HTTP-date form does not parse: the backoff is used
    }
  }
  return std::clamp(ms, 0L, cap);
}

Result<HttpResponse> HttpTransport::SendOnce(const HttpRequest& req, const std::string& url,
                                             bool auth) {
  CURL* c = static_cast<CURL*>(curl_);
  if (!c) return MakeError(Errc::kNetwork, "network: cannot initialise libcurl");
  curl_easy_reset(c);
  HttpResponse resp;
  Sink sink{&resp, req.max_body ? req.max_body : limits::kHttpMaxApiBody};
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, config_.connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, config_.request_timeout_ms);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, config_.low_speed_timeout_s);
  curl_easy_setopt(c, CURLOPT_USERAGENT, config_.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteCb);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, HeaderCb);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
  if (req.method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  curl_slist* hdrs = nullptr;
  hdrs = curl_slist_append(hdrs, "Accept-Encoding: identity");
  std::string auth_line, range_line;
  if (auth) {
    auth_line = "Authorization: Bearer " + config_.token;
    hdrs = curl_slist_append(hdrs, auth_line.c_str());
  }
  if (req.range) {
    range_line = fmt::format("Range: bytes={}-{}", req.range->first, req.range->second);
    hdrs = curl_slist_append(hdrs, range_line.c_str());
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  stats_->requests++;
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(hdrs);
  stats_->body_bytes += resp.body.size();
  if (sink.too_big) {
    return MakeError(Errc::kBadResponse,
                     fmt::format("bad response: body of {} exceeds {} bytes", url, sink.max_body));
  }
  if (rc != CURLE_OK) {
    Error e = MakeError(Errc::kNetwork, fmt::format("network: {}: {}", url,
                                                    errbuf[0] ? errbuf : curl_easy_strerror(rc)));
    e.offset = static_cast<uint64_t>(rc);  // the curl code, for the retry decision
    return e;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  resp.url = url;
  resp.auth_sent_last = auth;
  if (resp.status >= 300 && resp.status < 400) {
    char* loc = nullptr;
    curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc);  // absolute, resolved against url
    if (loc) resp.headers.emplace("x-mv-redirect-url", loc);
  }
  return resp;
}

Result<HttpResponse> HttpTransport::Send(const HttpRequest& req) {
  if (config_.offline) {
    return MakeError(Errc::kOffline, fmt::format("offline: HF_HUB_OFFLINE is set; refusing network "
                                                 "access to {}",
                                                 req.url));
  }
  std::string url = req.url;
  // Authorization goes only to the endpoint's own origin, and never again after a hop away.
  bool auth_allowed = !config_.token.empty();
  std::multimap<std::string, std::string> first_headers;
  for (int hop = 0;; ++hop) {
    bool auth = auth_allowed && OriginOf(url) == endpoint_origin_;
    Result<HttpResponse> r = MakeError(Errc::kNetwork, "network: not sent");
    // The shared budget (HubConfig::gate) counts requests to the hub itself, per its buckets.
    const char* bucket = nullptr;
    if (config_.gate && OriginOf(url) == endpoint_origin_)
      bucket = url.find("/resolve/") != std::string::npos ||
                       url.find("/resolve-cache/") != std::string::npos
                   ? "resolvers"
                   : "api";
    for (int attempt = 0;; ++attempt) {
      if (bucket) config_.gate->Acquire(bucket);
      r = SendOnce(req, url, auth);
      bool retry = false;
      if (!r.ok()) {
        retry = r.error().code == Errc::kNetwork &&
                RetryableCurl(static_cast<CURLcode>(r.error().offset));
      } else {
        if (r->status == 429) {
          stats_->rate_limited++;
          if (bucket) config_.gate->RateLimited(bucket, RetryDelayMs(&r.value(), attempt));
        }
        retry = Retryable(r->status);
      }
      if (!retry || attempt >= config_.max_retries) break;
      long ms = RetryDelayMs(r.ok() ? &r.value() : nullptr, attempt);
      stats_->retries++;
      stats_->waited_ms += static_cast<uint64_t>(ms);
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
    if (!r.ok()) return r.error();
    HttpResponse resp = std::move(r).value();
    if (hop == 0) first_headers = resp.headers;
    resp.first_headers = first_headers;
    resp.hops = hop;
    std::string next = resp.Header("x-mv-redirect-url");
    bool is_redirect = resp.status == 301 || resp.status == 302 || resp.status == 303 ||
                       resp.status == 307 || resp.status == 308;
    if (!is_redirect || !req.follow_redirects || next.empty()) return resp;
    if (!req.follow_absolute_redirects && OriginOf(next) != OriginOf(url)) return resp;
    if (hop + 1 > limits::kHttpMaxRedirects) {
      return MakeError(Errc::kBadResponse,
                       fmt::format("bad response: more than {} redirects from {}",
                                   limits::kHttpMaxRedirects, req.url));
    }
    if (OriginOf(next) != endpoint_origin_) auth_allowed = false;
    url = next;
  }
}

Error StatusError(const HttpResponse& resp, const std::string& what, const HubConfig& cfg) {
  std::string code = resp.AnyHeader("x-error-code");
  std::string msg = resp.Header("x-error-message");
  std::string token_hint = cfg.token.empty()
                               ? "no token is set: set HF_TOKEN"
                               : fmt::format("the token from {} was sent", cfg.token_source);
  std::string detail = msg.empty() ? "" : fmt::format(" (hub: {})", msg);
  long s = resp.status;
  std::string text;
  Errc kind = Errc::kHttpStatus;
  bool gated = code == "GatedRepo" || msg.find("is restricted") != std::string::npos;
  if ((s == 401 || s == 403) && gated) {
    kind = Errc::kGated;
    text = fmt::format(
        "gated: {}: access is restricted; accept the conditions at {}/{} and use "
        "a token of that account ({}){}",
        what, cfg.endpoint, what.substr(0, what.find('@')), token_hint, detail);
  } else if (s == 401 && msg.find("Invalid credentials") != std::string::npos) {
    kind = Errc::kForbidden;
    text = fmt::format("forbidden: {}: the hub rejected the token from {}{}", what,
                       cfg.token_source, detail);
  } else if (s == 401) {
    kind = Errc::kUnauthorized;
    text = fmt::format(
        "private or missing: {}: the hub answered 401; the repo is private or "
        "does not exist ({}){}",
        what, token_hint, detail);
  } else if (s == 403) {
    kind = Errc::kForbidden;
    text = fmt::format("forbidden: {}: the hub answered 403{}", what, detail);
  } else if (s == 404) {
    kind = Errc::kNotFound;
    text = fmt::format("not found: {}: {}{}", what, code.empty() ? "404" : code, detail);
  } else if (s == 429) {
    kind = Errc::kRateLimited;
    text = fmt::format("rate limited: {}: still 429 after {} retries (RateLimit: {})", what,
                       cfg.max_retries, resp.Header("ratelimit"));
  } else {
    text = fmt::format("http {}: {}{}", s, what, detail);
  }
  return MakeError(kind, std::move(text));
}

}  // namespace mv::hub
