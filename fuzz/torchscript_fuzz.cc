// The TorchScript code-file reader (code/**.py of torch.jit.save zips) on arbitrary bytes (see
// reader_fuzz.h for what must hold).
#include "formats/torchscript/torchscript.h"
#include "reader_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return mv::fuzz::FuzzReader(data, size, mv::formats::torchscript::Sniff,
                              mv::formats::torchscript::Read);
}
