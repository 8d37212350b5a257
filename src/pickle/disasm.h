// Pickle disassembler: bytes -> (offset, opcode, argument) with no meaning attached. Reads
// through a Cursor; string/bytes arguments longer than limits::kMaxKeptString are skipped by
// length and kept as a truncated prefix. For valid pickles the (opcode, offset) stream equals
// CPython's pickletools.genops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/limits.h"
#include "core/result.h"
#include "core/source.h"
#include "pickle/opcodes.h"

namespace mv::pickle {

// Disassembler::Next resets each field in place (disasm.cc): a new field is reset there too
// (tests/pickle/disasm_test.cc decodes every pickle fixture into a reused and a fresh Instr).
struct Instr {
  uint64_t offset = 0;
  Op op = Op::kStop;
  // Integer arguments (uint1/2/4/8, int4, decimal lines that fit, INT's bool form).
  int64_t num = 0;
  bool is_bool = false;      // INT written as I01/I00
  bool big = false;          // LONG/LONG1/LONG4/INT too large for num: decimal in text
  double fnum = 0;           // FLOAT/BINFLOAT
  std::string text;          // string/bytes payload (UTF-8 for str), decimal repr of longs,
                             // module for GLOBAL/INST, pid line for PERSID
  std::string text2;         // name for GLOBAL/INST
  uint64_t length = 0;       // real length of a string/bytes argument
  bool truncated = false;    // text holds only a prefix (limits::kEvidencePrefix bytes)
  uint64_t end = 0;          // offset after the argument
  uint64_t data_offset = 0;  // where a counted string/bytes argument's bytes start (0: none)

  // Every field (tests compare an Instr decoded into a reused one with a fresh one).
  bool operator==(const Instr&) const = default;
};

class Disassembler {
 public:
  Disassembler(Source& src, uint64_t begin, uint64_t end) : cur_(src, begin, end) {}
  // Decodes the instruction at the current position. kTruncated when the data ends inside it,
  // kMalformed for an unknown opcode or a bad argument (the error offset says where).
  Result<Instr> Next();
  // The same into `in`, whose strings keep their storage from one instruction to the next
  // (what the machine's loop uses: no Instr is built, moved and freed per opcode).
  Status Next(Instr& in);
  uint64_t pos() const { return cur_.pos(); }
  uint64_t end() const { return cur_.end(); }
  bool at_end() const { return cur_.at_end(); }
  void Seek(uint64_t pos) { cur_.seek(pos); }
  Cursor& cursor() { return cur_; }
  // Sniffing mode: keep at most `keep` bytes of counted arguments (skip the rest unread) and
  // fail (kLimit) on text lines longer than `max_line`.
  void set_limits(size_t keep, size_t max_line) {
    keep_ = keep;
    max_line_ = max_line;
  }

 private:
  // A text line without its '\n'; at most limits::kMaxKeptLine bytes are kept.
  struct Line {
    std::string text;
    uint64_t length = 0;  // real length
    char last = '\0';     // its real last byte
    bool cut = false;     // longer than what was kept
  };
  Result<Line> ReadLine(uint64_t op_offset);
  Status ReadCounted(uint64_t n, Instr& in);

  Cursor cur_;
  size_t keep_ = limits::kMaxKeptString;
  size_t max_line_ = SIZE_MAX;
};

// Every instruction of the pickle starting at `begin`, up to and including STOP (what
// pickletools.genops yields). Errors carry the offset of the defect.
Result<std::vector<Instr>> DisassembleOne(Source& src, uint64_t begin, uint64_t end);

// A compact text dump for golden tests: "<offset> <NAME> <arg>" per line.
std::string Dump(const std::vector<Instr>& instrs);

// Decimal repr of a little-endian two's-complement integer (LONG1/LONG4 payloads).
std::string LongToDecimal(const uint8_t* data, size_t n);

}  // namespace mv::pickle
