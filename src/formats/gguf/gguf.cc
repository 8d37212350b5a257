#include "formats/gguf/gguf.h"

#include <set>

#include "core/limits.h"
#include "formats/common/jinja/jinja.h"

namespace mv::formats::gguf {

namespace {

constexpr const char* kLoader = "llama.cpp / llama-cpp-python";
constexpr const char* kTemplateLoader =
    "llama-cpp-python<0.2.72 chat completion (unsandboxed jinja2.Environment)";

enum Type : uint32_t {
  kU8 = 0,
  kI8,
  kU16,
  kI16,
  kU32,
  kI32,
  kF32,
  kBool,
  kString,
  kArray,
  kU64,
  kI64,
  kF64,
  kTypeCount
};

// Bytes of a fixed-size scalar; 0 for string/array.
uint64_t ScalarSize(uint32_t t) {
  switch (t) {
    case kU8:
    case kI8:
    case kBool: return 1;
    case kU16:
    case kI16: return 2;
    case kU32:
    case kI32:
    case kF32: return 4;
    case kU64:
    case kI64:
    case kF64: return 8;
    default: return 0;
  }
}

// ggml tensor types: (elements per block, bytes per block). Types not listed skip the size check.
bool TypeSize(uint32_t t, uint64_t& block, uint64_t& bytes) {
  struct E {
    uint32_t t;
    uint64_t block, bytes;
  };
  static constexpr E kTable[] = {
      {0, 1, 4},      {1, 1, 2},      {2, 32, 18},   {3, 32, 20},    {6, 32, 22},    {7, 32, 24},
      {8, 32, 34},    {9, 32, 36},    {10, 256, 84}, {11, 256, 110}, {12, 256, 144}, {13, 256, 176},
      {14, 256, 210}, {15, 256, 292}, {16, 256, 66}, {17, 256, 74},  {18, 256, 98},  {19, 256, 50},
      {20, 32, 18},   {21, 256, 110}, {22, 256, 82}, {23, 256, 136}, {24, 1, 1},     {25, 1, 2},
      {26, 1, 4},     {27, 1, 8},     {28, 1, 8},    {29, 256, 56},  {30, 1, 2},     {35, 256, 66}};
  for (const auto& e : kTable) {
    if (e.t == t) {
      block = e.block;
      bytes = e.bytes;
      return true;
    }
  }
  return false;
}

class Reader {
 public:
  Reader(const SourcePtr& src, ReadOutput& out) : src_(src), cur_(*src), out_(out) {}

  Status Run() {
    MV_RETURN_IF_ERROR(cur_.Skip(4));  // magic, checked by Sniff
    MV_ASSIGN_OR_RETURN(version_, cur_.Le32());
    if (version_ < 1 || version_ > 3) {
      return MakeError(Errc::kUnsupported, "GGUF version " + std::to_string(version_), 4);
    }
    MV_ASSIGN_OR_RETURN(uint64_t n_tensors, Count());
    MV_ASSIGN_OR_RETURN(uint64_t n_kv, Count());
    // Each KV takes at least 12 bytes, each tensor info at least 16: counts are bounded by size.
    if (n_kv > cur_.remaining() / 12 || n_tensors > cur_.remaining() / 16) {
      return MakeError(Errc::kMalformed, "GGUF counts larger than the file allows", 8);
    }
    std::set<std::string> keys;
    for (uint64_t i = 0; i < n_kv; ++i) {
      uint64_t at = cur_.pos();
      MV_ASSIGN_OR_RETURN(std::string key, String(4096));
      MV_ASSIGN_OR_RETURN(uint32_t type, cur_.Le32());
      if (!keys.insert(key).second) {
        out_.anomalies.push_back(
            Anomaly::Defect("gguf.duplicate-key",
                            "metadata key '" + key + "' appears twice (llama.cpp refuses)", at));
      }
      MV_RETURN_IF_ERROR(Value(key, type));
      if (key == "general.alignment" && type == kU32) alignment_ = last_u32_;
    }
    if (alignment_ == 0 || (alignment_ & (alignment_ - 1)) != 0) {
      out_.anomalies.push_back(Anomaly::Defect(
          "gguf.alignment",
          "general.alignment " + std::to_string(alignment_) + " is not a power of two", 0));
      alignment_ = 32;
    }
    return Tensors(n_tensors);
  }

 private:
  Result<uint64_t> Count() {
    if (version_ == 1) {
      MV_ASSIGN_OR_RETURN(uint32_t v, cur_.Le32());
      return static_cast<uint64_t>(v);
    }
    return cur_.Le64();
  }

  // A GGUF string; bytes beyond `keep` are skipped unread (`full` gets the real length).
  Result<std::string> String(uint64_t keep, uint64_t* full = nullptr) {
    MV_ASSIGN_OR_RETURN(uint64_t n, Count());
    if (full != nullptr) *full = n;
    if (n > cur_.remaining()) {
      return MakeError(Errc::kMalformed, "GGUF string longer than the file", cur_.pos());
    }
    uint64_t k = std::min(n, keep);
    MV_ASSIGN_OR_RETURN(ByteSpan b, cur_.Take(static_cast<size_t>(k)));
    std::string s(reinterpret_cast<const char*>(b.data()), b.size());
    MV_RETURN_IF_ERROR(cur_.Skip(n - k));
    return s;
  }

  Status Value(const std::string& key, uint32_t type) {
    if (type >= kTypeCount) {
      return MakeError(Errc::kMalformed, "unknown GGUF value type " + std::to_string(type),
                       cur_.pos() - 4);
    }
    if (type == kString) {
      bool tmpl = key.find("chat_template") != std::string::npos;
      uint64_t at = cur_.pos();
      uint64_t full = 0;
      MV_ASSIGN_OR_RETURN(std::string s, String(tmpl ? limits::kMaxTemplateBytes : 0, &full));
      if (tmpl) {
        Template(key, s, at + (version_ == 1 ? 4 : 8));
        if (full > s.size()) {
          out_.anomalies.push_back(
              Anomaly::Defect("limit.template",
                              "chat template '" + key + "' is " + std::to_string(full) +
                                  " bytes; only the first limits::kMaxTemplateBytes were analysed",
                              at + s.size())
                  .Incomplete());
          out_.complete = false;
        }
      }
      return OkStatus();
    }
    if (type == kArray) {
      // Arrays of arrays nest; walked with an explicit stack of remaining counts.
      std::vector<std::pair<uint32_t, uint64_t>> stack;  // (element type, elements left)
      MV_ASSIGN_OR_RETURN(uint32_t et, cur_.Le32());
      MV_ASSIGN_OR_RETURN(uint64_t n, Count());
      stack.push_back({et, n});
      while (!stack.empty()) {
        auto& [t, left] = stack.back();
        if (left == 0) {
          stack.pop_back();
          continue;
        }
        if (t >= kTypeCount) {
          return MakeError(Errc::kMalformed, "unknown GGUF array type " + std::to_string(t),
                           cur_.pos());
        }
        if (uint64_t sz = ScalarSize(t)) {
          if (left > cur_.remaining() / sz) {
            return MakeError(Errc::kMalformed, "GGUF array longer than the file", cur_.pos());
          }
          MV_RETURN_IF_ERROR(cur_.Skip(left * sz));
          left = 0;
        } else if (t == kString) {
          if (left > cur_.remaining() / (version_ == 1 ? 4 : 8)) {
            return MakeError(Errc::kMalformed, "GGUF array longer than the file", cur_.pos());
          }
          --left;
          MV_RETURN_IF_ERROR(String(0));
        } else {
          --left;
          if (stack.size() >= static_cast<size_t>(limits::kMaxProtoDepth)) {
            return MakeError(Errc::kLimit, "GGUF arrays nested too deep", cur_.pos());
          }
          MV_ASSIGN_OR_RETURN(uint32_t et2, cur_.Le32());
          MV_ASSIGN_OR_RETURN(uint64_t n2, Count());
          stack.push_back({et2, n2});
        }
      }
      return OkStatus();
    }
    uint64_t sz = ScalarSize(type);
    if (sz == 4) {
      MV_ASSIGN_OR_RETURN(last_u32_, cur_.Le32());
      return OkStatus();
    }
    return cur_.Skip(sz);
  }

  void Template(const std::string& key, const std::string& text, uint64_t at) {
    for (const auto& use : jinja::SensitiveNames(text)) {
      Observation o;
      o.kind = "jinja.attr";
      o.subject = use.name;
      o.evidence = key + ": " + use.excerpt;
      o.offset = at + use.offset;
      o.executes = false;  // compiled at load, rendered on each chat completion
      o.loader = kTemplateLoader;
      AddObservation(out_, std::move(o));
    }
  }

  Status Tensors(uint64_t n) {
    struct Info {
      std::string name;
      uint64_t offset, size;
      bool sized;
    };
    std::vector<Info> infos;
    for (uint64_t i = 0; i < n; ++i) {
      MV_ASSIGN_OR_RETURN(std::string name, String(256));
      MV_ASSIGN_OR_RETURN(uint32_t n_dims, cur_.Le32());
      if (n_dims > 8) {
        return MakeError(Errc::kMalformed,
                         "tensor '" + name + "' has " + std::to_string(n_dims) + " dimensions",
                         cur_.pos() - 4);
      }
      uint64_t elems = 1;
      bool overflow = false;
      for (uint32_t d = 0; d < n_dims; ++d) {
        MV_ASSIGN_OR_RETURN(uint64_t dim, Count());
        if (dim != 0 && elems > UINT64_MAX / dim) overflow = true;
        elems *= dim;
      }
      MV_ASSIGN_OR_RETURN(uint32_t type, cur_.Le32());
      MV_ASSIGN_OR_RETURN(uint64_t off, cur_.Le64());
      uint64_t block = 0, bytes = 0;
      bool sized = !overflow && TypeSize(type, block, bytes);
      uint64_t size = sized ? elems / block * bytes : 0;
      if (sized && (elems % block != 0 || elems / block > UINT64_MAX / bytes)) sized = false;
      if (overflow) {
        out_.anomalies.push_back(Anomaly::Defect(
            "gguf.tensor-shape", "tensor '" + name + "' shape overflows 64 bits", cur_.pos()));
      }
      infos.push_back({std::move(name), off, size, sized});
    }
    uint64_t data = (cur_.pos() + alignment_ - 1) / alignment_ * alignment_;
    uint64_t avail = src_->size() > data ? src_->size() - data : 0;
    for (const auto& t : infos) {
      if (t.offset % alignment_ != 0) {
        out_.anomalies.push_back(
            Anomaly::Defect("gguf.tensor-alignment",
                            "tensor '" + t.name + "' offset " + std::to_string(t.offset) +
                                " is not aligned to " + std::to_string(alignment_),
                            data));
      }
      if (t.offset > avail || (t.sized && t.size > avail - t.offset)) {
        out_.anomalies.push_back(
            Anomaly::Defect("gguf.tensor-bounds",
                            "tensor '" + t.name + "' data ends past the end of the file", data));
      }
    }
    return OkStatus();
  }

  const SourcePtr& src_;
  Cursor cur_;
  ReadOutput& out_;
  uint32_t version_ = 0;
  uint32_t alignment_ = 32;
  uint32_t last_u32_ = 0;
};

}  // namespace

Result<ReadOutput> Read(const SourcePtr& src, ReadContext& /*ctx*/) {
  ReadOutput out;
  out.format = "gguf";
  out.loader = kLoader;
  Reader r(src, out);
  Status s = r.Run();
  if (!s.ok()) {
    // Facts found before the defect are kept; the file is not fully read.
    if (out.observations.empty()) return s.error();
    out.complete = false;
    out.anomalies.push_back(
        Anomaly::Defect(std::string("gguf.") + ErrcName(ReadErrcClass(s.error().code)),
                        "gguf: " + s.error().message, s.error().offset)
            .Incomplete());
  }
  return out;
}

}  // namespace mv::formats::gguf
