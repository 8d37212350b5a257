#include "formats/torchscript/torchscript.h"

#include <map>
#include <optional>
#include <set>
#include <vector>

#include "core/limits.h"
#include "formats/common/pylex/lexer.h"

namespace mv::formats::torchscript {

namespace {

constexpr const char* kLoader = "torch.jit.load";

// Operator namespaces registered by torch itself and its standard companions.
bool StandardNamespace(const std::string& ns) {
  static const std::set<std::string> kStdNs = {
      "aten",        "prim",           "quantized", "_quantized", "prepacked",
      "_caffe2",     "profiler",       "cuda",      "mkldnn",     "_nnapi",
      "xnnpack",     "vulkan_prepack", "fbgemm",    "sparse",     "quantized_decomposed",
      "torchvision", "image",          "torchaudio"};
  return kStdNs.count(ns) > 0;
}

// Calls that name a file in an argument (index), and what the call does with it (the aten ones
// are every operator of torch's schema list with a file-name argument). `open` is decided by
// its mode argument. torch.ops.* operators of namespaces outside torch's own (custom operators,
// findings of their own) are classed by name (load/read/open: read; save/write/dump: write;
// remove/delete/unlink: delete).
struct FileCall {
  const char* name;
  int arg;
  const char* kind;
};
constexpr FileCall kFileCalls[] = {
    {"torch.from_file", 0, "file-read"},       {"ops.aten.from_file", 0, "file-read"},
    {"ops.aten.save", 1, "file-write"},        {"torch.load", 0, "file-read"},
    {"torch.save", 1, "file-write"},           {"torch.jit.load", 0, "file-read"},
    {"torch.jit.save", 1, "file-write"},       {"ops.image.read_file", 0, "file-read"},
    {"ops.image.write_file", 0, "file-write"}, {"os.remove", 0, "file-delete"},
    {"os.unlink", 0, "file-delete"},           {"os.rmdir", 0, "file-delete"},
    {"shutil.rmtree", 0, "file-delete"},
};

const char* OpByName(const std::string& op) {
  for (const char* w : {"load", "read", "open"}) {
    if (op.find(w) != std::string::npos) return "file-read";
  }
  for (const char* w : {"save", "write", "dump"}) {
    if (op.find(w) != std::string::npos) return "file-write";
  }
  for (const char* w : {"remove", "delete", "unlink"}) {
    if (op.find(w) != std::string::npos) return "file-delete";
  }
  return nullptr;
}

using pylex::LineAt;
using pylex::Tok;

// A call's arguments: positional ones, then `name=value` ones; each a known string or nullopt.
struct Arguments {
  std::vector<std::optional<std::string>> positional;
  std::map<std::string, std::optional<std::string>> named;
  std::vector<std::string> text;  // each positional argument as written (cut to 80 bytes)
  std::map<std::string, std::string> named_text;
  std::optional<std::string> Named(const std::string& n) const {
    auto it = named.find(n);
    return it == named.end() ? std::nullopt : it->second;
  }
};

class Analyzer {
 public:
  Analyzer(std::string_view s, const std::string& module, ReadOutput& out)
      : s_(s), module_(module), out_(out) {}

  // Why the text could not be read fully ("" when it could), and where.
  const std::string& problem() const { return problem_; }
  size_t problem_pos() const { return problem_pos_; }

  void Run() {
    Lex();
    for (size_t i = 0; i < toks_.size(); ++i) {
      const Tok& t = toks_[i];
      if (t.kind != Tok::kName) continue;
      Scope(t);
      if (t.attribute) continue;  // a value's attribute: `f(x).open(…)` is no builtin
      bool call =
          i + 1 < toks_.size() && toks_[i + 1].kind == Tok::kOther && toks_[i + 1].text == "(";
      // `name = "literal"`: remembered for later calls in the same method.
      if (i + 2 < toks_.size() && toks_[i + 1].text == "=" && toks_[i + 1].kind == Tok::kOther &&
          toks_[i + 2].kind == Tok::kStr && t.text.find('.') == std::string::npos) {
        strings_[t.text] = toks_[i + 2].text;
      }
      // `name = self.attr`: where a computed path came from, for the evidence.
      if (i + 2 < toks_.size() && toks_[i + 1].text == "=" && toks_[i + 1].kind == Tok::kOther &&
          toks_[i + 2].kind == Tok::kName && toks_[i + 2].text.rfind("self.", 0) == 0 &&
          t.text.find('.') == std::string::npos &&
          (i + 3 == toks_.size() || toks_[i + 3].line != toks_[i + 2].line)) {
        origins_[t.text] = toks_[i + 2].text;
      }
      Name(t, call, call ? Args(i + 1) : Arguments{});
    }
  }

 private:
  void Lex() {
    pylex::Lexed l = pylex::Lex(s_, pylex::Dialect::kTorchScript);
    toks_ = std::move(l.toks);
    match_ = std::move(l.match);
    problem_ = std::move(l.problem);
    problem_pos_ = l.problem_pos;
  }

  static bool Opens(const Tok& t) { return pylex::Opens(t); }
  static bool Closes(const Tok& t) { return pylex::Closes(t); }

  // Tracks the class and method a token is in from the layout torch.jit.save writes: `class`
  // at column 0, `def` inside it (or at column 0 for free functions).
  void Scope(const Tok& t) {
    size_t col = t.col;
    if (col == 0 && t.text != "class" && t.text != "def") return;
    if (t.text == "class" && col == 0) {
      cls_.clear();
      method_.clear();
      pending_class_ = true;
      return;
    }
    if (t.text == "def") {
      if (col == 0) cls_.clear();
      pending_def_ = true;
      strings_.clear();
      origins_.clear();
      return;
    }
    if (pending_class_) {
      pending_class_ = false;
      cls_ = t.text;
      if (!module_.empty()) {
        Observation o;
        o.kind = "torchscript.class";  // only __torch__.* (see ModuleOf)
        o.subject = module_ + "." + cls_;
        o.evidence = LineAt(s_, t.pos);
        o.offset = t.pos;
        o.loader = kLoader;
        AddObservation(out_, std::move(o));
      }
      return;
    }
    if (pending_def_) {
      pending_def_ = false;
      method_ = t.text;
    }
  }

  // The arguments of the call whose '(' is toks_[open]: each a string (a literal, adjacent
  // literals joined, or a local name bound to one) or nullopt; `name=` arguments by name.
  Arguments Args(size_t open) {
    Arguments a;
    auto& args = a.positional;
    bool start = true;
    size_t from = 0;  // where the current argument's text starts
    std::string* text = nullptr;
    auto finish = [&](size_t to) {
      if (text != nullptr && to > from) {
        *text = std::string(s_.substr(from, std::min<size_t>(to - from, 80)));
        while (!text->empty() && (text->back() == ' ' || text->back() == '\n')) text->pop_back();
      }
      text = nullptr;
    };
    auto positional = [&](size_t j) {
      args.emplace_back();
      a.text.emplace_back();
      text = &a.text.back();
      from = toks_[j].pos;
    };
    for (size_t j = open + 1; j < match_[open]; ++j) {
      const Tok& t = toks_[j];
      if (Opens(t)) {  // a nested group: part of an argument that is not a string
        if (start) positional(j);
        start = false;
        j = match_[j];
        continue;
      }
      if (Closes(t)) continue;  // unpaired
      if (t.kind == Tok::kOther && t.text == ",") {
        if (start) positional(j);
        finish(t.pos);
        start = true;
        continue;
      }
      if (!start) continue;
      start = false;
      std::optional<std::string>* slot = nullptr;
      if (t.kind == Tok::kName && t.text.find('.') == std::string::npos && j + 2 < match_[open] &&
          toks_[j + 1].kind == Tok::kOther && toks_[j + 1].text == "=" &&
          !(toks_[j + 2].kind == Tok::kOther && toks_[j + 2].text == "=")) {
        slot = &a.named[t.text];  // name=value
        text = &a.named_text[t.text];
        j += 2;
        from = toks_[j].pos;
      } else {
        positional(j);
        slot = &args.back();
      }
      size_t end = j;
      std::string joined;
      while (end < match_[open] && toks_[end].kind == Tok::kStr) joined += toks_[end++].text;
      bool alone = end < toks_.size() && toks_[end].kind == Tok::kOther &&
                   (toks_[end].text == "," || toks_[end].text == ")");
      if (end > j && alone) {
        *slot = joined;
      } else if (toks_[j].kind == Tok::kName && end == j && j + 1 < toks_.size() &&
                 toks_[j + 1].kind == Tok::kOther &&
                 (toks_[j + 1].text == "," || toks_[j + 1].text == ")") &&
                 strings_.count(toks_[j].text)) {
        *slot = strings_[toks_[j].text];
      }
      // Anything else is computed: unknown (nullopt). The rest of its tokens are skipped by
      // !start, a group in it by the bracket rule above (or here, when it starts the value).
      if (end > j + 1) j = end - 1;
      if (Opens(toks_[j])) j = match_[j];
    }
    if (match_[open] < toks_.size()) finish(toks_[match_[open]].pos);
    return a;
  }

  void Name(const Tok& t, bool call, const Arguments& a) {
    const auto& args = a.positional;
    std::string name = t.text;
    if (name.rfind("torch.ops.", 0) == 0) name = name.substr(6);  // torch.ops.x == ops.x
    std::string head = name.substr(0, name.find('.'));
    std::string rest = name.find('.') == std::string::npos ? "" : name.substr(name.find('.') + 1);
    static const std::set<std::string> kModules = {"os",     "subprocess", "sys",      "shutil",
                                                   "socket", "importlib",  "builtins", "posix",
                                                   "pty",    "runpy",      "pickle",   "marshal"};
    static const std::set<std::string> kBuiltins = {"open", "eval", "exec", "__import__",
                                                    "compile"};
    static const std::set<std::string> kTorchIo = {"torch.load", "torch.save", "torch.jit.load",
                                                   "torch.jit.save"};
    if (name == "ops.load_library") {
      Emit("torchscript.call", "torch.ops.load_library", t.pos);
    } else if (head == "ops" && !rest.empty()) {
      std::string ns = rest.substr(0, rest.find('.'));
      std::string op = rest.find('.') == std::string::npos ? "" : rest.substr(rest.find('.') + 1);
      if (!op.empty() && !StandardNamespace(ns))
        Emit("torchscript.custom-op", ns + "::" + op, t.pos);
    } else if (name.rfind("torch.classes.", 0) == 0) {
      std::string r = name.substr(14);
      size_t dot = r.find('.');
      if (dot != std::string::npos) {
        Emit("torchscript.custom-op", r.substr(0, dot) + "::" + r.substr(dot + 1), t.pos);
      }
    } else if (kModules.count(head) && !rest.empty()) {
      Emit("torchscript.call", name, t.pos);
    } else if (call && rest.empty() && kBuiltins.count(name)) {
      Emit("torchscript.call", "builtins." + name, t.pos);
    } else if (call && kTorchIo.count(name)) {
      Emit("torchscript.call", name, t.pos);
    }
    // Files the call names.
    const char* kind = nullptr;
    int arg = 0;
    for (const auto& fc : kFileCalls) {
      if (name == fc.name) {
        kind = fc.kind;
        arg = fc.arg;
      }
    }
    if (kind == nullptr && name == "open" && call) {
      std::optional<std::string> mode = args.size() > 1 ? args[1] : a.Named("mode");
      // Built in place: GCC 12 -O3 -Wrestrict misreads assigning a literal through optional.
      if (args.size() <= 1 && !a.named.count("mode")) mode.emplace(1, 'r');
      kind = mode && mode->find_first_of("wax+") == std::string::npos ? "file-read" : "file-write";
    }
    if (kind == nullptr && head == "ops" && rest.find('.') != std::string::npos &&
        !StandardNamespace(rest.substr(0, rest.find('.')))) {
      kind = OpByName(rest.substr(rest.find('.') + 1));
    }
    if (kind == nullptr) return;
    std::optional<std::string> path;
    std::string written;  // the path argument as the code writes it
    if (call && static_cast<size_t>(arg) < args.size()) {
      path = args[arg];
      written = a.text[arg];
    } else if (call) {
      for (const char* k : {"filename", "f", "path", "file", "name"}) {
        if (!path && a.named.count(k)) {
          path = a.Named(k);
          written = a.named_text.at(k);
        }
      }
    }
    auto origin = origins_.find(written);
    if (origin != origins_.end()) written += " = " + origin->second;
    if (!path) {
      // A path the code computes (an attribute, a parameter, string operations) or the
      // operation used as a value: still evidence, with what was not known.
      Observation o;
      o.kind =
          method_ == "__setstate__" ? "torchscript.file-call-on-load" : "torchscript.file-call";
      o.subject = (name.rfind("ops.", 0) == 0 ? "torch." : "") + name;
      Context(o, t.pos);
      o.evidence += " (" + std::string(kind) + "; " +
                    (!call             ? "the operation is used as a value"
                     : written.empty() ? "no path argument the analysis could read"
                                       : "the path `" + written + "` is not a literal") +
                    ")";
      if (seen_.insert(o.kind + o.subject + std::to_string(t.pos)).second) {
        AddObservation(out_, std::move(o));
      }
      return;
    }
    Observation o;
    o.kind = kind;
    o.subject = *path;
    o.cwd_relative = true;  // resolved against the process's working directory
    Context(o, t.pos);
    AddObservation(out_, std::move(o));
  }

  void Context(Observation& o, size_t pos) {
    o.evidence = LineAt(s_, pos);
    o.offset = pos;
    std::string where = (cls_.empty() ? "" : cls_ + ".") + method_;
    if (!where.empty()) o.evidence = where + ": " + o.evidence;
    o.executes = method_ == "__setstate__";
    o.loader = method_ == "__setstate__" ? "torch.jit.load (runs __setstate__ while loading)"
               : method_ == "forward"    ? "the model's forward (runs at inference)"
                                         : std::string(kLoader) + " (runs when " +
                                            (where.empty() ? "the code" : where) + " is called)";
  }

  void Emit(const char* kind, const std::string& subject, size_t pos) {
    if (!seen_.insert(std::string(kind) + subject).second) return;
    Observation o;
    o.kind = kind;
    o.subject = subject;
    Context(o, pos);
    AddObservation(out_, std::move(o));
  }

  std::string_view s_;
  std::string module_;
  ReadOutput& out_;
  std::vector<Tok> toks_;
  std::vector<size_t> match_;  // partner bracket of each opening bracket
  std::string problem_;
  size_t problem_pos_ = 0;
  std::string cls_, method_;
  bool pending_class_ = false, pending_def_ = false;
  std::map<std::string, std::string> strings_;
  std::map<std::string, std::string> origins_;  // local -> the self.attr it was read from
  std::set<std::string> seen_;
};

// "arch/code/__torch__/torch/nn/modules/linear.py" -> "__torch__.torch.nn.modules.linear".
std::string ModuleOf(const std::string& location) {
  size_t bang = location.rfind('!');
  std::string leaf = bang == std::string::npos ? location : location.substr(bang + 1);
  size_t code = leaf.rfind("code/");
  if (code == std::string::npos || leaf.size() < 3 ||
      leaf.compare(leaf.size() - 3, 3, ".py") != 0) {
    return "";
  }
  std::string m = leaf.substr(code + 5, leaf.size() - 3 - code - 5);
  for (char& c : m) {
    if (c == '/') c = '.';
  }
  // TorchScript qualifies every class it compiles under `__torch__` and the pickles of the
  // archive name them so; code/os.py defines nothing a pickle's `os.system` could mean.
  if (m != "__torch__" && m.rfind("__torch__.", 0) != 0) return "";
  return m;
}

}  // namespace

bool Sniff(Source& /*src*/, ByteSpan head, bool signature) {
  // The registry holds the "op_version_set = " signature; text without NULs is checked here.
  if (head.empty()) return false;
  std::string_view h(reinterpret_cast<const char*>(head.data()), head.size());
  if (h.find('\0') != std::string_view::npos) return false;
  if (signature) return true;
  // The serializer writes module classes and free functions with full type annotations; a
  // hand-made archive may omit them, so a leading `class`/`def` with a colon-terminated header
  // is enough (Python sources in a repo start with imports, docstrings or comments).
  if (h.rfind("class ", 0) != 0 && h.rfind("def ", 0) != 0) return false;
  size_t nl = h.find('\n');
  if (nl == std::string_view::npos) return false;
  size_t colon = h.find(":\n");
  return colon != std::string_view::npos && h.find('(') < colon;
}

Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx) {
  if (src->size() > limits::kMaxConfigBytes) {
    return MakeError(Errc::kLimit, "TorchScript code file larger than limits::kMaxConfigBytes");
  }
  Cursor cur(*src);
  MV_ASSIGN_OR_RETURN(ByteSpan b, cur.Take(static_cast<size_t>(src->size())));
  std::string_view s(reinterpret_cast<const char*>(b.data()), b.size());
  ReadOutput out;
  out.format = "torchscript-code";
  out.loader = kLoader;
  Observation code;
  code.kind = "torchscript.code";
  code.evidence = "TorchScript code compiled by torch.jit.load";
  code.loader = kLoader;
  out.observations.push_back(std::move(code));
  Analyzer a(s, ModuleOf(ctx.location), out);
  a.Run();
  if (!a.problem().empty()) {
    // torch.jit.load compiles what it can lex; what this reader could not lex was not judged.
    out.anomalies.push_back(Anomaly::Defect("torchscript.unreadable-code",
                                            "TorchScript code that cannot be read fully (" +
                                                a.problem() +
                                                "): what it calls was not all analysed",
                                            a.problem_pos())
                                .Incomplete());
    out.complete = false;
  }
  return out;
}

}  // namespace mv::formats::torchscript
