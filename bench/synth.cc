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

// Writes `head` at 0 and extends the file to `size` with a hole.
void WriteSparse(const std::string& path, const std::vector<uint8_t>& head, uint64_t size) {
  int fd = Create(path);
  PWrite(fd, head, 0);
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    ::close(fd);
    throw std::runtime_error("ftruncate failed: " + path);
  }
  ::close(fd);
}

std::string Varint(uint64_t v) {
  std::string s;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    s += static_cast<char>(b | (v ? 0x80 : 0));
  } while (v);
  return s;
}

// A length-delimited protobuf field whose payload is `payload` followed by `extra` more bytes.
std::string Len(uint32_t field, const std::string& payload, uint64_t extra = 0) {
  return Varint(field << 3 | 2) + Varint(payload.size() + extra) + payload;
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

void WriteSafetensors(const std::string& path, uint64_t tensor_bytes) {
  std::string json = R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[)" +
                     std::to_string(tensor_bytes / 4) + R"(],"data_offsets":[0,)" +
                     std::to_string(tensor_bytes) + "]}}";
  json.append((8 - json.size() % 8) % 8, ' ');
  Bytes head;
  head.le(json.size(), 8).str(json);
  uint64_t size = head.vec().size() + tensor_bytes;
  WriteSparse(path, head.vec(), size);
}

void WriteGguf(const std::string& path, uint64_t tensor_bytes) {
  Bytes h;
  h.str("GGUF").le(3, 4).le(1, 8).le(1, 8);  // version, tensors, KVs
  std::string key = "general.architecture", val = "llama";
  h.le(key.size(), 8).str(key).le(8, 4).le(val.size(), 8).str(val);        // type 8: string
  h.le(1, 8).str("w").le(1, 4).le(tensor_bytes / 4, 8).le(0, 4).le(0, 8);  // 1 dim, F32, off 0
  uint64_t data = (h.vec().size() + 31) / 32 * 32;
  WriteSparse(path, h.vec(), data + tensor_bytes);
}

void WriteOnnx(const std::string& path, uint64_t raw_bytes) {
  std::string tensor = Varint(1 << 3) + Varint(raw_bytes / 4) + Varint(2 << 3) + Varint(1) +
                       Len(8, "w") + Varint(9 << 3 | 2) + Varint(raw_bytes);
  std::string graph = Len(2, "g") + Varint(5 << 3 | 2) + Varint(tensor.size() + raw_bytes) + tensor;
  std::string model =
      Varint(1 << 3) + Varint(8) + Varint(7 << 3 | 2) + Varint(graph.size() + raw_bytes) + graph;
  Bytes head;
  head.str(model);
  WriteSparse(path, head.vec(), model.size() + raw_bytes);
}

}  // namespace mv::bench
