// The tar reader on arbitrary bytes (see reader_fuzz.h for what must hold).
#include "formats/tar/tar.h"
#include "reader_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return mv::fuzz::FuzzReader(data, size, mv::formats::tar::Sniff, mv::formats::tar::Read);
}
