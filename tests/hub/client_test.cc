// The hub client and HttpSource against the loopback stand-in (tests/hubstub/hubstub.py).
#include "hub/client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/limits.h"
#include "core/sha256.h"
#include "hub/http_source.h"
#include "hubstub.h"
#include "kb/kb.h"
#include "scan/scanner.h"

namespace mv::hub {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kLargeTensor = 200ull << 20;
constexpr uint64_t kManyTensors = 256;
constexpr const char* kApproved = "hf_stub_approved";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

class HubTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new fs::path(fs::temp_directory_path() / ("mv-hub-test-" + std::to_string(::getpid())));
    fs::remove_all(*tmp_);
    fs::path repos = *tmp_ / "repos";
    // A torch-zip-shaped model whose tensor member is 200 MB of stored zeros (sparse on disk).
    fs::path big = repos / "hubtest" / "bigmodel" / "pytorch_model.bin";
    fs::create_directories(big.parent_path());
    std::string cmd = std::string("/usr/bin/python3 ") + MV_SOURCE_DIR +
                      "/tests/hubstub/make_repos.py large-zip " + big.string() + " " +
                      std::to_string(kLargeTensor);
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    WriteFile(repos / "hubtest" / "bigmodel" / "repo.json",
              R"({"downloads": 7, "cardData": {"license": "apache-2.0"}})");
    // A 1 GiB state dict in kManyTensors stored members (sparse on disk), as real checkpoints
    // with hundreds of tensors are laid out.
    fs::path many = repos / "hubtest" / "manytensors" / "pytorch_model.bin";
    fs::create_directories(many.parent_path());
    cmd = std::string("/usr/bin/python3 ") + MV_SOURCE_DIR + "/tests/hubstub/make_repos.py " +
          "large-zip " + many.string() + " " + std::to_string(1ull << 30) + " " +
          std::to_string(kManyTensors);
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    WriteFile(repos / "hubtest" / "manytensors" / "repo.json", R"({"downloads": 3})");
    // A repo with nested files for tree paging.
    for (const char* f : {"a.txt", "b/c.txt", "b/d/e.txt", "f.txt", "g/h.txt"})
      WriteFile(repos / "hubtest" / "paging" / f, std::string("content of ") + f);
    WriteFile(repos / "hubtest" / "paging" / "repo.json", R"({"downloads": 1})");
    // Five models of one author for listing order and Link paging.
    for (int i = 1; i <= 5; ++i) {
      WriteFile(repos / "hubtest-list" / ("m" + std::to_string(i)) / "repo.json",
                "{\"downloads\": " + std::to_string(i * 10) + ", \"tags\": [\"pytorch\"" +
                    (i % 2 ? ", \"odd\"" : "") + "]}");
    }
    stub_ = new testing::HubStub();
    ASSERT_TRUE(stub_->Start({"--repos", repos.string()}));
  }
  static void TearDownTestSuite() {
    delete stub_;
    stub_ = nullptr;
    if (tmp_) fs::remove_all(*tmp_);
    delete tmp_;
    tmp_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(stub_, nullptr);
    stub_->Config(
        "rate_limit=0&ignore_range=0&bad_range=0&range_then_full=0&page_size=50&retry_after=1&"
        "cdn_expires=3600");
    stub_->Reset();
  }
  static HubConfig Config(const std::string& token = "") {
    HubConfig c;
    c.endpoint = stub_->endpoint();
    c.token = token;
    c.token_source = token.empty() ? "" : "test";
    c.connect_timeout_ms = 2000;
    c.request_timeout_ms = 20000;
    c.backoff_initial_ms = 50;
    return c;
  }
  // The block cache's mechanics in 64 KiB blocks without read-ahead (the defaults are 1 KiB
  // blocks with read-ahead, tested by the remote-scan tests below).
  static HttpSourceOptions Blocks64K() {
    HttpSourceOptions o;
    o.block_size = 64 << 10;
    o.cache_blocks = 64;
    o.max_readahead_blocks = 1;
    return o;
  }
  static std::string Fixture(const std::string& repo, const std::string& file) {
    return ReadFile(std::string(MV_SOURCE_DIR) + "/tests/hubstub/repos/" + repo + "/" + file);
  }

  static inline testing::HubStub* stub_ = nullptr;
  static inline fs::path* tmp_ = nullptr;
};

TEST_F(HubTest, ModelInfoWithSecurityStatus) {
  HubClient client(Config());
  auto info = client.GetModelInfo("examples/gpt2-flagged-malicious");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->id, "examples/gpt2-flagged-malicious");
  EXPECT_EQ(info->sha.size(), 40u);
  EXPECT_EQ(info->downloads, 912u);
  EXPECT_EQ(info->likes, 2u);
  EXPECT_EQ(info->library_name, "transformers");
  EXPECT_EQ(info->LicenseIds(), std::vector<std::string>{"mit"});
  ASSERT_TRUE(info->security.present);
  EXPECT_TRUE(info->security.scans_done);
  ASSERT_EQ(info->security.files_with_issues.size(), 1u);
  EXPECT_EQ(info->security.files_with_issues[0].path, "pytorch_model.bin");
  EXPECT_EQ(info->security.files_with_issues[0].level, "unsafe");
  EXPECT_EQ(info->siblings, (std::vector<std::string>{"README.md", "pytorch_model.bin"}));

  auto unflagged = client.GetModelInfo("examples/legacy-unflagged-malicious");
  ASSERT_TRUE(unflagged.ok()) << unflagged.error().message;
  EXPECT_TRUE(unflagged->security.present);
  EXPECT_TRUE(unflagged->security.files_with_issues.empty());
  EXPECT_EQ(unflagged->card_licenses, std::vector<std::string>{"other"});
  EXPECT_EQ(unflagged->license_name, "acme-model-license");
  EXPECT_EQ(unflagged->license_link, "LICENSE");

  auto no_sec = client.GetModelInfo("examples/gpt2-flagged-malicious", "main", false);
  ASSERT_TRUE(no_sec.ok());
  EXPECT_FALSE(no_sec->security.present);

  auto scan = client.GetScan("examples/yolo-flagged-benign");
  ASSERT_TRUE(scan.ok()) << scan.error().message;
  ASSERT_EQ(scan->files_with_issues.size(), 2u);
  EXPECT_EQ(scan->files_with_issues[0].path, "deepfashion2_yolov8s-seg.pt");
  EXPECT_EQ(scan->files_with_issues[0].level, "unsafe");
  EXPECT_EQ(scan->files_with_issues[1].path, "training_args.bin");
  EXPECT_EQ(scan->files_with_issues[1].level, "suspicious");

  auto by_sha = client.GetModelInfo("examples/gpt2-flagged-malicious", info->sha);
  ASSERT_TRUE(by_sha.ok()) << by_sha.error().message;
  EXPECT_EQ(by_sha->sha, info->sha);
  auto bad_rev = client.GetModelInfo("examples/gpt2-flagged-malicious", "no-such-branch");
  ASSERT_FALSE(bad_rev.ok());
  EXPECT_EQ(bad_rev.error().code, Errc::kNotFound);
  EXPECT_NE(bad_rev.error().message.find("RevisionNotFound"), std::string::npos);
}

TEST_F(HubTest, TreeCarriesFileSecurityStatus) {
  HubClient client(Config());
  auto tree = client.ListTree("examples/gpt2-flagged-malicious", "main");
  ASSERT_TRUE(tree.ok()) << tree.error().message;
  ASSERT_EQ(tree->size(), 2u);
  const TreeEntry& readme = (*tree)[0];
  const TreeEntry& model = (*tree)[1];
  EXPECT_EQ(readme.path, "README.md");
  EXPECT_FALSE(readme.is_lfs);
  EXPECT_EQ(readme.security.pickle_import_scan.status, "unscanned");
  EXPECT_EQ(model.path, "pytorch_model.bin");
  EXPECT_TRUE(model.is_file());
  EXPECT_TRUE(model.is_lfs);
  std::string bytes = Fixture("examples/gpt2-flagged-malicious", "pytorch_model.bin");
  EXPECT_EQ(model.size, bytes.size());
  EXPECT_EQ(model.lfs_sha256, Sha256Hex(bytes));
  EXPECT_EQ(model.last_commit_id.size(), 40u);
  ASSERT_TRUE(model.security.present);
  EXPECT_EQ(model.security.status, "unsafe");
  EXPECT_EQ(model.security.av_scan.status, "unsafe");
  EXPECT_EQ(model.security.av_scan.message,
            "Detected malware signatures: Py.Malware.CodeExec_posix_system_GLOBAL");
  ASSERT_EQ(model.security.pickle_import_scan.pickle_imports.size(), 4u);
  const PickleImport& first = model.security.pickle_import_scan.pickle_imports[0];
  EXPECT_EQ(first.module, "posix");
  EXPECT_EQ(first.name, "system");
  EXPECT_EQ(first.safety, "dangerous");
  EXPECT_EQ(model.security.pickle_import_scan.pickle_imports[1].safety, "innocuous");
  EXPECT_EQ(model.security.WorstLevel(), "unsafe");
  EXPECT_NE(model.security.raw_json.find("pickleImportScan"), std::string::npos);

  auto yolo = client.ListTree("examples/yolo-flagged-benign", "main");
  ASSERT_TRUE(yolo.ok());
  for (const auto& e : *yolo) {
    if (e.path == "deepfashion2_yolov8s-seg.pt") {
      EXPECT_EQ(e.security.status, "unsafe");
      // ClamAV is clean, so the message lists the non-innocuous imports.
      EXPECT_EQ(e.security.FlagMessage(),
                "pickle imports: ultralytics.nn.tasks.SegmentationModel (suspicious), "
                "__builtin__.getattr (dangerous)");
    }
  }
  // Without expand there is no security status.
  auto plain = client.ListTree("examples/gpt2-flagged-malicious", "main", /*expand=*/false);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE((*plain)[1].security.present);
  EXPECT_TRUE((*plain)[1].last_commit_id.empty());
}

TEST_F(HubTest, TreePagesThroughLink) {
  HubClient client(Config());
  auto all = client.ListTree("hubtest/paging", "main", false);
  ASSERT_TRUE(all.ok()) << all.error().message;
  // 5 files + directories b, b/d, g.
  ASSERT_EQ(all->size(), 8u);
  stub_->Config("page_size=2");
  stub_->Reset();
  auto paged = client.ListTree("hubtest/paging", "main", false);
  ASSERT_TRUE(paged.ok()) << paged.error().message;
  ASSERT_EQ(paged->size(), all->size());
  for (size_t i = 0; i < all->size(); ++i) EXPECT_EQ((*paged)[i].path, (*all)[i].path);
  EXPECT_EQ(stub_->Stats()["paths"]["/api/models/hubtest/paging/tree/main"], 4);
  auto top = client.ListTree("hubtest/paging", "main", false, /*recursive=*/false);
  ASSERT_TRUE(top.ok());
  std::vector<std::string> paths;
  for (const auto& e : *top) paths.push_back(e.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"a.txt", "b", "f.txt", "g"}));
  auto sub = client.ListTree("hubtest/paging", "main", false, true, "b");
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(sub->size(), 3u);  // b/c.txt, b/d, b/d/e.txt
  auto missing = client.ListTree("hubtest/paging", "main", false, true, "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
}

TEST_F(HubTest, ListModelsSortedByDownloadsWithLinkPaging) {
  stub_->Config("page_size=2");
  HubClient client(Config());
  ListModelsQuery q;
  q.author = "hubtest-list";
  q.limit = 0;
  auto models = client.ListModels(q);
  ASSERT_TRUE(models.ok()) << models.error().message;
  std::vector<std::string> ids;
  for (const auto& m : *models) ids.push_back(m.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"hubtest-list/m5", "hubtest-list/m4", "hubtest-list/m3",
                                           "hubtest-list/m2", "hubtest-list/m1"}));
  EXPECT_EQ((*models)[0].downloads, 50u);
  EXPECT_EQ(stub_->Stats()["paths"]["/api/models"], 3);

  q.limit = 3;
  auto capped = client.ListModels(q);
  ASSERT_TRUE(capped.ok());
  ASSERT_EQ(capped->size(), 3u);
  EXPECT_EQ((*capped)[2].id, "hubtest-list/m3");

  q.limit = 0;
  q.filters = {"odd"};
  auto odd = client.ListModels(q);
  ASSERT_TRUE(odd.ok());
  ASSERT_EQ(odd->size(), 3u);
  EXPECT_EQ((*odd)[0].id, "hubtest-list/m5");
  EXPECT_EQ((*odd)[2].id, "hubtest-list/m1");

  ListModelsQuery s;
  s.search = "flagged";
  s.limit = 10;
  auto found = client.ListModels(s);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 3u);  // yolo-flagged-benign, legacy-unflagged-…, gpt2-flagged-…
  EXPECT_EQ((*found)[0].id, "examples/yolo-flagged-benign");
  EXPECT_EQ((*found)[0].LicenseIds(), std::vector<std::string>{"agpl-3.0"});

  ListModelsQuery bad;
  bad.expand = {"securityRepoStatus"};
  auto rejected = client.ListModels(bad);
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.error().code, Errc::kHttpStatus);
  EXPECT_NE(rejected.error().message.find("http 400"), std::string::npos);
}

TEST_F(HubTest, RedirectToCdnDropsAuthorization) {
  HubClient client(Config(kApproved));
  auto src = HttpSource::Open(client, "examples/gated-model", "main", "model.pt");
  ASSERT_TRUE(src.ok()) << src.error().message;
  std::string bytes = Fixture("examples/gated-model", "model.pt");
  EXPECT_EQ((*src)->size(), bytes.size());
  auto head = (*src)->Read(0, 4);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(std::string(head->begin(), head->end()), bytes.substr(0, 4));
  EXPECT_EQ((*src)->content_url().rfind("http://127.0.0.1:" + std::to_string(stub_->cdn_port()), 0),
            0u)
      << (*src)->content_url();
  auto stats = stub_->Stats();
  EXPECT_EQ(stats["resolve_auth_seen"], 1);  // the hub got the token (gated repo)
  EXPECT_GE(stats["cdn_requests"], 1);
  EXPECT_EQ(stats["cdn_auth_seen"], 0);  // the CDN never did
  EXPECT_TRUE(stats["last_cdn_authorization"].is_null());

  auto meta = client.HeadFile("examples/gated-model", "main", "model.pt");
  ASSERT_TRUE(meta.ok()) << meta.error().message;
  EXPECT_TRUE(meta->redirected_off_host);
  EXPECT_EQ(meta->etag, Sha256Hex(bytes));
  ASSERT_TRUE(meta->size.has_value());
  EXPECT_EQ(*meta->size, bytes.size());
  EXPECT_EQ(meta->commit.size(), 40u);
  EXPECT_EQ(stub_->Stats()["cdn_auth_seen"], 0);

  // Small (non-LFS) files: 307 to a relative path on the hub itself keeps the token.
  auto readme = client.HeadFile("examples/gated-model", "main", "README.md");
  ASSERT_TRUE(readme.ok()) << readme.error().message;
  EXPECT_FALSE(readme->redirected_off_host);
  EXPECT_EQ(readme->etag.size(), 40u);
}

TEST_F(HubTest, RangeReadsUseBlockCacheAndVerify206) {
  HubClient client(Config());
  auto opened =
      HttpSource::Open(client, "hubtest/bigmodel", "main", "pytorch_model.bin", Blocks64K());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  HttpSource& src = **opened;
  EXPECT_GT(src.size(), kLargeTensor);
  EXPECT_EQ(src.requests(), 1u);
  EXPECT_EQ(src.bytes_read(), 64u << 10);  // the probe fetched block 0
  auto magic = src.Read(0, 4);
  ASSERT_TRUE(magic.ok());
  EXPECT_EQ(std::string(magic->begin(), magic->end()), std::string("PK\x03\x04", 4));
  auto again = src.Read(100, 1000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(src.requests(), 1u);  // served from the cache
  EXPECT_GE(src.cache_hits(), 2u);
  // A read spanning blocks 0 and 1 fetches only block 1.
  auto span = src.Read((64 << 10) - 10, 20);
  ASSERT_TRUE(span.ok());
  EXPECT_EQ(span->size(), 20u);
  EXPECT_EQ(src.requests(), 2u);
  EXPECT_EQ(src.bytes_read(), 128u << 10);
  // The end of the file (EOCD) in one request; clipped at EOF.
  auto tail = src.Read(src.size() - 22, 100);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->size(), 22u);
  EXPECT_EQ(std::string(tail->begin(), tail->begin() + 4), std::string("PK\x05\x06", 4));
  EXPECT_EQ(src.requests(), 3u);
  EXPECT_FALSE(src.range_fallback());
  auto stats = stub_->Stats();
  EXPECT_EQ(stats["partial_responses"], 3);
  EXPECT_EQ(stats["full_responses"], 0);
  EXPECT_EQ(stats["cdn_bytes"], src.bytes_read());
  EXPECT_EQ(stats["paths"]["/hubtest/bigmodel/resolve/main/pytorch_model.bin"], 1);

  // LRU: with a 2-block cache, block 0 is evicted after reading two other blocks.
  HttpSourceOptions small = Blocks64K();
  small.cache_blocks = 2;
  auto lru = HttpSource::Open(client, "hubtest/bigmodel", "main", "pytorch_model.bin", small);
  ASSERT_TRUE(lru.ok());
  ASSERT_TRUE((*lru)->Read(1 << 20, 1).ok());
  ASSERT_TRUE((*lru)->Read(2 << 20, 1).ok());
  EXPECT_EQ((*lru)->requests(), 3u);
  ASSERT_TRUE((*lru)->Read(0, 1).ok());
  EXPECT_EQ((*lru)->requests(), 4u);

  // A 206 whose Content-Range is not the requested range is refused.
  stub_->Config("bad_range=1");
  auto bad = HttpSource::Open(client, "hubtest/bigmodel", "main", "pytorch_model.bin", Blocks64K());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kBadResponse);
  EXPECT_NE(bad.error().message.find("Content-Range `bytes 1-65536/"), std::string::npos)
      << bad.error().message;
}

TEST_F(HubTest, ExpiredCdnUrlIsResolvedAgain) {
  stub_->Config("cdn_expires=1");
  HubClient client(Config());
  auto src = HttpSource::Open(client, "hubtest/bigmodel", "main", "pytorch_model.bin");
  ASSERT_TRUE(src.ok()) << src.error().message;
  std::string first_url = (*src)->content_url();
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  stub_->Config("cdn_expires=3600");
  auto tail = (*src)->Read((*src)->size() - 22, 22);
  ASSERT_TRUE(tail.ok()) << tail.error().message;
  EXPECT_EQ(std::string(tail->begin(), tail->begin() + 4), std::string("PK\x05\x06", 4));
  EXPECT_NE((*src)->content_url(), first_url);
  EXPECT_EQ(stub_->Stats()["paths"]["/hubtest/bigmodel/resolve/main/pytorch_model.bin"], 2);
  EXPECT_EQ(stub_->Stats()["cdn_auth_seen"], 0);
}

TEST_F(HubTest, ServerIgnoringRangeFallsBackToBody) {
  stub_->Config("ignore_range=1");
  HubClient client(Config());
  auto src = HttpSource::Open(client, "examples/yolo-flagged-benign", "main",
                              "deepfashion2_yolov8s-seg.pt");
  ASSERT_TRUE(src.ok()) << src.error().message;
  std::string bytes = Fixture("examples/yolo-flagged-benign", "deepfashion2_yolov8s-seg.pt");
  EXPECT_TRUE((*src)->range_fallback());
  EXPECT_EQ((*src)->size(), bytes.size());
  EXPECT_EQ((*src)->bytes_read(), bytes.size());
  auto mid = (*src)->Read(1000, 50);
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(std::string(mid->begin(), mid->end()), bytes.substr(1000, 50));
  EXPECT_EQ((*src)->requests(), 1u);
  EXPECT_TRUE((*src)->read_whole());
  EXPECT_EQ((*src)->Sha256(), Sha256Hex(bytes));
  EXPECT_TRUE((*src)->VerifyHash().ok());
  EXPECT_EQ(stub_->Stats()["full_responses"], 1);

  // The fallback body is bounded: a 200 MB body against a 1 MiB bound is refused.
  HttpSourceOptions bounded;
  bounded.max_fallback_body = 1 << 20;
  auto big = HttpSource::Open(client, "hubtest/bigmodel", "main", "pytorch_model.bin", bounded);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, Errc::kBadResponse);
  EXPECT_NE(big.error().message.find("exceeds"), std::string::npos) << big.error().message;
}

TEST_F(HubTest, FullBodyToALaterBlockRequestSwitchesToFallback) {
  // The probe gets 206, a later block request gets 200 with the whole body (a CDN node that
  // stops honouring Range): the source must serve that body from then on — the right bytes
  // at every offset, counted once, hashed whole — never the start of the body as the block.
  const std::string repo = "examples/yolo-flagged-benign", file = "deepfashion2_yolov8s-seg.pt";
  std::string bytes = Fixture(repo, file);
  ASSERT_GT(bytes.size(), 4096u);
  HubClient client(Config());
  HttpSourceOptions small;
  small.block_size = 1024;

  // A read inside one block (Block()).
  stub_->Config("range_then_full=1");
  auto one = HttpSource::Open(client, repo, "main", file, small);
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_FALSE((*one)->range_fallback());
  EXPECT_EQ((*one)->bytes_read(), 1024u);
  auto mid = (*one)->Read(3000, 50);
  ASSERT_TRUE(mid.ok()) << mid.error().message;
  EXPECT_EQ(std::string(mid->begin(), mid->end()), bytes.substr(3000, 50));
  EXPECT_TRUE((*one)->range_fallback());
  EXPECT_EQ((*one)->requests(), 2u);
  EXPECT_EQ((*one)->bytes_read(), 1024u + bytes.size());
  auto tail = (*one)->Read(bytes.size() - 100, 100);  // served from the body, no request
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(std::string(tail->begin(), tail->end()), bytes.substr(bytes.size() - 100));
  EXPECT_EQ((*one)->requests(), 2u);
  EXPECT_TRUE((*one)->read_whole());
  EXPECT_EQ((*one)->Sha256(), Sha256Hex(bytes));
  EXPECT_TRUE((*one)->VerifyHash().ok());
  auto stats = stub_->Stats();
  EXPECT_EQ(stats["partial_responses"], 1);
  EXPECT_EQ(stats["full_responses"], 1);

  // A read spanning blocks 1 and 2 (one request for the run of missing blocks).
  stub_->Reset();
  auto span = HttpSource::Open(client, repo, "main", file, small);
  ASSERT_TRUE(span.ok()) << span.error().message;
  auto across = (*span)->Read(1000, 1100);
  ASSERT_TRUE(across.ok()) << across.error().message;
  EXPECT_EQ(std::string(across->begin(), across->end()), bytes.substr(1000, 1100));
  EXPECT_TRUE((*span)->range_fallback());
  EXPECT_EQ((*span)->requests(), 2u);

  // A whole scan across the switch reaches the same verdict as a scan of the bytes.
  stub_->Reset();
  auto scanned = HttpSource::Open(client, repo, "main", file, small);
  ASSERT_TRUE(scanned.ok()) << scanned.error().message;
  auto kb = kb::KnowledgeBase::Load({});
  ASSERT_TRUE(kb.ok()) << kb.error().message;
  scan::Options opt;
  opt.kb = *kb;
  FileReport remote = scan::ScanSource(*scanned, file, opt);
  FileReport local = scan::ScanSource(MakeMemorySource(bytes), file, opt);
  EXPECT_TRUE((*scanned)->range_fallback());
  EXPECT_EQ(remote.verdict, local.verdict) << remote.summary;
  EXPECT_EQ(remote.findings.size(), local.findings.size()) << remote.summary;
  EXPECT_EQ(remote.format, local.format);
}

TEST_F(HubTest, RateLimitHonoursRetryAfter) {
  // RateLimit: "api";r=0;t=0 -> wait t+1 = 1 s, as huggingface_hub does.
  stub_->Config("rate_limit=2&retry_after=0");
  HubClient client(Config());
  auto start = std::chrono::steady_clock::now();
  auto info = client.GetModelInfo("examples/gpt2-flagged-malicious");
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(client.stats().rate_limited, 2u);
  EXPECT_EQ(client.stats().retries, 2u);
  EXPECT_EQ(client.stats().waited_ms, 2000u);
  EXPECT_GE(elapsed, std::chrono::milliseconds(1900));

  // Waits are capped by backoff_max_ms, and retries are bounded.
  HubConfig capped = Config();
  capped.backoff_max_ms = 100;
  capped.max_retries = 2;
  stub_->Config("rate_limit=5&retry_after=30");
  HubClient impatient(capped);
  auto limited = impatient.GetModelInfo("examples/gpt2-flagged-malicious");
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().code, Errc::kRateLimited);
  EXPECT_NE(limited.error().message.find("examples/gpt2-flagged-malicious"), std::string::npos);
  EXPECT_EQ(impatient.stats().retries, 2u);
  EXPECT_EQ(impatient.stats().waited_ms, 200u);
}

// HubConfig::gate (the queue's shared budget) is asked before every request to the hub itself,
// by the hub's rate-limit bucket, and told of every 429; the CDN's requests are not counted.
class RecordingGate final : public RequestGate {
 public:
  void Acquire(std::string_view bucket) override {
    std::lock_guard<std::mutex> lock(mu_);
    acquired_.emplace_back(bucket);
  }
  void RateLimited(std::string_view bucket, long wait_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    limited_.emplace_back(std::string(bucket) + ":" + std::to_string(wait_ms));
  }
  std::vector<std::string> acquired() {
    std::lock_guard<std::mutex> lock(mu_);
    return acquired_;
  }
  std::vector<std::string> limited() {
    std::lock_guard<std::mutex> lock(mu_);
    return limited_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> acquired_, limited_;
};

TEST_F(HubTest, TheSharedGateSeesEveryHubRequestAndEvery429) {
  auto gate = std::make_shared<RecordingGate>();
  HubConfig cfg = Config();
  cfg.gate = gate;
  HubClient client(cfg);
  stub_->Config("rate_limit=1&retry_after=0");
  ASSERT_TRUE(client.GetModelInfo("examples/gpt2-flagged-malicious").ok());
  EXPECT_EQ(gate->acquired(), (std::vector<std::string>{"api", "api"}));
  EXPECT_EQ(gate->limited(), (std::vector<std::string>{"api:1000"}));
  stub_->Reset();
  auto src =
      HttpSource::Open(client, "examples/gpt2-flagged-malicious", "main", "pytorch_model.bin");
  ASSERT_TRUE(src.ok()) << src.error().message;
  ASSERT_TRUE((*src)->Read(0, 16).ok());
  auto stats = stub_->Stats();
  std::vector<std::string> acquired = gate->acquired();
  size_t resolvers =
      static_cast<size_t>(std::count(acquired.begin(), acquired.end(), std::string("resolvers")));
  EXPECT_GE(resolvers, 1u);
  // Every gated request reached the hub's own listener; the CDN's were not gated.
  EXPECT_EQ(acquired.size() - 2, stats["hub_requests"].get<size_t>());
  EXPECT_GE(stats["cdn_requests"].get<int>(), 1);
}

TEST_F(HubTest, GatedAndPrivateReposGiveClearErrors) {
  HubClient anon(Config());
  // Metadata of a gated repo is public; its files are not.
  auto info = anon.GetModelInfo("examples/gated-model");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->gated, "manual");
  auto file = HttpSource::Open(anon, "examples/gated-model", "main", "model.pt");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().code, Errc::kGated);
  EXPECT_NE(file.error().message.find("accept the conditions at " + stub_->endpoint() +
                                      "/examples/gated-model"),
            std::string::npos)
      << file.error().message;
  EXPECT_NE(file.error().message.find("set HF_TOKEN"), std::string::npos);

  HubClient unapproved(Config("hf_someone_else"));
  auto denied = HttpSource::Open(unapproved, "examples/gated-model", "main", "model.pt");
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, Errc::kGated);
  EXPECT_NE(denied.error().message.find("not in the authorized list"), std::string::npos)
      << denied.error().message;

  auto priv = anon.GetModelInfo("examples/private-model");
  ASSERT_FALSE(priv.ok());
  EXPECT_EQ(priv.error().code, Errc::kUnauthorized);
  EXPECT_EQ(priv.error().message.rfind("private or missing: examples/private-model", 0), 0u)
      << priv.error().message;
  EXPECT_NE(priv.error().message.find("set HF_TOKEN"), std::string::npos);
  auto missing = anon.GetModelInfo("examples/does-not-exist");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kUnauthorized);

  HubClient approved(Config(kApproved));
  auto ok = approved.GetModelInfo("examples/private-model");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_TRUE(ok->is_private);
  // A listing shows private repos only to a token with access.
  ListModelsQuery q;
  q.search = "private-model";
  EXPECT_EQ(anon.ListModels(q)->size(), 0u);
  EXPECT_EQ(approved.ListModels(q)->size(), 1u);
}

TEST_F(HubTest, Sha256VerifiedWhenReadWhole) {
  HubClient client(Config());
  std::string bytes = Fixture("examples/gpt2-flagged-malicious", "pytorch_model.bin");
  // Smaller than one block: the probe reads it whole.
  auto whole = HttpSource::Open(client, "examples/gpt2-flagged-malicious", "main",
                                "pytorch_model.bin", Blocks64K());
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  EXPECT_TRUE((*whole)->read_whole());
  EXPECT_EQ((*whole)->linked_etag(), Sha256Hex(bytes));
  EXPECT_TRUE((*whole)->VerifyHash().ok());

  // A wrong expected hash (e.g. a stale tree listing) is a mismatch naming both.
  HttpSourceOptions wrong = Blocks64K();
  wrong.expected_sha256 = std::string(64, 'a');
  auto bad = HttpSource::Open(client, "examples/gpt2-flagged-malicious", "main",
                              "pytorch_model.bin", wrong);
  ASSERT_TRUE(bad.ok());
  Status st = (*bad)->VerifyHash();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::kHashMismatch);
  EXPECT_NE(st.error().message.find(Sha256Hex(bytes)), std::string::npos);

  // Read out of order with small blocks: not whole until the rest is fetched.
  HttpSourceOptions small;
  small.block_size = 1024;
  auto part = HttpSource::Open(client, "examples/gpt2-flagged-malicious", "main",
                               "pytorch_model.bin", small);
  ASSERT_TRUE(part.ok());
  ASSERT_TRUE((*part)->Read(3000, 10).ok());
  EXPECT_FALSE((*part)->read_whole());
  Status not_whole = (*part)->VerifyHash(false);
  ASSERT_FALSE(not_whole.ok());
  EXPECT_NE(not_whole.error().message.find("not read whole"), std::string::npos);
  EXPECT_TRUE((*part)->VerifyHash(true).ok());
  EXPECT_TRUE((*part)->read_whole());
  EXPECT_EQ((*part)->bytes_read(), bytes.size());  // blocks 0, 2 cached; 1 and 3 fetched once

  // Git (non-LFS) files are checked against the git blob sha1 in X-Linked-Etag.
  auto readme = HttpSource::Open(client, "examples/gpt2-flagged-malicious", "main", "README.md");
  ASSERT_TRUE(readme.ok()) << readme.error().message;
  EXPECT_EQ((*readme)->linked_etag().size(), 40u);
  EXPECT_TRUE((*readme)->VerifyHash().ok());
}

TEST_F(HubTest, OfflineRefusesNetwork) {
  HubConfig c = Config();
  c.offline = true;
  HubClient client(c);
  auto info = client.GetModelInfo("examples/gpt2-flagged-malicious");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, Errc::kOffline);
  EXPECT_NE(info.error().message.find("HF_HUB_OFFLINE"), std::string::npos);
  auto src = HttpSource::Open(client, "examples/gpt2-flagged-malicious", "main", "README.md");
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.error().code, Errc::kOffline);
  EXPECT_EQ(stub_->Stats()["requests"], 0);
}

TEST_F(HubTest, RemoteScanOfLargeZipReadsFirstAndLastBlock) {
  // The design's promise for a torch zip on the hub: its start (local header and data.pkl) and
  // its end (central directory and end record), a few small range requests, and nothing of
  // the 200 MB tensor.
  HubClient client(Config());
  auto src = HttpSource::Open(client, "hubtest/bigmodel", "main", "pytorch_model.bin");
  ASSERT_TRUE(src.ok()) << src.error().message;
  auto kb = kb::KnowledgeBase::Load({});
  ASSERT_TRUE(kb.ok()) << kb.error().message;
  scan::Options opt;
  opt.kb = *kb;
  FileReport r = scan::ScanSource(*src, "hubtest/bigmodel/pytorch_model.bin", opt);
  uint64_t size = (*src)->size();
  RecordProperty("bytes_read", std::to_string(r.bytes_read));
  RecordProperty("requests", std::to_string((*src)->requests()));
  RecordProperty("verdict", VerdictName(r.verdict));
  EXPECT_EQ(r.verdict, Verdict::kSafe) << r.summary;
  EXPECT_EQ(r.size, size);
  ASSERT_GT(size, kLargeTensor);
  // Start and end: two blocks each at most (the tensor member's sniff shares the first).
  EXPECT_LE((*src)->requests(), 4u);
  EXPECT_LE(r.bytes_read, 4 * limits::kHttpBlockSize) << "of " << size;
  EXPECT_EQ((*src)->bytes_read(), r.bytes_read);
  // The stand-in's own count of bytes sent agrees: the tensor was never transferred.
  auto stats = stub_->Stats();
  EXPECT_EQ(stats["cdn_bytes"], (*src)->bytes_read());
  EXPECT_EQ(stats["partial_responses"], (*src)->requests());
  EXPECT_EQ(stats["full_responses"], 0);
}

TEST_F(HubTest, RemoteScanOfManyTensorZipReadsUnderAThousandth) {
  // 1 GiB in 256 tensors: each member costs its local header and the bytes its sniff reads
  // (one small block), data.pkl and the central directory are read ahead in growing requests,
  // and the whole scan transfers under 0.1% of the file.
  HubClient client(Config());
  auto src = HttpSource::Open(client, "hubtest/manytensors", "main", "pytorch_model.bin");
  ASSERT_TRUE(src.ok()) << src.error().message;
  auto kb = kb::KnowledgeBase::Load({});
  ASSERT_TRUE(kb.ok()) << kb.error().message;
  scan::Options opt;
  opt.kb = *kb;
  FileReport r = scan::ScanSource(*src, "hubtest/manytensors/pytorch_model.bin", opt);
  uint64_t size = (*src)->size();
  RecordProperty("bytes_read", std::to_string(r.bytes_read));
  RecordProperty("requests", std::to_string((*src)->requests()));
  EXPECT_EQ(r.verdict, Verdict::kSafe) << r.summary;
  ASSERT_GE(size, 1ull << 30);
  EXPECT_LT(r.bytes_read * 1000, size) << r.bytes_read << " bytes of " << size;
  // One request per tensor member at most, plus the pickle, the directory and the probe.
  EXPECT_LE((*src)->requests(), kManyTensors + 16);
  auto stats = stub_->Stats();
  EXPECT_EQ(stats["cdn_bytes"], (*src)->bytes_read());
  EXPECT_EQ(stats["full_responses"], 0);
}

TEST_F(HubTest, SequentialReadsAreReadAhead) {
  // Reading front to back doubles the request size (1, 2, 4 … blocks up to the cap); a jump
  // elsewhere starts again at one block.
  HubClient client(Config());
  HttpSourceOptions o;
  o.block_size = 1024;
  o.max_readahead_blocks = 8;
  auto src = HttpSource::Open(client, "hubtest/bigmodel", "main", "pytorch_model.bin", o);
  ASSERT_TRUE(src.ok()) << src.error().message;
  uint64_t before = (*src)->requests();
  uint64_t base = 1 << 20;
  // 64 one-byte reads of consecutive blocks: windows of 1, 2, 4, 8, 8, … blocks.
  for (uint64_t k = 0; k < 64; ++k) ASSERT_TRUE((*src)->Read(base + k * 1024, 1).ok());
  uint64_t sequential = (*src)->requests() - before;
  EXPECT_EQ(sequential, 4u + (64 - 15 + 7) / 8);  // 1+2+4+8 = 15 blocks, then 8 per request
  // A jump starts at one block again.
  uint64_t at = (*src)->bytes_read();
  ASSERT_TRUE((*src)->Read(base * 50, 1).ok());
  EXPECT_EQ((*src)->bytes_read() - at, 1024u);
  // Without read-ahead every block is its own request.
  o.max_readahead_blocks = 1;
  auto flat = HttpSource::Open(client, "hubtest/bigmodel", "main", "pytorch_model.bin", o);
  ASSERT_TRUE(flat.ok());
  before = (*flat)->requests();
  for (uint64_t k = 0; k < 16; ++k) ASSERT_TRUE((*flat)->Read(base + k * 1024, 1).ok());
  EXPECT_EQ((*flat)->requests() - before, 16u);
}

TEST_F(HubTest, RequestsTimeOut) {
  // A listener that accepts connections (kernel backlog) but never answers.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  HubConfig c = Config();
  c.endpoint = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  c.request_timeout_ms = 300;
  c.max_retries = 0;
  HubClient client(c);
  auto start = std::chrono::steady_clock::now();
  auto info = client.GetModelInfo("a/b");
  auto elapsed = std::chrono::steady_clock::now() - start;
  ::close(fd);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, Errc::kNetwork);
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

// --- pure functions ----------------------------------------------------------------------------

class EnvGuard {
 public:
  explicit EnvGuard(std::vector<std::string> names) : names_(std::move(names)) {
    for (const auto& n : names_) {
      const char* v = std::getenv(n.c_str());
      saved_.emplace_back(v != nullptr, v ? v : "");
      ::unsetenv(n.c_str());
    }
  }
  ~EnvGuard() {
    for (size_t i = 0; i < names_.size(); ++i) {
      if (saved_[i].first) {
        ::setenv(names_[i].c_str(), saved_[i].second.c_str(), 1);
      } else {
        ::unsetenv(names_[i].c_str());
      }
    }
  }

 private:
  std::vector<std::string> names_;
  std::vector<std::pair<bool, std::string>> saved_;
};

TEST(HubConfigTest, FromEnvFollowsHuggingfaceHub) {
  EnvGuard guard({"HF_ENDPOINT", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HOME",
                  "XDG_CACHE_HOME", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HOME"});
  fs::path dir = fs::temp_directory_path() / ("mv-hub-env-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  ::setenv("HOME", dir.c_str(), 1);
  HubConfig d = HubConfig::FromEnv();
  EXPECT_EQ(d.endpoint, "https://huggingface.co");
  EXPECT_TRUE(d.token.empty());
  EXPECT_FALSE(d.offline);

  WriteFile(dir / ".cache" / "huggingface" / "token", "hf_from_home\n");
  EXPECT_EQ(HubConfig::FromEnv().token, "hf_from_home");
  WriteFile(dir / "hfhome" / "token", "hf_from_hf_home");
  ::setenv("HF_HOME", (dir / "hfhome").c_str(), 1);
  EXPECT_EQ(HubConfig::FromEnv().token, "hf_from_hf_home");
  WriteFile(dir / "explicit-token", "  hf_from_path  \n");
  ::setenv("HF_TOKEN_PATH", (dir / "explicit-token").c_str(), 1);
  HubConfig p = HubConfig::FromEnv();
  EXPECT_EQ(p.token, "hf_from_path");
  EXPECT_EQ(p.token_source, (dir / "explicit-token").string());
  ::setenv("HF_TOKEN", "hf_from_env", 1);
  HubConfig e = HubConfig::FromEnv();
  EXPECT_EQ(e.token, "hf_from_env");
  EXPECT_EQ(e.token_source, "HF_TOKEN");

  ::setenv("HF_ENDPOINT", "http://127.0.0.1:9/", 1);
  ::setenv("HF_HUB_OFFLINE", "True", 1);
  HubConfig o = HubConfig::FromEnv();
  EXPECT_EQ(o.endpoint, "http://127.0.0.1:9");
  EXPECT_TRUE(o.offline);
  ::setenv("HF_HUB_OFFLINE", "0", 1);
  EXPECT_FALSE(HubConfig::FromEnv().offline);
  fs::remove_all(dir);
}

TEST(RepoRefTest, Parse) {
  auto r = RepoRef::Parse("org/name@refs/pr/1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->repo, "org/name");
  EXPECT_EQ(r->revision, "refs/pr/1");
  EXPECT_EQ(r->ToString(), "org/name@refs/pr/1");
  auto m = RepoRef::Parse("gpt2");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->revision, "main");
  EXPECT_EQ(m->ToString(), "gpt2");
  EXPECT_FALSE(RepoRef::Parse("a/b/c").ok());
  EXPECT_FALSE(RepoRef::Parse("a/../b").ok());
  EXPECT_FALSE(RepoRef::Parse("org/name@").ok());
  EXPECT_FALSE(RepoRef::Parse("/name").ok());
  EXPECT_FALSE(RepoRef::Parse("org/na me").ok());
}

TEST(HubHelpersTest, LevelsAndEncoding) {
  EXPECT_TRUE(IsFlaggedLevel("unsafe"));
  EXPECT_TRUE(IsFlaggedLevel("caution"));
  EXPECT_FALSE(IsFlaggedLevel("safe"));
  EXPECT_FALSE(IsFlaggedLevel("queued"));
  EXPECT_GT(LevelRank("unsafe"), LevelRank("suspicious"));
  EXPECT_EQ(UrlEncode("refs/pr/1"), "refs%2Fpr%2F1");
  EXPECT_EQ(UrlEncode("dir/a b.bin", true), "dir/a%20b.bin");
  // Kinds have stable names; to a format reader every remote kind is an I/O failure.
  EXPECT_STREQ(ErrcName(Errc::kGated), "gated");
  EXPECT_STREQ(ErrcName(Errc::kUnauthorized), "private-or-missing");
  EXPECT_STREQ(ErrcName(Errc::kHttpStatus), "http");
  EXPECT_EQ(ReadErrcClass(Errc::kNetwork), Errc::kIo);
  EXPECT_EQ(ReadErrcClass(Errc::kHashMismatch), Errc::kIo);
  EXPECT_EQ(ReadErrcClass(Errc::kTruncated), Errc::kTruncated);
}

}  // namespace
}  // namespace mv::hub
