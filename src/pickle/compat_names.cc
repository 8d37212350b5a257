// find_class's fix_imports lookup over the generated tables. Every protocol-0..2 find_class
// asks it (torch saves with protocol 2), so the modules are indexed by a hash table built at
// compile time: a module neither table knows (most of them) costs one hash and a probe, and a
// start-up builds nothing.
#include "pickle/compat_names.h"

#include <algorithm>
#include <array>
#include <bit>

#include "pickle/compat_tables.h"

namespace mv::pickle {

namespace {

constexpr std::string_view S(compat::Str s) {
  return {compat::kPool + s.off, s.len};
}

constexpr uint32_t Hash(std::string_view s) {  // FNV-1a: constexpr, and the names are short
  uint32_t h = 2166136261U;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 16777619U;
  }
  return h;
}

constexpr size_t kModuleCount = std::size(compat::kModules);
static_assert(kModuleCount < 255, "slots hold a module index + 1 in a byte");
constexpr size_t kSlots = std::bit_ceil(2 * kModuleCount);  // at least half empty

// kModules[i] at slot Hash(module) (or the next free one after it) as i + 1; 0 is empty.
constexpr std::array<uint8_t, kSlots> kModuleSlots = [] {
  std::array<uint8_t, kSlots> slots{};
  for (size_t i = 0; i < kModuleCount; ++i) {
    size_t at = Hash(S(compat::kModules[i].module)) & (kSlots - 1);
    while (slots[at] != 0) at = (at + 1) & (kSlots - 1);
    slots[at] = static_cast<uint8_t>(i + 1);
  }
  return slots;
}();

const compat::ModuleRow* FindModule(std::string_view module) {
  for (size_t at = Hash(module) & (kSlots - 1);; at = (at + 1) & (kSlots - 1)) {
    uint8_t v = kModuleSlots[at];
    if (v == 0) return nullptr;
    const compat::ModuleRow& m = compat::kModules[v - 1];
    if (S(m.module) == module) return &m;
  }
}

}  // namespace

std::vector<NameMapEntry> Py2NameMapping() {
  std::vector<NameMapEntry> out;
  for (const auto& r : compat::kNames)
    out.push_back({S(r.module), S(r.name), S(r.module3), S(r.name3)});
  return out;
}
std::vector<ModuleMapEntry> Py2ImportMapping() {
  std::vector<ModuleMapEntry> out;
  for (const auto& r : compat::kImports) out.push_back({S(r.module), S(r.module3)});
  return out;
}

std::pair<std::string_view, std::string_view> MapPy2Name(std::string_view module,
                                                         std::string_view name) {
  const compat::ModuleRow* m = FindModule(module);
  if (m == nullptr) return {module, name};
  const compat::NameRow* end = compat::kNames + m->names_end;
  const compat::NameRow* n =
      std::lower_bound(compat::kNames + m->names_begin, end, name,
                       [](const compat::NameRow& r, std::string_view k) { return S(r.name) < k; });
  if (n != end && S(n->name) == name) return {S(n->module3), S(n->name3)};
  if (m->module3.len != 0) return {S(m->module3), name};
  return {module, name};
}

}  // namespace mv::pickle
