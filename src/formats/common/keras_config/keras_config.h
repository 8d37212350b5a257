// Keras model configs (Keras 2 `model_config` in .h5, Keras 3 `config.json` in .keras zips,
// `keras_metadata.pb` layer JSON): finds code the loader would run or import — Lambda bytecode,
// `__lambda__` objects, function references, modules outside Keras. Facts only.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "formats/format.h"

namespace mv::formats::keras {

enum class Flavor : uint8_t {
  kKeras2,  // .h5 model_config / keras_metadata.pb (tf-keras, keras<3)
  kKeras3,  // .keras config.json
};

// True for an object with "class_name" and "config" at the root (a serialized Keras object).
bool LooksLikeConfig(const nlohmann::json& j);

// Observations emitted (kind, subject):
//   keras.lambda      — one per Lambda layer with code; subject = the layer name, evidence =
//                       the decoded summary. executes=true.
//   python.code-name  — one per dotted name that code uses ("os.system", "builtins.exec",
//                       "subprocess.run"; an attribute of a computed value gives its bare name,
//                       "__subclasses__"). executes=true.
//   keras.module-ref  — "module.name" of a function reference or of a class from a module
//                       outside keras/tensorflow ("subprocess.run", "keras.utils.get_file",
//                       "os.system" from the Keras 2 function_type=function form,
//                       "keras.layers.TorchModuleWrapper").
// `where` prefixes evidence ("model_config").
void Analyze(const nlohmann::json& root, Flavor flavor, const std::string& where, ReadOutput& out);

// Parses JSON text with the depth limit; discarded (is_discarded()) when malformed or too deep.
nlohmann::json Parse(std::string_view text);

}  // namespace mv::formats::keras
