#include "formats/savedmodel/savedmodel.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "core/limits.h"
#include "formats/common/keras_config/keras_config.h"
#include "formats/common/protowire/protowire.h"

namespace mv::formats::savedmodel {

namespace {

using protowire::Frame;

// tensorflow/core/protobuf/saved_model.proto, meta_graph.proto, saver.proto,
// framework/graph.proto, function.proto, node_def.proto, op_def.proto, attr_value.proto,
// tensor.proto (field numbers).
enum Msg : int {
  kSavedModel,
  kMetaGraph,
  kGraph,
  kLibrary,
  kFunction,
  kOpDef,
  kArgDef,  // OpDef.input_arg {1: name}
  kNode,
  kAttrEntry,  // NodeDef.attr map entry {1: key, 2: AttrValue}
  kAttrValue,  // {1: list, 2: s, 8: tensor, 10: func, …}
  kAttrList,   // AttrValue.ListValue {2: s (repeated), 9: func (repeated)}
  kTensor,     // TensorProto {8: string_val (repeated)}
  kFuncRef,    // NameAttrList {1: name}
  kSaverDef,   // MetaGraphDef.saver_def {1: filename_tensor_name}
  kAssetDef,   // MetaGraphDef.asset_file_def {1: tensor_info, 2: filename}
  kTensorInfo  // {1: name}
};
constexpr uint32_t kFnName = 1000;  // pseudo-fields: the enclosing function's name,
constexpr uint32_t kFnArgs = 1001;  // its argument names,
constexpr uint32_t kCutRef = 1002;  // and a name or input reference cut at the keep size

// What TensorFlow's file ops do with which operand, for the ops whose operand is a path (an
// input, traced back to where it comes from, or a string attr). Facts about the ops
// (tensorflow/core/ops/*.cc); rules/features.toml says what is dangerous.
struct FileUse {
  const char* op;
  int input;         // input index holding the path(s); -1: the attr below
  const char* attr;  // attr holding the path(s), when input < 0
  const char* kind;  // file-read / file-write / file-delete
};
constexpr FileUse kFileUses[] = {
    {"ReadFile", 0, "", "file-read"},
    {"WriteFile", 0, "", "file-write"},
    {"MatchingFiles", 0, "", "file-read"},
    {"ImmutableConst", -1, "memory_region_name", "file-read"},  // maps the file
    {"Save", 0, "", "file-write"},
    {"SaveSlices", 0, "", "file-write"},
    {"SaveV2", 0, "", "file-write"},
    {"Restore", 0, "", "file-read"},
    {"RestoreSlice", 0, "", "file-read"},
    {"RestoreV2", 0, "", "file-read"},
    {"MergeV2Checkpoints", 0, "", "file-read"},
    {"MergeV2Checkpoints", 0, "", "file-delete"},  // delete_old_dirs (default true)
    {"MergeV2Checkpoints", 1, "", "file-write"},
    {"InitializeTableFromTextFile", 1, "", "file-read"},
    {"InitializeTableFromTextFileV2", 1, "", "file-read"},
    {"GenerateVocabRemapping", 0, "", "file-read"},
    {"GenerateVocabRemapping", 1, "", "file-read"},
    {"LoadAndRemapMatrix", 0, "", "file-read"},
    {"TFRecordDataset", 0, "", "file-read"},
    {"TFRecordDatasetV2", 0, "", "file-read"},
    {"TextLineDataset", 0, "", "file-read"},
    {"FixedLengthRecordDataset", 0, "", "file-read"},
    {"FixedLengthRecordDatasetV2", 0, "", "file-read"},
    {"CSVDataset", 0, "", "file-read"},
    {"CSVDatasetV2", 0, "", "file-read"},
    {"ExperimentalCSVDataset", 0, "", "file-read"},
    {"LMDBDataset", 0, "", "file-read"},
    {"ExperimentalLMDBDataset", 0, "", "file-read"},
    {"SqlDataset", 1, "", "file-read"},
    {"ExperimentalSqlDataset", 1, "", "file-read"},
    {"MatchingFilesDataset", 0, "", "file-read"},
    {"ExperimentalMatchingFilesDataset", 0, "", "file-read"},
    {"LoadDataset", 0, "", "file-read"},
    {"SnapshotDatasetReader", 0, "", "file-read"},
    {"SnapshotChunkDataset", 0, "", "file-read"},
    {"SaveDataset", 1, "", "file-write"},
    {"SaveDatasetV2", 1, "", "file-write"},
    {"DistributedSave", 1, "", "file-write"},
    {"SnapshotDataset", 1, "", "file-write"},
    {"SnapshotDatasetV2", 1, "", "file-write"},
    {"CacheDataset", 1, "", "file-write"},
    {"CacheDatasetV2", 1, "", "file-write"},
    {"DatasetToTFRecord", 1, "", "file-write"},
    {"ExperimentalDatasetToTFRecord", 1, "", "file-write"},
    {"CreateSummaryFileWriter", 1, "", "file-write"},
    {"CreateSummaryDbWriter", 1, "", "file-write"},
    {"PrintV2", -1, "output_stream", "file-write"},  // "file://…" appends to that file
    {"DebugIdentity", -1, "debug_urls", "file-write"},
    {"DebugIdentityV2", -1, "debug_urls", "file-write"},
    {"DebugIdentityV3", -1, "debug_urls", "file-write"},
    {"DebugNanCount", -1, "debug_urls", "file-write"},
    {"DebugNumericSummary", -1, "debug_urls", "file-write"},
    {"DecodeProtoV2", -1, "descriptor_source", "file-read"},
    {"EncodeProto", -1, "descriptor_source", "file-read"},
};

// Ops that hand a path on unchanged, and which of their data inputs it comes from: -1 every
// input (Pack, Merge, Concat: each element is one of them), -2 the input at the output's index
// (IdentityN), -3 inputs 1 and 2 (Select: either branch). Facts about the ops.
struct PassThrough {
  const char* op;
  int input;
};
constexpr PassThrough kPassThrough[] = {
    {"Identity", 0},
    {"RefIdentity", 0},
    {"Snapshot", 0},
    {"StopGradient", 0},
    {"PreventGradient", 0},
    {"EnsureShape", 0},
    {"CheckNumerics", 0},
    {"Reshape", 0},
    {"ExpandDims", 0},
    {"Squeeze", 0},
    {"Print", 0},
    {"Enter", 0},
    {"RefEnter", 0},
    {"Exit", 0},
    {"RefExit", 0},
    {"Switch", 0},
    {"RefSwitch", 0},
    {"NextIteration", 0},
    {"RefNextIteration", 0},
    {"PlaceholderWithDefault", 0},  // the default, unless the caller feeds another path
    {"IdentityN", -2},
    {"Pack", -1},
    {"Merge", -1},
    {"RefMerge", -1},
    {"ConcatV2", -1},
    {"Concat", -1},
    {"Select", -3},
    {"SelectV2", -3},
};

// Ops that take a function attr and call it with their data inputs, from this input on (other
// ops with a function attr, e.g. datasets, call it with values computed at run time).
int CallOffset(const std::string& op, const std::string& attr) {
  if (attr == "f" && (op == "StatefulPartitionedCall" || op == "PartitionedCall" ||
                      op == "TPUPartitionedCall" || op == "RemoteCall")) {
    return 0;
  }
  if ((attr == "then_branch" || attr == "else_branch") &&
      (op == "If" || op == "StatelessIf" || op == "_If")) {
    return 1;
  }
  if (attr == "branches" && (op == "Case" || op == "StatelessCase")) return 1;
  if ((attr == "body" || attr == "cond") &&
      (op == "While" || op == "StatelessWhile" || op == "_While")) {
    return 0;
  }
  if (attr == "body" && op == "For") return 3;
  return -1;
}

bool IsFuncAttr(const std::string& a) {
  return a == "f" || a == "then_branch" || a == "else_branch" || a == "branches" || a == "body" ||
         a == "cond";
}

// Where a path operand comes from: constants (as written), the model's assets, suffixes
// appended to the saver's filename (fed by the loader with the model's own variables path),
// and what is not known before the graph runs.
struct PathValue {
  std::vector<std::string> known, assets, saver, unknown;
  bool limit = false;
  std::vector<uint64_t> cut;  // offsets of constants cut at the keep size
  void Add(const PathValue& o) {
    auto add = [](std::vector<std::string>& to, const std::vector<std::string>& from) {
      for (const auto& s : from) {
        if (to.size() >= 64) break;
        if (std::find(to.begin(), to.end(), s) == to.end()) to.push_back(s);
      }
    };
    add(known, o.known);
    add(assets, o.assets);
    add(saver, o.saver);
    add(unknown, o.unknown);
    limit |= o.limit;
    cut.insert(cut.end(), o.cut.begin(), o.cut.end());
  }
  static PathValue Unknown(std::string why) {
    PathValue v;
    v.unknown.push_back(std::move(why));
    return v;
  }
};

class Graph : public protowire::Schema {
 public:
  explicit Graph(ReadOutput& out) : out_(out) {}

  int Child(int type, uint32_t field) const override {
    switch (type) {
      case kSavedModel: return field == 2 ? kMetaGraph : -1;
      case kMetaGraph:
        return field == 2 ? kGraph : field == 3 ? kSaverDef : field == 6 ? kAssetDef : -1;
      case kGraph: return field == 1 ? kNode : field == 2 ? kLibrary : -1;
      case kLibrary: return field == 1 ? kFunction : -1;
      case kFunction: return field == 1 ? kOpDef : field == 3 ? kNode : -1;
      case kOpDef: return field == 2 ? kArgDef : -1;
      case kNode: return field == 5 ? kAttrEntry : -1;
      case kAttrEntry: return field == 2 ? kAttrValue : -1;
      case kAttrValue:
        return field == 1 ? kAttrList : field == 8 ? kTensor : field == 10 ? kFuncRef : -1;
      case kAttrList: return field == 9 ? kFuncRef : -1;
      case kAssetDef: return field == 1 ? kTensorInfo : -1;
      default: return -1;
    }
  }
  size_t Keep(int type, uint32_t field) const override {
    if (type == kNode && (field == 1 || field == 2)) return limits::kMaxKeptProtoName;
    if (type == kNode && field == 3) return limits::kMaxKeptProtoInput;  // "name:out:0", "^c"
    if ((type == kOpDef || type == kArgDef || type == kFuncRef || type == kTensorInfo) &&
        field == 1) {
      return limits::kMaxKeptProtoName;
    }
    if (type == kSaverDef && field == 1) return limits::kMaxKeptProtoInput;
    if (type == kAttrEntry && field == 1) return limits::kMaxKeptProtoName;
    if ((type == kAttrValue || type == kAttrList) && field == 2) return limits::kMaxKeptProtoPath;
    if (type == kTensor && field == 8) return limits::kMaxKeptProtoPath;
    if (type == kAssetDef && field == 2) return limits::kMaxKeptProtoPath;
    return 0;
  }
  void End(Frame& f, Frame* parent) override {
    switch (f.type) {
      case kTensor:
      case kAttrList: {
        uint32_t fld = f.type == kTensor ? 8 : 2;
        if (parent) {
          for (const auto& v : f.all[fld]) parent->entries.emplace_back("", v);
          for (auto& e : f.entries) parent->entries.push_back(std::move(e));  // func names
          if (f.cut.count(fld)) parent->cut.insert(0);
          if (f.cut.count(kCutRef)) parent->cut.insert(kCutRef);
        }
        return;
      }
      case kFuncRef:
        if (parent) {
          parent->entries.emplace_back("", f.str[1]);
          if (f.cut.count(1)) parent->cut.insert(kCutRef);
        }
        return;
      case kAttrValue:
        if (parent) {
          if (f.str.count(2)) parent->entries.emplace_back("", f.str[2]);
          for (auto& e : f.entries) parent->entries.push_back(std::move(e));
          if (f.cut.count(kCutRef)) {
            parent->cut.insert(kCutRef);
            f.cut.erase(kCutRef);
          }
          if (!f.cut.empty()) parent->cut.insert(0);
        }
        return;
      case kAttrEntry:
        if (parent) {
          for (const auto& e : f.entries) parent->entries.emplace_back(f.str[1], e.second);
          if (f.cut.count(1) || f.cut.count(kCutRef)) parent->cut.insert(kCutRef);
          f.cut.erase(kCutRef);
          if (!f.cut.empty()) parent->cut_attrs.insert(f.str[1]);
        }
        return;
      case kArgDef:
        if (parent) parent->all[kFnArgs].push_back(f.str[1]);
        if (f.cut.count(1)) CutRef("an argument name", f.begin);
        return;
      case kTensorInfo:
        if (parent) parent->str[kFnName] = f.str[1];
        if (f.cut.count(1)) CutRef("an asset tensor name", f.begin);
        return;
      case kAssetDef:
        assets_[TensorNode(f.str[kFnName])] = f.str[2];
        if (f.cut.count(2)) {
          Limit("limit.string", "an asset filename is longer than the reader keeps", f.begin);
        }
        return;
      case kSaverDef:
        saver_ = TensorNode(f.str[1]);
        if (f.cut.count(1)) CutRef("the saver's filename tensor name", f.begin);
        return;
      default: break;
    }
    if (f.type == kOpDef && parent && parent->type == kFunction) {
      parent->str[kFnName] = f.str[1];
      parent->all[kFnArgs] = std::move(f.all[kFnArgs]);
      if (f.cut.count(1)) CutRef("a function name", f.begin);
    } else if (f.type == kNode) {
      ++nodes;
      if (f.cut.count(2)) {
        out_.anomalies.push_back(
            Anomaly::Defect("limit.string",
                            "op name longer than the reader keeps; the op was not judged", f.begin)
                .Incomplete());
        out_.complete = false;
      }
      if (f.cut.count(1) || f.cut.count(3) || f.cut.count(kCutRef)) {
        CutRef("node '" + f.str[1].substr(0, 80) + "…' (" + f.str[2].substr(0, 80) +
                   "): a name, input or function reference",
               f.begin);
      }
      std::string fn = parent && parent->type == kFunction ? parent->str[kFnName] : "";
      Node(f.str[2], f.str[1], fn, f.begin);
      if (parent) {
        NodeInfo n{f.str[1], f.str[2], f.all[3], std::move(f.entries), f.begin, f.cut_attrs};
        pending_[parent->begin].push_back(std::move(n));
      }
    } else if (f.type == kFunction || f.type == kGraph) {
      Scope s;
      s.function = f.type == kFunction;
      s.name = f.type == kFunction ? f.str[kFnName] : "";
      s.args = f.all[kFnArgs];
      auto it = pending_.find(f.begin);
      if (it != pending_.end()) {
        s.nodes = std::move(it->second);
        pending_.erase(it);
      }
      scopes_.push_back(std::move(s));
    } else if (f.type == kSavedModel) {
      for (const auto& [field, n] : f.count) top_fields += n;
    } else if (f.type == kMetaGraph) {
      ++meta_graphs;
      FileOps();
      scopes_.clear();
      pending_.clear();
      assets_.clear();
      saver_.clear();
    }
  }

  void Finish() {
    for (auto& [op, i] : index_) {
      if (counts_[op] > 1) {
        out_.observations[i].evidence += " (+" + std::to_string(counts_[op] - 1) + " more)";
      }
    }
  }

  uint64_t nodes = 0, meta_graphs = 0, top_fields = 0;

 private:
  // One observation per op name, with its first node as evidence.
  void Node(const std::string& op, const std::string& name, const std::string& fn, uint64_t at) {
    if (op.empty()) return;
    if (++counts_[op] > 1) return;
    Observation o;
    o.kind = "tf.op";
    o.subject = op;
    o.evidence =
        "node '" + name + "' " + (fn.empty() ? "in the graph" : "in function '" + fn + "'");
    o.offset = at;
    o.executes = false;  // runs when its function or signature is called
    o.loader = "tf.saved_model.load / keras load_model (when the function runs)";
    size_t idx = out_.observations.size();
    AddObservation(out_, std::move(o));
    if (out_.observations.size() > idx) index_[op] = idx;
  }

  struct NodeInfo {
    std::string name, op;
    std::vector<std::string> inputs;
    std::vector<std::pair<std::string, std::string>> attrs;  // (attr name, string value)
    uint64_t at;
    std::set<std::string> cut;
  };
  struct Scope {
    bool function = false;
    std::string name;
    std::vector<std::string> args;
    std::vector<NodeInfo> nodes;
    std::map<std::string, size_t> by_name;
  };
  struct CallSite {
    size_t scope;
    const NodeInfo* node;
    int offset;  // data input of the call holding argument 0; -1: not a plain call
  };

  static std::string TensorNode(const std::string& t) {
    std::string n = t.substr(0, t.find(':'));
    return !n.empty() && n[0] == '^' ? n.substr(1) : n;
  }
  static std::string In(size_t scope_fn, const std::string& fn) {
    return scope_fn ? " in function '" + fn + "'" : " in the graph";
  }
  static std::vector<std::string> DataInputs(const NodeInfo& n) {
    std::vector<std::string> v;
    for (const auto& i : n.inputs) {
      if (!i.empty() && i[0] != '^') v.push_back(i);
    }
    return v;
  }

  void CutRef(const std::string& what, uint64_t at) {
    Limit("limit.string",
          what + " is longer than the reader keeps; paths through it may not be traced", at);
  }
  void Limit(const std::string& code, const std::string& msg, uint64_t at) {
    for (const auto& a : out_.anomalies) {
      if (a.code == code && a.message == msg) return;
    }
    if (out_.anomalies.size() < limits::kMaxObservationsPerPayload) {
      out_.anomalies.push_back(Anomaly::Defect(code, msg, at).Incomplete());
    }
    out_.complete = false;
  }

  // Where the value of `ref` (a node input of scope `si`) comes from.
  PathValue Trace(size_t si, const std::string& ref, int depth) {
    if (depth > limits::kMaxTfPathTrace) {
      PathValue v = PathValue::Unknown("traced through more than limits::kMaxTfPathTrace nodes");
      v.limit = true;
      return v;
    }
    const Scope& s = scopes_[si];
    std::string name = ref.substr(0, ref.find(':'));
    size_t out_index = 0;
    if (size_t c = ref.rfind(':'); c != std::string::npos) {
      out_index = static_cast<size_t>(std::strtoull(ref.c_str() + c + 1, nullptr, 10));
    }
    if (!s.function && !saver_.empty() && name == saver_) {
      PathValue v;
      v.saver.push_back("");
      return v;
    }
    if (!s.function && assets_.count(name)) {
      PathValue v;
      v.assets.push_back("assets/" + assets_[name]);
      return v;
    }
    std::string key = std::to_string(si) + "\n" + ref;
    if (auto m = memo_.find(key); m != memo_.end()) return m->second;
    memo_[key] = PathValue{};  // a cycle (while loops) adds nothing to what enters it
    PathValue v = TraceUncached(si, name, out_index, depth);
    memo_[key] = v;
    return v;
  }

  PathValue TraceUncached(size_t si, const std::string& name, size_t out_index, int depth) {
    const Scope& s = scopes_[si];
    if (s.function && std::find(s.args.begin(), s.args.end(), name) != s.args.end()) {
      size_t arg =
          static_cast<size_t>(std::find(s.args.begin(), s.args.end(), name) - s.args.begin());
      PathValue v;
      auto calls = calls_.find(s.name);
      if (calls == calls_.end()) {
        return PathValue::Unknown("argument '" + name + "' of function '" + s.name +
                                  "' (given by whoever calls it)");
      }
      for (const auto& c : calls->second) {
        std::vector<std::string> in = DataInputs(*c.node);
        if (c.offset < 0 || arg + static_cast<size_t>(c.offset) >= in.size()) {
          v.Add(PathValue::Unknown("argument '" + name + "' of function '" + s.name +
                                   "', called by node '" + c.node->name + "' (" + c.node->op +
                                   ")"));
          continue;
        }
        v.Add(Trace(c.scope, in[arg + static_cast<size_t>(c.offset)], depth + 1));
      }
      return v;
    }
    auto it = s.by_name.find(name);
    if (it == s.by_name.end()) {
      return PathValue::Unknown("'" + name + "', which names no node" + In(s.function, s.name));
    }
    const NodeInfo& n = s.nodes[it->second];
    PathValue v;
    if (n.op == "Const") {
      for (const auto& [key, val] : n.attrs) {
        if (key == "value") v.known.push_back(val);
      }
      if (n.cut.count("value")) v.cut.push_back(n.at);
      return v;
    }
    std::vector<std::string> in = DataInputs(n);
    for (const auto& p : kPassThrough) {
      if (n.op != p.op) continue;
      for (size_t k = 0; k < in.size(); ++k) {
        bool take = p.input == -1 || (p.input == -2 && k == out_index) ||
                    (p.input == -3 && (k == 1 || k == 2)) ||
                    (p.input >= 0 && k == static_cast<size_t>(p.input));
        if (take) v.Add(Trace(si, in[k], depth + 1));
      }
      return v;
    }
    if (n.op == "ShardedFilename" && !in.empty()) {
      // basename-00000-of-00001 (the shard numbers are computed; their shape is fixed).
      PathValue b = Trace(si, in[0], depth + 1);
      for (auto& x : b.known) x += "-00000-of-00001";
      for (auto& x : b.assets) x += "-00000-of-00001";
      for (auto& x : b.saver) x += "-00000-of-00001";
      return b;
    }
    if (n.op == "StringJoin" && !in.empty()) {
      std::string sep;
      for (const auto& [key, val] : n.attrs) {
        if (key == "separator") sep = val;
      }
      std::vector<PathValue> parts;
      for (const auto& i : in) parts.push_back(Trace(si, i, depth + 1));
      // Joined strings: constants, or the saver's filename followed by constants.
      PathValue r = parts[0];
      for (size_t k = 1; k < parts.size(); ++k) {
        const PathValue& p = parts[k];
        r.unknown.insert(r.unknown.end(), p.unknown.begin(), p.unknown.end());
        r.limit |= p.limit;
        r.cut.insert(r.cut.end(), p.cut.begin(), p.cut.end());
        if (!p.saver.empty() || !p.assets.empty()) {
          r.unknown.push_back("a join of node '" + n.name + "' puts a fed path after its start");
        }
        auto join = [&](std::vector<std::string>& to) {
          std::vector<std::string> next;
          for (const auto& a : to) {
            for (const auto& b : p.known) {
              if (next.size() < 64) next.push_back(a + sep + b);
            }
          }
          to = std::move(next);
        };
        join(r.known);
        join(r.assets);
        join(r.saver);
      }
      return r;
    }
    if (!s.function && (n.op == "Placeholder" || n.op == "PlaceholderV2")) {
      return PathValue::Unknown("placeholder '" + n.name + "' (fed by whoever runs the graph)");
    }
    return PathValue::Unknown("computed by node '" + n.name + "' (" + n.op + ")" +
                              In(s.function, s.name));
  }

  // Paths the file ops of every graph and function name, traced back to where they come from:
  // constants and path attrs are judged as paths; the saver's own paths (built from the
  // filename the loader feeds, see SaverDef) and the model's assets are its own files; a path
  // that is not known before the graph runs makes the op itself a finding to review.
  void FileOps() {
    memo_.clear();
    calls_.clear();
    std::set<std::string> fn_names;
    for (auto& s : scopes_) {
      for (size_t i = 0; i < s.nodes.size(); ++i) s.by_name.emplace(s.nodes[i].name, i);
      if (s.function) fn_names.insert(s.name);
    }
    for (size_t si = 0; si < scopes_.size(); ++si) {
      for (const auto& n : scopes_[si].nodes) {
        if (fn_names.count(n.op)) calls_[n.op].push_back({si, &n, 0});
        for (const auto& [key, val] : n.attrs) {
          if (IsFuncAttr(key) && fn_names.count(val)) {
            calls_[val].push_back({si, &n, CallOffset(n.op, key)});
          }
        }
      }
    }
    for (size_t si = 0; si < scopes_.size(); ++si) {
      const Scope& s = scopes_[si];
      for (const auto& n : s.nodes) {
        std::set<int> unknown_done;
        for (const auto& use : kFileUses) {
          if (n.op != use.op) continue;
          if (use.input >= 0) {
            // Data inputs first, control inputs ("^x") last.
            std::vector<std::string> in = DataInputs(n);
            size_t k = static_cast<size_t>(use.input);
            if (k >= in.size()) continue;  // TensorFlow refuses a node missing an input
            PathValue v = Trace(si, in[k], 0);
            std::string via = "input " + std::to_string(k) + " '" + in[k].substr(0, 120) + "'";
            for (const auto& p : v.known) Emit(n, s, use, p, via, true);
            for (const auto& p : v.assets) Emit(n, s, use, p, via + " (an asset)", false);
            for (const auto& p : v.saver) {
              if (p.find("..") != std::string::npos || p.find('/') == 0) {
                v.unknown.push_back("the saver's filename followed by '" + p.substr(0, 120) + "'");
              }
            }
            for (uint64_t at : v.cut) {
              Limit("limit.string",
                    "a path of node '" + n.name.substr(0, 120) + "' (" + n.op +
                        ") comes from a constant longer than the reader keeps; it was judged by "
                        "its prefix",
                    at);
            }
            if (v.limit) {
              Limit("limit.trace",
                    "a path operand of node '" + n.name.substr(0, 120) + "' (" + n.op +
                        ") was traced through more than limits::kMaxTfPathTrace nodes",
                    n.at);
            }
            if (!v.unknown.empty() && unknown_done.insert(use.input).second) {
              Unknown(n, s, use, via, v.unknown);
            }
          } else {
            std::string via = std::string("attr ") + use.attr;
            for (const auto& [key, p] : n.attrs) {
              if (key != use.attr) continue;
              if (n.op == std::string("PrintV2")) {
                if (p.rfind("file://", 0) != 0) continue;  // stderr, log(info), … (case-sensitive)
              } else if (std::string(use.attr) == "descriptor_source") {
                if (p.empty() || p == "local://" || p.rfind("bytes://", 0) == 0) continue;
              }
              Emit(n, s, use, p, via, true);
            }
            if (n.cut.count(use.attr)) LongPath(n);
          }
        }
      }
    }
  }

  void Emit(const NodeInfo& n, const Scope& s, const FileUse& use, const std::string& p,
            const std::string& via, bool cwd_relative) {
    if (p.empty()) return;  // CacheDataset(''): in memory
    Observation o;
    o.kind = use.kind;
    o.subject = p;
    o.evidence = "node '" + n.name + "' (" + n.op + ")" + In(s.function, s.name) + ": " + via +
                 " = '" + p.substr(0, 200) + "'";
    o.offset = n.at;
    o.cwd_relative = cwd_relative;  // TensorFlow resolves relative paths against the process
    o.loader = "tf.saved_model.load / keras load_model (when the function runs)";
    AddObservation(out_, std::move(o));
  }

  void Unknown(const NodeInfo& n, const Scope& s, const FileUse& use, const std::string& via,
               const std::vector<std::string>& why) {
    std::string reasons;
    for (size_t i = 0; i < why.size() && i < 3; ++i) reasons += (i ? "; " : "") + why[i];
    if (why.size() > 3) reasons += "; +" + std::to_string(why.size() - 3) + " more";
    Observation o;
    o.kind = "tf.file-op";
    o.subject = n.op;
    o.evidence = "node '" + n.name + "' (" + n.op + ")" + In(s.function, s.name) + ": the path " +
                 via + " is not known before it runs: " + reasons;
    o.offset = n.at;
    o.loader = "tf.saved_model.load / keras load_model (when the function runs)";
    AddObservation(out_, std::move(o));
  }

  void LongPath(const NodeInfo& n) {
    out_.anomalies.push_back(
        Anomaly::Defect("limit.string",
                        "a path of node '" + n.name + "' (" + n.op +
                            ") is longer than the reader keeps; it was judged by its prefix",
                        n.at)
            .Incomplete());
    out_.complete = false;
  }

  ReadOutput& out_;
  std::map<std::string, uint64_t> counts_;
  std::map<std::string, size_t> index_;
  std::map<uint64_t, std::vector<NodeInfo>> pending_;  // by the graph/function's offset
  std::vector<Scope> scopes_;                          // of the current meta graph
  std::map<std::string, std::vector<CallSite>> calls_;
  std::map<std::string, PathValue> memo_;
  std::map<std::string, std::string> assets_;  // asset tensor node -> filename
  std::string saver_;                          // the saver's filename tensor node
};

// keras_metadata.pb: SavedMetadata{1: nodes SavedObject{3: node_path, 4: identifier,
// 5: metadata (layer JSON)}}.
enum MetaMsg : int { kMetadata, kSavedObject };
class KerasMetadata : public protowire::Schema {
 public:
  explicit KerasMetadata(ReadOutput& out) : out_(out) {}
  int Child(int type, uint32_t field) const override {
    return type == kMetadata && field == 1 ? kSavedObject : -1;
  }
  size_t Keep(int type, uint32_t field) const override {
    if (type != kSavedObject) return 0;
    if (field == 3 || field == 4) return limits::kMaxKeptProtoName;
    return field == 5 ? static_cast<size_t>(limits::kMaxConfigBytes) : 0;
  }
  void End(Frame& f, Frame* /*parent*/) override {
    if (f.type != kSavedObject || f.str[5].empty()) return;
    nlohmann::json j = keras::Parse(f.str[5]);
    if (j.is_discarded()) {
      out_.anomalies.push_back(
          Anomaly::Defect("keras.config-json",
                          "metadata of node '" + f.str[3] + "' is not well-formed JSON", f.begin)
              .Incomplete());
      return;
    }
    keras::Analyze(j, keras::Flavor::kKeras2, "keras_metadata.pb node '" + f.str[3] + "'", out_);
  }

 private:
  ReadOutput& out_;
};

// SavedModel{1: schema version, 2: meta_graphs}. TensorFlow's parser keeps unknown fields, so
// they do not disqualify; an ONNX graph field (7) is claimed by the ONNX sniffer first.
bool LooksLikeSavedModel(Source& src) {
  // Past limits::kMaxSniffProtoFields fields the prefix decides (the reader reports the limit).
  bool capped = false;
  auto top = protowire::TopLevel(src, 0, src.size(), limits::kMaxSniffProtoFields, &capped);
  if (!top.ok() || top->empty()) return false;
  bool meta = false;
  for (const auto& t : *top) {
    if (t.field == 1 && t.wire != protowire::kVarint) return false;
    if (t.field == 2) {
      if (t.wire != protowire::kLen) return false;
      meta = true;
    }
  }
  return meta;
}

bool LooksLikeKerasMetadata(Source& src) {
  auto top = protowire::TopLevel(src, 0, src.size(), limits::kMaxSniffProtoFields);
  if (!top.ok() || top->empty()) return false;
  for (const auto& t : *top) {
    if (t.field == 1 && t.wire != protowire::kLen) return false;
  }
  if ((*top)[0].field != 1) return false;
  // The first node must look like a SavedObject with a metadata string.
  const auto& n = (*top)[0];
  auto inner = protowire::TopLevel(src, n.offset, n.offset + n.value, 64);
  if (!inner.ok()) return false;
  bool metadata = false;
  for (const auto& t : *inner) {
    if (t.field == 2 && t.wire == protowire::kVarint) continue;
    if (t.field >= 3 && t.field <= 6 && t.wire == protowire::kLen) {
      metadata |= t.field == 5;
      continue;
    }
    return false;
  }
  return metadata;
}

}  // namespace

bool Sniff(Source& src, ByteSpan head, bool /*signature*/) {
  if (head.size() < 2) return false;
  if (head[0] == 0x08 || head[0] == 0x12) {
    if (LooksLikeSavedModel(src)) return true;
  }
  return head[0] == 0x0a && LooksLikeKerasMetadata(src);
}

Result<ReadOutput> Read(const SourcePtr& src, ReadContext& /*ctx*/) {
  if (src->size() > limits::kMaxProtoBytes) {
    return MakeError(Errc::kLimit, "protobuf larger than limits::kMaxProtoBytes", 0);
  }
  ReadOutput out;
  Status s = OkStatus();
  if (LooksLikeSavedModel(*src)) {
    out.format = "savedmodel";
    out.loader = "tf.saved_model.load";
    Graph g(out);
    s = protowire::Walk(*src, 0, src->size(), kSavedModel, g);
    g.Finish();
    if (g.top_fields > limits::kMaxSniffProtoFields) {
      out.complete = false;
      out.anomalies.push_back(
          Anomaly::Defect("limit.fields",
                          std::to_string(g.top_fields) +
                              " top-level fields, more than limits::kMaxSniffProtoFields: the "
                              "file was recognised as a SavedModel by the fields before the limit",
                          0)
              .Incomplete());
    }
  } else {
    out.format = "keras-metadata";
    out.loader = "tf-keras load_model (SavedModel format)";
    KerasMetadata k(out);
    s = protowire::Walk(*src, 0, src->size(), kMetadata, k);
  }
  if (!s.ok()) {
    if (out.observations.empty()) return s.error();
    out.complete = false;
    out.anomalies.push_back(
        Anomaly::Defect(std::string("savedmodel.") + ErrcName(ReadErrcClass(s.error().code)),
                        out.format + ": " + s.error().message, s.error().offset)
            .Incomplete());
  }
  return out;
}

}  // namespace mv::formats::savedmodel
