// 7z through libarchive: 7z needs real decoders (LZMA/LZMA2/BCJ/PPMd), which libarchive has.
// libarchive reads the archive through callbacks over our Source, so bytes_read stays counted
// and remote files work; each entry is extracted into memory under the expansion limits.
#include "formats/sevenzip/sevenzip.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <set>

#include "core/limits.h"
#include "formats/common/decode/decode.h"

namespace mv::formats::sevenzip {

namespace {

struct Feed {
  Source* src = nullptr;
  uint64_t pos = 0;
  std::vector<uint8_t> buf;
};

la_ssize_t OnRead(struct archive* a, void* user, const void** out) {
  auto* f = static_cast<Feed*>(user);
  uint64_t size = f->src->size();
  if (f->pos >= size) {
    *out = nullptr;
    return 0;
  }
  auto r = f->src->Read(f->pos, static_cast<size_t>(std::min<uint64_t>(64 << 10, size - f->pos)));
  if (!r.ok()) {
    archive_set_error(a, EIO, "%s", r.error().message.c_str());
    return -1;
  }
  f->buf.assign(r->begin(), r->end());
  f->pos += f->buf.size();
  *out = f->buf.data();
  return static_cast<la_ssize_t>(f->buf.size());
}

la_int64_t OnSeek(struct archive*, void* user, la_int64_t offset, int whence) {
  auto* f = static_cast<Feed*>(user);
  auto size = static_cast<la_int64_t>(f->src->size());
  la_int64_t base = whence == SEEK_SET   ? 0
                    : whence == SEEK_CUR ? static_cast<la_int64_t>(f->pos)
                                         : size;
  la_int64_t to = base + offset;
  if (to < 0) return ARCHIVE_FATAL;
  f->pos = static_cast<uint64_t>(std::min(to, size));
  return static_cast<la_int64_t>(f->pos);
}

la_int64_t OnSkip(struct archive*, void* user, la_int64_t request) {
  auto* f = static_cast<Feed*>(user);
  uint64_t size = f->src->size();
  uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(std::max<la_int64_t>(request, 0)),
                                  size - std::min(f->pos, size));
  f->pos += n;
  return static_cast<la_int64_t>(n);
}

std::string Err(struct archive* a) {
  const char* s = archive_error_string(a);
  return s != nullptr ? s : "unknown libarchive error";
}

struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

}  // namespace

Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx) {
  ReadOutput out;
  out.format = "7z";
  std::unique_ptr<struct archive, ArchiveDeleter> a(archive_read_new());
  if (!a) return MakeError(Errc::kIo, "libarchive: out of memory");
  archive_read_support_format_7zip(a.get());
  Feed feed;
  feed.src = src.get();
  archive_read_set_callback_data(a.get(), &feed);
  archive_read_set_read_callback(a.get(), OnRead);
  archive_read_set_seek_callback(a.get(), OnSeek);
  archive_read_set_skip_callback(a.get(), OnSkip);
  if (archive_read_open1(a.get()) != ARCHIVE_OK) {
    return MakeError(Errc::kMalformed, std::string("7z: ") + Err(a.get()));
  }
  auto note = [&](std::string code, std::string msg, bool incomplete) {
    out.anomalies.push_back(
        Anomaly::Defect(std::move(code), std::move(msg), 0).Incomplete(incomplete));
    if (incomplete) out.complete = false;
  };
  // The ratio is judged against the whole archive: 7z compresses entries as one solid stream.
  // Entries stay in memory until the scanner visits them, so the whole archive's output (not
  // only each entry) is bounded by limits::kMaxInMemoryMember: libarchive cannot re-decode a
  // solid block on demand cheaply, and the scan must fit in a 256 MiB address space.
  uint64_t budget_total =
      std::min(compress::OutputBudget(src->size(), ctx), limits::kMaxInMemoryMember);
  uint64_t produced = 0;
  uint64_t entries = 0;
  std::set<std::string> names;
  while (true) {
    struct archive_entry* e = nullptr;
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      note("7z.corrupt", std::string("7z: ") + Err(a.get()), true);
      break;
    }
    if (++entries > limits::kMaxArchiveEntries) {
      note("limit.entries", "more entries than limits::kMaxArchiveEntries; rest not read", true);
      break;
    }
    const char* pn = archive_entry_pathname_utf8(e);
    if (pn == nullptr) pn = archive_entry_pathname(e);
    std::string name = pn != nullptr ? pn : "";
    // Entries written without unix attributes (py7zr, Windows 7-Zip) have file type 0.
    if (archive_entry_filetype(e) == AE_IFDIR) continue;
    if (!names.insert(name).second) {
      note("7z.duplicate-name", "more than one entry is named '" + name + "'", false);
    }
    std::vector<uint8_t> bytes;
    bool stopped = false;
    while (true) {
      uint8_t chunk[64 << 10];
      la_ssize_t n = archive_read_data(a.get(), chunk, sizeof chunk);
      if (n == 0) break;
      if (n < 0) {
        note("7z.corrupt",
             "entry '" + name + "': " + Err(a.get()) + " after " + std::to_string(bytes.size()) +
                 " bytes",
             true);
        stopped = true;
        break;
      }
      auto un = static_cast<uint64_t>(n);
      if (produced + un > budget_total || bytes.size() + un > limits::kMaxInMemoryMember) {
        note("limit.expansion",
             "entry '" + name +
                 "': decompression stopped at the expansion limits; the rest "
                 "was not analysed",
             true);
        stopped = true;
        break;
      }
      bytes.insert(bytes.end(), chunk, chunk + n);
      produced += un;
    }
    ctx.expanded_bytes += bytes.size();
    out.members.push_back({name, MakeMemorySource(std::move(bytes)), 0, Hint::kSniff, ""});
    if (stopped) break;
  }
  return out;
}

}  // namespace mv::formats::sevenzip
