// The legacy torch.save reader (magic, sys-info and object pickles, storages) on arbitrary bytes
// (see reader_fuzz.h for what must hold).
#include "formats/torch_legacy/torch_legacy.h"
#include "reader_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return mv::fuzz::FuzzReader(data, size, mv::formats::torch_legacy::Sniff,
                              mv::formats::torch_legacy::Read);
}
