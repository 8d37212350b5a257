#include "synth.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <stdexcept>
#include <vector>

namespace mv::bench {

namespace {

class Bytes {
 public:
  Bytes& u8(uint8_t v) {
    b_.push_back(v);
    return *this;
  }
  Bytes& le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  Bytes& str(const std::string& s) {
    b_.insert(b_.end(), s.begin(), s.end());
    return *this;
  }
  // SHORT_BINUNICODE + MEMOIZE (protocol 4) or BINUNICODE (protocol 2).
  Bytes& ustr(const std::string& s, bool proto4) {
    if (proto4) return u8(0x8c).u8(static_cast<uint8_t>(s.size())).str(s).u8(0x94);
    return u8('X').le(s.size(), 4).str(s);
  }
  std::vector<uint8_t>& vec() { return b_; }

 private:
  std::vector<uint8_t> b_;
};

void PWrite(int fd, const std::vector<uint8_t>& b, uint64_t off) {
  if (pwrite(fd, b.data(), b.size(), static_cast<off_t>(off)) != static_cast<ssize_t>(b.size())) {
    throw std::runtime_error("pwrite failed");
  }
}

int Create(const std::string& path) {
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + path);
  return fd;
}

uint32_t CrcOfZeros(uint64_t n) {
  static const std::vector<uint8_t> kZeros(1 << 16, 0);
  uint32_t block = static_cast<uint32_t>(crc32(0, kZeros.data(), kZeros.size()));
  uint32_t crc = 0;
  uint64_t done = 0;
  for (; done + kZeros.size() <= n; done += kZeros.size()) {
    crc = static_cast<uint32_t>(crc32_combine(crc, block, static_cast<z_off_t>(kZeros.size())));
  }
  return static_cast<uint32_t>(crc32(crc, kZeros.data(), static_cast<uInt>(n - done)));
}

}  // namespace

void WriteNumpyPickle(const std::string& path, uint64_t n) {
  Bytes head;
  head.u8(0x80).u8(4);
  head.ustr("numpy.core.multiarray", true).ustr("_reconstruct", true).u8(0x93).u8(0x94);
  head.ustr("numpy", true).ustr("ndarray", true).u8(0x93).u8(0x94);
  head.u8('K').u8(0).u8(0x85).u8(0x94);     // (0,)
  head.u8('C').u8(1).u8('b').u8(0x94);      // b'b'
  head.u8(0x87).u8(0x94).u8('R').u8(0x94);  // TUPLE3, REDUCE
  head.u8('(').u8('K').u8(1);               // MARK, 1
  head.u8('J').le(static_cast<uint32_t>(n > 0x7fffffff ? 0x7fffffff : n), 4).u8(0x85);
  head.ustr("numpy", true).ustr("dtype", true).u8(0x93).u8(0x94);
  head.ustr("u1", true).u8(0x89).u8(0x88).u8(0x87).u8('R').u8(0x94);  // dtype('u1', False, True)
  head.u8('(').u8('K').u8(3).ustr("|", true).u8('N').u8('N').u8('N');
  head.u8('J').le(0xffffffff, 4).u8('J').le(0xffffffff, 4).u8('K').u8(0).u8('t').u8('b');
  head.u8(0x89);           // False (Fortran order)
  head.u8(0x8e).le(n, 8);  // BINBYTES8 n
  Bytes tail;
  tail.u8('t').u8('b').u8('.');  // TUPLE, BUILD, STOP
  int fd = Create(path);
  PWrite(fd, head.vec(), 0);
  PWrite(fd, tail.vec(), head.vec().size() + n);
  ::close(fd);
}

void WriteTorchZip(const std::string& path, uint64_t numel) {
  Bytes pkl;
  pkl.u8(0x80).u8(2).u8('}').u8('q').u8(0).u8('(');
  pkl.ustr("weight", false);
  pkl.u8('c').str("torch._utils\n_rebuild_tensor_v2\n").u8('q').u8(1);
  pkl.u8('(').u8('(').ustr("storage", false).u8('c').str("torch\nFloatStorage\n").u8('q').u8(2);
  pkl.ustr("0", false).ustr("cpu", false).u8('J').le(numel, 4).u8('t').u8('Q');
  pkl.u8('K').u8(0).u8('J').le(numel, 4).u8(0x85).u8('K').u8(1).u8(0x85).u8(0x89);
  pkl.u8('c').str("collections\nOrderedDict\n").u8(')').u8('R').u8('t').u8('R').u8('u').u8('.');

  struct Entry {
    std::string name;
    uint64_t size;
    uint32_t crc;
    uint64_t offset;
    const std::vector<uint8_t>* data;  // null: zeros left as a hole
  };
  std::vector<uint8_t> version = {'3', '\n'};
  std::vector<Entry> entries = {
      {"archive/data.pkl", pkl.vec().size(),
       static_cast<uint32_t>(crc32(0, pkl.vec().data(), static_cast<uInt>(pkl.vec().size()))), 0,
       &pkl.vec()},
      {"archive/data/0", numel * 4, CrcOfZeros(numel * 4), 0, nullptr},
      {"archive/version", 2, static_cast<uint32_t>(crc32(0, version.data(), 2)), 0, &version},
  };
  int fd = Create(path);
  uint64_t off = 0;
  for (auto& e : entries) {
    e.offset = off;
    Bytes h;
    h.le(0x04034b50, 4).le(20, 2).le(0, 2).le(0, 2).le(0, 2).le(0x21, 2).le(e.crc, 4);
    h.le(e.size, 4).le(e.size, 4).le(e.name.size(), 2).le(0, 2).str(e.name);
    PWrite(fd, h.vec(), off);
    off += h.vec().size();
    if (e.data) PWrite(fd, *e.data, off);
    off += e.size;
  }
  Bytes cd;
  for (const auto& e : entries) {
    cd.le(0x02014b50, 4).le(20, 2).le(20, 2).le(0, 2).le(0, 2).le(0, 2).le(0x21, 2).le(e.crc, 4);
    cd.le(e.size, 4).le(e.size, 4).le(e.name.size(), 2).le(0, 2).le(0, 2).le(0, 2).le(0, 2);
    cd.le(0, 4).le(e.offset, 4).str(e.name);
  }
  uint64_t cd_size = cd.vec().size();
  cd.le(0x06054b50, 4).le(0, 2).le(0, 2).le(entries.size(), 2).le(entries.size(), 2);
  cd.le(cd_size, 4).le(off, 4).le(0, 2);
  PWrite(fd, cd.vec(), off);
  ::close(fd);
}

}  // namespace mv::bench
