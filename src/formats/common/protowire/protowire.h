// Schema-driven protobuf wire-format walker shared by the ONNX and SavedModel readers.
// Hand-written instead of libprotobuf: it walks nested messages with an explicit stack (no
// recursion over the file), never reads a bytes field it does not need (raw tensor data is
// skipped by length, so `bytes_read` stays at the structure), and needs no generated code.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/source.h"

namespace mv::formats::protowire {

enum Wire : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLen = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5
};

// One open message. Readers accumulate what they need here; End() sees it complete.
struct Frame {
  int type = 0;        // reader-defined message type id
  uint32_t field = 0;  // field number in the parent (0 for the root)
  uint64_t begin = 0, end = 0;
  std::map<uint32_t, std::string> str;  // last value of each kept string field
  std::set<uint32_t> cut;               // kept string fields longer than Keep() allowed
  std::map<uint32_t, std::vector<std::string>> all;  // every value of each kept string field
  std::map<uint32_t, uint64_t> num;                  // last value of each varint field
  std::map<uint32_t, uint64_t> len;                  // total length of skipped bytes fields
  std::map<uint32_t, uint64_t> count;                // occurrences of each field
  std::vector<uint64_t> packed;                      // values of the packed varint field, if any
  std::vector<std::pair<std::string, std::string>> entries;  // collected by readers
  std::set<std::string> cut_attrs;                           // collected by readers
};

class Schema {
 public:
  virtual ~Schema() = default;
  // Message type of field `field` of `type`, or -1 when it is not descended into.
  virtual int Child(int type, uint32_t field) const = 0;
  // Keep this length-delimited field as a string (first `max` bytes); 0: skip unread.
  virtual size_t Keep(int type, uint32_t field) const = 0;
  // This length-delimited field holds packed varints to collect into Frame::packed.
  virtual bool Packed(int type, uint32_t field) const { return false; }
  // Called when a message ends; `parent` is null for the root.
  virtual void End(Frame& f, Frame* parent) = 0;
};

Result<uint64_t> Varint(Cursor& c);

// Walks [begin, end) of src as message `root`. Errors: kMalformed (bad tag, wire type, lengths
// past the parent), kLimit (nesting beyond limits::kMaxProtoDepth).
Status Walk(Source& src, uint64_t begin, uint64_t end, int root, Schema& schema);

// Top-level fields of a message without descending: (field, wire type, value or length).
struct TopField {
  uint32_t field;
  uint8_t wire;
  uint64_t value;   // varint value, or length for kLen
  uint64_t offset;  // of the value
};
// Past `max_fields` fields: an error (kLimit), or, when `capped` is given, the fields read so far
// with *capped set (a sniffer judges the prefix and the reader reports the limit).
Result<std::vector<TopField>> TopLevel(Source& src, uint64_t begin, uint64_t end, size_t max_fields,
                                       bool* capped = nullptr);

}  // namespace mv::formats::protowire
