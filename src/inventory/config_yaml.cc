// YAML configs through libyaml's event parser (Debian's libyaml): mappings alternate keys and
// values, sequences hold items; aliases are not followed.
#include <yaml.h>

#include "core/limits.h"
#include "inventory/config_reader.h"

namespace mv::inventory {

ConfigDoc ReadYamlConfig(std::string_view text) {
  ConfigDoc doc;
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    doc.error = "libyaml could not start";
    return doc;
  }
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  struct Level {
    bool mapping;
    bool expect_key = true;
    std::string key;
  };
  std::vector<Level> stack;
  std::vector<std::string> path;
  // A value (scalar or container) was consumed in the enclosing mapping: the next scalar is a key.
  auto consumed = [&] {
    if (!stack.empty() && stack.back().mapping) stack.back().expect_key = true;
  };
  bool done = false;
  while (!done) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      doc.error = std::string("not valid YAML at line ") +
                  std::to_string(parser.problem_mark.line + 1) + ": " +
                  (parser.problem ? parser.problem : "parse error");
      break;
    }
    switch (ev.type) {
      case YAML_STREAM_END_EVENT: done = true; break;
      case YAML_MAPPING_START_EVENT:
      case YAML_SEQUENCE_START_EVENT: {
        if (stack.size() >= static_cast<size_t>(limits::kMaxJsonDepth)) {
          doc.error = "nesting deeper than limits::kMaxJsonDepth";
          doc.limit = true;
          done = true;
          break;
        }
        bool has_key = !stack.empty() && stack.back().mapping && !stack.back().expect_key;
        path.push_back(has_key ? stack.back().key : std::string());
        stack.push_back({ev.type == YAML_MAPPING_START_EVENT, true, {}});
        break;
      }
      case YAML_MAPPING_END_EVENT:
      case YAML_SEQUENCE_END_EVENT:
        if (!stack.empty()) stack.pop_back();
        if (!path.empty()) path.pop_back();
        consumed();
        break;
      case YAML_SCALAR_EVENT: {
        std::string value(reinterpret_cast<const char*>(ev.data.scalar.value),
                          ev.data.scalar.length);
        if (!stack.empty() && stack.back().mapping && stack.back().expect_key) {
          stack.back().key = std::move(value);
          stack.back().expect_key = false;
          break;
        }
        ConfigLeaf leaf;
        for (const auto& k : path)
          if (!k.empty()) leaf.path.push_back(k);
        if (!stack.empty() && stack.back().mapping) leaf.path.push_back(stack.back().key);
        // Only strings can be ids: plain scalars that YAML reads as numbers or booleans
        // still reach the id checks, which reject them.
        leaf.value = std::move(value);
        leaf.line = static_cast<uint32_t>(ev.start_mark.line + 1);
        doc.leaves.push_back(std::move(leaf));
        consumed();
        break;
      }
      case YAML_ALIAS_EVENT: consumed(); break;  // never expanded
      default: break;
    }
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&parser);
  return doc;
}

}  // namespace mv::inventory
