// NumPy .npy reader. The header is a Python dict literal; we tokenise it (no eval, no
// recursion) and read 'descr', 'fortran_order' and 'shape'. An object dtype means the data
// region is a pickle that np.load(allow_pickle=True) unpickles; any other dtype is raw numbers,
// which are never read.
#include "formats/npy/npy.h"

#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "core/limits.h"

namespace mv::formats::npy {

namespace {

constexpr uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

struct Token {
  char kind;  // 's' string, 'n' number, 'w' word, or the punctuation character itself
  std::string text;
};

bool Tokenize(const std::string& s, std::vector<Token>& out) {
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      ++i;
    } else if (std::strchr("{}()[]:,", c) != nullptr) {
      out.push_back({c, std::string(1, c)});
      ++i;
    } else if (c == '\'' || c == '"') {
      size_t j = s.find(c, i + 1);
      if (j == std::string::npos) return false;
      out.push_back({'s', s.substr(i + 1, j - i - 1)});
      i = j + 1;
    } else if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      size_t j = i;
      while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) != 0 || s[j] == 'L'))
        ++j;
      out.push_back({'n', s.substr(i, j - i)});
      i = j;
    } else if (std::isalpha(static_cast<unsigned char>(c)) != 0) {
      size_t j = i;
      while (j < s.size() && std::isalnum(static_cast<unsigned char>(s[j])) != 0) ++j;
      out.push_back({'w', s.substr(i, j - i)});
      i = j;
    } else {
      return false;
    }
  }
  return true;
}

struct DType {
  bool object = false;
  uint64_t itemsize = 0;  // 0 when unknown
};

DType ParseDType(const std::string& d) {
  DType t;
  size_t i = 0;
  if (i < d.size() && std::strchr("<>|=", d[i]) != nullptr) ++i;
  if (i >= d.size()) return t;
  char kind = d[i++];
  uint64_t n = 0;
  bool digits = false;
  while (i < d.size() && std::isdigit(static_cast<unsigned char>(d[i])) != 0 && n < (1u << 30)) {
    n = n * 10 + static_cast<uint64_t>(d[i++] - '0');
    digits = true;
  }
  if (kind == 'O') {
    t.object = true;
    return t;
  }
  if (kind == '?') {
    t.itemsize = 1;
  } else if (kind == 'U') {
    t.itemsize = digits ? n * 4 : 0;
  } else if (std::strchr("biufcSVMma", kind) != nullptr) {
    t.itemsize = digits ? n : 0;
  }
  return t;
}

}  // namespace

bool Sniff(Source& /*src*/, ByteSpan head) {
  return head.size() >= 10 && std::memcmp(head.data(), kMagic, 6) == 0 && head[6] >= 1 &&
         head[6] <= 3;
}

Result<ReadOutput> Read(const SourcePtr& src, ReadContext& /*ctx*/) {
  ReadOutput out;
  out.format = "npy";
  out.loader = "np.load";
  Cursor c(*src);
  MV_ASSIGN_OR_RETURN(ByteSpan magic, c.Take(8));
  uint8_t major = magic[6];
  if (major < 1 || major > 3) {
    return MakeError(Errc::kUnsupported, "npy version " + std::to_string(major), 6);
  }
  uint64_t hlen = 0;
  if (major == 1) {
    MV_ASSIGN_OR_RETURN(hlen, c.Le16());
  } else {
    MV_ASSIGN_OR_RETURN(hlen, c.Le32());
  }
  if (hlen > limits::kMaxHeaderBytes) {
    return MakeError(Errc::kLimit, "npy header larger than limits::kMaxHeaderBytes", 8);
  }
  uint64_t hoff = c.pos();
  MV_ASSIGN_OR_RETURN(ByteSpan hb, c.Take(static_cast<size_t>(hlen)));
  std::string header(hb.begin(), hb.end());
  uint64_t data_off = c.pos();
  if (data_off % 16 != 0) {
    out.anomalies.push_back({"npy.unaligned-header",
                             "data does not start on a 16-byte boundary (numpy pads to 64)",
                             data_off, "", false});
  }
  std::vector<Token> toks;
  if (!Tokenize(header, toks) || toks.empty() || toks[0].kind != '{') {
    return MakeError(Errc::kMalformed, "npy header is not a dict literal", hoff);
  }
  bool have_descr = false;
  bool have_shape = false;
  DType dtype;
  bool structured = false;
  std::vector<uint64_t> shape;
  bool shape_overflow = false;
  size_t i = 1;
  while (i < toks.size() && toks[i].kind != '}') {
    if (toks[i].kind == ',') {
      ++i;
      continue;
    }
    if (toks[i].kind != 's' || i + 2 >= toks.size() || toks[i + 1].kind != ':') {
      return MakeError(Errc::kMalformed, "npy header: expected 'key': value", hoff);
    }
    std::string key = toks[i].text;
    i += 2;
    if (key == "descr" && toks[i].kind == 's') {
      dtype = ParseDType(toks[i].text);
      have_descr = true;
      ++i;
    } else if (key == "descr" && toks[i].kind == '[') {
      // Structured dtype: a list of (name, type[, shape]) tuples, possibly nested. Any field of
      // object type makes numpy pickle the array.
      structured = true;
      have_descr = true;
      int depth = 0;
      do {
        if (toks[i].kind == '[' || toks[i].kind == '(') ++depth;
        if (toks[i].kind == ']' || toks[i].kind == ')') --depth;
        if (toks[i].kind == 's' && ParseDType(toks[i].text).object) dtype.object = true;
        ++i;
      } while (i < toks.size() && depth > 0);
    } else if (key == "shape" && toks[i].kind == '(') {
      have_shape = true;
      ++i;
      while (i < toks.size() && toks[i].kind != ')') {
        if (toks[i].kind == 'n') {
          uint64_t v = 0;
          for (char ch : toks[i].text) {
            if (ch == 'L') break;
            if (v > UINT64_MAX / 10) shape_overflow = true;
            v = v * 10 + static_cast<uint64_t>(ch - '0');
          }
          shape.push_back(v);
        } else if (toks[i].kind != ',') {
          return MakeError(Errc::kMalformed, "npy header: shape is not a tuple of integers", hoff);
        }
        ++i;
      }
      ++i;
    } else if (toks[i].kind == 'w' || toks[i].kind == 's' || toks[i].kind == 'n') {
      ++i;  // fortran_order: True/False, or an unknown scalar key
    } else {
      return MakeError(Errc::kMalformed, "npy header: unexpected value for '" + key + "'", hoff);
    }
  }
  if (!have_descr || !have_shape) {
    return MakeError(Errc::kMalformed, "npy header lacks 'descr' or 'shape'", hoff);
  }
  if (header.empty() || header.back() != '\n') {
    out.anomalies.push_back(
        {"npy.header-format", "npy header does not end with a newline", hoff, "", false});
  }
  uint64_t avail = src->size() - data_off;
  if (dtype.object) {
    out.loader = "np.load(allow_pickle=True)";
    out.members.push_back({"[array]", MakeSubSource(src, data_off, avail), data_off, Hint::kPickle,
                           "np.load(allow_pickle=True)"});
    return out;
  }
  if (structured || dtype.itemsize == 0) return out;  // size not checked
  uint64_t count = 1;
  for (uint64_t d : shape) {
    if (d != 0 && count > UINT64_MAX / d) shape_overflow = true;
    count *= d;
  }
  if (shape_overflow || (dtype.itemsize != 0 && count > UINT64_MAX / dtype.itemsize)) {
    out.anomalies.push_back(
        {"npy.size-mismatch", "shape times item size overflows 64 bits", hoff, "", false});
    return out;
  }
  uint64_t want = count * dtype.itemsize;
  if (want > avail) {
    out.anomalies.push_back(
        {"npy.size-mismatch",
         "array needs " + std::to_string(want) + " data bytes, file has " + std::to_string(avail),
         data_off, "", false});
  } else if (want < avail) {
    out.anomalies.push_back({"npy.trailing-data",
                             std::to_string(avail - want) + " bytes follow the array data",
                             data_off + want, "", false});
  }
  return out;
}

}  // namespace mv::formats::npy
