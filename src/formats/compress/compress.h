// Single-stream compression wrappers (gzip, bzip2, xz, zstd, lz4 frame, zlib): each decodes to
// one member, charged against limits::kMaxExpandedBytes and kMaxExpansionRatio.
#pragma once

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats::compress {

// Signatures are the registry's (zstd and lz4 need nothing more). What a table row cannot say:
bool SniffGzip(Source& src, ByteSpan head, bool signature);   // no reserved flag bits
bool SniffBzip2(Source& src, ByteSpan head, bool signature);  // block size digit 1-9
bool SniffXz(Source& src, ByteSpan head, bool signature);     // or a bare lzma-alone stream
bool SniffZlib(Source& src, ByteSpan head, bool signature);   // header checksum, trial inflate
Result<ReadOutput> ReadGzip(const SourcePtr& src, ReadContext& ctx);
Result<ReadOutput> ReadBzip2(const SourcePtr& src, ReadContext& ctx);
Result<ReadOutput> ReadXz(const SourcePtr& src, ReadContext& ctx);
Result<ReadOutput> ReadZstd(const SourcePtr& src, ReadContext& ctx);
Result<ReadOutput> ReadLz4(const SourcePtr& src, ReadContext& ctx);
Result<ReadOutput> ReadZlib(const SourcePtr& src, ReadContext& ctx);

}  // namespace mv::formats::compress
