#include "formats/torchscript/torchscript.h"

#include <set>

#include "core/limits.h"

namespace mv::formats::torchscript {

namespace {

constexpr const char* kLoader = "torch.jit.load";

bool IsIdent(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         (!first && ((c >= '0' && c <= '9') || c == '.'));
}

std::string LineAt(std::string_view s, size_t pos) {
  size_t b = s.rfind('\n', pos);
  b = b == std::string_view::npos ? 0 : b + 1;
  size_t e = s.find('\n', pos);
  if (e == std::string_view::npos) e = s.size();
  std::string line(s.substr(b, std::min<size_t>(e - b, 200)));
  size_t k = line.find_first_not_of(' ');
  return k == std::string::npos ? line : line.substr(k);
}

}  // namespace

bool Sniff(Source& /*src*/, ByteSpan head) {
  if (head.empty()) return false;
  std::string_view h(reinterpret_cast<const char*>(head.data()), head.size());
  if (h.find('\0') != std::string_view::npos) return false;
  if (h.rfind("op_version_set = ", 0) == 0) return true;
  // The serializer writes module classes and free functions with full type annotations; a
  // hand-made archive may omit them, so a leading `class`/`def` with a colon-terminated header
  // is enough (Python sources in a repo start with imports, docstrings or comments).
  if (h.rfind("class ", 0) != 0 && h.rfind("def ", 0) != 0) return false;
  size_t nl = h.find('\n');
  if (nl == std::string_view::npos) return false;
  size_t colon = h.find(":\n");
  return colon != std::string_view::npos && h.find('(') < colon;
}

Result<ReadOutput> Read(const SourcePtr& src, ReadContext& /*ctx*/) {
  if (src->size() > limits::kMaxConfigBytes) {
    return MakeError(Errc::kLimit, "TorchScript code file larger than limits::kMaxConfigBytes");
  }
  Cursor cur(*src);
  MV_ASSIGN_OR_RETURN(ByteSpan b, cur.Take(static_cast<size_t>(src->size())));
  std::string_view s(reinterpret_cast<const char*>(b.data()), b.size());
  ReadOutput out;
  out.format = "torchscript-code";
  out.loader = kLoader;
  out.observations.push_back({"torchscript.code", "", "TorchScript code compiled by torch.jit.load",
                              0, "", false, kLoader});
  static const std::set<std::string> kModules = {"os",     "subprocess", "sys",      "shutil",
                                                 "socket", "importlib",  "builtins", "posix",
                                                 "pty",    "runpy",      "pickle",   "marshal"};
  static const std::set<std::string> kBuiltins = {"open", "eval", "exec", "__import__", "compile"};
  static const std::set<std::string> kStdNs = {
      "aten",        "prim",           "quantized", "_quantized", "prepacked",
      "_caffe2",     "profiler",       "cuda",      "mkldnn",     "_nnapi",
      "xnnpack",     "vulkan_prepack", "fbgemm",    "sparse",     "quantized_decomposed",
      "torchvision", "image",          "torchaudio"};
  std::set<std::string> seen;
  auto emit = [&](const char* kind, const std::string& subject, size_t pos) {
    if (!seen.insert(std::string(kind) + subject).second) return;
    if (out.observations.size() >= limits::kMaxObservationsPerPayload) return;
    out.observations.push_back({kind, subject, LineAt(s, pos), pos, "", false, kLoader});
  };
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '#') {  // comment to end of line
      size_t e = s.find('\n', i);
      i = e == std::string_view::npos ? s.size() : e;
      continue;
    }
    if (c == '"' || c == '\'') {  // string literal (triple quotes end at the next same quote run)
      bool triple = s.substr(i, 3) == std::string(3, c);
      size_t j = i + (triple ? 3 : 1);
      while (j < s.size()) {
        if (s[j] == '\\') {
          j += 2;
          continue;
        }
        if (triple ? s.substr(j, 3) == std::string(3, c) : s[j] == c || s[j] == '\n') break;
        ++j;
      }
      i = std::min(s.size(), j + (triple ? 3 : 1));
      continue;
    }
    if (!IsIdent(c, true) || (i > 0 && IsIdent(s[i - 1], false))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && IsIdent(s[j], false)) ++j;
    std::string name(s.substr(i, j - i));
    bool call = j < s.size() && s[j] == '(';
    std::string head = name.substr(0, name.find('.'));
    std::string rest = name.find('.') == std::string::npos ? "" : name.substr(name.find('.') + 1);
    if (name.rfind("torch.ops.", 0) == 0) rest = name.substr(6), head = "ops";
    if (name == "torch.ops.load_library" || name == "ops.load_library") {
      emit("torchscript.call", "torch.ops.load_library", i);
    } else if (head == "ops" && !rest.empty()) {
      std::string ns = rest.substr(0, rest.find('.'));
      std::string op = rest.find('.') == std::string::npos ? "" : rest.substr(rest.find('.') + 1);
      if (!op.empty() && !kStdNs.count(ns)) emit("torchscript.custom-op", ns + "::" + op, i);
    } else if (kModules.count(head) && !rest.empty()) {
      emit("torchscript.call", name, i);
    } else if (call && rest.empty() && kBuiltins.count(name)) {
      emit("torchscript.call", "builtins." + name, i);
    }
    i = j;
  }
  return out;
}

}  // namespace mv::formats::torchscript
