// Internal to hub/: one libcurl easy handle with the policies every hub request needs —
// timeouts, retries with backoff on 408/429/5xx and on transport failures (connect, reset,
// timeout, empty reply), waits from Retry-After/RateLimit clamped to backoff_max_ms (values
// near 2^63 saturate, never wrap to zero), manual redirects that drop Authorization
// when the origin changes, a bounded body, and Accept-Encoding: identity (so ranges and
// sizes are never content-encoded).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "hub/client.h"

namespace mv::hub {

struct HttpRequest {
  std::string method = "GET";  // GET or HEAD
  std::string url;
  std::optional<std::pair<uint64_t, uint64_t>> range;  // inclusive bytes a-b
  bool follow_redirects = true;
  bool follow_absolute_redirects = true;  // false: stop at a redirect to another origin
  uint64_t max_body = 0;                  // 0: limits::kHttpMaxApiBody
};

struct HttpResponse {
  long status = 0;
  std::string url;  // URL of the last hop (the one that answered `status`)
  std::multimap<std::string, std::string> headers;        // last hop, names lowercase
  std::multimap<std::string, std::string> first_headers;  // first hop (hub metadata)
  std::string body;
  int hops = 0;                 // redirects followed
  bool auth_sent_last = false;  // Authorization was sent on the last hop
  std::string Header(std::string_view lower_name) const;
  std::string FirstHeader(std::string_view lower_name) const;
  // Header of any hop, first hop first (X-Linked-* live on the hub hop only).
  std::string AnyHeader(std::string_view lower_name) const;
};

struct SharedStats {
  std::atomic<uint64_t> requests{0}, retries{0}, rate_limited{0}, waited_ms{0}, body_bytes{0};
};

// A decimal uint64 with nothing around it; nullopt on anything else or overflow.
std::optional<uint64_t> ParseDecimal(std::string_view s);

// scheme://host:port of a URL (lowercase host, default port filled in); "" if unparsable.
std::string OriginOf(const std::string& url);

class HttpTransport {
 public:
  HttpTransport(HubConfig config, std::shared_ptr<SharedStats> stats);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Sends with retries and redirects. Any final HTTP status is returned as a value (the
  // caller maps it with StatusError); only transport failures, offline mode, a body above
  // max_body and redirect loops are errors.
  Result<HttpResponse> Send(const HttpRequest& req);
  const HubConfig& config() const { return config_; }
  const std::shared_ptr<SharedStats>& stats() const { return stats_; }

 private:
  Result<HttpResponse> SendOnce(const HttpRequest& req, const std::string& url, bool auth);
  long RetryDelayMs(const HttpResponse* resp, int attempt) const;

  HubConfig config_;
  std::string endpoint_origin_;
  std::shared_ptr<SharedStats> stats_;
  void* curl_ = nullptr;
};

// Maps an unexpected HTTP status to a classified Error (its Errc kind) naming `what` (the repo or
// file) and the fix.
Error StatusError(const HttpResponse& resp, const std::string& what, const HubConfig& cfg);

}  // namespace mv::hub
