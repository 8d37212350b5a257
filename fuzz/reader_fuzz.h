// Shared body of the single-reader fuzz targets (`<fmt>_fuzz.cc` is one call of FuzzReader with
// the format's registry row). On arbitrary bytes, the row's sniffing and Read must not crash, leak
// or hit UB; every member Read yields must start inside the input and be readable end to end,
// exactly its declared size (a stored member is a sub-view of the input, a decoded one is bounded
// by the expansion budget); every observation must have a kind.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/source.h"
#include "formats/format.h"
#include "formats/registry.h"

namespace mv::fuzz {

inline int FuzzReader(const uint8_t* data, size_t size, formats::FormatId id) {
  const formats::FormatInfo* row = formats::Find(id);
  if (row == nullptr || row->read == nullptr) std::abort();
  auto src = MakeMemorySource(std::string_view(reinterpret_cast<const char*>(data), size));
  (void)formats::Accepts(*row, *src);
  if (row->last_resort != nullptr) {
    auto head = src->Read(0, 4096);
    if (!head.ok()) std::abort();
    (void)row->last_resort(*src, *head);
  }
  formats::ReadContext ctx;
  auto out = row->read(src, ctx);
  if (!out.ok()) return 0;
  for (const auto& m : out->members) {
    if (m.offset > size) std::abort();
    auto bytes = m.data->Read(0, static_cast<size_t>(m.data->size()));
    if (!bytes.ok() || bytes->size() != m.data->size()) std::abort();
  }
  for (const auto& o : out->observations) {
    if (o.kind.empty()) std::abort();
  }
  return 0;
}

}  // namespace mv::fuzz
