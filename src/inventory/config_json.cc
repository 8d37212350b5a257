// JSON configs through nlohmann's SAX interface: no tree is built, nesting is bounded, and
// string leaves are located afterwards by searching for their encoded key and value in order
// (the SAX events carry no positions).
#include <nlohmann/json.hpp>

#include "core/limits.h"
#include "inventory/config_reader.h"

namespace mv::inventory {

namespace {

class Sax : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit Sax(ConfigDoc& doc) : doc_(doc) {}

  bool null() override { return Scalar(); }
  bool boolean(bool) override { return Scalar(); }
  bool number_integer(number_integer_t) override { return Scalar(); }
  bool number_unsigned(number_unsigned_t) override { return Scalar(); }
  bool number_float(number_float_t, const string_t&) override { return Scalar(); }
  bool binary(binary_t&) override { return Scalar(); }
  bool string(string_t& s) override {
    ConfigLeaf leaf;
    leaf.path = path_;
    if (!stack_.empty() && stack_.back().object && stack_.back().has_key) {
      leaf.path.push_back(stack_.back().key);
    }
    leaf.value = s;
    doc_.leaves.push_back(std::move(leaf));
    return Scalar();
  }
  bool start_object(std::size_t) override { return Open(true); }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(false); }
  bool end_array() override { return Close(); }
  bool key(string_t& k) override {
    if (!stack_.empty()) {
      stack_.back().key = k;
      stack_.back().has_key = true;
    }
    return true;
  }
  bool parse_error(std::size_t pos, const std::string&,
                   const nlohmann::detail::exception& e) override {
    if (doc_.error.empty())
      doc_.error = "not valid JSON at byte " + std::to_string(pos) + ": " + e.what();
    return false;
  }

 private:
  struct Level {
    bool object;
    bool has_key = false;
    std::string key;
  };
  bool Scalar() {
    if (!stack_.empty()) stack_.back().has_key = false;
    return true;
  }
  bool Open(bool object) {
    if (stack_.size() >= static_cast<size_t>(limits::kMaxJsonDepth)) {
      doc_.error = "nesting deeper than limits::kMaxJsonDepth";
      doc_.limit = true;
      return false;
    }
    if (!stack_.empty() && stack_.back().object && stack_.back().has_key)
      path_.push_back(stack_.back().key);
    else if (!stack_.empty())
      path_.push_back("");  // list item: no key (removed again on close)
    stack_.push_back({object, false, {}});
    return true;
  }
  bool Close() {
    if (!stack_.empty()) stack_.pop_back();
    if (!path_.empty()) path_.pop_back();
    // Drop the placeholder of list items so paths hold keys only.
    return Scalar();
  }

  ConfigDoc& doc_;
  std::vector<Level> stack_;
  std::vector<std::string> path_;
};

// Encoded as JSON would write it (nlohmann escapes like most writers do).
std::string Encode(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

ConfigDoc ReadJsonConfig(std::string_view text) {
  ConfigDoc doc;
  Sax sax(doc);
  nlohmann::json::sax_parse(text.begin(), text.end(), &sax, nlohmann::json::input_format_t::json,
                            true, true);
  // Keys of list items were recorded as "": drop them so a path holds real keys only.
  for (auto& leaf : doc.leaves) {
    std::vector<std::string> keys;
    for (auto& k : leaf.path)
      if (!k.empty()) keys.push_back(std::move(k));
    leaf.path = std::move(keys);
  }
  // Lines: each value's encoded text, searched in document order.
  size_t cursor = 0;
  uint32_t line = 1;
  size_t line_pos = 0;
  for (auto& leaf : doc.leaves) {
    std::string needle = Encode(leaf.value);
    size_t at = text.find(needle, cursor);
    // The same text as a key ("gpt2": {…}) is not the value: a key is followed by ':'.
    while (at != std::string_view::npos) {
      size_t k = at + needle.size();
      while (k < text.size() &&
             (text[k] == ' ' || text[k] == '\t' || text[k] == '\n' || text[k] == '\r'))
        ++k;
      if (k >= text.size() || text[k] != ':') break;
      at = text.find(needle, at + 1);
    }
    if (at == std::string_view::npos) {
      leaf.line = line;
      continue;
    }
    for (; line_pos < at; ++line_pos)
      if (text[line_pos] == '\n') ++line;
    leaf.line = line;
    cursor = at + needle.size();
  }
  return doc;
}

}  // namespace mv::inventory
