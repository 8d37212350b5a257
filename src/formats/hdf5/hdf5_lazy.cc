// libhdf5 and its high-level library, opened on first use (core/lazy_lib.h): only the child
// process that reads an HDF5 file calls into them, so `modelvet` does not load them at start.
// Every function is resolved by LoadHdf5() in the parent, before the fork: the child then
// calls through plain pointers and never enters the dynamic loader (whose lock another thread
// of the parent may have held at the fork).
#include <hdf5.h>
#include <hdf5_hl.h>

#include <mutex>

#include "core/lazy_lib.h"
#include "formats/hdf5/hdf5.h"

// clang-format off
#define MV_HDF5_C_FNS(X) \
  X(H5open) \
  X(H5Aexists) \
  X(H5Aopen) \
  X(H5Aclose) \
  X(H5Aget_type) \
  X(H5Aget_space) \
  X(H5Aread) \
  X(H5Eset_auto2) \
  X(H5Sclose) \
  X(H5Sget_simple_extent_npoints) \
  X(H5Tcopy) \
  X(H5Tclose) \
  X(H5Tget_class) \
  X(H5Tget_cset) \
  X(H5Tget_size) \
  X(H5Tis_variable_str) \
  X(H5Tset_cset) \
  X(H5Tset_size) \
  X(H5free_memory)
// clang-format on

// The C string type, copied from the library by H5open (H5T_C_S1 expands to
// `(H5open(), H5T_C_S1_g)`).
hid_t H5T_C_S1_g = H5I_INVALID_HID;

namespace {

struct Api {
#define MV_MEMBER(name) decltype(&::name) name = nullptr;
  MV_HDF5_C_FNS(MV_MEMBER)
  MV_MEMBER(H5LTopen_file_image)
#undef MV_MEMBER
  const hid_t* c_s1 = nullptr;
};
Api g_api;
bool g_loaded = false;

}  // namespace

namespace mv::formats::hdf5 {

bool LoadHdf5() {
  static std::once_flag once;
  std::call_once(once, [] {
    bool ok = true;
#define MV_RESOLVE(name)                                                                  \
  g_api.name = reinterpret_cast<decltype(g_api.name)>(LazySymbol(MV_HDF5_SONAME, #name)); \
  ok = ok && g_api.name != nullptr;
    MV_HDF5_C_FNS(MV_RESOLVE)
#undef MV_RESOLVE
    g_api.H5LTopen_file_image = reinterpret_cast<decltype(g_api.H5LTopen_file_image)>(
        LazySymbol(MV_HDF5_HL_SONAME, "H5LTopen_file_image"));
    g_api.c_s1 = static_cast<const hid_t*>(LazySymbol(MV_HDF5_SONAME, "H5T_C_S1_g"));
    g_loaded = ok && g_api.H5LTopen_file_image != nullptr && g_api.c_s1 != nullptr;
  });
  return g_loaded;
}

}  // namespace mv::formats::hdf5

#define H5_FN(ret, name, params, args, fallback)  \
  extern "C" ret name params {                    \
    return g_loaded ? g_api.name args : fallback; \
  }

extern "C" herr_t H5open(void) {
  if (!g_loaded) return -1;
  herr_t rc = g_api.H5open();
  H5T_C_S1_g = *g_api.c_s1;
  return rc;
}
H5_FN(htri_t, H5Aexists, (hid_t o, const char* n), (o, n), -1)
H5_FN(hid_t, H5Aopen, (hid_t o, const char* n, hid_t p), (o, n, p), H5I_INVALID_HID)
H5_FN(herr_t, H5Aclose, (hid_t a), (a), -1)
H5_FN(hid_t, H5Aget_type, (hid_t a), (a), H5I_INVALID_HID)
H5_FN(hid_t, H5Aget_space, (hid_t a), (a), H5I_INVALID_HID)
H5_FN(herr_t, H5Aread, (hid_t a, hid_t t, void* b), (a, t, b), -1)
H5_FN(herr_t, H5Eset_auto2, (hid_t e, H5E_auto2_t f, void* d), (e, f, d), -1)
H5_FN(herr_t, H5Sclose, (hid_t s), (s), -1)
H5_FN(hssize_t, H5Sget_simple_extent_npoints, (hid_t s), (s), -1)
H5_FN(hid_t, H5Tcopy, (hid_t t), (t), H5I_INVALID_HID)
H5_FN(herr_t, H5Tclose, (hid_t t), (t), -1)
H5_FN(H5T_class_t, H5Tget_class, (hid_t t), (t), H5T_NO_CLASS)
H5_FN(H5T_cset_t, H5Tget_cset, (hid_t t), (t), H5T_CSET_ERROR)
H5_FN(size_t, H5Tget_size, (hid_t t), (t), 0)
H5_FN(htri_t, H5Tis_variable_str, (hid_t t), (t), -1)
H5_FN(herr_t, H5Tset_cset, (hid_t t, H5T_cset_t c), (t, c), -1)
H5_FN(herr_t, H5Tset_size, (hid_t t, size_t s), (t, s), -1)
H5_FN(herr_t, H5free_memory, (void* m), (m), -1)
H5_FN(hid_t, H5LTopen_file_image, (void* b, size_t n, unsigned f), (b, n, f), H5I_INVALID_HID)
