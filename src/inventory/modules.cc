#include "inventory/modules.h"

#include <fstream>
#include <iterator>
#include <optional>

#include "core/limits.h"
#include "inventory/js_reader.h"
#include "inventory/python_reader.h"

namespace mv::inventory {

namespace fs = std::filesystem;
using Kind = Value::Kind;

struct ModuleIndex::Module {
  std::string text;
  Program program;
  std::unique_ptr<Evaluator> ev;
  bool js = false;
  bool active = false;
  // name -> its values for importers (nullopt: not a value this module binds)
  std::unordered_map<std::string, std::optional<std::vector<Value>>> values;
};

namespace {

bool StartsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

std::string Dir(const std::string& rel) {
  size_t slash = rel.rfind('/');
  return slash == std::string::npos ? std::string() : rel.substr(0, slash);
}

// dir + "/" + rel with "." and ".." folded; nullopt when it leaves the root.
std::optional<std::string> Join(const std::string& dir, std::string_view rel) {
  std::vector<std::string> parts;
  auto push = [&parts](std::string_view all) {
    size_t i = 0;
    while (i <= all.size()) {
      size_t j = all.find('/', i);
      if (j == std::string_view::npos) j = all.size();
      std::string_view seg = all.substr(i, j - i);
      if (seg == "..") {
        if (parts.empty()) return false;
        parts.pop_back();
      } else if (!seg.empty() && seg != ".") {
        parts.emplace_back(seg);
      }
      i = j + 1;
    }
    return true;
  };
  if (!push(dir) || !push(rel)) return std::nullopt;
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

// The module's value as its importer sees it: strings, paths, run-time values and imports of
// libraries carry over; what points into the module's own program (containers, classes,
// functions, instances) or names a module relative to it does not.
std::optional<std::vector<Value>> Transfer(const std::vector<Value>& vs, bool js) {
  std::vector<Value> out;
  bool any = false;
  for (const Value& v : vs) {
    Value t = v;
    switch (v.kind) {
      case Kind::kString:
      case Kind::kNone:
      case Kind::kLocalPath:
      case Kind::kDynamic: any = true; break;
      case Kind::kObject:
        if (js ? StartsWith(v.text, ".") || StartsWith(v.text, "@/") || StartsWith(v.text, "~/")
               : StartsWith(v.text, ".")) {
          t = Value{};
        } else {
          any = true;
        }
        break;
      default: t = Value{}; break;
    }
    if (t.kind == Kind::kDynamic) t.ref = -1;
    out.push_back(std::move(t));
  }
  if (!any) return std::nullopt;
  return out;
}

}  // namespace

ModuleIndex::ModuleIndex(fs::path root, const std::unordered_set<std::string>& files,
                         const Rules& rules)
    : root_(std::move(root)), files_(files), rules_(rules) {}

ModuleIndex::~ModuleIndex() = default;

ImportHook ModuleIndex::HookFor(const std::string& importer, FileKind kind) {
  bool js = kind == FileKind::kJavaScript;
  std::string dir = Dir(importer);
  return [this, dir, js](const std::string& path) { return Lookup(dir, js, path); };
}

const std::vector<Value>* ModuleIndex::Lookup(const std::string& dir, bool js,
                                              const std::string& path) {
  std::string key = dir + (js ? "\x01" : "\x02") + path;
  if (auto it = lookups_.find(key); it != lookups_.end()) return it->second;
  const std::vector<Value>* found = nullptr;
  auto try_file = [&](const std::string& file, const std::string& name) {
    if (found || !files_.count(file)) return;
    FileKind k = rules_.KindOf(file.substr(file.rfind('/') + 1), "");
    if (k != (js ? FileKind::kJavaScript : FileKind::kPython)) return;
    found = ValueOf(file, js, name);
  };
  if (js) {
    size_t dot = path.rfind('.');
    size_t slash = path.rfind('/');
    if (dot != std::string::npos && (slash == std::string::npos || dot > slash) && dot > 0) {
      std::string spec = path.substr(0, dot);
      std::string name = path.substr(dot + 1);
      std::vector<std::string> bases;
      if (StartsWith(spec, "./") || StartsWith(spec, "../")) {
        if (auto b = Join(dir, spec)) bases.push_back(*b);
      } else if (StartsWith(spec, "@/") || StartsWith(spec, "~/")) {
        for (const char* top : {"", "src"})
          if (auto b = Join(top, spec.substr(2))) bases.push_back(*b);
      }
      static constexpr const char* kExt[] = {".ts",  ".tsx", ".js",  ".jsx",
                                             ".mjs", ".cjs", ".mts", ".cts"};
      for (const std::string& b : bases) {
        try_file(b, name);
        for (const char* ext : kExt) try_file(b + ext, name);
        for (const char* ext : kExt) try_file(b + "/index" + ext, name);
        // TypeScript sources are imported by the name they compile to (./x.js is ./x.ts).
        for (const char* js_ext : {".js", ".jsx", ".mjs", ".cjs"}) {
          std::string_view e(js_ext);
          if (b.size() > e.size() && b.compare(b.size() - e.size(), e.size(), e) == 0) {
            std::string stem = b.substr(0, b.size() - e.size());
            for (const char* ext : {".ts", ".tsx", ".mts", ".cts"}) try_file(stem + ext, name);
          }
        }
      }
    }
  } else {
    size_t level = 0;
    while (level < path.size() && path[level] == '.') ++level;
    std::vector<std::string> parts;
    for (size_t i = level; i <= path.size();) {
      size_t j = path.find('.', i);
      if (j == std::string::npos) j = path.size();
      parts.push_back(path.substr(i, j - i));
      i = j + 1;
    }
    bool ok = !parts.empty() && !parts.back().empty() && (level > 0 || parts.size() >= 2);
    for (const std::string& p : parts) ok = ok && !p.empty();
    if (ok) {
      std::string name = parts.back();
      std::string module;
      for (size_t i = 0; i + 1 < parts.size(); ++i) module += (i ? "/" : "") + parts[i];
      std::vector<std::string> bases;
      if (level > 0) {
        std::string b = dir;
        bool inside = true;
        for (size_t up = 1; up < level && inside; ++up) {
          if (b.empty()) inside = false;
          b = Dir(b);
        }
        if (inside) bases.push_back(b);
      } else {
        // The importer's directory (a script beside its modules), then each one above it (a
        // package imported from the project root or a src/ layout).
        for (std::string b = dir;; b = Dir(b)) {
          bases.push_back(b);
          if (b.empty()) break;
        }
      }
      for (const std::string& b : bases) {
        std::string stem = b.empty() ? module : module.empty() ? b : b + "/" + module;
        if (!module.empty()) try_file(stem + ".py", name);
        try_file(stem.empty() ? "__init__.py" : stem + "/__init__.py", name);
      }
    }
  }
  // Inside another module's evaluation a cycle may have cut the answer short: not remembered.
  if (active_ == 0) lookups_[key] = found;
  return found;
}

ModuleIndex::Module* ModuleIndex::Load(const std::string& file, bool js) {
  auto it = modules_.find(file);
  if (it != modules_.end()) return it->second.get();
  auto m = std::make_unique<Module>();
  m->js = js;
  std::error_code ec;
  fs::path p = root_ / file;
  uintmax_t size = fs::file_size(p, ec);
  bool readable = !ec && size <= limits::kMaxInventorySourceBytes;
  if (readable) {
    std::ifstream in(p, std::ios::binary);
    m->text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    readable = !in.bad() && m->text.size() <= limits::kMaxInventorySourceBytes;
  }
  if (readable) {
    m->program = js ? ReadJs(m->text) : ReadPython(m->text);
    m->ev = std::make_unique<Evaluator>(
        m->program, HookFor(file, js ? FileKind::kJavaScript : FileKind::kPython));
  }
  Module* raw = m.get();
  modules_.emplace(file, std::move(m));
  return raw;
}

const std::vector<Value>* ModuleIndex::ValueOf(const std::string& file, bool js,
                                               const std::string& name) {
  Module* m = Load(file, js);
  if (!m->ev) return nullptr;
  if (auto it = m->values.find(name); it != m->values.end())
    return it->second ? &*it->second : nullptr;
  // An import cycle, or a chain of modules deeper than the limit: the name stays unresolved
  // (a dynamic reference where it is used), and is not remembered as such.
  if (m->active || active_ >= limits::kMaxInventoryResolveDepth) return nullptr;
  m->active = true;
  ++active_;
  std::optional<std::vector<Value>> vs = Transfer(m->ev->ModuleValue(name), js);
  --active_;
  m->active = false;
  auto [it, _] = m->values.emplace(name, std::move(vs));
  return it->second ? &*it->second : nullptr;
}

}  // namespace mv::inventory
