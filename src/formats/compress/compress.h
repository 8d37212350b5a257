// Single-stream compression wrappers (gzip, bzip2, xz, zstd, lz4 frame, zlib): each decodes to
// one member, charged against limits::kMaxExpandedBytes and kMaxExpansionRatio.
#pragma once

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats::compress {

bool SniffGzip(Source& src, ByteSpan head);
bool SniffBzip2(Source& src, ByteSpan head);
bool SniffXz(Source& src, ByteSpan head);
bool SniffZstd(Source& src, ByteSpan head);
bool SniffLz4(Source& src, ByteSpan head);
bool SniffZlib(Source& src, ByteSpan head);
Result<ReadOutput> ReadGzip(const SourcePtr& src, ReadContext& ctx);
Result<ReadOutput> ReadBzip2(const SourcePtr& src, ReadContext& ctx);
Result<ReadOutput> ReadXz(const SourcePtr& src, ReadContext& ctx);
Result<ReadOutput> ReadZstd(const SourcePtr& src, ReadContext& ctx);
Result<ReadOutput> ReadLz4(const SourcePtr& src, ReadContext& ctx);
Result<ReadOutput> ReadZlib(const SourcePtr& src, ReadContext& ctx);

}  // namespace mv::formats::compress
