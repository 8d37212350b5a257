// joblib's inline numpy arrays: joblib.dump writes an array's raw bytes right after the BUILD of
// its NumpyArrayWrapper, inside the pickle stream; the machine steps over them as joblib.load
// does, and analyses object arrays (a nested plain pickle) inline.
#include <cctype>
#include <cstdlib>

#include "pickle/machine.h"

namespace mv::pickle::vm {

// joblib's NumpyUnpickler.load_build: after BUILD on a NumpyArrayWrapper, read the array that
// follows inline (joblib 1.2 numpy_pickle.NumpyArrayWrapper.read_array).
Status Machine::JoblibArray(const ValuePtr& /*wrapper*/, const ValuePtr& state) {
  auto field = [&](const char* key) { return DictGet(state, ValueKind::kStr, key); };
  auto unknown = [&](const char* why) {
    return Err("pickle.joblib-array", std::string("joblib array data cannot be located: ") + why);
  };
  ValuePtr shape = field("shape");
  ValuePtr dtype = field("dtype");
  if (!shape || !dtype || shape->kind != ValueKind::kTuple) return unknown("no shape");
  if (dtype->kind != ValueKind::kObject || dtype->call < 0) return unknown("no dtype");
  const Call& dc = trace_.calls[static_cast<size_t>(dtype->call)];
  if (dc.resolved != "numpy.dtype" || dc.args.empty() || !IsStr(dc.args[0])) {
    return unknown("dtype not made by numpy.dtype");
  }
  std::string code = dc.args[0]->text;
  int64_t elsize = -1, flags = 0;
  if (const Extra* e = FindX(dtype); e && e->state && e->state->kind == ValueKind::kTuple) {
    const auto& t = e->state->items;
    if (t.size() > 5 && t[5] && t[5]->kind == ValueKind::kInt)
      elsize = std::atoll(t[5]->text.c_str());
    if (t.size() > 7 && t[7] && t[7]->kind == ValueKind::kInt)
      flags = std::atoll(t[7]->text.c_str());
  }
  bool hasobject = (!code.empty() && code[0] == 'O') || (flags & 1) != 0;
  if (hasobject) {
    // pickle.load(file) with a plain Unpickler: analysed inline, then the outer load resumes.
    saved_.push_back(std::move(st_));
    st_ = PickleState{};
    st_.joblib_inner = true;
    return OkStatus();
  }
  int64_t itemsize = elsize;
  if (itemsize <= 0) {
    size_t p = 0;
    while (p < code.size() && !std::isdigit(static_cast<unsigned char>(code[p]))) ++p;
    itemsize = p < code.size() ? std::atoll(code.c_str() + p) : (code == "?" ? 1 : -1);
    if (!code.empty() && code[0] == 'U') itemsize *= 4;
  }
  if (itemsize <= 0) return unknown("unknown item size");
  unsigned __int128 total = static_cast<unsigned __int128>(itemsize);
  for (const auto& d : shape->items) {
    if (!d || d->kind != ValueKind::kInt || d->text.empty() || d->text[0] == '-') {
      return unknown("shape is not constant");
    }
    total *= static_cast<unsigned __int128>(std::strtoull(d->text.c_str(), nullptr, 10));
    if (total > (static_cast<unsigned __int128>(1) << 62)) return unknown("array too large");
  }
  Cursor& cur = dis_.cursor();
  ValuePtr align = field("numpy_array_alignment_bytes");
  if (align && align->kind != ValueKind::kNone) {
    auto pad = cur.U8();
    if (!pad.ok()) return Err("pickle.truncated", "joblib array padding byte missing");
    if (!cur.Skip(*pad).ok()) return Err("pickle.truncated", "joblib array padding truncated");
  }
  if (!cur.Skip(static_cast<uint64_t>(total)).ok()) {
    return Err("pickle.truncated", "joblib array data runs past the end of the file");
  }
  return OkStatus();
}

}  // namespace mv::pickle::vm
