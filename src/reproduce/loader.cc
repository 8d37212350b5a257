#include "reproduce/loader.h"

#include <array>

namespace mv::reproduce {

namespace {

struct Entry {
  Loader loader;
  const char* name;
  const char* module;
};
constexpr std::array<Entry, 5> kLoaders = {{
    {Loader::kTorch, "torch", "torch"},
    {Loader::kPickle, "pickle", "pickle"},
    {Loader::kJoblib, "joblib", "joblib"},
    {Loader::kNumpy, "numpy", "numpy"},
    {Loader::kKeras, "keras", "keras"},
}};

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}
bool Contains(std::string_view s, std::string_view p) {
  return s.find(p) != std::string_view::npos;
}

}  // namespace

const char* LoaderName(Loader l) {
  for (const auto& e : kLoaders)
    if (e.loader == l) return e.name;
  return "unknown";
}

const char* LoaderModule(Loader l) {
  for (const auto& e : kLoaders)
    if (e.loader == l) return e.module;
  return "unknown";
}

const char* LoaderInstallHint(Loader l) {
  switch (l) {
    case Loader::kTorch: return "install the Debian package python3-torch";
    case Loader::kNumpy: return "install the Debian package python3-numpy";
    case Loader::kJoblib: return "install the Debian package python3-joblib";
    case Loader::kPickle: return "pickle is part of python3";
    case Loader::kKeras:
      return "keras is not packaged for Debian 12: Keras files cannot be reproduced until keras "
             "is installed for /usr/bin/python3";
  }
  return "";
}

std::optional<Loader> ParseLoader(std::string_view name) {
  for (const auto& e : kLoaders)
    if (name == e.name) return e.loader;
  return std::nullopt;
}

std::optional<Loader> LoaderForStatic(std::string_view format, std::string_view loader_hint) {
  // A pickle behind a compression wrapper ("gzip+pickle", "zlib+pickle"): pickle.load cannot
  // read it; joblib.load decompresses every wrapper joblib writes.
  for (std::string_view wrapper : {"gzip+", "bzip2+", "xz+", "lzma+", "lz4+", "zlib+", "zstd+"}) {
    if (StartsWith(format, wrapper) && EndsWith(format, "pickle")) {
      return Loader::kJoblib;
    }
  }
  // The static engine names the call that reaches the payload; that is what a user runs.
  if (StartsWith(loader_hint, "torch.load")) return Loader::kTorch;
  if (StartsWith(loader_hint, "joblib.load")) return Loader::kJoblib;
  if (StartsWith(loader_hint, "np.load")) return Loader::kNumpy;
  if (StartsWith(loader_hint, "pickle.load")) return Loader::kPickle;
  if (StartsWith(loader_hint, "keras") || StartsWith(loader_hint, "tf-keras")) {
    return Loader::kKeras;
  }
  // Otherwise the format decides (a wrapper names what it wraps: "gzip+pickle").
  if (Contains(format, "pytorch") || Contains(format, "torch-legacy")) return Loader::kTorch;
  if (Contains(format, "joblib")) return Loader::kJoblib;
  if (Contains(format, "npy") || Contains(format, "npz")) return Loader::kNumpy;
  if (Contains(format, "keras") || Contains(format, "hdf5")) return Loader::kKeras;
  if (Contains(format, "pickle")) return Loader::kPickle;
  return std::nullopt;
}

Loader RefineByContent(Loader chosen, std::string_view head) {
  if (chosen == Loader::kPickle && Contains(head, "joblib.numpy_pickle")) return Loader::kJoblib;
  return chosen;
}

}  // namespace mv::reproduce
