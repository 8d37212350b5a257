// The real loaders a sandboxed run can use, and how one is chosen from the static scan's
// description of a file (its outermost format and the loader that reaches its payload).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mv::reproduce {

enum class Loader : uint8_t {
  kTorch,   // torch.load(path, map_location="cpu", weights_only=False)
  kPickle,  // pickle.load(open(path, "rb"))
  kJoblib,  // joblib.load(path)
  kNumpy,   // numpy.load(path, allow_pickle=True), each npz member read
  kKeras,   // keras.saving.load_model(path) (keras is not packaged for Debian 12)
};

const char* LoaderName(Loader l);  // "torch", "pickle", "joblib", "numpy", "keras"
std::optional<Loader> ParseLoader(std::string_view name);
// The Python module the harness imports for the loader ("torch", "numpy", …).
const char* LoaderModule(Loader l);

// How to make the loader available to /usr/bin/python3 ("install python3-torch").
const char* LoaderInstallHint(Loader l);

// The loader a user would use for a file the static scan describes with `format` (e.g.
// "pytorch-zip", "gzip+pickle") and `loader_hint` (e.g. "torch.load",
// "np.load(allow_pickle=True)"). nullopt when no reproducible loader applies (safetensors, GGUF,
// ONNX, raw data, …).
std::optional<Loader> LoaderForStatic(std::string_view format, std::string_view loader_hint);

// A plain pickle that stores arrays the way joblib does (its NumpyArrayWrapper follows the
// pickle with raw array bytes, which pickle.load cannot read) is loaded with joblib. `head` is
// the start of the file (the wrapper's module name appears in the first pickle frame).
Loader RefineByContent(Loader chosen, std::string_view head);

}  // namespace mv::reproduce
