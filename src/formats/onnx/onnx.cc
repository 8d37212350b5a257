#include "formats/onnx/onnx.h"

#include <set>
#include <vector>

#include "core/limits.h"
#include "formats/common/protowire/protowire.h"

namespace mv::formats::onnx {

namespace {

using protowire::Frame;

// Message types of the onnx.proto subset walked (field numbers from onnx/onnx.proto3).
enum Msg : int {
  kModel,
  kGraph,
  kNode,
  kAttr,
  kTensor,
  kEntry,
  kOpset,
  kFunction,
  kSparse,
  kTraining
};

constexpr const char* kLoader = "onnx.load / onnxruntime.InferenceSession";

bool StandardDomain(const std::string& d) {
  static const std::set<std::string> kDomains = {"",
                                                 "ai.onnx",
                                                 "ai.onnx.ml",
                                                 "ai.onnx.preview.training",
                                                 "ai.onnx.training",
                                                 "com.microsoft",
                                                 "com.microsoft.nchwc",
                                                 "com.microsoft.experimental",
                                                 "com.microsoft.dml",
                                                 "org.pytorch.aten",
                                                 "com.ms.internal.nhwc"};
  return kDomains.count(d) > 0;
}

uint64_t ElemBytes(uint64_t dtype) {
  switch (dtype) {
    case 2:
    case 3:
    case 9:
    case 17:
    case 18:
    case 19:
    case 20: return 1;
    case 4:
    case 5:
    case 10:
    case 16: return 2;
    case 1:
    case 6:
    case 12: return 4;
    case 7:
    case 11:
    case 13:
    case 14: return 8;
    case 15: return 16;
    default: return 0;  // strings, 4-bit types: not checked
  }
}

class Model : public protowire::Schema {
 public:
  explicit Model(ReadOutput& out) : out_(out) {}

  int Child(int type, uint32_t field) const override {
    switch (type) {
      case kModel:
        return field == 7    ? kGraph
               : field == 8  ? kOpset
               : field == 25 ? kFunction
               : field == 20 ? kTraining
                             : -1;
      case kTraining: return field == 1 || field == 3 ? kGraph : -1;
      case kGraph: return field == 1 ? kNode : field == 5 ? kTensor : field == 15 ? kSparse : -1;
      case kNode: return field == 5 ? kAttr : -1;
      case kAttr:
        return field == 5 || field == 10   ? kTensor
               : field == 6 || field == 11 ? kGraph
               : field == 22               ? kSparse
                                           : -1;
      case kTensor: return field == 13 ? kEntry : -1;
      case kSparse: return field == 1 || field == 2 ? kTensor : -1;
      case kFunction: return field == 7 ? kNode : field == 9 ? kOpset : -1;
      default: return -1;
    }
  }
  size_t Keep(int type, uint32_t field) const override {
    if (type == kNode && (field == 3 || field == 4 || field == 7)) return limits::kMaxKeptProtoName;
    if (type == kTensor && field == 8) return limits::kMaxKeptProtoName;
    if (type == kEntry && (field == 1 || field == 2)) return limits::kMaxKeptProtoPath;
    if (type == kFunction && (field == 1 || field == 10)) return limits::kMaxKeptProtoName;
    return 0;
  }
  bool Packed(int type, uint32_t field) const override { return type == kTensor && field == 1; }

  void End(Frame& f, Frame* parent) override {
    switch (f.type) {
      case kEntry:
        if (parent) parent->entries.emplace_back(f.str[1], f.str[2]);
        if (!f.cut.empty()) {
          Limit("external-data entry '" + f.str[1].substr(0, 80) +
                    "' is longer than the reader keeps; the path it names was not judged",
                f.begin);
        }
        break;
      case kTensor: Tensor(f); break;
      case kNode:
        if (!f.cut.empty()) {
          // A cut op type or domain cannot be told from another (a local function's name, a
          // standard domain) that shares its first bytes.
          Limit("node '" + f.str[3].substr(0, 80) +
                    "': a name, op type or domain is longer than the reader keeps; the operator "
                    "was judged by its prefix",
                f.begin);
        }
        Node(f);
        break;
      case kFunction:
        if (!f.cut.empty()) {
          Limit("local function '" + f.str[1].substr(0, 80) +
                    "': its name or domain is longer than the reader keeps; the operators it "
                    "defines were judged by their prefix",
                f.begin);
        }
        local_.insert(f.str[10] + "\n" + f.str[1]);
        break;
      case kModel:
        root_ = f;
        CustomOps();
        break;
      default: break;
    }
  }

  const Frame& root() const { return root_; }
  uint64_t nodes = 0, tensors = 0;

 private:
  void Tensor(Frame& f) {
    ++tensors;
    std::string name = f.str[8];
    std::string location;
    uint64_t ext_len = UINT64_MAX;
    for (const auto& [k, v] : f.entries) {
      if (k == "location") location = v;
      if (k == "length") ext_len = std::strtoull(v.c_str(), nullptr, 10);
    }
    bool external = f.num.count(14) && f.num[14] == 1;
    if (external && location.empty()) {
      Anomaly("onnx.external-data", "tensor '" + name + "' is external but names no location",
              f.begin);
    }
    if (!location.empty() && locations_.insert(location).second) {
      // Every file the loader reads, once per location; policy judges where it is.
      Observation o;
      o.kind = "file-read";
      o.subject = location;
      o.evidence = "tensor '" + name + "' external_data location '" + location + "'";
      o.offset = f.begin;
      o.executes = true;  // onnx.load reads the file into the tensor (and re-saving writes it)
      o.loader =
          "onnx.load (load_external_data=True) / onnxruntime, relative to the model's folder";
      AddObservation(out_, std::move(o));
    }
    // Sizes: raw_data (or the external length) against dims x element size.
    uint64_t elem = ElemBytes(f.num.count(2) ? f.num[2] : 0);
    if (elem == 0 || f.packed.size() >= 64) return;
    uint64_t numel = 1;
    for (uint64_t d : f.packed) {
      if (d != 0 && numel > UINT64_MAX / d / elem) return;
      numel *= d;
    }
    uint64_t want = numel * elem;
    uint64_t have = f.len.count(9) ? f.len[9] : external ? ext_len : UINT64_MAX;
    if (have != UINT64_MAX && have != want) {
      Anomaly("onnx.tensor-size",
              "tensor '" + name + "' holds " + std::to_string(have) +
                  " bytes but its shape needs " + std::to_string(want),
              f.begin);
    }
  }

  void Node(Frame& f) {
    ++nodes;
    const std::string& domain = f.str[7];
    if (StandardDomain(domain)) return;
    std::string key = domain + "\n" + f.str[4];
    if (!seen_.insert(key).second) return;
    Observation o;
    o.kind = "onnx.custom-domain";
    o.subject = domain;
    o.evidence = "node '" + f.str[3] + "' op '" + f.str[4] + "' in domain '" + domain + "'";
    o.offset = f.begin;
    o.executes = false;  // the operator's code comes from the host, not from the file
    o.loader = "onnxruntime (custom op library registered by the host)";
    pending_.emplace_back(key, std::move(o));
  }

  // Known once the whole model is read (functions may follow the graph): an operator that a
  // local function of the model defines (FunctionProto domain + name) runs that function's
  // nodes, which are judged themselves; it needs no library from the host.
  void CustomOps() {
    for (auto& [key, o] : pending_) {
      if (local_.count(key) == 0) AddObservation(out_, std::move(o));
    }
    pending_.clear();
  }

  void Limit(const std::string& msg, uint64_t off) {
    out_.complete = false;
    if (out_.anomalies.size() < limits::kMaxObservationsPerPayload) {
      out_.anomalies.push_back(Anomaly::Defect("limit.string", msg, off).Incomplete());
    }
  }

  void Anomaly(const std::string& code, const std::string& msg, uint64_t off) {
    if (out_.anomalies.size() < limits::kMaxObservationsPerPayload) {
      out_.anomalies.push_back(Anomaly::Defect(code, msg, off));
    }
  }

  ReadOutput& out_;
  Frame root_;
  std::set<std::string> seen_;
  std::set<std::string> locations_;
  std::set<std::string> local_;  // "domain\nname" of the model's local functions
  std::vector<std::pair<std::string, Observation>> pending_;
};

}  // namespace

bool Sniff(Source& src, ByteSpan head, bool /*signature*/) {
  // onnx.load parses any well-formed ModelProto: fields in any order, unknown fields and
  // groups kept, ir_version optional (onnxruntime wants it, onnx.load does not). So: the whole
  // file is well-formed protobuf with a graph (7, length-delimited), ir_version (1) if present
  // a small varint, and none of SavedModel's shape (1 varint + 2 length-delimited only).
  // Submessages are skipped by length, so this reads a few bytes per top-level field.
  // Past limits::kMaxSniffProtoFields fields (onnx.load accepts any number of metadata_props),
  // the prefix read decides: a graph, or only ModelProto fields with their wire types and one
  // that a SavedModel does not have. The reader then reports the limit.
  if (head.empty()) return false;
  bool capped = false;
  auto top = protowire::TopLevel(src, 0, src.size(), limits::kMaxSniffProtoFields, &capped);
  if (!top.ok()) return false;
  bool graph = false, model_shaped = true, onnx_only = false;
  for (const auto& t : *top) {
    if (t.field == 1 && (t.wire != protowire::kVarint || t.value == 0 || t.value > 64)) {
      return false;
    }
    if (t.field == 7 && t.wire == protowire::kLen) graph = true;
    bool varint = t.field == 1 || t.field == 5;
    bool len = (t.field >= 2 && t.field <= 4) || (t.field >= 6 && t.field <= 8) || t.field == 14 ||
               t.field == 20 || t.field == 25 || t.field == 26;
    if (!(varint && t.wire == protowire::kVarint) && !(len && t.wire == protowire::kLen)) {
      model_shaped = false;
    }
    onnx_only |= t.field > 2;
  }
  return graph || (capped && model_shaped && onnx_only);
}

Result<ReadOutput> Read(const SourcePtr& src, ReadContext& /*ctx*/) {
  ReadOutput out;
  out.format = "onnx";
  out.loader = kLoader;
  Model m(out);
  Status s = protowire::Walk(*src, 0, src->size(), kModel, m);
  uint64_t fields = 0;
  for (const auto& [field, n] : m.root().count) fields += n;
  if (fields > limits::kMaxSniffProtoFields) {
    out.complete = false;
    out.anomalies.push_back(
        Anomaly::Defect("limit.fields",
                        std::to_string(fields) +
                            " top-level fields, more than limits::kMaxSniffProtoFields: the file "
                            "was recognised as ONNX by the fields before the limit",
                        0)
            .Incomplete());
  }
  if (s.ok() && m.root().count.count(7) == 0) {
    out.anomalies.push_back(Anomaly::Defect("onnx.no-graph", "ModelProto has no graph", 0));
  }
  if (!s.ok()) {
    if (out.observations.empty()) return s.error();
    out.complete = false;
    out.anomalies.push_back(
        Anomaly::Defect(std::string("onnx.") + ErrcName(ReadErrcClass(s.error().code)),
                        "onnx: " + s.error().message, s.error().offset)
            .Incomplete());
  }
  return out;
}

}  // namespace mv::formats::onnx
