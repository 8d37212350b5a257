#include "formats/savedmodel/savedmodel.h"

#include <map>

#include "core/limits.h"
#include "formats/json/keras_config.h"
#include "formats/protowire/protowire.h"

namespace mv::formats::savedmodel {

namespace {

using protowire::Frame;

// tensorflow/core/protobuf/saved_model.proto, meta_graph.proto, framework/graph.proto,
// function.proto, node_def.proto, op_def.proto (field numbers).
enum Msg : int { kSavedModel, kMetaGraph, kGraph, kLibrary, kFunction, kOpDef, kNode };
constexpr uint32_t kFnName = 1000;  // pseudo-field: the enclosing function's name

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
      default: return -1;
    }
  }
  size_t Keep(int type, uint32_t field) const override {
    if (type == kNode && (field == 1 || field == 2)) return 256;
    if (type == kOpDef && field == 1) return 256;
    return 0;
  }
  void End(Frame& f, Frame* parent) override {
    if (f.type == kOpDef && parent && parent->type == kFunction) {
      parent->str[kFnName] = f.str[1];
    } else if (f.type == kNode) {
      ++nodes;
      std::string fn = parent && parent->type == kFunction ? parent->str[kFnName] : "";
      Node(f.str[2], f.str[1], fn, f.begin);
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
    if (++counts_[op] > 1 || index_.size() >= limits::kMaxObservationsPerPayload) return;
    Observation o;
    o.kind = "tf.op";
    o.subject = op;
    o.evidence =
        "node '" + name + "' " + (fn.empty() ? "in the graph" : "in function '" + fn + "'");
    o.offset = at;
    o.executes = false;  // runs when its function or signature is called
    o.loader = "tf.saved_model.load / keras load_model (when the function runs)";
    index_[op] = out_.observations.size();
    out_.observations.push_back(std::move(o));
  }

  ReadOutput& out_;
  std::map<std::string, uint64_t> counts_;
  std::map<std::string, size_t> index_;
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
      out_.anomalies.push_back({"keras.config-json",
                                "metadata of node '" + f.str[3] + "' is not well-formed JSON",
                                f.begin, "", true});
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
    out.anomalies.push_back({std::string("savedmodel.") + ErrcName(s.error().code),
                             out.format + ": " + s.error().message, s.error().offset, "", true});
  }
  return out;
}

}  // namespace mv::formats::savedmodel
