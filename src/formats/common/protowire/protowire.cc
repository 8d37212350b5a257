#include "formats/common/protowire/protowire.h"

#include "core/limits.h"

namespace mv::formats::protowire {

Result<uint64_t> Varint(Cursor& c) {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    MV_ASSIGN_OR_RETURN(uint8_t b, c.U8());
    // Bits beyond 64 in a tenth byte are dropped, as protobuf's own parsers (C++ and upb) do.
    if (shift < 64) v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  return MakeError(Errc::kMalformed, "varint longer than 10 bytes", c.pos());
}

namespace {

Status SkipValue(Cursor& c, uint8_t wire, uint64_t limit) {
  switch (wire) {
    case kVarint:
      return Varint(c).ok() ? OkStatus()
                            : Status(MakeError(Errc::kMalformed, "bad varint", c.pos()));
    case kFixed64: return c.Skip(8);
    case kFixed32: return c.Skip(4);
    case kStartGroup: {
      // Deprecated groups still parse (as unknown fields) in protobuf: skip to the matching
      // end-group tag, nested groups included.
      std::vector<uint32_t> open;
      while (true) {
        if (c.pos() >= limit) return MakeError(Errc::kMalformed, "group not closed", c.pos());
        MV_ASSIGN_OR_RETURN(uint64_t tag, Varint(c));
        auto field = static_cast<uint32_t>(tag >> 3);
        auto w = static_cast<uint8_t>(tag & 7);
        if (field == 0 || tag >> 32 != 0)
          return MakeError(Errc::kMalformed, "bad field tag", c.pos());
        if (w == kEndGroup) {
          if (open.empty()) return OkStatus();
          if (open.back() != field)
            return MakeError(Errc::kMalformed, "mismatched end group", c.pos());
          open.pop_back();
        } else if (w == kStartGroup) {
          if (open.size() >= static_cast<size_t>(limits::kMaxProtoDepth)) {
            return MakeError(Errc::kLimit, "groups nested deeper than limits::kMaxProtoDepth",
                             c.pos());
          }
          open.push_back(field);
        } else if (w == kLen) {
          MV_ASSIGN_OR_RETURN(uint64_t n, Varint(c));
          if (n > limit - std::min(limit, c.pos())) {
            return MakeError(Errc::kMalformed, "length runs past its message", c.pos());
          }
          MV_RETURN_IF_ERROR(c.Skip(n));
        } else {
          MV_RETURN_IF_ERROR(SkipValue(c, w, limit));
        }
      }
    }
    default:
      return MakeError(Errc::kMalformed, "unsupported wire type " + std::to_string(wire), c.pos());
  }
}

}  // namespace

Status Walk(Source& src, uint64_t begin, uint64_t end, int root, Schema& schema) {
  Cursor c(src, begin, end);
  std::vector<Frame> stack;
  stack.emplace_back();
  stack.back().type = root;
  stack.back().begin = begin;
  stack.back().end = c.end();
  while (!stack.empty()) {
    if (c.pos() >= stack.back().end) {
      if (c.pos() > stack.back().end) {
        return MakeError(Errc::kMalformed, "field runs past the end of its message", c.pos());
      }
      Frame done = std::move(stack.back());
      stack.pop_back();
      schema.End(done, stack.empty() ? nullptr : &stack.back());
      continue;
    }
    Frame& f = stack.back();
    uint64_t at = c.pos();
    MV_ASSIGN_OR_RETURN(uint64_t tag, Varint(c));
    uint32_t field = static_cast<uint32_t>(tag >> 3);
    uint8_t wire = static_cast<uint8_t>(tag & 7);
    if (field == 0 || tag >> 32 != 0) return MakeError(Errc::kMalformed, "bad field tag", at);
    ++f.count[field];
    if (wire == kVarint) {
      MV_ASSIGN_OR_RETURN(uint64_t v, Varint(c));
      f.num[field] = v;
      if (schema.Packed(f.type, field)) f.packed.push_back(v);
      continue;
    }
    if (wire != kLen) {
      MV_RETURN_IF_ERROR(SkipValue(c, wire, f.end));
      continue;
    }
    MV_ASSIGN_OR_RETURN(uint64_t n, Varint(c));
    if (n > f.end - c.pos()) {
      return MakeError(Errc::kMalformed,
                       "length " + std::to_string(n) + " of field " + std::to_string(field) +
                           " runs past the end of its message",
                       at);
    }
    int child = schema.Child(f.type, field);
    if (child >= 0) {
      if (stack.size() >= static_cast<size_t>(limits::kMaxProtoDepth)) {
        return MakeError(Errc::kLimit, "messages nested deeper than limits::kMaxProtoDepth", at);
      }
      Frame nf;
      nf.type = child;
      nf.field = field;
      nf.begin = c.pos();
      nf.end = c.pos() + n;
      stack.push_back(std::move(nf));
      continue;
    }
    if (schema.Packed(f.type, field)) {
      uint64_t stop = c.pos() + n;
      while (c.pos() < stop) {
        MV_ASSIGN_OR_RETURN(uint64_t v, Varint(c));
        if (f.packed.size() < 64) f.packed.push_back(v);
      }
      if (c.pos() != stop) return MakeError(Errc::kMalformed, "packed field overruns", at);
      continue;
    }
    size_t keep = schema.Keep(f.type, field);
    if (keep > 0) {
      size_t k = static_cast<size_t>(std::min<uint64_t>(n, keep));
      MV_ASSIGN_OR_RETURN(ByteSpan b, c.Take(k));
      f.str[field].assign(reinterpret_cast<const char*>(b.data()), b.size());
      f.all[field].push_back(f.str[field]);
      if (k < n) f.cut.insert(field);
      MV_RETURN_IF_ERROR(c.Skip(n - k));
    } else {
      f.len[field] += n;
      MV_RETURN_IF_ERROR(c.Skip(n));
    }
  }
  return OkStatus();
}

Result<std::vector<TopField>> TopLevel(Source& src, uint64_t begin, uint64_t end, size_t max_fields,
                                       bool* capped) {
  Cursor c(src, begin, end);
  std::vector<TopField> out;
  if (capped) *capped = false;
  while (!c.at_end()) {
    if (out.size() >= max_fields) {
      if (capped == nullptr) return MakeError(Errc::kLimit, "too many fields", c.pos());
      *capped = true;
      return out;
    }
    uint64_t at = c.pos();
    MV_ASSIGN_OR_RETURN(uint64_t tag, Varint(c));
    uint32_t field = static_cast<uint32_t>(tag >> 3);
    uint8_t wire = static_cast<uint8_t>(tag & 7);
    if (field == 0 || tag >> 32 != 0) return MakeError(Errc::kMalformed, "bad field tag", at);
    TopField t{field, wire, 0, 0};
    if (wire == kVarint) {
      MV_ASSIGN_OR_RETURN(t.value, Varint(c));
    } else if (wire == kLen) {
      MV_ASSIGN_OR_RETURN(t.value, Varint(c));
      t.offset = c.pos();
      MV_RETURN_IF_ERROR(c.Skip(t.value));
    } else {
      MV_RETURN_IF_ERROR(SkipValue(c, wire, end));
    }
    out.push_back(t);
  }
  return out;
}

}  // namespace mv::formats::protowire
