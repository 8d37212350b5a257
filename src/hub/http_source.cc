#include "hub/http_source.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "core/text.h"
#include "hub/http.h"

namespace mv::hub {
namespace {

std::string Hex(const unsigned char* d, unsigned n) {
  std::string out;
  for (unsigned i = 0; i < n; ++i) out += fmt::format("{:02x}", d[i]);
  return out;
}

bool IsHexLen(const std::string& s, size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c));
         });
}

struct ContentRange {
  std::optional<std::pair<uint64_t, uint64_t>> range;  // absent for "bytes */N"
  uint64_t total = 0;
};

// "bytes a-b/total" or "bytes */total"; a total of "*" is not accepted (we need the size).
std::optional<ContentRange> ParseContentRange(const std::string& v) {
  if (!v.starts_with("bytes ")) return std::nullopt;
  std::string_view rest = std::string_view(v).substr(6);
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto total = ParseDecimal(rest.substr(slash + 1));
  if (!total) return std::nullopt;
  ContentRange cr;
  cr.total = *total;
  std::string_view span = rest.substr(0, slash);
  if (span == "*") return cr;
  auto dash = span.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto a = ParseDecimal(span.substr(0, dash));
  auto b = ParseDecimal(span.substr(dash + 1));
  if (!a || !b || *a > *b) return std::nullopt;
  cr.range = std::make_pair(*a, *b);
  return cr;
}

}  // namespace

struct HttpSource::Impl {
  std::shared_ptr<HttpTransport> transport;
  HubConfig config;
  std::string what;          // repo@rev:path or the URL, for messages
  std::string original_url;  // re-resolved when a signed content URL stops working
  EVP_MD_CTX* sha256 = nullptr;
  EVP_MD_CTX* sha1 = nullptr;  // git blob sha1
  uint64_t hashed_upto = 0;
  bool hash_started = false;
  std::optional<std::string> sha256_hex, sha1_hex;
  ~Impl() {
    if (sha256) EVP_MD_CTX_free(sha256);
    if (sha1) EVP_MD_CTX_free(sha1);
  }
  void StartHash(uint64_t size) {
    sha256 = EVP_MD_CTX_new();
    sha1 = EVP_MD_CTX_new();
    EVP_DigestInit_ex(sha256, EVP_sha256(), nullptr);
    EVP_DigestInit_ex(sha1, EVP_sha1(), nullptr);
    std::string prefix = fmt::format("blob {}", size);
    EVP_DigestUpdate(sha1, prefix.data(), prefix.size() + 1);  // includes the NUL
    hash_started = true;
  }
  void Update(const uint8_t* p, size_t n) {
    EVP_DigestUpdate(sha256, p, n);
    EVP_DigestUpdate(sha1, p, n);
    hashed_upto += n;
  }
  void Finish() {
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(sha256, d, &n);
    sha256_hex = Hex(d, n);
    EVP_DigestFinal_ex(sha1, d, &n);
    sha1_hex = Hex(d, n);
  }
};

HttpSource::HttpSource(std::unique_ptr<Impl> impl, HttpSourceOptions options)
    : impl_(std::move(impl)), opt_(std::move(options)) {
  if (opt_.block_size == 0) opt_.block_size = limits::kHttpBlockSize;
  if (opt_.cache_blocks == 0) opt_.cache_blocks = 1;
}

HttpSource::~HttpSource() = default;

Result<std::shared_ptr<HttpSource>> HttpSource::Open(HubClient& client, const std::string& repo,
                                                     const std::string& revision,
                                                     const std::string& path,
                                                     HttpSourceOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->transport = client.NewTransport();
  impl->config = client.config();
  impl->what = fmt::format("{}@{}:{}", repo, revision.empty() ? "main" : revision, path);
  std::shared_ptr<HttpSource> src(new HttpSource(std::move(impl), std::move(options)));
  MV_RETURN_IF_ERROR(
      src->Init(client.ResolveUrl(repo, revision.empty() ? "main" : revision, path)));
  return src;
}

Result<std::shared_ptr<HttpSource>> HttpSource::OpenUrl(HubClient& client, const std::string& url,
                                                        HttpSourceOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->transport = client.NewTransport();
  impl->config = client.config();
  impl->what = url;
  std::shared_ptr<HttpSource> src(new HttpSource(std::move(impl), std::move(options)));
  MV_RETURN_IF_ERROR(src->Init(url));
  return src;
}

Status HttpSource::Init(const std::string& url) {
  impl_->original_url = url;
  HttpRequest req;
  req.url = url;
  req.range = std::make_pair(uint64_t{0}, uint64_t{opt_.block_size - 1});
  req.max_body = std::max<uint64_t>(opt_.max_fallback_body, opt_.block_size);
  ++requests_;
  MV_ASSIGN_OR_RETURN(HttpResponse resp, impl_->transport->Send(req));
  const std::string& what = impl_->what;
  commit_ = resp.AnyHeader("x-repo-commit");
  std::string etag = resp.AnyHeader("x-linked-etag");
  if (etag.starts_with("W/")) etag = etag.substr(2);
  etag.erase(std::remove(etag.begin(), etag.end(), '"'), etag.end());
  etag_ = LowerAscii(etag);
  content_url_ = resp.url;
  std::string body;
  if (resp.status == 206) {
    auto cr = ParseContentRange(resp.Header("content-range"));
    if (!cr || !cr->range || cr->range->first != 0 || cr->total == 0 ||
        cr->range->second != std::min<uint64_t>(opt_.block_size, cr->total) - 1 ||
        resp.body.size() != cr->range->second + 1) {
      return MakeError(
          Errc::kBadResponse,
          fmt::format("bad response: {}: 206 with Content-Range `{}` and {} body bytes "
                      "does not answer bytes=0-{}",
                      what, resp.Header("content-range"), resp.body.size(), opt_.block_size - 1));
    }
    size_ = cr->total;
    body = std::move(resp.body);
  } else if (resp.status == 416) {
    auto cr = ParseContentRange(resp.Header("content-range"));
    if (!cr || cr->total != 0) {
      return MakeError(Errc::kBadResponse,
                       fmt::format("bad response: {}: 416 for bytes=0-{} but "
                                   "Content-Range `{}` is not an empty file",
                                   what, opt_.block_size - 1, resp.Header("content-range")));
    }
    size_ = 0;
  } else if (resp.status == 200) {
    if (auto cl = ParseDecimal(resp.Header("content-length")); cl && *cl != resp.body.size()) {
      return MakeError(Errc::kBadResponse, fmt::format("bad response: {}: got {} of {} bytes", what,
                                                       resp.body.size(), *cl));
    }
    size_ = resp.body.size();
  } else {
    return StatusError(resp, what, impl_->config);
  }
  if (auto linked = ParseDecimal(resp.AnyHeader("x-linked-size")); linked && *linked != size_) {
    return MakeError(Errc::kBadResponse,
                     fmt::format("bad response: {}: X-Linked-Size {} but the content "
                                 "has {} bytes",
                                 what, *linked, size_));
  }
  if (opt_.expected_size && *opt_.expected_size != size_) {
    return MakeError(Errc::kBadResponse,
                     fmt::format("bad response: {}: the tree says {} bytes but the "
                                 "content has {}",
                                 what, *opt_.expected_size, size_));
  }
  impl_->StartHash(size_);
  if (resp.status == 200) {
    StartFallback(std::move(resp.body));
  } else if (size_ > 0) {
    bytes_transferred_ += body.size();
    InsertBlock(0, std::vector<uint8_t>(body.begin(), body.end()));
  } else {
    HashAdvance();
  }
  return OkStatus();
}

void HttpSource::StartFallback(std::string body) {
  fallback_ = true;
  bytes_transferred_ += body.size();
  whole_.assign(body.begin(), body.end());
  lru_.clear();
  index_.clear();
  HashAdvance();
}

Result<std::string> HttpSource::Fetch(uint64_t a, uint64_t b) {
  const std::string& what = impl_->what;
  for (int attempt = 0;; ++attempt) {
    HttpRequest req;
    req.url = content_url_;
    req.range = std::make_pair(a, b);
    req.max_body = std::max<uint64_t>(opt_.max_fallback_body, b - a + 1);
    ++requests_;
    MV_ASSIGN_OR_RETURN(HttpResponse resp, impl_->transport->Send(req));
    if (resp.status == 206) {
      auto cr = ParseContentRange(resp.Header("content-range"));
      if (!cr || !cr->range || cr->range->first != a || cr->range->second != b ||
          cr->total != size_ || resp.body.size() != b - a + 1) {
        return MakeError(
            Errc::kBadResponse,
            fmt::format("bad response: {}: asked bytes={}-{} of {}, got 206 with "
                        "Content-Range `{}` and {} bytes",
                        what, a, b, size_, resp.Header("content-range"), resp.body.size()));
      }
      bytes_transferred_ += resp.body.size();
      content_url_ = resp.url;
      return std::move(resp.body);
    }
    if (resp.status == 200) {
      if (resp.body.size() != size_) {
        return MakeError(Errc::kBadResponse,
                         fmt::format("bad response: {}: server ignored Range and "
                                     "sent {} bytes of a {}-byte file",
                                     what, resp.body.size(), size_));
      }
      StartFallback(std::move(resp.body));
      return std::string();
    }
    bool expired =
        resp.status == 401 || resp.status == 403 || resp.status == 404 || resp.status == 410;
    if (expired && attempt == 0 && content_url_ != impl_->original_url) {
      content_url_ = impl_->original_url;  // a signed CDN URL expired: resolve again
      continue;
    }
    return StatusError(resp, what, impl_->config);
  }
}

void HttpSource::InsertBlock(uint64_t index, std::vector<uint8_t> data) {
  if (auto it = index_.find(index); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.emplace_front(index, std::move(data));
  index_[index] = lru_.begin();
  // Hash before evicting: the block may be the one the hash is waiting for.
  HashAdvance();
  while (lru_.size() > opt_.cache_blocks) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

void HttpSource::HashAdvance() {
  if (!impl_->hash_started || impl_->sha256_hex) return;
  if (fallback_) {
    if (impl_->hashed_upto < whole_.size())
      impl_->Update(whole_.data() + impl_->hashed_upto, whole_.size() - impl_->hashed_upto);
  } else {
    while (impl_->hashed_upto < size_) {
      uint64_t idx = impl_->hashed_upto / opt_.block_size;
      if (impl_->hashed_upto != idx * opt_.block_size) break;  // cannot happen: whole blocks
      auto it = index_.find(idx);
      if (it == index_.end()) break;
      const auto& data = it->second->second;
      impl_->Update(data.data(), data.size());
    }
  }
  if (impl_->hashed_upto >= size_) impl_->Finish();
}

Result<std::optional<uint64_t>> HttpSource::FetchRun(uint64_t first, uint64_t last,
                                                     const BlockSink& sink) {
  const uint64_t bs = opt_.block_size;
  const uint64_t nblocks = (size_ + bs - 1) / bs;
  readahead_ =
      first == next_sequential_block_
          ? std::min<uint64_t>(readahead_ * 2, std::max<size_t>(opt_.max_readahead_blocks, 1))
          : 1;
  uint64_t j = first;
  // Read-ahead never exceeds the cache, so the block asked for is still cached afterwards.
  uint64_t ahead = std::min<uint64_t>(readahead_, std::max<size_t>(opt_.cache_blocks, 1));
  uint64_t want = std::max(last, first + ahead - 1);
  while (j + 1 < nblocks && j + 1 <= want && !index_.count(j + 1)) ++j;
  uint64_t a = first * bs, b = std::min<uint64_t>((j + 1) * bs, size_) - 1;
  MV_ASSIGN_OR_RETURN(std::string body, Fetch(a, b));
  if (fallback_) return std::optional<uint64_t>();
  next_sequential_block_ = j + 1;
  for (uint64_t k = first; k <= j; ++k) {
    uint64_t s = (k - first) * bs;
    uint64_t e = std::min<uint64_t>(s + bs, body.size());
    const uint8_t* p = reinterpret_cast<const uint8_t*>(body.data()) + s;
    if (sink) sink(k, p, e - s);
    InsertBlock(k, std::vector<uint8_t>(p, p + (e - s)));
  }
  return std::optional<uint64_t>(j);
}

Result<const std::vector<uint8_t>*> HttpSource::Block(uint64_t index) {
  if (auto it = index_.find(index); it != index_.end()) {
    ++cache_hits_;
    lru_.splice(lru_.begin(), lru_, it->second);
    return &lru_.front().second;
  }
  MV_ASSIGN_OR_RETURN(std::optional<uint64_t> got, FetchRun(index, index, nullptr));
  if (!got) return static_cast<const std::vector<uint8_t>*>(nullptr);
  auto it = index_.find(index);
  lru_.splice(lru_.begin(), lru_, it->second);
  return &lru_.front().second;
}

Result<ByteSpan> HttpSource::Read(uint64_t off, size_t len) {
  if (off >= size_ || len == 0) return ByteSpan();
  uint64_t n = std::min<uint64_t>(len, size_ - off);
  if (n > limits::kHttpMaxSingleRead) {
    return MakeError(Errc::kLimit,
                     fmt::format("{}: read of {} bytes at {} exceeds the remote read limit {}",
                                 impl_->what, n, off, limits::kHttpMaxSingleRead),
                     off);
  }
  if (fallback_) return ByteSpan(whole_.data() + off, n);
  const uint64_t bs = opt_.block_size;
  uint64_t first = off / bs, last = (off + n - 1) / bs;
  if (first == last) {
    MV_ASSIGN_OR_RETURN(const std::vector<uint8_t>* blk, Block(first));
    if (!blk) return ByteSpan(whole_.data() + off, n);
    return ByteSpan(blk->data() + (off - first * bs), n);
  }
  scratch_.resize(n);
  // Copies the part of block `idx` (starting at absolute offset idx*bs, `data`) inside the read.
  auto copy = [&](uint64_t idx, const uint8_t* data, size_t size) {
    uint64_t bstart = idx * bs;
    uint64_t from = std::max(off, bstart), to = std::min(off + n, bstart + size);
    if (to > from) std::memcpy(scratch_.data() + (from - off), data + (from - bstart), to - from);
  };
  for (uint64_t i = first; i <= last;) {
    if (auto it = index_.find(i); it != index_.end()) {
      ++cache_hits_;
      lru_.splice(lru_.begin(), lru_, it->second);
      copy(i, it->second->second.data(), it->second->second.size());
      ++i;
      continue;
    }
    uint64_t j = i;  // one request for the run of missing blocks (plus any read-ahead)
    while (j + 1 <= last && !index_.count(j + 1)) ++j;
    MV_ASSIGN_OR_RETURN(std::optional<uint64_t> got, FetchRun(i, j, copy));
    if (!got) return ByteSpan(whole_.data() + off, n);
    i = j + 1;
  }
  return ByteSpan(scratch_.data(), n);
}

bool HttpSource::read_whole() const {
  return impl_->sha256_hex.has_value();
}

std::optional<std::string> HttpSource::Sha256() const {
  return impl_->sha256_hex;
}

Status HttpSource::VerifyHash(bool read_rest) {
  const std::string& what = impl_->what;
  std::string want = LowerAscii(opt_.expected_sha256);
  bool is_sha1 = false;
  if (want.empty()) {
    if (IsHexLen(etag_, 64)) {
      want = etag_;
    } else if (IsHexLen(etag_, 40)) {
      want = etag_;
      is_sha1 = true;
    }
  }
  if (want.empty()) {
    return MakeError(Errc::kBadResponse,
                     fmt::format("bad response: {}: no sha256 or git sha1 to verify "
                                 "against (X-Linked-Etag `{}`)",
                                 what, etag_));
  }
  if (!impl_->sha256_hex) {
    if (!read_rest) {
      return MakeError(Errc::kBadResponse,
                       fmt::format("bad response: {}: not read whole ({} of {} bytes "
                                   "hashed in order)",
                                   what, impl_->hashed_upto, size_));
    }
    while (!impl_->sha256_hex && !fallback_) {
      uint64_t before = impl_->hashed_upto;
      MV_ASSIGN_OR_RETURN(const std::vector<uint8_t>* blk, Block(before / opt_.block_size));
      (void)blk;
      if (impl_->hashed_upto == before && !fallback_) {
        return MakeError(Errc::kBadResponse,
                         fmt::format("bad response: {}: hashing stalled at {}", what, before));
      }
    }
    HashAdvance();
  }
  const std::string& got = is_sha1 ? *impl_->sha1_hex : *impl_->sha256_hex;
  if (got != want) {
    return MakeError(Errc::kHashMismatch,
                     fmt::format("hash mismatch: {}: content {} is {} but the hub "
                                 "says {}",
                                 what, is_sha1 ? "git sha1" : "sha256", got, want));
  }
  return OkStatus();
}

}  // namespace mv::hub
