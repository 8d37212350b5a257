// The safetensors reader on arbitrary bytes (see reader_fuzz.h for what must hold).
#include "reader_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return mv::fuzz::FuzzReader(data, size, mv::formats::FormatId::kSafetensors);
}
