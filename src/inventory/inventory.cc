#include "inventory/inventory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <system_error>
#include <tuple>
#include <unordered_set>

#include "core/limits.h"
#include "formats/registry.h"
#include "inventory/code_detect.h"
#include "inventory/config_detect.h"
#include "inventory/config_reader.h"
#include "inventory/js_reader.h"
#include "inventory/modules.h"
#include "inventory/notebook.h"
#include "inventory/python_reader.h"
#include "inventory/shell_detect.h"

namespace mv::inventory {

namespace fs = std::filesystem;

namespace {

// Outer formats that hold other things: such a file is listed as a model file only when the
// scan found a model format inside it, a loader, or anything short of `safe`.
bool ContainerOnly(const std::string& format) {
  size_t b = 0;
  while (b <= format.size()) {
    size_t e = format.find('+', b);
    std::string part = format.substr(b, e == std::string::npos ? std::string::npos : e - b);
    static const char* kPlain[] = {
        "zip", "tar",  "7z",   "gzip",  "bzip2",   "xz",   "zstd",
        "lz4", "zlib", "data", "empty", "unknown", "json", "torchscript-code"};
    if (std::find_if(std::begin(kPlain), std::end(kPlain),
                     [&](const char* p) { return part == p; }) == std::end(kPlain))
      return false;
    if (e == std::string::npos) break;
    b = e + 1;
  }
  return true;
}

std::string FirstLine(std::string_view text) {
  size_t e = text.find('\n');
  return std::string(
      text.substr(0, std::min<size_t>(e == std::string_view::npos ? text.size() : e, 200)));
}

void Collect(const FileFindings& f, const std::string& path, SourceResult& out,
             const std::vector<uint32_t>* line_map = nullptr) {
  auto map_line = [&](uint32_t l) {
    if (!line_map || l == 0 || l > line_map->size()) return l;
    return (*line_map)[l - 1];
  };
  for (const Found& m : f.models) {
    ModelUse u;
    u.provider = m.provider;
    u.id = m.id;
    u.category = m.category;
    u.revision = m.revision;
    u.remote_code = m.remote_code;
    u.references.push_back({path, map_line(m.line), m.via});
    out.models.push_back(std::move(u));
  }
  for (const DynamicFound& d : f.dynamic)
    out.dynamic.push_back({path, map_line(d.line), d.text, d.via});
  if (!f.limit.empty() && out.incomplete.empty()) out.incomplete = f.limit;
}

// Files up to this size are read whole with one read(); larger ones are mapped (model files
// are read only where the scan needs them). Source files are small: most fit one read.
constexpr uint64_t kReadWholeBytes = 1 << 20;

Result<SourcePtr> OpenSmall(const std::string& path) {
  // O_NONBLOCK: a FIFO in the tree must not block the walk; non-regular files are refused.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return MakeError(Errc::kIo, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<uint64_t>(st.st_size) > kReadWholeBytes) {
    ::close(fd);
    return OpenFileSource(path);
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  int err = errno;
  ::close(fd);
  if (got != bytes.size())
    return MakeError(Errc::kIo, std::string("short read: ") + std::strerror(err));
  return MakeMemorySource(std::move(bytes));
}

}  // namespace

SourceResult ReadSource(FileKind kind, std::string_view text, const std::string& path,
                        const Rules& rules, const std::function<bool(std::string_view)>& local,
                        ModuleIndex* modules) {
  SourceResult out;
  auto hook = [&]() { return modules ? modules->HookFor(path, kind) : ImportHook(); };
  FileFindings f;
  Relevance relevant;
  relevant.call_name = [&rules](std::string_view n) { return rules.IsCallName(n); };
  relevant.module = [&rules](std::string_view m) { return rules.IsModuleName(m); };
  switch (kind) {
    case FileKind::kPython: {
      Program p = ReadPython(text, &relevant);
      DetectCalls(p, rules, local, f, hook());
      break;
    }
    case FileKind::kJavaScript: {
      Program p = ReadJs(text, &relevant);
      DetectCalls(p, rules, local, f, hook());
      break;
    }
    case FileKind::kNotebook: {
      Notebook nb = ReadNotebook(text);
      Program p = ReadPython(nb.python, &relevant);
      DetectCalls(p, rules, local, f, hook());
      Collect(f, path, out, &nb.file_line);
      FileFindings sh;
      ShellDetector shell(rules, local, sh);
      for (const auto& l : nb.shell) shell.Script(l.text, l.line);
      Collect(sh, path, out);
      if (!nb.error.empty() && out.incomplete.empty())
        out.incomplete = (nb.limit ? "limit.inventory-config-depth: " : "notebook: ") + nb.error;
      return out;
    }
    case FileKind::kJson:
    case FileKind::kYaml:
    case FileKind::kToml: {
      ConfigDoc doc = kind == FileKind::kJson   ? ReadJsonConfig(text)
                      : kind == FileKind::kYaml ? ReadYamlConfig(text)
                                                : ReadTomlConfig(text);
      DetectConfig(doc, rules, local, f);
      // A config that does not parse is not a config of this application (templates, JSON5):
      // only a limit hit makes the inventory incomplete.
      if (doc.limit) f.limit = "limit.inventory-config-depth: " + doc.error;
      break;
    }
    case FileKind::kShell: {
      ShellDetector shell(rules, local, f);
      shell.Script(text);
      break;
    }
    case FileKind::kDockerfile: {
      ShellDetector shell(rules, local, f);
      shell.Dockerfile(text);
      break;
    }
    case FileKind::kOther: break;
  }
  Collect(f, path, out);
  return out;
}

Result<Inventory> TakeInventory(const std::string& root_arg, const Options& options) {
  const Rules& rules = options.rules ? *options.rules : Rules::Embedded();
  Inventory inv;
  inv.root = root_arg;
  std::error_code ec;
  fs::path root(root_arg);
  fs::file_status st = fs::status(root, ec);
  if (ec || !fs::exists(st))
    return MakeError(Errc::kIo, "inventory: " + root_arg + ": no such file or directory");

  // 1. The tree: every regular file (links are not followed: a link's target is either in the
  // tree already or outside the application), minus vendored and cache directories.
  struct File {
    fs::path abs;
    std::string rel;
  };
  std::vector<File> files;
  std::unordered_set<std::string> paths;  // relative files and directories, for LocalCheck
  if (fs::is_directory(st)) {
    struct Dir {
      fs::path abs;
      std::string rel;  // "" for the root
      int depth;
    };
    std::vector<Dir> stack = {{root, "", 0}};
    while (!stack.empty()) {
      Dir dir = std::move(stack.back());
      stack.pop_back();
      std::vector<fs::directory_entry> entries;
      fs::directory_iterator it(dir.abs, fs::directory_options::skip_permission_denied, ec);
      if (ec) {
        inv.incomplete.push_back({dir.rel.empty() ? "." : dir.rel, "directory could not be read"});
        ec.clear();
        continue;
      }
      for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec) break;
        entries.push_back(*it);
      }
      std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return a.path().filename() < b.path().filename();
      });
      std::vector<Dir> subdirs;
      for (const auto& e : entries) {
        std::error_code e2;
        fs::file_status ls = e.symlink_status(e2);
        if (e2 || fs::is_symlink(ls)) continue;
        std::string name = e.path().filename().string();
        std::string rel = dir.rel.empty() ? name : dir.rel + "/" + name;
        if (fs::is_directory(ls)) {
          if (rules.SkipDir(name) || fs::exists(e.path() / "pyvenv.cfg", e2)) continue;
          paths.insert(rel);
          if (dir.depth + 1 > limits::kMaxInventoryDirDepth) {
            inv.incomplete.push_back({rel,
                                      "limit.inventory-dir-depth: directories nested deeper "
                                      "than limits::kMaxInventoryDirDepth"});
            continue;
          }
          subdirs.push_back({e.path(), rel, dir.depth + 1});
        } else if (fs::is_regular_file(ls)) {
          if (files.size() >= limits::kMaxInventoryFiles) {
            inv.incomplete.push_back({rel,
                                      "limit.inventory-files: more files than "
                                      "limits::kMaxInventoryFiles; the rest is not read"});
            stack.clear();
            subdirs.clear();
            break;
          }
          paths.insert(rel);
          files.push_back({e.path(), rel});
        }
      }
      for (auto r = subdirs.rbegin(); r != subdirs.rend(); ++r) stack.push_back(std::move(*r));
    }
  } else {
    files.push_back({root, root.filename().string()});
  }
  inv.files = files.size();

  // 2. Each file: a model file by content, else a source by name.
  std::map<std::tuple<std::string, std::string, std::string>, size_t> index;
  std::error_code dir_ec;
  ModuleIndex modules(fs::is_directory(root, dir_ec) ? root : root.parent_path(), paths, rules);
  for (const File& file : files) {
    if (options.progress) options.progress(file.rel);
    auto opened = OpenSmall(file.abs.string());
    if (!opened.ok()) {
      inv.incomplete.push_back({file.rel, "could not be read: " + opened.error().message});
      continue;
    }
    SourcePtr src = std::move(*opened);
    Source& s = *src;
    if (s.size() == 0) continue;
    // Small files come whole from one read() (counted here); large ones are mapped and count
    // their own reads.
    uint64_t counted = s.bytes_read() == 0 && s.size() <= kReadWholeBytes ? s.size() : 0;
    formats::FormatId fmt = formats::Sniff(s);
    if (fmt != formats::FormatId::kUnknown && fmt != formats::FormatId::kJson &&
        fmt != formats::FormatId::kTorchScriptCode) {
      FileReport r = scan::ScanSource(src, file.rel, options.scan);
      inv.bytes_read += counted + s.bytes_read();
      if (!ContainerOnly(r.format) || !r.loader.empty() || r.verdict != Verdict::kSafe ||
          !r.findings.empty()) {
        Artifact a;
        a.path = file.rel;
        a.format = r.format;
        a.verdict = r.verdict;
        a.summary = r.summary;
        a.size = r.size;
        a.sha256 = r.sha256;
        inv.artifacts.push_back(std::move(a));
      }
      continue;
    }
    std::string name = file.abs.filename().string();
    auto head = s.Read(0, 200);
    std::string_view head_text =
        head.ok() ? std::string_view(reinterpret_cast<const char*>(head->data()), head->size())
                  : std::string_view();
    FileKind kind = rules.KindOf(name, FirstLine(head_text));
    if (kind == FileKind::kOther) {
      inv.bytes_read += counted + s.bytes_read();
      continue;
    }
    if (s.size() > limits::kMaxInventorySourceBytes) {
      inv.bytes_read += counted + s.bytes_read();
      inv.incomplete.push_back(
          {file.rel, "limit.inventory-file-size: a " + std::string(FileKindName(kind)) +
                         " source larger than limits::kMaxInventorySourceBytes "
                         "is not read"});
      continue;
    }
    auto bytes = s.Read(0, static_cast<size_t>(s.size()));
    if (!bytes.ok()) {
      inv.incomplete.push_back({file.rel, "could not be read: " + bytes.error().message});
      continue;
    }
    std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
    std::string dir =
        file.rel.find('/') == std::string::npos ? "" : file.rel.substr(0, file.rel.rfind('/') + 1);
    auto local = [&paths, &dir](std::string_view cand) {
      std::string c(cand);
      return paths.count(c) > 0 || (!dir.empty() && paths.count(dir + c) > 0);
    };
    SourceResult res = ReadSource(kind, text, file.rel, rules, local, &modules);
    ++inv.files_read;
    inv.bytes_read += counted + s.bytes_read();
    if (!res.incomplete.empty()) inv.incomplete.push_back({file.rel, res.incomplete});
    for (ModelUse& m : res.models) {
      auto key = std::make_tuple(m.provider, m.id, m.revision);
      auto it = index.find(key);
      if (it == index.end()) {
        index.emplace(key, inv.models.size());
        inv.models.push_back(std::move(m));
        continue;
      }
      ModelUse& have = inv.models[it->second];
      have.remote_code = have.remote_code || m.remote_code;
      // Weights loaded here outrank a hosted use of the same repo.
      if (m.category == Category::kSelfHosted) have.category = Category::kSelfHosted;
      for (auto& r : m.references) have.references.push_back(std::move(r));
    }
    for (auto& d : res.dynamic) inv.dynamic_references.push_back(std::move(d));
  }

  // 3. Stable order.
  std::sort(inv.models.begin(), inv.models.end(), [](const ModelUse& a, const ModelUse& b) {
    return std::tie(a.provider, a.id, a.revision) < std::tie(b.provider, b.id, b.revision);
  });
  for (ModelUse& m : inv.models) {
    auto& refs = m.references;
    std::sort(refs.begin(), refs.end(), [](const Reference& a, const Reference& b) {
      return std::tie(a.path, a.line, a.via) < std::tie(b.path, b.line, b.via);
    });
    refs.erase(std::unique(refs.begin(), refs.end(),
                           [](const Reference& a, const Reference& b) {
                             return a.path == b.path && a.line == b.line && a.via == b.via;
                           }),
               refs.end());
  }
  auto& dyn = inv.dynamic_references;
  std::sort(dyn.begin(), dyn.end(), [](const DynamicReference& a, const DynamicReference& b) {
    return std::tie(a.path, a.line, a.text) < std::tie(b.path, b.line, b.text);
  });
  dyn.erase(std::unique(dyn.begin(), dyn.end(),
                        [](const DynamicReference& a, const DynamicReference& b) {
                          return a.path == b.path && a.line == b.line && a.text == b.text;
                        }),
            dyn.end());
  std::sort(inv.artifacts.begin(), inv.artifacts.end(),
            [](const Artifact& a, const Artifact& b) { return a.path < b.path; });
  std::sort(inv.incomplete.begin(), inv.incomplete.end(),
            [](const Incomplete& a, const Incomplete& b) { return a.path < b.path; });
  return inv;
}

}  // namespace mv::inventory
