// mv::Source over a hub file (resolve/{rev}/{path}) or any URL, read with HTTP Range requests
// through a small LRU block cache. The scan engine reads through it, so a 10 GB PyTorch zip
// costs its end-of-central-directory, central directory and pickles, not its tensors.
//
// Redirects are followed by hand: Authorization is sent only to the endpoint's own host:port,
// never after a hop to another host (the CDN URL is pre-signed). The first redirect is resolved
// once and its Location reused for every range (one resolver hit per file, not per block).
// Every ranged reply must be 206 with a Content-Range matching the request; a server that
// ignores Range (200 with the whole body) is tolerated once: the body, bounded by
// max_fallback_body, is kept in memory and served from there (range_fallback() says so).
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/limits.h"
#include "core/source.h"
#include "hub/client.h"

namespace mv::hub {

struct HttpSourceOptions {
  size_t block_size =
      limits::kHttpBlockSize;  // bytes per range request (rounded; reads spanning blocks merge)
  size_t cache_blocks =
      limits::kHttpCacheBlocks;  // LRU capacity: 4096 x 1 KiB = 4 MiB per open file
  // Sequential reads fetch ahead, doubling up to this many blocks per request (1: no read-ahead).
  size_t max_readahead_blocks = limits::kHttpMaxReadaheadBlocks;
  // Largest body kept when a server ignores Range; above it Open fails (kBadResponse) rather
  // than downloading an unbounded file into memory.
  uint64_t max_fallback_body = limits::kHttpMaxFallbackBody;
  // Known from the tree listing (size, lfs.oid); used when headers do not say, and checked
  // against them when they do.
  std::optional<uint64_t> expected_size;
  std::string expected_sha256;
};

class HttpSource final : public Source {
 public:
  // Opens {endpoint}/{repo}/resolve/{rev}/{path}: resolves the redirect and learns the size
  // (X-Linked-Size, Content-Range total of a 1-byte probe, or expected_size), the commit and
  // the etag. Errors as in client.h (gated, private or missing, not found, offline …).
  static Result<std::shared_ptr<HttpSource>> Open(HubClient& client, const std::string& repo,
                                                  const std::string& revision,
                                                  const std::string& path,
                                                  HttpSourceOptions options = {});
  // Opens an arbitrary URL (no hub metadata headers expected).
  static Result<std::shared_ptr<HttpSource>> OpenUrl(HubClient& client, const std::string& url,
                                                     HttpSourceOptions options = {});
  ~HttpSource() override;

  uint64_t size() const override { return size_; }
  // The span stays valid until the next Read (it points into the block cache or a scratch
  // buffer); hence stable() is false.
  Result<ByteSpan> Read(uint64_t off, size_t len) override;
  bool stable() const override { return false; }
  // Body bytes actually transferred for this file (block-granular; the whole body after a
  // range fallback). Re-fetching an evicted block counts again: it was transferred again.
  uint64_t bytes_read() const override { return bytes_transferred_; }

  uint64_t requests() const { return requests_; }                  // HTTP requests for content
  uint64_t cache_hits() const { return cache_hits_; }              // blocks served from the cache
  bool range_fallback() const { return fallback_; }                // server ignored Range
  const std::string& commit() const { return commit_; }            // X-Repo-Commit
  const std::string& linked_etag() const { return etag_; }         // sha256 (LFS) or git sha1
  const std::string& content_url() const { return content_url_; }  // after redirects

  // Whether the content has been hashed to its end: bytes are hashed in order as they are
  // transferred (a block that arrives early waits in the cache for the gap to be filled).
  // True after a range fallback, or when a reader went through the file front to back.
  bool read_whole() const;
  // Hex sha256 of the content once read whole, else nullopt.
  std::optional<std::string> Sha256() const;
  // Checks the content against expected_sha256, else a 64-hex X-Linked-Etag (sha256), else a
  // 40-hex one (git blob sha1 of "blob <size>\0" + content). When not yet read whole: with
  // read_rest, fetches the bytes not yet hashed (counted in bytes_read), else fails
  // kBadResponse "not read whole". No reference hash known: kBadResponse.
  // Ok when it matches; kHashMismatch naming both hashes otherwise.
  Status VerifyHash(bool read_rest = false);

 private:
  struct Impl;
  explicit HttpSource(std::unique_ptr<Impl> impl, HttpSourceOptions options);
  Status Init(const std::string& url);
  // Transfers bytes [a, b]; after a range fallback returns an empty string and fallback_ is set.
  Result<std::string> Fetch(uint64_t a, uint64_t b);
  // The block, from the cache or transferred; null after a switch to the fallback body.
  Result<const std::vector<uint8_t>*> Block(uint64_t index);
  // Transfers the missing blocks first..last in one request, extended by the read-ahead window
  // when `first` continues the previous transfer (never over a cached block or past the end).
  // Each block is passed to `sink` (may be null) before it enters the cache, which a read
  // larger than the cache may already have evicted it from. Returns the last block
  // transferred, or nullopt after a switch to the fallback body.
  using BlockSink = std::function<void(uint64_t index, const uint8_t* data, size_t size)>;
  Result<std::optional<uint64_t>> FetchRun(uint64_t first, uint64_t last, const BlockSink& sink);
  void InsertBlock(uint64_t index, std::vector<uint8_t> data);
  void StartFallback(std::string body);
  void HashAdvance();

  std::unique_ptr<Impl> impl_;
  HttpSourceOptions opt_;
  uint64_t size_ = 0;
  std::string commit_, etag_, content_url_;
  bool fallback_ = false;
  std::vector<uint8_t> whole_;  // body after a range fallback
  std::vector<uint8_t> scratch_;
  uint64_t bytes_transferred_ = 0;
  uint64_t requests_ = 0;
  uint64_t cache_hits_ = 0;
  uint64_t next_sequential_block_ = UINT64_MAX;  // the block after the last transfer
  uint64_t readahead_ = 1;                       // blocks: doubles on sequential transfers
  // LRU block cache: most recent at front.
  using BlockList = std::list<std::pair<uint64_t, std::vector<uint8_t>>>;
  BlockList lru_;
  std::unordered_map<uint64_t, BlockList::iterator> index_;
};

}  // namespace mv::hub
