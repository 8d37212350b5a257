// TOML configs through toml++ (Debian's libtomlplusplus), walked with an explicit stack.
#include "core/limits.h"
#include "inventory/config_reader.h"
#include "libs/toml.h"

namespace mv::inventory {

ConfigDoc ReadTomlConfig(std::string_view text) {
  ConfigDoc doc;
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    doc.error = "not valid TOML at line " + std::to_string(e.source().begin.line) + ": " +
                std::string(e.description());
    return doc;
  }
  struct Item {
    const toml::node* node;
    std::vector<std::string> path;
  };
  std::vector<Item> work = {{&root, {}}};
  while (!work.empty()) {
    Item it = std::move(work.back());
    work.pop_back();
    if (it.path.size() > static_cast<size_t>(limits::kMaxJsonDepth)) {
      doc.error = "nesting deeper than limits::kMaxJsonDepth";
      doc.limit = true;
      continue;
    }
    if (const toml::table* t = it.node->as_table()) {
      // Reverse so leaves come out in document order.
      std::vector<Item> kids;
      for (const auto& [k, v] : *t) {
        Item c{&v, it.path};
        c.path.emplace_back(k.str());
        kids.push_back(std::move(c));
      }
      for (auto r = kids.rbegin(); r != kids.rend(); ++r) work.push_back(std::move(*r));
    } else if (const toml::array* a = it.node->as_array()) {
      for (size_t i = a->size(); i-- > 0;) work.push_back({&(*a)[i], it.path});
    } else if (auto s = it.node->value<std::string>()) {
      ConfigLeaf leaf;
      leaf.path = it.path;
      leaf.value = *s;
      leaf.line = static_cast<uint32_t>(it.node->source().begin.line);
      doc.leaves.push_back(std::move(leaf));
    }
  }
  return doc;
}

}  // namespace mv::inventory
