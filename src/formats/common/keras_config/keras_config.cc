#include "formats/common/keras_config/keras_config.h"

#include "core/limits.h"
#include "formats/common/pycode/pycode.h"

namespace mv::formats::keras {

namespace {

using nlohmann::json;

const char* LambdaLoader(Flavor f) {
  return f == Flavor::kKeras2
             ? "tf-keras/keras<2.13 load_model (no safe_mode); keras 3.0-3.11.2 legacy .h5 "
               "loading ignores safe_mode"
             : "keras.saving.load_model(safe_mode=False) or after "
               "keras.config.enable_unsafe_deserialization()";
}
const char* ModuleLoader(Flavor f) {
  return f == Flavor::kKeras2 ? "tf-keras/keras<3 load_model (Lambda function_type=function)"
                              : "keras<3.9 load_model imports any module (CVE-2025-1550); "
                                "keras>=3.9 allows keras.* functions only";
}

bool KerasModule(const std::string& m) {
  for (const char* p : {"keras", "tf_keras", "tensorflow", "keras_hub", "keras_nlp", "keras_cv"}) {
    size_t n = std::char_traits<char>::length(p);
    if (m.compare(0, n, p) == 0 && (m.size() == n || m[n] == '.')) return true;
  }
  return false;
}

std::string Str(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string Cut(std::string s, size_t n = 240) {
  if (s.size() > n) s = s.substr(0, n) + "…";
  return s;
}

class Walker {
 public:
  Walker(Flavor f, const std::string& where, ReadOutput& out) : f_(f), where_(where), out_(out) {}

  void Run(const json& root) {
    std::vector<std::pair<const json*, std::string>> stack;  // (node, enclosing layer name)
    stack.push_back({&root, ""});
    while (!stack.empty()) {
      auto [j, layer] = stack.back();
      stack.pop_back();
      if (j->is_object()) {
        auto cfg = j->find("config");
        std::string name = cfg != j->end() ? Str(*cfg, "name") : std::string();
        if (!name.empty()) layer = name;
        Object(*j, layer);
        for (auto it = j->begin(); it != j->end(); ++it) {
          if (it->is_structured()) stack.push_back({&*it, layer});
        }
      } else if (j->is_array()) {
        for (const auto& v : *j) {
          if (v.is_structured()) stack.push_back({&v, layer});
        }
      }
    }
  }

 private:
  void Object(const json& j, const std::string& layer) {
    std::string cls = Str(j, "class_name");
    if (cls.empty()) return;
    auto it = j.find("config");
    const json& cfg = it != j.end() ? *it : empty_;
    if (cls == "__lambda__") {
      // Keras 3: {"code": b64, ...} or generic {"value": [b64, defaults, closure]}.
      std::string code = Str(cfg, "code");
      if (code.empty() && cfg.is_object() && cfg.contains("value") && cfg["value"].is_array() &&
          !cfg["value"].empty() && cfg["value"][0].is_string()) {
        code = cfg["value"][0].get<std::string>();
      }
      Lambda(code, layer);
      return;
    }
    // Every field that carries a function, not only Lambda's `function`: tf-keras/Keras 2 store
    // each as `X` with `X_type` ("lambda": marshalled code run through func_load; "function":
    // a name looked up in `X_module`, `module` for `function`) — Lambda's function,
    // output_shape and mask, Keras 1 Merge's mode and output_shape, and any layer built the
    // same way.
    if (cfg.is_object()) {
      for (auto it = cfg.begin(); it != cfg.end(); ++it) {
        const std::string& tkey = it.key();
        if (tkey.size() <= 5 || tkey.compare(tkey.size() - 5, 5, "_type") != 0 ||
            !it->is_string()) {
          continue;
        }
        std::string field = tkey.substr(0, tkey.size() - 5);
        std::string type = it->get<std::string>();
        auto f = cfg.find(field);
        if (f == cfg.end()) continue;
        const json& fn = *f;
        std::string what = field == "function" ? std::string("Lambda") : "'" + field + "' of";
        if (type == "lambda") {
          if (fn.is_array() && !fn.empty() && fn[0].is_string()) {
            Lambda(fn[0].get<std::string>(), layer, field);  // func_dump: [code, defaults, closure]
          } else if (fn.is_string()) {
            Lambda(fn.get<std::string>(), layer, field);  // very old Keras: the code string alone
          }
        } else if (type == "function" && fn.is_string()) {
          std::string mod = Str(cfg, field == "function" ? "module" : (field + "_module").c_str());
          ModuleRef(
              (mod.empty() ? std::string("__main__") : mod) + "." + fn.get<std::string>(), layer,
              what + " function '" + fn.get<std::string>() + "' from module '" + mod + "'", true);
        }
      }
      // A func_dump array without its type key (the loader needs the key; kept for safety).
      if (cls == "Lambda" && cfg.contains("function") && !cfg.contains("function_type")) {
        const json& fn = cfg["function"];
        if (fn.is_array() && !fn.empty() && fn[0].is_string()) {
          Lambda(fn[0].get<std::string>(), layer, "function");
        }
      }
    }
    // Layer arguments the constructor opens as files when from_config rebuilds the layer:
    // IndexLookup's `vocabulary` (StringLookup, IntegerLookup, TextVectorization),
    // keras_nlp/keras_hub tokenizers' `vocabulary`, `merges`, `proto`, TFSMLayer's `filepath`.
    // A string there is a path (a vocabulary given inline is a list), read through
    // tf.io.gfile relative to the working directory (or a gs://, s3:// … URL).
    if (cfg.is_object()) {
      for (const char* key :
           {"vocabulary", "merges", "proto", "vocabulary_file", "vocab_file", "filepath"}) {
        std::string path = Str(cfg, key);
        if (path.empty()) continue;
        Observation o;
        o.kind = "file-read";
        o.subject = path;
        o.evidence =
            where_ + ": layer '" + layer + "' (" + cls + ") " + key + " = '" + Cut(path, 200) + "'";
        o.executes = true;  // read while the layer is built, inside load_model
        o.cwd_relative = true;
        o.loader = "keras load_model (" + cls + " reads it when the layer is rebuilt)";
        Push(std::move(o));
      }
    }
    std::string mod = Str(j, "module");
    if (mod.empty()) return;
    if (cls == "function" && cfg.is_string()) {
      // A function reference: Keras returns vars(module)[name] and the layer calls it.
      ModuleRef(mod + "." + cfg.get<std::string>(), layer,
                "function reference " + Cut(j.dump(), 200), true);
    } else if (!KerasModule(mod)) {
      ModuleRef(mod + "." + cls, layer, "class from module outside keras: " + Cut(j.dump(), 200),
                true);
    } else if (cls == "TorchModuleWrapper") {
      ModuleRef(mod + "." + cls, layer,
                "TorchModuleWrapper: from_config torch.load()s bytes from the config "
                "(CVE-2025-49655, keras 3.11.0-3.11.2)",
                true);
      // The bytes it loads (base64 in config.module) are a payload of their own.
      std::string b64 = Str(cfg, "module");
      if (auto bytes = pycode::DecodeBase64(b64); bytes.ok() && !bytes->empty()) {
        out_.members.push_back(
            {"layer '" + layer + "' module (base64)", MakeMemorySource(std::move(*bytes)), 0,
             Hint::kSniff, "torch.load(weights_only=False) in TorchModuleWrapper.from_config"});
      }
    }
  }

  // One keras.lambda (subject: the layer name) plus one python.code-name per name the code
  // uses ("os.system", "builtins.exec"; an attribute of a computed value gives its bare name).
  void Lambda(const std::string& b64, const std::string& layer,
              const std::string& field = "function") {
    std::string head = where_ + ": Lambda layer '" + layer + "'" +
                       (field == "function" ? std::string() : " (" + field + ")") + ": ";
    auto bytes = pycode::DecodeBase64(b64);
    Result<pycode::CodeSummary> s =
        bytes.ok() ? pycode::Analyze(*bytes) : Result<pycode::CodeSummary>(bytes.error());
    if (!s.ok()) {
      Emit("keras.lambda", layer,
           head + "marshalled code could not be decoded (" + s.error().message + ")");
      // A marshal limit (objects, nesting) is named as one; other failures are undecodable.
      out_.anomalies.push_back(Anomaly::Defect(s.error().code == Errc::kLimit
                                                   ? "limit.marshal"
                                                   : "keras.lambda-undecodable",
                                               head + "code not decoded: " + s.error().message, 0)
                                   .Incomplete());
      return;
    }
    std::string ev = head + pycode::Describe(*s);
    Emit("keras.lambda", layer, ev);
    if (s->cut) {
      out_.anomalies.push_back(
          Anomaly::Defect("limit.string",
                          head + "bytecode longer than limits::kMaxKeptString: analysed in "
                                 "part (every name it may use is judged)",
                          0)
              .Incomplete());
      out_.complete = false;
    }
    for (const auto& r : s->refs) {
      Emit("python.code-name", r.rfind("*.", 0) == 0 ? r.substr(2) : r, ev);
    }
  }

  void ModuleRef(const std::string& subject, const std::string& layer, const std::string& what,
                 bool executes) {
    Observation o;
    o.kind = "keras.module-ref";
    o.subject = subject;
    o.evidence = where_ + ": layer '" + layer + "': " + what;
    o.executes = executes;
    o.loader = ModuleLoader(f_);
    Push(std::move(o));
  }

  void Emit(const std::string& kind, const std::string& subject, const std::string& evidence) {
    Observation o;
    o.kind = kind;
    o.subject = subject;
    o.evidence = evidence;
    o.executes = true;  // model reconstruction calls the layer on symbolic inputs
    o.loader = LambdaLoader(f_);
    Push(std::move(o));
  }

  void Push(Observation o) { AddObservation(out_, std::move(o)); }

  Flavor f_;
  std::string where_;
  ReadOutput& out_;
  const json empty_;
};

}  // namespace

bool LooksLikeConfig(const nlohmann::json& j) {
  return j.is_object() && j.contains("class_name") && j["class_name"].is_string() &&
         j.contains("config");
}

void Analyze(const nlohmann::json& root, Flavor flavor, const std::string& where, ReadOutput& out) {
  Walker(flavor, where, out).Run(root);
}

nlohmann::json Parse(std::string_view text) {
  bool too_deep = false;
  auto cb = [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > limits::kMaxJsonDepth) too_deep = true;
    return !too_deep;
  };
  nlohmann::json j = nlohmann::json::parse(text, cb, /*allow_exceptions=*/false);
  if (too_deep) return nlohmann::json(nlohmann::json::value_t::discarded);
  return j;
}

}  // namespace mv::formats::keras
