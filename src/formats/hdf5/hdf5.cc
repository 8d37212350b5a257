#include "formats/hdf5/hdf5.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>

#include "core/limits.h"
#include "formats/common/keras_config/keras_config.h"

namespace mv::formats::hdf5 {

namespace {

// Closes an HDF5 handle with the matching close function.
struct Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  ~Handle() {
    if (id >= 0) close(id);
  }
};

// A string attribute of the root group; nullopt when absent; kUnsupported when present but not
// a scalar string (Keras cannot read it either: the file is announced but broken).
Result<std::optional<std::string>> StringAttr(hid_t file, const char* name) {
  if (H5Aexists(file, name) <= 0) return std::optional<std::string>();
  Handle a{H5Aopen(file, name, H5P_DEFAULT), H5Aclose};
  if (a.id < 0) return MakeError(Errc::kMalformed, std::string("cannot open attribute ") + name);
  Handle t{H5Aget_type(a.id), H5Tclose};
  Handle sp{H5Aget_space(a.id), H5Sclose};
  if (t.id < 0 || sp.id < 0 || H5Tget_class(t.id) != H5T_STRING ||
      H5Sget_simple_extent_npoints(sp.id) != 1) {
    return MakeError(Errc::kUnsupported, std::string("attribute ") + name + " is not a string");
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
  // libhdf5 can loop for minutes on a corrupt global heap (fuzz/hangs/scan/regress-timeout-*),
  // and a library call cannot be interrupted: the attributes are read in a child process that
  // is killed after limits::kHdf5TimeoutMs. The child sends [tag u8][len u64][bytes] records.
  std::optional<std::string> model, training, version;
  if (!LoadHdf5()) return MakeError(Errc::kIo, "libhdf5 cannot be loaded", 0);
  // One reader at a time: a child forked for another thread's file would inherit this pipe's
  // write end and hold back its end-of-file until that child exits.
  static std::mutex fork_mu;
  std::lock_guard fork_lock(fork_mu);
  int fds[2];
  if (::pipe(fds) != 0) return MakeError(Errc::kIo, "pipe failed", 0);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return MakeError(Errc::kIo, "fork failed", 0);
  }
  if (pid == 0) {
    ::close(fds[0]);
    std::string msg;
    auto put = [&](char tag, const std::string& v) {
      msg += tag;
      uint64_t n = v.size();
      msg.append(reinterpret_cast<const char*>(&n), 8);
      msg += v;
    };
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // the library never prints
    hid_t f = H5LTopen_file_image(image, all.size(),
                                  H5LT_FILE_IMAGE_DONT_COPY | H5LT_FILE_IMAGE_DONT_RELEASE);
    if (f < 0) {
      put('E', "libhdf5 cannot open the file");
    } else {
      for (auto [tag, name] : {std::pair{'m', "model_config"}, std::pair{'t', "training_config"},
                               std::pair{'v', "keras_version"}}) {
        auto r = StringAttr(f, name);
        if (!r.ok() && r.error().code == Errc::kUnsupported) {
          put('N', r.error().message);
          continue;
        }
        if (!r.ok()) {
          put('E', r.error().message);
          break;
        }
        if (*r) put(tag, **r);
      }
    }
    const char* p = msg.data();
    size_t left = msg.size();
    while (left > 0) {
      ssize_t w = ::write(fds[1], p, left);
      if (w <= 0) break;
      p += w;
      left -= static_cast<size_t>(w);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string msg;
  bool timed_out = false;
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(limits::kHdf5TimeoutMs);
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{fds[0], POLLIN, 0};
    int pr = ::poll(&pfd, 1, static_cast<int>(left));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) {
      timed_out = pr == 0;
      break;
    }
    char buf[65536];
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    msg.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (timed_out) {
    return MakeError(Errc::kLimit, "libhdf5 did not finish within limits::kHdf5TimeoutMs", 0);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return MakeError(Errc::kMalformed, "libhdf5 failed on the file", 0);
  }
  for (size_t i = 0; i < msg.size();) {
    if (msg.size() - i < 9) return MakeError(Errc::kIo, "short reply from the HDF5 reader", 0);
    char tag = msg[i];
    uint64_t n = 0;
    std::memcpy(&n, msg.data() + i + 1, 8);
    if (n > msg.size() - i - 9) return MakeError(Errc::kIo, "short reply from the HDF5 reader", 0);
    std::string v = msg.substr(i + 9, static_cast<size_t>(n));
    i += 9 + static_cast<size_t>(n);
    if (tag == 'E') return MakeError(Errc::kMalformed, v, 0);
    if (tag == 'N') {
      out.anomalies.push_back(
          Anomaly::Defect("keras.config-type", v + "; keras cannot read it as a config", 0)
              .Incomplete());
      out.complete = false;
      continue;
    }
    (tag == 'm' ? model : tag == 't' ? training : version) = std::move(v);
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
      out.anomalies.push_back(
          Anomaly::Defect("keras.config-json",
                          std::string(name) + " attribute is not well-formed JSON", 0)
              .Incomplete());
      out.complete = false;
      continue;
    }
    keras::Analyze(j, flavor, std::string(name) + where_suffix, out);
  }
  return out;
}

}  // namespace mv::formats::hdf5
