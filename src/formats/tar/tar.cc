// Hand-written tar reader (ustar, GNU long names and base-256 sizes, pax path/size records).
// libarchive decodes tar well but hands out copies of each member's bytes; members here are
// SubSources over the archive, so a tar of tensors costs its 512-byte headers, not its data.
#include "formats/tar/tar.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "core/limits.h"

namespace mv::formats::tar {

namespace {

constexpr uint64_t kBlock = 512;

bool AllZero(ByteSpan b) {
  return std::all_of(b.begin(), b.end(), [](uint8_t c) { return c == 0; });
}

// NUL/space-terminated octal, or GNU base-256 (high bit of the first byte set).
bool ParseNumber(ByteSpan f, uint64_t& out) {
  out = 0;
  if (!f.empty() && (f[0] & 0x80) != 0) {
    if ((f[0] & 0x40) != 0) return false;  // negative
    uint64_t v = f[0] & 0x3F;
    for (size_t i = 1; i < f.size(); ++i) {
      if (v > (UINT64_MAX >> 8)) return false;
      v = (v << 8) | f[i];
    }
    out = v;
    return true;
  }
  size_t i = 0;
  while (i < f.size() && f[i] == ' ') ++i;
  bool any = false;
  for (; i < f.size() && f[i] >= '0' && f[i] <= '7'; ++i) {
    if (out > (UINT64_MAX >> 3)) return false;
    out = (out << 3) | static_cast<uint64_t>(f[i] - '0');
    any = true;
  }
  for (; i < f.size(); ++i) {
    if (f[i] != ' ' && f[i] != 0) return false;
  }
  return any;
}

std::string Field(ByteSpan f) {
  size_t n = 0;
  while (n < f.size() && f[n] != 0) ++n;
  return std::string(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(n));
}

// The header checksum: the sum of all bytes with the checksum field taken as spaces. Python's
// tarfile also accepts the signed sum that some old tars wrote.
bool ChecksumOk(ByteSpan h) {
  uint64_t stored = 0;
  if (!ParseNumber(h.subspan(148, 8), stored)) return false;
  uint64_t usum = 0;
  int64_t ssum = 0;
  for (size_t i = 0; i < kBlock; ++i) {
    uint8_t c = (i >= 148 && i < 156) ? ' ' : h[i];
    usum += c;
    ssum += static_cast<int8_t>(c);
  }
  return stored == usum || static_cast<int64_t>(stored) == ssum;
}

// pax records: "<len> <key>=<value>\n" repeated.
void ParsePax(ByteSpan b, std::string& path, uint64_t& size, bool& has_size) {
  size_t p = 0;
  while (p < b.size()) {
    size_t sp = p;
    uint64_t len = 0;
    while (sp < b.size() && b[sp] >= '0' && b[sp] <= '9' && len < b.size()) {
      len = len * 10 + static_cast<uint64_t>(b[sp] - '0');
      ++sp;
    }
    // The length counts its own digits and the space: a shorter one would end the record
    // before it starts.
    if (sp >= b.size() || b[sp] != ' ' || len > b.size() - p || len < sp + 1 - p) return;
    std::string rec(b.begin() + static_cast<std::ptrdiff_t>(sp + 1),
                    b.begin() + static_cast<std::ptrdiff_t>(p + len));
    if (!rec.empty() && rec.back() == '\n') rec.pop_back();
    size_t eq = rec.find('=');
    if (eq != std::string::npos) {
      std::string key = rec.substr(0, eq);
      std::string val = rec.substr(eq + 1);
      if (key == "path") path = val;
      if (key == "size") {
        uint64_t v = 0;
        bool ok = !val.empty() && val.size() < 20;
        for (char c : val) ok = ok && c >= '0' && c <= '9';
        if (ok) {
          for (char c : val) v = v * 10 + static_cast<uint64_t>(c - '0');
          size = v;
          has_size = true;
        }
      }
    }
    p += len;
  }
}

// os.path.normpath for the names tarfile compares: no empty or '.' parts, 'x/..' removed.
std::string NormPath(const std::string& p) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= p.size()) {
    size_t e = p.find('/', i);
    if (e == std::string::npos) e = p.size();
    std::string part = p.substr(i, e - i);
    i = e + 1;
    if (part.empty() || part == ".") continue;
    if (part == ".." && !parts.empty() && parts.back() != "..") {
      parts.pop_back();
    } else {
      parts.push_back(std::move(part));
    }
  }
  std::string out = !p.empty() && p[0] == '/' ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) out += (k ? "/" : "") + parts[k];
  return out.empty() ? "." : out;
}

}  // namespace

bool Sniff(Source& /*src*/, ByteSpan head, bool signature) {
  // The registry holds the "ustar" signature; the header checksum is not a table row.
  if (head.size() < kBlock) return false;
  ByteSpan h = head.first(kBlock);
  // A v7 tar has no magic: accept it only with a valid checksum and a printable name.
  if (!signature) {
    if (h[0] == 0) return false;
    for (size_t i = 0; i < 100 && h[i] != 0; ++i) {
      if (h[i] < 0x20 || h[i] > 0x7e) return false;
    }
  }
  return ChecksumOk(h);
}

Result<ReadOutput> Read(const SourcePtr& src, ReadContext& /*ctx*/) {
  ReadOutput out;
  out.format = "tar";
  uint64_t size = src->size();
  uint64_t pos = 0;
  std::string long_name;  // from a GNU 'L' entry or pax 'path', for the next entry
  uint64_t pax_size = 0;
  bool has_pax_size = false;
  uint64_t entries = 0;
  std::set<std::string> names;
  struct Link {
    std::string name, target;
    char type;
  };
  std::vector<Link> links;
  auto note = [&](std::string code, std::string msg, uint64_t off, bool incomplete) {
    out.anomalies.push_back(
        Anomaly::Defect(std::move(code), std::move(msg), off).Incomplete(incomplete));
    if (incomplete) out.complete = false;
  };
  while (true) {
    if (pos >= size) {
      note("tar.truncated", "archive ends without end-of-archive blocks", pos, false);
      break;
    }
    Cursor c(*src, pos);
    auto hr = c.Take(kBlock);
    if (!hr.ok()) {
      note("tar.truncated", "header block cut off by the end of the file", pos, true);
      break;
    }
    std::vector<uint8_t> hb(hr->begin(), hr->end());
    ByteSpan h(hb);
    if (AllZero(h)) break;  // end of archive
    if (!ChecksumOk(h)) {
      note("tar.bad-checksum", "header checksum does not match; rest of the archive not read", pos,
           true);
      break;
    }
    if (++entries > limits::kMaxArchiveEntries) {
      note("limit.entries", "more entries than limits::kMaxArchiveEntries; rest not read", pos,
           true);
      break;
    }
    uint64_t len = 0;
    if (!ParseNumber(h.subspan(124, 12), len)) {
      note("tar.bad-header", "member size field is not a number", pos + 124, true);
      break;
    }
    char type = static_cast<char>(h[156]);
    if (has_pax_size && type != 'x' && type != 'g' && type != 'L' && type != 'K') {
      len = pax_size;
    }
    uint64_t data = pos + kBlock;
    uint64_t avail = data <= size ? size - data : 0;
    if (len > avail) {
      note("tar.truncated", "member data runs past the end of the file", data, true);
    }
    std::string name = Field(h.first(100));
    if (std::memcmp(h.data() + 257, "ustar\0", 6) == 0) {
      std::string prefix = Field(h.subspan(345, 155));
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    if (type == 'L' || type == 'x' || type == 'g' || type == 'K' || type == 'X') {
      if (len > limits::kMaxHeaderBytes) {
        note("limit.header", "extended header larger than limits::kMaxHeaderBytes", pos, true);
        break;
      }
      auto r = src->Read(data, static_cast<size_t>(std::min(len, avail)));
      if (!r.ok()) return r.error();
      if (type == 'L') {
        long_name = Field(*r);
      } else if (type == 'x' || type == 'X') {
        ParsePax(*r, long_name, pax_size, has_pax_size);
      }
    } else {
      if (!long_name.empty()) name = long_name;
      long_name.clear();
      has_pax_size = false;
      // Python's tarfile (what torch.load uses) reads regular files, and also any type it
      // does not know ('A'..'Z' vendor types, GNU 'D', 'M', 'N', 'V'), as files: their data
      // is extractable by name.
      bool regular = type == '0' || type == '\0' || type == '7' || type == 'S';
      bool special = std::strchr("123456", type) != nullptr && type != '\0';
      if (regular || !special) {
        if (!regular) {
          note("tar.unusual-type",
               "member '" + name + "' has type '" + std::string(1, type) +
                   "', which Python's tarfile reads as a regular file",
               pos, false);
        }
        if (!names.insert(name).second) {
          note("tar.duplicate-name", "more than one member is named '" + name + "'", pos, false);
        }
        out.members.push_back(
            {name, MakeSubSource(src, data, std::min(len, avail)), data, Hint::kSniff, ""});
      } else {
        if (type == '1' || type == '2') links.push_back({name, Field(h.subspan(157, 100)), type});
        if (len > 0) {
          // tarfile does not skip the data of links, directories or devices: the next header
          // follows this one. Other readers skip `len` bytes. Both views are read: the bytes
          // are sniffed as a member, and parsing continues where tarfile continues.
          note("tar.special-with-data",
               "member '" + name + "' of type '" + std::string(1, type) + "' declares " +
                   std::to_string(len) + " data bytes; Python's tarfile reads a header there",
               pos, false);
          out.members.push_back({name + " [data]", MakeSubSource(src, data, std::min(len, avail)),
                                 data, Hint::kSniff, ""});
          pos = data;
          continue;
        }
      }
    }
    if (len > avail) break;
    uint64_t padded = (len + kBlock - 1) / kBlock * kBlock;
    if (padded > size - data) break;
    pos = data + padded;
  }

  // Links read as their target (tarfile's extractfile follows them, link to link too): a link
  // named 'pickle' is torch's pickle. Targets are compared as tarfile does, after normpath.
  for (size_t pass = 0; pass < links.size(); ++pass) {
    bool changed = false;
    for (auto& l : links) {
      if (l.type == 0) continue;  // resolved
      std::string target = l.target;
      if (l.type == '2') {
        size_t slash = l.name.rfind('/');
        if (slash != std::string::npos) target = l.name.substr(0, slash + 1) + target;
      }
      target = NormPath(target);
      for (size_t i = 0; i < out.members.size(); ++i) {
        if (NormPath(out.members[i].name) == target) {
          Member alias = out.members[i];
          alias.name = l.name;
          out.members.push_back(std::move(alias));
          l.type = 0;
          changed = true;
          break;
        }
      }
    }
    if (!changed) break;
  }

  // Torch's first format (torch < 0.4): a tar of pickles read by torch.load's legacy path.
  // legacy_load reads 'storages', 'tensors' and 'pickle'; 'sys_info' is optional.
  std::set<std::string> want = {"pickle", "storages", "tensors"};
  size_t have = 0;
  for (const auto& m : out.members) have += want.count(m.name);
  if (have == want.size()) {
    out.format = "torch-tar";
    out.loader = "torch.load";
    for (auto& m : out.members) {
      // legacy_load unpickles 'pickle', and reads 'storages'/'tensors' as pickles interleaved
      // with raw data. The hint only directs analysis; members are still the container's.
      if (m.name == "pickle" || m.name == "sys_info") m.hint = Hint::kPickle;
      if (m.name == "storages" || m.name == "tensors") m.hint = Hint::kPickleStream;
    }
  }
  return out;
}

}  // namespace mv::formats::tar
