// NumPy .npy reader. The header is a Python literal that numpy evaluates with
// ast.literal_eval; pyliteral.h parses the same literal syntax (nothing is evaluated) and the
// dtype is classified the way numpy.lib.format.descr_to_dtype builds it. A dtype that holds
// objects (any spelling: '|O', 'object', 'i4,O', '2O', a structured field) means the data region
// is a pickle that np.load(allow_pickle=True) unpickles; a spelling not understood here is
// analysed the same way (fail closed). Any other dtype is raw numbers, which are never read.
#include "formats/npy/npy.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "core/limits.h"
#include "formats/common/pyliteral/pyliteral.h"

namespace mv::formats::npy {

namespace {

constexpr uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

using pyliteral::Value;

// What np.load needs to know about a dtype: whether it holds Python objects (then the data is
// a pickle), its item size when simple, or that modelvet does not know the spelling.
struct DType {
  bool object = false;
  bool unknown = false;  // a spelling not understood here: analysed as if it held objects
  bool structured = false;
  uint64_t itemsize = 0;  // 0: not checked
};

// Type names numpy accepts (np.sctypeDict) that hold no objects; sizes where fixed.
uint64_t NamedSize(std::string_view n, bool& known) {
  struct E {
    const char* name;
    uint64_t size;
  };
  static constexpr E kNames[] = {
      {"bool", 1},          {"bool8", 1},       {"bool_", 1},        {"byte", 1},
      {"ubyte", 1},         {"short", 2},       {"ushort", 2},       {"intc", 4},
      {"uintc", 4},         {"int", 8},         {"int_", 8},         {"uint", 8},
      {"long", 8},          {"ulong", 8},       {"longlong", 8},     {"ulonglong", 8},
      {"intp", 8},          {"uintp", 8},       {"int0", 8},         {"uint0", 8},
      {"int8", 1},          {"int16", 2},       {"int32", 4},        {"int64", 8},
      {"uint8", 1},         {"uint16", 2},      {"uint32", 4},       {"uint64", 8},
      {"half", 2},          {"single", 4},      {"double", 8},       {"float", 8},
      {"float_", 8},        {"float16", 2},     {"float32", 4},      {"float64", 8},
      {"float128", 16},     {"longdouble", 16}, {"longfloat", 16},   {"csingle", 8},
      {"singlecomplex", 8}, {"cdouble", 16},    {"cfloat", 16},      {"complex", 16},
      {"complex_", 16},     {"complex64", 8},   {"complex128", 16},  {"complex256", 32},
      {"clongdouble", 32},  {"clongfloat", 32}, {"longcomplex", 32}, {"datetime64", 8},
      {"timedelta64", 8},   {"str", 0},         {"str0", 0},         {"str_", 0},
      {"unicode", 0},       {"unicode_", 0},    {"bytes", 0},        {"bytes0", 0},
      {"bytes_", 0},        {"string_", 0},     {"void", 0},         {"void0", 0}};
  for (const auto& e : kNames) {
    if (n == e.name) {
      known = true;
      return e.size;
    }
  }
  known = false;
  return 0;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// One numpy type string without commas or repeat prefix: "<f4", "|O", "object", "M8[ns]", "d".
DType Simple(std::string_view d) {
  DType t;
  if (d == "object" || d == "object_" || d == "object0") {
    t.object = true;
    return t;
  }
  bool known = false;
  uint64_t named = NamedSize(d, known);
  if (known) {
    t.itemsize = named;
    return t;
  }
  if (!d.empty() && std::strchr("<>|=", d[0]) != nullptr) d.remove_prefix(1);
  if (d.empty()) {
    t.unknown = true;
    return t;
  }
  char kind = d[0];
  std::string_view rest = d.substr(1);
  if (kind == 'O') {
    t.object = rest.empty() || rest == "4" || rest == "8";
    t.unknown = !t.object;
    return t;
  }
  // Single-character type codes.
  static const std::string_view kCodes = "?bBhHiIlLqQpPefdgFDGe";
  static constexpr uint64_t kCodeSize[] = {1, 1, 1, 2, 2, 4,  4, 8,  8,  8, 8,
                                           8, 8, 2, 4, 8, 16, 8, 16, 32, 2};
  if (rest.empty()) {
    size_t k = kCodes.find(kind);
    if (k != std::string_view::npos) {
      t.itemsize = kCodeSize[k];
      return t;
    }
    if (std::strchr("SaUVmM", kind) != nullptr) return t;  // flexible / unit-less: unchecked
    t.unknown = true;
    return t;
  }
  if ((kind == 'm' || kind == 'M') && rest[0] == '8') {
    std::string_view unit = rest.substr(1);
    if (unit.empty() || (unit.front() == '[' && unit.back() == ']')) {
      t.itemsize = 8;
      return t;
    }
  }
  if (AllDigits(rest) && rest.size() < 10 && std::strchr("biufcSaUV", kind) != nullptr) {
    uint64_t n = std::stoull(std::string(rest));
    t.itemsize = kind == 'U' ? n * 4 : n;
    return t;
  }
  t.unknown = true;
  return t;
}

// A numpy dtype string: comma-separated fields, each with an optional repeat prefix ("2O",
// "(2,3)f4"); numpy turns "i4,O" into a structured dtype with an object field.
DType FromString(std::string_view d) {
  DType out;
  bool comma = d.find(',') != std::string_view::npos;
  if (comma) out.structured = true;
  size_t parts = 0;
  while (!d.empty()) {
    size_t c = comma ? d.find(',') : std::string_view::npos;
    std::string_view part = d.substr(0, c);
    d = c == std::string_view::npos ? std::string_view() : d.substr(c + 1);
    while (comma && !part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (comma && !part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (part.empty()) continue;
    ++parts;
    bool repeated = false;
    if (part.front() == '(') {
      size_t close = part.find(')');
      if (close == std::string_view::npos) return DType{false, true, true, 0};
      part.remove_prefix(close + 1);
      repeated = true;
    } else {
      size_t k = 0;
      while (k < part.size() && part[k] >= '0' && part[k] <= '9') ++k;
      repeated = k > 0;
      part.remove_prefix(k);
    }
    DType t = Simple(part);
    out.object |= t.object;
    out.unknown |= t.unknown;
    if (repeated) out.structured = true;
    out.itemsize = t.itemsize;
  }
  if (parts == 0) out.unknown = true;
  if (out.structured) out.itemsize = 0;
  return out;
}

// descr as numpy.lib.format.descr_to_dtype reads it: a type string, a (subtype, shape) tuple,
// or a list of (name, descr[, shape]) fields.
DType FromDescr(const Value& v, int depth) {
  if (depth > 32) return DType{false, true, true, 0};
  if (v.kind == Value::Kind::kStr) return FromString(v.text);
  DType out;
  out.structured = true;
  if (v.kind == Value::Kind::kTuple && v.items.size() == 2) {
    DType t = FromDescr(v.items[0], depth + 1);
    out.object = t.object;
    out.unknown = t.unknown;
    return out;
  }
  if (v.kind != Value::Kind::kList) {
    out.unknown = true;
    return out;
  }
  for (const auto& field : v.items) {
    if ((field.kind != Value::Kind::kTuple && field.kind != Value::Kind::kList) ||
        field.items.size() < 2 || field.items.size() > 3) {
      out.unknown = true;
      continue;
    }
    DType t = FromDescr(field.items[1], depth + 1);
    out.object |= t.object;
    out.unknown |= t.unknown;
  }
  return out;
}

}  // namespace

Result<ReadOutput> Read(const SourcePtr& src, ReadContext& /*ctx*/) {
  ReadOutput out;
  out.format = "npy";
  out.loader = "np.load";
  Cursor c(*src);
  MV_ASSIGN_OR_RETURN(ByteSpan magic, c.Take(8));
  if (std::memcmp(magic.data(), kMagic, 6) != 0) {
    return MakeError(Errc::kMalformed, "no \\x93NUMPY magic", 0);
  }
  uint8_t major = magic[6], minor = magic[7];
  if (major < 1 || major > 3 || minor != 0) {
    return MakeError(Errc::kUnsupported,
                     "npy version " + std::to_string(major) + "." + std::to_string(minor) +
                         " (numpy reads 1.0, 2.0 and 3.0)",
                     6);
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
    out.anomalies.push_back(
        Anomaly::Defect("npy.unaligned-header",
                        "data does not start on a 16-byte boundary (numpy pads to 64)", data_off));
  }
  // numpy: ast.literal_eval(header) must give a dict with exactly these three keys.
  auto d = pyliteral::Parse(header);
  if (!d || d->kind != Value::Kind::kDict) {
    return MakeError(Errc::kMalformed, "npy header is not a Python dict literal", hoff);
  }
  const Value* descr = pyliteral::DictGet(*d, "descr");
  const Value* shape_v = pyliteral::DictGet(*d, "shape");
  const Value* fortran = pyliteral::DictGet(*d, "fortran_order");
  if (descr == nullptr || shape_v == nullptr) {
    return MakeError(Errc::kMalformed, "npy header lacks 'descr' or 'shape'", hoff);
  }
  bool other_key = false;
  for (size_t i = 0; i + 1 < d->items.size(); i += 2) {
    const Value& k = d->items[i];
    bool expected = k.kind == Value::Kind::kStr &&
                    (k.text == "descr" || k.text == "shape" || k.text == "fortran_order");
    other_key |= !expected;
  }
  if (other_key || fortran == nullptr || fortran->kind != Value::Kind::kBool) {
    out.anomalies.push_back(
        Anomaly::Defect("npy.header-keys",
                        "npy header does not hold exactly descr, fortran_order (a bool) and "
                        "shape; numpy refuses it",
                        hoff));
  }
  if (header.empty() || header.back() != '\n') {
    out.anomalies.push_back(
        Anomaly::Defect("npy.header-format", "npy header does not end with a newline", hoff));
  }
  DType dtype = FromDescr(*descr, 0);
  uint64_t avail = src->size() - data_off;
  if (dtype.object || dtype.unknown) {
    if (dtype.unknown) {
      out.anomalies.push_back(
          Anomaly::Defect("npy.unknown-dtype",
                          "dtype spelling not understood; the data is analysed as the pickle "
                          "np.load would read if the dtype holds objects",
                          hoff));
    }
    out.loader = "np.load(allow_pickle=True)";
    out.members.push_back({"[array]", MakeSubSource(src, data_off, avail), data_off, Hint::kPickle,
                           "np.load(allow_pickle=True)"});
    return out;
  }
  std::vector<uint64_t> shape;
  bool shape_ok = shape_v->kind == Value::Kind::kTuple;
  bool shape_overflow = false;
  for (const auto& dim : shape_v->items) {
    if (dim.kind != Value::Kind::kInt) {
      shape_ok = false;
    } else if (!dim.int_fits || dim.num < 0) {
      shape_overflow = true;
    } else {
      shape.push_back(static_cast<uint64_t>(dim.num));
    }
  }
  if (!shape_ok) {
    out.anomalies.push_back(
        Anomaly::Defect("npy.header-keys", "npy shape is not a tuple of integers", hoff));
    return out;
  }
  if (dtype.structured || dtype.itemsize == 0) return out;  // size not checked
  uint64_t count = 1;
  for (uint64_t dim : shape) {
    if (dim != 0 && count > UINT64_MAX / dim) shape_overflow = true;
    count *= dim;
  }
  if (shape_overflow || count > UINT64_MAX / dtype.itemsize) {
    out.anomalies.push_back(
        Anomaly::Defect("npy.size-mismatch", "shape times item size overflows 64 bits", hoff));
    return out;
  }
  uint64_t want = count * dtype.itemsize;
  if (want > avail) {
    out.anomalies.push_back(Anomaly::Defect(
        "npy.size-mismatch",
        "array needs " + std::to_string(want) + " data bytes, file has " + std::to_string(avail),
        data_off));
  } else if (want < avail) {
    out.anomalies.push_back(Anomaly::Defect(
        "npy.trailing-data", std::to_string(avail - want) + " bytes follow the array data",
        data_off + want));
  }
  return out;
}

}  // namespace mv::formats::npy
