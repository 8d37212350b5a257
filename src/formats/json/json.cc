#include "formats/json/json.h"

#include "core/limits.h"
#include "formats/json/keras_config.h"

namespace mv::formats::json {

bool Sniff(Source& /*src*/, ByteSpan head) {
  // Any JSON object: `{` then a key or `}` (optional BOM and whitespace). Keras ignores unknown
  // keys, so "class_name" may sit anywhere in config.json: every object is parsed, and one
  // larger than limits::kMaxConfigBytes is a limit finding rather than unread data.
  size_t i = 0;
  if (head.size() >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) i = 3;
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
  std::string_view text(reinterpret_cast<const char*>(b.data()), b.size());
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
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
