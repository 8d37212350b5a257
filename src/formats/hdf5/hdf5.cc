#include "formats/hdf5/hdf5.h"

#include <hdf5.h>
#include <hdf5_hl.h>

#include <mutex>

#include "core/limits.h"
#include "formats/json/keras_config.h"

namespace mv::formats::hdf5 {

namespace {

constexpr uint8_t kSig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

// libhdf5 (serial build) is not thread-safe; every call goes through this lock.
std::mutex& Lock() {
  static std::mutex m;
  return m;
}

// Closes an HDF5 handle with the matching close function.
struct Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  ~Handle() {
    if (id >= 0) close(id);
  }
};

// A string attribute of the root group; nullopt when absent or not a string.
Result<std::optional<std::string>> StringAttr(hid_t file, const char* name) {
  if (H5Aexists(file, name) <= 0) return std::optional<std::string>();
  Handle a{H5Aopen(file, name, H5P_DEFAULT), H5Aclose};
  if (a.id < 0) return MakeError(Errc::kMalformed, std::string("cannot open attribute ") + name);
  Handle t{H5Aget_type(a.id), H5Tclose};
  Handle sp{H5Aget_space(a.id), H5Sclose};
  if (t.id < 0 || sp.id < 0 || H5Tget_class(t.id) != H5T_STRING ||
      H5Sget_simple_extent_npoints(sp.id) != 1) {
    return std::optional<std::string>();
  }
  if (H5Tis_variable_str(t.id) > 0) {
    Handle mt{H5Tcopy(H5T_C_S1), H5Tclose};
    H5Tset_size(mt.id, H5T_VARIABLE);
    H5Tset_cset(mt.id, H5Tget_cset(t.id));
    char* p = nullptr;
    if (H5Aread(a.id, mt.id, &p) < 0) {
      return MakeError(Errc::kMalformed, std::string("cannot read attribute ") + name);
    }
    std::string s = p ? std::string(p) : std::string();
    if (p) H5free_memory(p);
    if (s.size() > limits::kMaxConfigBytes) {
      return MakeError(Errc::kLimit, std::string("attribute ") + name + " too large");
    }
    return std::optional<std::string>(std::move(s));
  }
  size_t n = H5Tget_size(t.id);
  if (n == 0 || n > limits::kMaxConfigBytes) {
    return MakeError(Errc::kLimit, std::string("attribute ") + name + " too large");
  }
  std::string s(n, '\0');
  if (H5Aread(a.id, t.id, s.data()) < 0) {
    return MakeError(Errc::kMalformed, std::string("cannot read attribute ") + name);
  }
  s.resize(std::strlen(s.c_str()));
  return std::optional<std::string>(std::move(s));
}

}  // namespace

bool Sniff(Source& src, ByteSpan head) {
  // The superblock signature sits at 0 or after a user block of 512 * 2^k bytes.
  for (uint64_t off = 0; off <= 8192 && off + 8 <= src.size(); off = off ? off * 2 : 512) {
    ByteSpan b = head;
    if (off + 8 > head.size()) {
      auto r = src.Read(off, 8);
      if (!r.ok() || r->size() < 8) return false;
      b = *r;
    } else {
      b = head.subspan(off, 8);
    }
    if (std::equal(kSig, kSig + 8, b.begin())) return true;
  }
  return false;
}

Result<ReadOutput> Read(const SourcePtr& src, ReadContext& /*ctx*/) {
  if (src->size() > limits::kMaxHdf5Bytes) {
    return MakeError(Errc::kLimit, "HDF5 file larger than limits::kMaxHdf5Bytes", 0);
  }
  // The whole file goes to libhdf5 as an image. A mapped file or stored member is handed over
  // without a copy (the span is stable); libhdf5 only reads it.
  Cursor cur(*src);
  MV_ASSIGN_OR_RETURN(ByteSpan all, cur.Take(static_cast<size_t>(src->size())));
  std::vector<uint8_t> copy;
  void* image = const_cast<uint8_t*>(all.data());
  if (!src->stable()) {
    copy.assign(all.begin(), all.end());
    image = copy.data();
  }
  ReadOutput out;
  out.format = "hdf5";
  std::optional<std::string> model, training, version;
  {
    std::lock_guard<std::mutex> lock(Lock());
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // the library never prints
    Handle f{H5LTopen_file_image(image, all.size(),
                                 H5LT_FILE_IMAGE_DONT_COPY | H5LT_FILE_IMAGE_DONT_RELEASE),
             H5Fclose};
    if (f.id < 0) return MakeError(Errc::kMalformed, "libhdf5 cannot open the file", 0);
    MV_ASSIGN_OR_RETURN(model, StringAttr(f.id, "model_config"));
    MV_ASSIGN_OR_RETURN(training, StringAttr(f.id, "training_config"));
    MV_ASSIGN_OR_RETURN(version, StringAttr(f.id, "keras_version"));
  }
  if (!model && !training) return out;  // plain HDF5 or weights only: data, no code
  out.format = "keras-h5";
  out.loader = "keras.models.load_model";
  keras::Flavor flavor = keras::Flavor::kKeras2;
  std::string where_suffix =
      version ? " (keras_version " + version->substr(0, 20) + ")" : " (keras_version missing)";
  for (const auto& [name, text] :
       {std::pair{"model_config", &model}, std::pair{"training_config", &training}}) {
    if (!*text) continue;
    nlohmann::json j = keras::Parse(**text);
    if (j.is_discarded()) {
      out.anomalies.push_back({"keras.config-json",
                               std::string(name) + " attribute is not well-formed JSON", 0, "",
                               true});
      out.complete = false;
      continue;
    }
    keras::Analyze(j, flavor, std::string(name) + where_suffix, out);
  }
  return out;
}

}  // namespace mv::formats::hdf5
