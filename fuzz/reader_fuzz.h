// Shared body of the single-reader fuzz targets: Sniff and Read on arbitrary bytes must not
// crash, leak or hit UB, and whatever Read returns must stay inside the input.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/source.h"
#include "formats/format.h"

namespace mv::fuzz {

template <class SniffFn, class ReadFn>
int FuzzReader(const uint8_t* data, size_t size, SniffFn sniff, ReadFn read) {
  auto src = MakeMemorySource(std::string_view(reinterpret_cast<const char*>(data), size));
  auto head = src->Read(0, 4096);
  if (!head.ok()) std::abort();
  (void)sniff(*src, *head);
  formats::ReadContext ctx;
  auto out = read(src, ctx);
  if (!out.ok()) return 0;
  for (const auto& m : out->members) {
    if (m.offset > size || m.data->size() > size - m.offset) std::abort();
  }
  for (const auto& o : out->observations) {
    if (o.kind.empty()) std::abort();
  }
  return 0;
}

}  // namespace mv::fuzz
