// Hand-written zip reader. No Debian library fits: libzip and libarchive reject or silently
// repair what PyTorch's reader (miniz, called from caffe2's inline_container) accepts, and none
// reports where the local headers disagree with the central directory. We follow miniz's
// leniency — CRC, flag bits and local-vs-central name differences do not stop a load — but turn
// each such disagreement into an Anomaly, because the loader and a scanner may see different
// members.
//
// Cost: the end records, the central directory (one read) and one local header per entry.
// Stored members are yielded as SubSources and never read here (except small ones and pickles,
// whose CRC is checked because the scanner reads them whole anyway); deflated members are
// inflated into memory under the expansion limits.
#include "formats/zip/zip.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "core/limits.h"
#include "core/text.h"
#include "formats/common/decode/decode.h"
#include "formats/common/decode/stream_source.h"
#include "pickle/engine.h"

namespace mv::formats::zip {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEocdSig = 0x06054b50;
constexpr uint32_t kEocd64Sig = 0x06064b50;
constexpr uint32_t kEocd64LocSig = 0x07064b50;
constexpr uint32_t kDescriptorSig = 0x08074b50;
constexpr uint64_t kEocdSize = 22;
constexpr uint64_t kEocd64Size = 56;
constexpr uint64_t kEocd64LocSize = 20;
constexpr uint64_t kLocalSize = 30;
constexpr uint64_t kMaxComment = 0xFFFF;

// Flag bits a benign writer sets: 1-2 deflate options, 3 data descriptor, 11 UTF-8 names.
constexpr uint16_t kBenignFlags = 0x0806 | 0x0008;
// Encryption: bit 0 (traditional), 6 (strong), 13 (central directory masked).
constexpr uint16_t kEncryptFlags = 0x0001 | 0x0040 | 0x2000;

uint16_t Le16(ByteSpan b, size_t at) {
  return static_cast<uint16_t>(b[at] | (b[at + 1] << 8));
}
uint32_t Le32(ByteSpan b, size_t at) {
  return static_cast<uint32_t>(b[at]) | (static_cast<uint32_t>(b[at + 1]) << 8) |
         (static_cast<uint32_t>(b[at + 2]) << 16) | (static_cast<uint32_t>(b[at + 3]) << 24);
}
uint64_t Le64(ByteSpan b, size_t at) {
  return static_cast<uint64_t>(Le32(b, at)) | (static_cast<uint64_t>(Le32(b, at + 4)) << 32);
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string Printable(const std::string& s) {
  std::string out;
  for (char c : s.substr(0, 200)) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      static const char* kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

struct Entry {
  std::string name;  // central name (local name when there is no central directory)
  uint16_t flags = 0;
  uint16_t method = 0;
  uint32_t crc = 0;
  uint64_t csize = 0;
  uint64_t usize = 0;
  uint64_t local = 0;     // local header offset in the source
  uint64_t record = 0;    // central record offset in the source, for evidence
  uint64_t data = 0;      // data offset (from the local header)
  bool local_ok = false;  // the local header was read
  bool have_decoded = false;
  compress::Decoded decoded;  // probe result, kept when the local scan already inflated it
  uint32_t actual_crc = 0;    // CRC-32 of the decoded bytes (probe)
  uint64_t budget = 0;        // output bound the probe ran with
  uint64_t probe_len = 0;     // compressed bytes the local-scan probe was given
};

// Applies a zip64 extended-information extra field: fields present in this order only where
// the 32-bit field holds 0xFFFFFFFF.
void ApplyZip64(ByteSpan extra, bool want_offset, Entry& e) {
  size_t i = 0;
  while (i + 4 <= extra.size()) {
    uint16_t id = Le16(extra, i);
    uint16_t n = Le16(extra, i + 2);
    if (i + 4 + n > extra.size()) return;
    if (id == 0x0001) {
      ByteSpan f = extra.subspan(i + 4, n);
      size_t p = 0;
      if (e.usize == 0xFFFFFFFF && p + 8 <= f.size()) e.usize = Le64(f, p), p += 8;
      if (e.csize == 0xFFFFFFFF && p + 8 <= f.size()) e.csize = Le64(f, p), p += 8;
      if (want_offset && e.local == 0xFFFFFFFF && p + 8 <= f.size()) e.local = Le64(f, p);
      return;
    }
    i += 4 + n;
  }
}

struct LocalHeader {
  uint16_t flags = 0;
  uint16_t method = 0;
  uint32_t crc = 0;
  uint64_t csize = 0;
  uint64_t usize = 0;
  std::string name;
  uint64_t data = 0;
};

Result<LocalHeader> ReadLocal(Source& src, uint64_t off) {
  Cursor c(src, off);
  MV_ASSIGN_OR_RETURN(ByteSpan h, c.Take(kLocalSize));
  if (Le32(h, 0) != kLocalSig) return MakeError(Errc::kMalformed, "no local header", off);
  LocalHeader l;
  l.flags = Le16(h, 6);
  l.method = Le16(h, 8);
  l.crc = Le32(h, 14);
  l.csize = Le32(h, 18);
  l.usize = Le32(h, 22);
  uint16_t nlen = Le16(h, 26);
  uint16_t xlen = Le16(h, 28);
  MV_ASSIGN_OR_RETURN(ByteSpan name, c.Take(nlen));
  l.name.assign(name.begin(), name.end());
  MV_ASSIGN_OR_RETURN(ByteSpan extra, c.Take(xlen));
  Entry tmp;
  tmp.csize = l.csize;
  tmp.usize = l.usize;
  ApplyZip64(extra, false, tmp);
  l.csize = tmp.csize;
  l.usize = tmp.usize;
  l.data = c.pos();
  return l;
}

class Reader {
 public:
  Reader(const SourcePtr& src, ReadContext& ctx) : src_(src), ctx_(ctx), size_(src->size()) {}

  Result<ReadOutput> Run() {
    bool have_cd = ReadCentral();
    if (!have_cd) {
      Note("zip.central-directory-missing",
           "no usable central directory; members found by scanning local headers", cd_at_, false);
      ScanLocal();
    }
    if (entries_.empty() && !have_cd && out_.members.empty()) {
      return MakeError(Errc::kMalformed, "zip: neither a central directory nor local headers");
    }
    ReadLocals();
    CheckLayout();
    Emit();
    Refine();
    for (const auto& a : out_.anomalies) {
      if (a.incomplete) out_.complete = false;
    }
    return std::move(out_);
  }

 private:
  void Note(std::string code, std::string msg, uint64_t off, bool incomplete) {
    out_.anomalies.push_back(
        Anomaly::Defect(std::move(code), std::move(msg), off).Incomplete(incomplete));
  }

  // Finds the end record (and the zip64 one), then reads and parses the central directory.
  // Returns false when there is none to use.
  bool ReadCentral() {
    if (size_ < kEocdSize) return false;
    // Usually the end record ends the file with no comment: then 22 bytes suffice, and a
    // small archive's tensors are not touched by a 64 KiB tail read.
    uint64_t tail_len = kEocdSize;
    {
      auto last = src_->Read(size_ - kEocdSize, kEocdSize);
      if (!last.ok() || last->size() != kEocdSize || Le32(*last, 0) != kEocdSig ||
          Le16(*last, 20) != 0) {
        tail_len = std::min<uint64_t>(size_, kEocdSize + kMaxComment);
      }
    }
    uint64_t tail_off = size_ - tail_len;
    auto t = src_->Read(tail_off, static_cast<size_t>(tail_len));
    if (!t.ok() || t->size() != tail_len) return false;
    std::vector<uint8_t> tail(t->begin(), t->end());
    ByteSpan tb(tail);
    // Python and miniz take the record that ends exactly at the end of the file, else the last
    // signature in the final 64 KiB.
    int64_t found = -1;
    if (Le32(tb, tail_len - kEocdSize) == kEocdSig && Le16(tb, tail_len - 2) == 0) {
      found = static_cast<int64_t>(tail_len - kEocdSize);
    } else {
      for (int64_t i = static_cast<int64_t>(tail_len - kEocdSize); i >= 0; --i) {
        if (Le32(tb, static_cast<size_t>(i)) == kEocdSig) {
          found = i;
          break;
        }
      }
    }
    if (found < 0) return false;
    auto at = static_cast<size_t>(found);
    uint64_t eocd = tail_off + at;
    uint16_t disk = Le16(tb, at + 4);
    uint16_t cd_disk = Le16(tb, at + 6);
    uint64_t n_disk = Le16(tb, at + 8);
    uint64_t n_total = Le16(tb, at + 10);
    uint64_t cd_size = Le32(tb, at + 12);
    uint64_t cd_off = Le32(tb, at + 16);
    uint16_t clen = Le16(tb, at + 20);
    uint64_t end = eocd + kEocdSize + clen;
    if (end > size_) {
      Note("zip.comment-truncated", "the archive comment runs past the end of the file", eocd,
           false);
      end = size_;
    } else if (end < size_) {
      trailing_ = end;
    }
    if (disk != 0 || cd_disk != 0) {
      Note("zip.multi-disk", "end record names a disk other than 0", eocd, false);
    }
    uint64_t cd_end = eocd;
    if (eocd >= kEocd64LocSize + kEocd64Size) {
      Cursor lc(*src_, eocd - kEocd64LocSize);
      auto loc = lc.Take(kEocd64LocSize);
      if (loc.ok() && Le32(*loc, 0) == kEocd64LocSig) {
        uint64_t rec = eocd - kEocd64LocSize - kEocd64Size;
        Cursor rc(*src_, rec);
        auto r = rc.Take(kEocd64Size);
        if (r.ok() && Le32(*r, 0) == kEocd64Sig) {
          n_disk = Le64(*r, 24);
          n_total = Le64(*r, 32);
          cd_size = Le64(*r, 40);
          cd_off = Le64(*r, 48);
          cd_end = rec;
        } else {
          Note("zip.zip64-record-missing", "zip64 locator without a zip64 end record", eocd, true);
        }
      }
    }
    n_total_ = n_total;
    // Data prepended to the archive shifts every offset (Python's zipfile compensates the same
    // way); the prefix itself is reported and yielded below.
    if (cd_size > cd_end) {
      Note("zip.central-directory-missing", "central directory size exceeds its position", eocd,
           true);
      cd_at_ = eocd;
      return false;
    }
    uint64_t cd_start = cd_end - cd_size;
    if (cd_start >= cd_off) {
      shift_ = cd_start - cd_off;
    } else {
      Note("zip.bad-central-offset", "central directory offset points past the end records", eocd,
           false);
      cd_start = cd_off < size_ ? cd_off : cd_start;
    }
    cd_at_ = cd_start;
    if (n_disk != n_total) {
      Note("zip.entry-count-mismatch",
           "end record counts " + std::to_string(n_disk) + " entries on this disk but " +
               std::to_string(n_total) + " in total",
           eocd, false);
    }
    if (cd_size > limits::kMaxCentralDirectoryBytes) {
      Note("limit.entries", "central directory larger than limits::kMaxCentralDirectoryBytes",
           cd_start, true);
      return false;
    }
    auto cd = src_->Read(cd_start, static_cast<size_t>(cd_size));
    if (!cd.ok()) return false;
    std::vector<uint8_t> bytes(cd->begin(), cd->end());
    if (bytes.size() < cd_size) {
      Note("zip.central-directory-truncated", "central directory runs past the end of the file",
           cd_start, true);
    }
    ParseCentral(ByteSpan(bytes), cd_start);
    if (entries_.empty() && n_total > 0) return false;
    return true;
  }

  void ParseCentral(ByteSpan cd, uint64_t base) {
    size_t p = 0;
    while (p < cd.size()) {
      if (p + 46 > cd.size() || Le32(cd, p) != kCentralSig) {
        Note("zip.central-directory-truncated",
             "central directory record " + std::to_string(entries_.size()) + " is malformed",
             base + p, true);
        return;
      }
      if (entries_.size() >= limits::kMaxArchiveEntries) {
        Note("limit.entries", "more entries than limits::kMaxArchiveEntries; rest not read",
             base + p, true);
        return;
      }
      Entry e;
      e.record = base + p;
      e.flags = Le16(cd, p + 8);
      e.method = Le16(cd, p + 10);
      e.crc = Le32(cd, p + 16);
      e.csize = Le32(cd, p + 20);
      e.usize = Le32(cd, p + 24);
      size_t nlen = Le16(cd, p + 28);
      size_t xlen = Le16(cd, p + 30);
      size_t clen = Le16(cd, p + 32);
      e.local = Le32(cd, p + 42);
      if (p + 46 + nlen + xlen + clen > cd.size()) {
        Note("zip.central-directory-truncated",
             "central directory record " + std::to_string(entries_.size()) + " is cut off",
             base + p, true);
        return;
      }
      e.name.assign(cd.begin() + static_cast<std::ptrdiff_t>(p + 46),
                    cd.begin() + static_cast<std::ptrdiff_t>(p + 46 + nlen));
      ApplyZip64(cd.subspan(p + 46 + nlen, xlen), true, e);
      e.local += shift_;
      entries_.push_back(std::move(e));
      p += 46 + nlen + xlen + clen;
    }
    if (entries_.size() != n_total_) {
      Note("zip.entry-count-mismatch",
           "end record counts " + std::to_string(n_total_) + " entries, central directory has " +
               std::to_string(entries_.size()),
           base, false);
    }
  }

  // Without a central directory, walk local headers from the first one (what streaming
  // readers do). Deflated entries with a data descriptor are inflated to find their end.
  void ScanLocal() {
    uint64_t pos = 0;
    auto head = src_->Read(0, static_cast<size_t>(std::min<uint64_t>(size_, 64 << 10)));
    if (head.ok()) {
      ByteSpan h = *head;
      for (size_t i = 0; i + 4 <= h.size(); ++i) {
        if (Le32(h, i) == kLocalSig) {
          pos = i;
          break;
        }
      }
    }
    while (pos + kLocalSize <= size_) {
      if (entries_.size() >= limits::kMaxArchiveEntries) {
        Note("limit.entries", "more entries than limits::kMaxArchiveEntries; rest not read", pos,
             true);
        return;
      }
      auto l = ReadLocal(*src_, pos);
      if (!l.ok()) {
        if (l.error().code == Errc::kTruncated) {
          Note("zip.truncated", "local header cut off by the end of the file", pos, true);
        }
        return;
      }
      Entry e;
      e.name = l->name;
      e.flags = l->flags;
      e.method = l->method;
      e.crc = l->crc;
      e.csize = l->csize;
      e.usize = l->usize;
      e.local = pos;
      uint64_t data = l->data;
      bool descriptor = (l->flags & 0x0008) != 0;
      if (descriptor && l->csize == 0) {
        if (l->method != 8) {
          Note("zip.truncated",
               "entry '" + Printable(e.name) +
                   "' has no size and no central directory; its end cannot be found",
               pos, true);
          entries_.push_back(std::move(e));
          return;
        }
        e.budget = compress::StreamBudget(size_ - data, ctx_);
        e.decoded = compress::Probe(compress::Codec::kDeflateRaw, *src_, data, size_ - data,
                                    e.budget, false, &e.actual_crc);
        e.have_decoded = true;
        e.probe_len = size_ - data;
        e.csize = e.decoded.consumed;
        if (!e.decoded.finished) {
          entries_.push_back(std::move(e));
          return;
        }
      }
      uint64_t next = data + e.csize;
      entries_.push_back(std::move(e));
      if (next > size_) return;
      if (descriptor) {
        Cursor c(*src_, next);
        auto sig = c.Le32();
        if (!sig.ok()) return;
        next += (*sig == kDescriptorSig ? 4 : 0) + 12;
      }
      pos = next;
      Cursor c(*src_, pos);
      auto sig = c.Le32();
      if (!sig.ok() || *sig != kLocalSig) {
        if (sig.ok() && *sig != kCentralSig && *sig != kEocdSig && !trailing_) trailing_ = pos;
        return;
      }
    }
  }

  void ReadLocals() {
    for (auto& e : entries_) {
      auto l = ReadLocal(*src_, e.local);
      if (!l.ok()) {
        Note(l.error().code == Errc::kTruncated ? "zip.truncated" : "zip.bad-local-header",
             "entry '" + Printable(e.name) + "': no valid local header at offset " +
                 std::to_string(e.local),
             e.local, true);
        continue;
      }
      e.local_ok = true;
      e.data = l->data;
      if (l->name != e.name) {
        Note("zip.local-central-name-mismatch",
             "local header names '" + Printable(l->name) + "', central directory '" +
                 Printable(e.name) + "'",
             e.local, false);
      }
      if (l->method != e.method) {
        Note("zip.local-central-mismatch",
             "entry '" + Printable(e.name) + "': local method " + std::to_string(l->method) +
                 ", central method " + std::to_string(e.method),
             e.local, false);
      }
      if ((l->flags & 0x0008) == 0 && (l->crc != e.crc || l->csize != e.csize)) {
        Note("zip.local-central-mismatch",
             "entry '" + Printable(e.name) + "': local sizes/CRC differ from the central ones",
             e.local, false);
      }
      uint16_t flags = e.flags | l->flags;
      if ((flags & kEncryptFlags) != 0) {
        // The bit may be a lie (the data plaintext, CT-05): the bytes are still yielded, and
        // sniffing finds nothing in them when they really are encrypted.
        Note("zip.encrypted",
             "entry '" + Printable(e.name) + "' is marked encrypted (flags 0x" + Hex(flags) +
                 "); its bytes may not be analysable",
             e.local, true);
      } else if ((flags & ~kBenignFlags) != 0 || (e.flags & ~0x0008) != (l->flags & ~0x0008)) {
        Note("zip.flag-bits",
             "entry '" + Printable(e.name) + "': unusual or inconsistent flag bits (central 0x" +
                 Hex(e.flags) + ", local 0x" + Hex(l->flags) + ")",
             e.local, false);
      }
    }
  }

  static std::string Hex(uint16_t v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04x", v);
    return buf;
  }

  void CheckLayout() {
    // torch (miniz) looks names up case-insensitively: case-folded twins are duplicates too.
    // Each name after its first is reported, in entry order.
    std::vector<std::pair<std::string, size_t>> names;  // (folded name, entry index)
    names.reserve(entries_.size());
    for (size_t i = 0; i < entries_.size(); ++i)
      names.emplace_back(LowerAscii(entries_[i].name), i);
    std::sort(names.begin(), names.end());
    std::vector<size_t> twins;
    for (size_t i = 1; i < names.size(); ++i) {
      if (names[i].first == names[i - 1].first) twins.push_back(names[i].second);
    }
    std::sort(twins.begin(), twins.end());
    for (size_t i : twins) {
      const auto& e = entries_[i];
      Note("zip.duplicate-name", "more than one entry is named '" + Printable(e.name) + "'",
           e.record, false);
    }
    std::vector<const Entry*> order;
    for (const auto& e : entries_) {
      if (e.local_ok) order.push_back(&e);
    }
    std::sort(order.begin(), order.end(),
              [](const Entry* a, const Entry* b) { return a->local < b->local; });
    for (size_t i = 1; i < order.size(); ++i) {
      if (order[i - 1]->data + order[i - 1]->csize > order[i]->local) {
        Note("zip.overlapping-entries",
             "entries '" + Printable(order[i - 1]->name) + "' and '" + Printable(order[i]->name) +
                 "' overlap",
             order[i]->local, false);
        break;
      }
    }
    uint64_t first = order.empty() ? cd_at_ : order.front()->local;
    if (first > 0 && first <= size_) {
      Note("zip.data-before-first-entry",
           std::to_string(first) + " bytes precede the first zip entry", 0, false);
      // A pickle in front (CT-08) is what pickle.load runs: it is analysed over the whole
      // file, because the zip may sit inside one of its byte strings with the rest of the
      // pickle after it. Any other prefix is sniffed on its own.
      SourcePtr prefix = MakeSubSource(src_, 0, first);
      if (pickle::LooksLikePickle(*prefix, 0)) {
        out_.members.push_back({"[prefix]", src_, 0, Hint::kPickle, ""});
      } else {
        out_.members.push_back({"[prefix]", std::move(prefix), 0, Hint::kSniff, ""});
      }
    }
  }

  void Emit() {
    for (auto& e : entries_) {
      if (!e.local_ok) continue;
      if (EndsWith(e.name, "/") && e.csize == 0) continue;  // directory
      if (e.data > size_ || e.csize > size_ - e.data) {
        Note("zip.truncated", "entry '" + Printable(e.name) + "' runs past the end of the file",
             e.data, true);
      }
      if (e.method == 0) {
        if (e.csize != e.usize) {
          Note("zip.size-mismatch",
               "stored entry '" + Printable(e.name) + "' has different stored and original sizes",
               e.local, false);
        }
        SourcePtr data = MakeSubSource(src_, e.data, e.csize);
        // The scanner reads pickles and the first 4 KiB whole anyway; tensors stay unread.
        if (data->size() == e.csize && (e.csize <= 4096 || EndsWith(LowerAscii(e.name), ".pkl"))) {
          CheckCrc(e, *data);
        }
        out_.members.push_back({e.name, std::move(data), e.data, Hint::kSniff, ""});
      } else if (e.method == 12 || e.method == 14) {
        // Python's zipfile reads these; torch's miniz does not. The content is analysed anyway.
        Note("zip.unusual-method",
             "entry '" + Printable(e.name) + "' uses " + (e.method == 12 ? "bzip2" : "lzma") +
                 " compression, which torch cannot load but Python's zipfile can",
             e.local, false);
        DecodeOther(e);
      } else if (e.method == 8) {
        uint64_t avail = e.data <= size_ ? std::min(e.csize, size_ - e.data) : 0;
        if (!e.have_decoded) {
          e.budget = compress::StreamBudget(e.csize, ctx_);
          e.decoded = compress::Probe(compress::Codec::kDeflateRaw, *src_, e.data, avail, e.budget,
                                      false, &e.actual_crc);
        }
        compress::Decoded& d = e.decoded;
        compress::Account(d, "zip", "entry '" + Printable(e.name) + "'", e.data, ctx_,
                          out_.anomalies);
        if (d.finished) {
          if (d.produced != e.usize) {
            Note("zip.size-mismatch",
                 "entry '" + Printable(e.name) + "' inflates to " + std::to_string(d.produced) +
                     " bytes, header says " + std::to_string(e.usize),
                 e.local, false);
          }
          if (e.actual_crc != e.crc) CrcMismatch(e, e.actual_crc);
        }
        if (e.have_decoded) avail = e.probe_len;  // decode on demand exactly as probed
        compress::StreamSpec spec{
            compress::Codec::kDeflateRaw,           src_, e.data, avail, false, e.budget,
            "zip entry '" + Printable(e.name) + "'"};
        out_.members.push_back({e.name, compress::MakeStreamSource(std::move(spec), d.produced),
                                e.data, Hint::kSniff, ""});
      } else {
        Note("zip.unsupported-method",
             "entry '" + Printable(e.name) + "' uses compression method " +
                 std::to_string(e.method) + "; not analysed",
             e.local, true);
      }
    }
    if (trailing_ > 0 && trailing_ < size_) {
      Note("zip.trailing-data",
           std::to_string(size_ - trailing_) + " bytes follow the end of the zip archive",
           trailing_, false);
      out_.members.push_back({"[trailing]", MakeSubSource(src_, trailing_, size_ - trailing_),
                              trailing_, Hint::kSniff, ""});
    }
  }

  // bzip2 (12) decodes directly; lzma (14) carries a 4-byte version/size header and 5 bytes
  // of properties, which become a .lzma ("alone") header in front of a copy of the data.
  void DecodeOther(Entry& e) {
    uint64_t avail = e.data <= size_ ? std::min(e.csize, size_ - e.data) : 0;
    uint64_t budget = compress::StreamBudget(e.csize, ctx_);
    compress::StreamSpec spec;
    spec.max_out = budget;
    spec.what = "zip entry '" + Printable(e.name) + "'";
    if (e.method == 12) {
      spec.codec = compress::Codec::kBzip2;
      spec.parent = src_;
      spec.begin = e.data;
      spec.len = avail;
    } else {
      if (avail < 9) {
        Note("zip.truncated", "lzma entry '" + Printable(e.name) + "' has no usable header", e.data,
             true);
        return;
      }
      auto r = src_->Read(e.data, 9);
      if (!r.ok() || r->size() != 9) return;
      ByteSpan b = *r;
      uint16_t props = Le16(b, 2);
      if (props != 5) {
        Note("zip.corrupt", "lzma entry '" + Printable(e.name) + "' has unusual properties", e.data,
             true);
        return;
      }
      std::vector<uint8_t> alone(b.begin() + 4, b.begin() + 9);
      uint64_t usize = (e.flags & 0x0002) != 0 ? UINT64_MAX : e.usize;  // bit 1: EOS marker
      for (int i = 0; i < 8; ++i) alone.push_back(static_cast<uint8_t>(usize >> (8 * i)));
      // The .lzma header in memory, then the compressed data in place (no copy).
      spec.codec = compress::Codec::kLzmaAlone;
      spec.parent = compress::MakeConcatSource(MakeMemorySource(std::move(alone)),
                                               MakeSubSource(src_, e.data + 9, avail - 9));
      spec.begin = 0;
      spec.len = spec.parent->size();
    }
    uint32_t crc = 0;
    compress::Decoded d =
        compress::Probe(spec.codec, *spec.parent, spec.begin, spec.len, budget, false, &crc);
    compress::Account(d, "zip", "entry '" + Printable(e.name) + "'", e.data, ctx_, out_.anomalies);
    if (d.finished && crc != e.crc) CrcMismatch(e, crc);
    out_.members.push_back({e.name, compress::MakeStreamSource(std::move(spec), d.produced), e.data,
                            Hint::kSniff, ""});
  }

  void CheckCrc(const Entry& e, Source& data) {
    uLong crc = 0;
    uint64_t pos = 0;
    while (pos < data.size()) {
      auto r = data.Read(pos, static_cast<size_t>(std::min<uint64_t>(1 << 20, data.size() - pos)));
      if (!r.ok() || r->empty()) return;
      crc = crc32_z(crc, r->data(), r->size());
      pos += r->size();
    }
    if (static_cast<uint32_t>(crc) != e.crc) CrcMismatch(e, static_cast<uint32_t>(crc));
  }

  void CrcMismatch(const Entry& e, uint32_t actual) {
    Note("zip.crc-mismatch",
         "entry '" + Printable(e.name) + "': CRC-32 is " + Hex32(actual) + ", header says " +
             Hex32(e.crc),
         e.local, false);
  }

  static std::string Hex32(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", v);
    return buf;
  }

  // Names the zip by what loads it. Names only pick the label and loader; every member is
  // still sniffed by content.
  void Refine() {
    bool data_pkl = false;
    bool script = false;
    bool all_npy = true;
    bool files = false;
    bool config = false;
    bool metadata = false;
    for (const auto& e : entries_) {
      // miniz matches names case-insensitively, so "WEIRD/DATA.PKL" is a torch pickle.
      const std::string n = LowerAscii(e.name);
      if (EndsWith(n, "/")) continue;
      files = true;
      if (n == "data.pkl" || EndsWith(n, "/data.pkl")) data_pkl = true;
      if (EndsWith(n, "/constants.pkl") || n.find("/code/") != std::string::npos) script = true;
      if (!EndsWith(n, ".npy")) all_npy = false;
      if (n == "config.json") config = true;
      if (n == "metadata.json") metadata = true;
    }
    if (data_pkl && script) {
      out_.format = "torchscript";
      out_.loader = "torch.jit.load";
      // torch.jit.load compiles every code/**.py file, whatever it looks like.
      for (auto& m : out_.members) {
        std::string n = LowerAscii(m.name);
        if (n.find("code/") != std::string::npos && EndsWith(n, ".py")) {
          m.hint = Hint::kTorchScriptCode;
        }
      }
    } else if (data_pkl) {
      out_.format = "pytorch-zip";
      out_.loader = "torch.load";
    } else if (files && all_npy) {
      out_.format = "npz";
      out_.loader = "np.load";
    } else if (config && metadata) {
      out_.format = "keras-v3";
      out_.loader = "keras.saving.load_model";
      for (auto& m : out_.members) {
        if (LowerAscii(m.name) == "config.json" || LowerAscii(m.name) == "metadata.json")
          m.hint = Hint::kJson;
      }
    } else {
      out_.format = "zip";
    }
  }

  const SourcePtr& src_;
  ReadContext& ctx_;
  uint64_t size_;
  ReadOutput out_;
  std::vector<Entry> entries_;
  uint64_t shift_ = 0;     // bytes prepended to the archive
  uint64_t n_total_ = 0;   // entries the end record announces
  uint64_t cd_at_ = 0;     // where the central directory starts (or the end record)
  uint64_t trailing_ = 0;  // start of bytes after the archive, 0 when none
};

bool HasEocdNearEnd(Source& src) {
  uint64_t size = src.size();
  if (size < kEocdSize) return false;
  uint64_t n = std::min<uint64_t>(size, 1024);
  auto t = src.Read(size - n, static_cast<size_t>(n));
  if (!t.ok()) return false;
  ByteSpan b = *t;
  for (size_t i = 0; i + kEocdSize <= b.size(); ++i) {
    // Only where a 'P' is (memchr): a tail without one costs no per-byte loop.
    const void* p = std::memchr(b.data() + i, 'P', b.size() - kEocdSize + 1 - i);
    if (p == nullptr) return false;
    i = static_cast<size_t>(static_cast<const uint8_t*>(p) - b.data());
    if (Le32(b, i) == kEocdSig) return true;
  }
  return false;
}

}  // namespace

bool Sniff(Source& src, ByteSpan head, bool signature) {
  // The signatures at 0 (local header, empty archive, spanning marker) are the registry's.
  if (signature) return true;
  if (head.size() < 4) return false;
  // Data prepended to a zip (a pickle in front of a torch archive): only when a local header
  // shows up in the head, or the head is a pickle, is the tail checked for an end record, so
  // tensors sniffed inside archives cost no extra read.
  bool local_in_head = false;
  for (size_t i = 1; i + 4 <= head.size(); ++i) {
    // Only where a 'P' is (memchr), so a head without one costs no per-byte loop.
    const void* p = std::memchr(head.data() + i, 'P', head.size() - 3 - i);
    if (p == nullptr) break;
    i = static_cast<size_t>(static_cast<const uint8_t*>(p) - head.data());
    if (Le32(head, i) == kLocalSig) {
      local_in_head = true;
      break;
    }
  }
  if (!local_in_head && head[0] != 0x80) return false;
  return HasEocdNearEnd(src);
}

Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx) {
  Reader r(src, ctx);
  return r.Run();
}

}  // namespace mv::formats::zip
