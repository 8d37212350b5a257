#include "formats/json/json.h"

#include <algorithm>

#include "core/limits.h"
#include "core/text.h"
#include "formats/common/keras_config/keras_config.h"

namespace mv::formats::json {

namespace {

enum class Enc : uint8_t { kUtf8, kUtf16Le, kUtf16Be, kUtf32Le, kUtf32Be };

// Python's json.detect_encoding (json.loads of bytes, as Keras reads config.json): a BOM, else
// the pattern of zero bytes in the first four. Sets `skip` to the BOM length.
Enc Detect(ByteSpan b, size_t& skip) {
  skip = 0;
  auto starts = [&](std::initializer_list<uint8_t> m) {
    return b.size() >= m.size() && std::equal(m.begin(), m.end(), b.begin());
  };
  if (starts({0x00, 0x00, 0xFE, 0xFF})) return skip = 4, Enc::kUtf32Be;
  if (starts({0xFF, 0xFE, 0x00, 0x00})) return skip = 4, Enc::kUtf32Le;
  if (starts({0xFE, 0xFF})) return skip = 2, Enc::kUtf16Be;
  if (starts({0xFF, 0xFE})) return skip = 2, Enc::kUtf16Le;
  if (starts({0xEF, 0xBB, 0xBF})) return skip = 3, Enc::kUtf8;
  if (b.size() >= 4) {
    if (b[0] == 0) return b[1] != 0 ? Enc::kUtf16Be : Enc::kUtf32Be;
    if (b[1] == 0) return b[2] != 0 || b[3] != 0 ? Enc::kUtf16Le : Enc::kUtf32Le;
  } else if (b.size() == 2) {
    if (b[0] == 0) return Enc::kUtf16Be;
    if (b[1] == 0) return Enc::kUtf16Le;
  }
  return Enc::kUtf8;
}

// The document as UTF-8 text (BOM removed).
std::string ToUtf8(ByteSpan b) {
  size_t skip = 0;
  Enc e = Detect(b, skip);
  b = b.subspan(skip);
  if (e == Enc::kUtf8) return std::string(b.begin(), b.end());
  std::string out;
  out.reserve(b.size());
  if (e == Enc::kUtf32Le || e == Enc::kUtf32Be) {
    for (size_t i = 0; i + 4 <= b.size(); i += 4) {
      uint32_t cp =
          e == Enc::kUtf32Le
              ? (b[i] | b[i + 1] << 8 | b[i + 2] << 16 | static_cast<uint32_t>(b[i + 3]) << 24)
              : (static_cast<uint32_t>(b[i]) << 24 | b[i + 1] << 16 | b[i + 2] << 8 | b[i + 3]);
      AppendUtf8(out, cp);
    }
    return out;
  }
  auto unit = [&](size_t i) -> uint32_t {
    return e == Enc::kUtf16Le ? (b[i] | b[i + 1] << 8) : (b[i] << 8 | b[i + 1]);
  };
  for (size_t i = 0; i + 2 <= b.size(); i += 2) {
    uint32_t u = unit(i);
    if (u >= 0xD800 && u < 0xDC00 && i + 4 <= b.size()) {
      uint32_t lo = unit(i + 2);
      if (lo >= 0xDC00 && lo < 0xE000) {
        AppendUtf8(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
        i += 2;
        continue;
      }
    }
    AppendUtf8(out, u);
  }
  return out;
}

}  // namespace

bool Sniff(Source& /*src*/, ByteSpan head, bool /*signature*/) {
  // Any JSON object: `{` then a key or `}` (optional BOM and whitespace; UTF-8, UTF-16 or
  // UTF-32 as Python's json.loads detects them). Keras ignores unknown keys, so "class_name"
  // may sit anywhere in config.json: every object is parsed, and one larger than
  // limits::kMaxConfigBytes is a limit finding rather than unread data.
  // A JSON object starts with `{`, whitespace, a byte-order mark or (UTF-16/32) a NUL: any
  // other first byte rules it out before the head is converted.
  if (head.empty()) return false;
  switch (head[0]) {
    case '{':
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case 0x00:
    case 0xEF:
    case 0xFE:
    case 0xFF: break;
    default: return false;
  }
  std::string text = ToUtf8(head.first(std::min<size_t>(head.size(), 256)));
  head = ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  size_t i = 0;
  auto ws = [&] {
    while (i < head.size() &&
           (head[i] == ' ' || head[i] == '\n' || head[i] == '\r' || head[i] == '\t')) {
      ++i;
    }
  };
  ws();
  if (i >= head.size() || head[i] != '{') return false;
  ++i;
  ws();
  return i < head.size() && (head[i] == '"' || head[i] == '}');
}

Result<ReadOutput> Read(const SourcePtr& src, ReadContext& /*ctx*/) {
  if (src->size() > limits::kMaxConfigBytes) {
    return MakeError(Errc::kLimit, "JSON document larger than limits::kMaxConfigBytes", 0);
  }
  Cursor cur(*src);
  MV_ASSIGN_OR_RETURN(ByteSpan b, cur.Take(static_cast<size_t>(src->size())));
  std::string text = ToUtf8(b);
  nlohmann::json j = keras::Parse(text);
  if (j.is_discarded()) return MakeError(Errc::kMalformed, "not well-formed JSON (or too deep)", 0);
  ReadOutput out;
  out.format = "json";
  if (keras::LooksLikeConfig(j)) {
    out.format = "keras-config";
    out.loader = "keras.saving.load_model";
    keras::Analyze(j, keras::Flavor::kKeras3, "config.json", out);
  }
  return out;
}

}  // namespace mv::formats::json
