#include "formats/savedmodel/savedmodel.h"

#include <map>
#include <set>
#include <vector>

#include "core/limits.h"
#include "formats/json/keras_config.h"
#include "formats/protowire/protowire.h"

namespace mv::formats::savedmodel {

namespace {

using protowire::Frame;

// tensorflow/core/protobuf/saved_model.proto, meta_graph.proto, framework/graph.proto,
// function.proto, node_def.proto, op_def.proto, attr_value.proto, tensor.proto (field numbers).
enum Msg : int {
  kSavedModel,
  kMetaGraph,
  kGraph,
  kLibrary,
  kFunction,
  kOpDef,
  kNode,
  kAttrEntry,  // NodeDef.attr map entry {1: key, 2: AttrValue}
  kAttrValue,  // {1: list, 2: s, 8: tensor, …}
  kAttrList,   // AttrValue.ListValue {2: s (repeated)}
  kTensor,     // TensorProto {8: string_val (repeated)}
};
constexpr uint32_t kFnName = 1000;  // pseudo-field: the enclosing function's name
constexpr size_t kKeepPath = 4096;  // attr and constant strings kept (file paths, URLs)

// What TensorFlow's file ops do with which operand, for the ops whose operand is a path (an
// input, resolved when it is a Const in the same graph or function, or a string attr). Facts
// about the ops (tensorflow/core/ops/*.cc); rules/features.toml says what is dangerous.
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

class Graph : public protowire::Schema {
 public:
  explicit Graph(ReadOutput& out) : out_(out) {}

  int Child(int type, uint32_t field) const override {
    switch (type) {
      case kSavedModel: return field == 2 ? kMetaGraph : -1;
      case kMetaGraph: return field == 2 ? kGraph : -1;
      case kGraph: return field == 1 ? kNode : field == 2 ? kLibrary : -1;
      case kLibrary: return field == 1 ? kFunction : -1;
      case kFunction: return field == 1 ? kOpDef : field == 3 ? kNode : -1;
      case kNode: return field == 5 ? kAttrEntry : -1;
      case kAttrEntry: return field == 2 ? kAttrValue : -1;
      case kAttrValue: return field == 1 ? kAttrList : field == 8 ? kTensor : -1;
      default: return -1;
    }
  }
  size_t Keep(int type, uint32_t field) const override {
    if (type == kNode && (field == 1 || field == 2)) return 256;
    if (type == kNode && field == 3) return 1024;  // inputs: "name:out:0", "^ctrl"
    if (type == kOpDef && field == 1) return 256;
    if (type == kAttrEntry && field == 1) return 256;
    if ((type == kAttrValue || type == kAttrList) && field == 2) return kKeepPath;
    if (type == kTensor && field == 8) return kKeepPath;
    return 0;
  }
  void End(Frame& f, Frame* parent) override {
    switch (f.type) {
      case kTensor:
      case kAttrList: {
        uint32_t fld = f.type == kTensor ? 8 : 2;
        if (parent) {
          for (const auto& v : f.all[fld]) parent->entries.emplace_back("", v);
          if (f.cut.count(fld)) parent->cut.insert(0);
        }
        return;
      }
      case kAttrValue:
        if (parent) {
          if (f.str.count(2)) parent->entries.emplace_back("", f.str[2]);
          for (auto& e : f.entries) parent->entries.push_back(std::move(e));
          if (!f.cut.empty()) parent->cut.insert(0);
        }
        return;
      case kAttrEntry:
        if (parent) {
          for (const auto& e : f.entries) parent->entries.emplace_back(f.str[1], e.second);
          if (!f.cut.empty()) parent->cut_attrs.insert(f.str[1]);
        }
        return;
      default: break;
    }
    if (f.type == kOpDef && parent && parent->type == kFunction) {
      parent->str[kFnName] = f.str[1];
    } else if (f.type == kNode) {
      ++nodes;
      if (f.cut.count(2)) {
        out_.anomalies.push_back(
            Anomaly::Defect("limit.string",
                            "op name longer than the reader keeps; the op was not judged", f.begin)
                .Incomplete());
        out_.complete = false;
      }
      std::string fn = parent && parent->type == kFunction ? parent->str[kFnName] : "";
      Node(f.str[2], f.str[1], fn, f.begin);
      if (parent) {
        NodeInfo n{f.str[1], f.str[2], f.all[3], std::move(f.entries), f.begin, f.cut_attrs};
        scopes_[parent->begin].push_back(std::move(n));
      }
    } else if (f.type == kFunction || f.type == kGraph) {
      auto it = scopes_.find(f.begin);
      if (it != scopes_.end()) {
        FileOps(it->second, f.type == kFunction ? f.str[kFnName] : "");
        scopes_.erase(it);
      }
    } else if (f.type == kMetaGraph) {
      ++meta_graphs;
    }
  }

  void Finish() {
    for (auto& [op, i] : index_) {
      if (counts_[op] > 1) {
        out_.observations[i].evidence += " (+" + std::to_string(counts_[op] - 1) + " more)";
      }
    }
  }

  uint64_t nodes = 0, meta_graphs = 0;

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

  // File paths the file ops of one graph or function name: constants fed to their path
  // inputs, or their path attributes. Paths computed at run time are not known here; the op
  // itself is judged by its tf.op rule.
  void FileOps(const std::vector<NodeInfo>& nodes, const std::string& fn) {
    std::map<std::string, const NodeInfo*> by_name;
    for (const auto& n : nodes) by_name[n.name] = &n;
    for (const auto& n : nodes) {
      for (const auto& use : kFileUses) {
        if (n.op != use.op) continue;
        std::vector<std::string> paths;
        std::string via;
        if (use.input >= 0) {
          // Data inputs first, control inputs ("^x") last.
          size_t k = static_cast<size_t>(use.input);
          if (k >= n.inputs.size() || n.inputs[k].empty() || n.inputs[k][0] == '^') continue;
          std::string src = n.inputs[k].substr(0, n.inputs[k].find(':'));
          auto c = by_name.find(src);
          if (c == by_name.end() || c->second->op != "Const") continue;
          for (const auto& [key, v] : c->second->attrs) {
            if (key == "value") paths.push_back(v);
          }
          via = "input " + std::to_string(k) + " = Const '" + src + "'";
          if (c->second->cut.count("value")) LongPath(n);
        } else {
          for (const auto& [key, v] : n.attrs) {
            if (key == use.attr) paths.push_back(v);
          }
          via = std::string("attr ") + use.attr;
          if (n.cut.count(use.attr)) LongPath(n);
        }
        for (std::string p : paths) {
          if (n.op == std::string("PrintV2")) {
            if (p.rfind("file://", 0) != 0) continue;  // stderr, stdout, log(info), …
          } else if (std::string(use.attr) == "descriptor_source") {
            if (p.empty() || p == "local://" || p.rfind("bytes://", 0) == 0) continue;
          }
          if (p.empty()) continue;  // CacheDataset(''): in memory
          Observation o;
          o.kind = use.kind;
          o.subject = p;
          o.evidence = "node '" + n.name + "' (" + n.op + ") " +
                       (fn.empty() ? "in the graph" : "in function '" + fn + "'") + ": " + via +
                       " = '" + p.substr(0, 200) + "'";
          o.offset = n.at;
          o.cwd_relative = true;  // TensorFlow resolves relative paths against the process
          o.loader = "tf.saved_model.load / keras load_model (when the function runs)";
          AddObservation(out_, std::move(o));
        }
      }
    }
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
  std::map<uint64_t, std::vector<NodeInfo>> scopes_;  // by the graph/function's offset
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
    if (field == 3 || field == 4) return 1024;
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
  auto top = protowire::TopLevel(src, 0, src.size(), limits::kMaxSniffProtoFields);
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

bool Sniff(Source& src, ByteSpan head) {
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
