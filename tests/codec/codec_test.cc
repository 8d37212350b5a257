// The decoder-memory limit holds for every user of codec/: formats (the compression wrappers)
// and the pickle machine's lzma.decompress / zlib.decompress evaluation.
#include "codec/codec.h"

#include <gtest/gtest.h>
#include <lzma.h>
#include <zstd.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/limits.h"
#include "pickle/decode.h"

namespace mv::codec {
namespace {

ByteSpan Span(const std::vector<uint8_t>& v) {
  return ByteSpan(v.data(), v.size());
}

std::vector<uint8_t> XzOf(const std::string& text) {
  std::vector<uint8_t> out(text.size() + 1024);
  size_t pos = 0;
  EXPECT_EQ(lzma_easy_buffer_encode(0, LZMA_CHECK_CRC32, nullptr,
                                    reinterpret_cast<const uint8_t*>(text.data()), text.size(),
                                    out.data(), &pos, out.size()),
            LZMA_OK);
  out.resize(pos);
  return out;
}

// The same stream with the LZMA2 dictionary its block header declares raised to 2^(b/2+12)
// bytes (b even), the header CRC fixed: a decoder honouring it would allocate that much.
std::vector<uint8_t> WithDictionaryByte(std::vector<uint8_t> xz, uint8_t b) {
  size_t block = 12;  // after the stream header
  size_t header_size = (static_cast<size_t>(xz[block]) + 1) * 4;
  uint8_t flags = xz[block + 1];
  size_t pos = block + 2;
  auto skip_varint = [&] {
    while (xz[pos++] & 0x80) {
    }
  };
  if (flags & 0x40) skip_varint();  // compressed size
  if (flags & 0x80) skip_varint();  // uncompressed size
  // Filter flags: id 0x21 (LZMA2), properties size 1, properties (the dictionary size).
  EXPECT_EQ(xz[pos], 0x21);
  EXPECT_EQ(xz[pos + 1], 0x01);
  xz[pos + 2] = b;
  uint32_t crc = lzma_crc32(xz.data() + block, header_size - 4, 0);
  std::memcpy(xz.data() + block + header_size - 4, &crc, 4);  // little-endian host
  return xz;
}

TEST(Codec, XzWithinTheDecoderMemoryLimitDecodes) {
  std::string text(5000, 'a');
  Decoded d = DecodeBytes(Codec::kXz, Span(XzOf(text)), 1 << 20, true);
  EXPECT_TRUE(d.finished) << d.error;
  EXPECT_EQ(std::string(d.bytes.begin(), d.bytes.end()), text);
  // 64 MiB dictionary (xz -9): allowed.
  d = DecodeBytes(Codec::kXz, Span(WithDictionaryByte(XzOf(text), 28)), 1 << 20, true);
  EXPECT_TRUE(d.finished) << d.error;
}

TEST(Codec, XzDictionaryAboveTheLimitIsRefused) {
  // 512 MiB dictionary: over limits::kMaxDecoderMemory.
  auto bomb = WithDictionaryByte(XzOf("payload"), 34);
  Decoded d = DecodeBytes(Codec::kXz, Span(bomb), 1 << 20, true);
  EXPECT_FALSE(d.finished);
  EXPECT_NE(d.error.find("kMaxDecoderMemory"), std::string::npos) << d.error;
  // The pickle machine's lzma.decompress evaluation goes through the same decoder: the
  // 512 MiB dictionary is refused there too (it allowed 1 GiB before codec/ existed).
  std::string in(bomb.begin(), bomb.end());
  EXPECT_FALSE(pickle::DecodeData("lzma", in, limits::kMaxDecodedPayload).ok());
  EXPECT_TRUE(pickle::DecodeData(
                  "lzma",
                  std::string(reinterpret_cast<const char*>(XzOf("ok").data()), XzOf("ok").size()),
                  limits::kMaxDecodedPayload)
                  .ok());
}

TEST(Codec, ZstdWindowAboveTheLimitIsRefused) {
  auto frame = [](int window_log) {
    ZSTD_CCtx* c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, window_log);
    ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0);
    std::string text(4096, 'z');
    std::vector<uint8_t> out(ZSTD_compressBound(text.size()) + 64);
    // Streamed (the size is not known up front), so the frame keeps the window asked for.
    ZSTD_inBuffer in{text.data(), text.size(), 0};
    ZSTD_outBuffer ob{out.data(), out.size(), 0};
    ZSTD_compressStream2(c, &ob, &in, ZSTD_e_continue);
    ZSTD_inBuffer none{nullptr, 0, 0};
    EXPECT_EQ(ZSTD_compressStream2(c, &ob, &none, ZSTD_e_end), 0u);
    ZSTD_freeCCtx(c);
    out.resize(ob.pos);
    return out;
  };
  Decoded ok = DecodeBytes(Codec::kZstd, Span(frame(26)), 1 << 20, true);
  EXPECT_TRUE(ok.finished) << ok.error;
  Decoded big = DecodeBytes(Codec::kZstd, Span(frame(27)), 1 << 20, true);
  EXPECT_FALSE(big.finished);
  EXPECT_FALSE(big.error.empty());
}

TEST(Codec, PickleDecodersFollowPython) {
  // gzip.decompress reads every member; lzma.decompress accepts the legacy .lzma format too.
  std::vector<uint8_t> xz = XzOf("one");
  std::vector<uint8_t> two = xz;
  two.insert(two.end(), xz.begin(), xz.end());
  auto r = pickle::DecodeData("lzma", std::string(two.begin(), two.end()), 1 << 20);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, "oneone");
  auto limit = pickle::DecodeData("lzma", std::string(xz.begin(), xz.end()), 2);
  ASSERT_FALSE(limit.ok());
  EXPECT_EQ(limit.error().code, Errc::kLimit);
}

}  // namespace
}  // namespace mv::codec
