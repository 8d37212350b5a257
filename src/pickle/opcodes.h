// Every opcode of pickle protocols 0-5, as CPython's pickletools documents them, with the kind
// of inline argument each carries and its stack effect. No meaning beyond the byte format.
#pragma once

#include <cstdint>

namespace mv::pickle {

enum class Op : uint8_t {
  kMark = '(',              // push a mark on the mark stack
  kStop = '.',              // end of pickle: pop the result
  kPop = '0',               // discard the top item (or the top mark if it is on top)
  kPopMark = '1',           // discard items down to and including the top mark
  kDup = '2',               // push a copy of the top item
  kFloat = 'F',             // push float from a decimal line
  kInt = 'I',               // push int (or bool: I01/I00) from a decimal line
  kBinInt = 'J',            // push signed 4-byte little-endian int
  kBinInt1 = 'K',           // push 1-byte unsigned int
  kLong = 'L',              // push long from a decimal line (optional trailing L)
  kBinInt2 = 'M',           // push 2-byte unsigned int
  kNone = 'N',              // push None
  kPersId = 'P',            // push persistent_load(pid) with pid from a line
  kBinPersId = 'Q',         // replace top with persistent_load(top)
  kReduce = 'R',            // callable(*args): pop args tuple, replace callable with result
  kString = 'S',            // push str from a quoted, escaped line (Python 2 str)
  kBinString = 'T',         // push str, 4-byte signed length
  kShortBinString = 'U',    // push str, 1-byte length
  kUnicode = 'V',           // push str from a raw-unicode-escape line
  kBinUnicode = 'X',        // push str, UTF-8 with 4-byte length
  kAppend = 'a',            // pop x; append x to the list below
  kBuild = 'b',             // pop state; top.__setstate__(state) or __dict__ update
  kGlobal = 'c',            // push find_class(module line, name line)
  kDict = 'd',              // build dict from the items above the top mark
  kEmptyDict = '}',         // push {}
  kAppends = 'e',           // extend the list below the mark with the items above it
  kGet = 'g',               // push memo[decimal line]
  kBinGet = 'h',            // push memo[1-byte index]
  kInst = 'i',              // find_class(module, name)(*items above mark)
  kLongBinGet = 'j',        // push memo[4-byte index]
  kList = 'l',              // build list from the items above the top mark
  kEmptyList = ']',         // push []
  kObj = 'o',               // items above mark: cls, *args -> cls(*args)
  kPut = 'p',               // memo[decimal line] = top
  kBinPut = 'q',            // memo[1-byte index] = top
  kLongBinPut = 'r',        // memo[4-byte index] = top
  kSetItem = 's',           // pop key, value; dict below[key] = value
  kTuple = 't',             // build tuple from the items above the top mark
  kEmptyTuple = ')',        // push ()
  kSetItems = 'u',          // set key/value pairs above the mark into the dict below it
  kBinFloat = 'G',          // push 8-byte big-endian IEEE double
  kProto = 0x80,            // protocol version (1 byte)
  kNewObj = 0x81,           // pop args; replace cls with cls.__new__(cls, *args)
  kExt1 = 0x82,             // push object from the copyreg extension registry, 1-byte code
  kExt2 = 0x83,             // same, 2-byte code
  kExt4 = 0x84,             // same, 4-byte signed code
  kTuple1 = 0x85,           // replace top with (top,)
  kTuple2 = 0x86,           // replace top two with a 2-tuple
  kTuple3 = 0x87,           // replace top three with a 3-tuple
  kNewTrue = 0x88,          // push True
  kNewFalse = 0x89,         // push False
  kLong1 = 0x8a,            // push long, 1-byte length, little-endian two's complement
  kLong4 = 0x8b,            // push long, 4-byte signed length
  kBinBytes = 'B',          // push bytes, 4-byte length
  kShortBinBytes = 'C',     // push bytes, 1-byte length
  kShortBinUnicode = 0x8c,  // push str, UTF-8 with 1-byte length
  kBinUnicode8 = 0x8d,      // push str, UTF-8 with 8-byte length
  kBinBytes8 = 0x8e,        // push bytes, 8-byte length
  kEmptySet = 0x8f,         // push set()
  kAddItems = 0x90,         // add the items above the mark to the set below it
  kFrozenSet = 0x91,        // build frozenset from the items above the top mark
  kNewObjEx = 0x92,         // pop kwargs, args; replace cls with cls.__new__(cls, *args, **kw)
  kStackGlobal = 0x93,      // pop name, module (str); push find_class(module, name)
  kMemoize = 0x94,          // memo[len(memo)] = top
  kFrame = 0x95,            // start of a frame of the given 8-byte length
  kByteArray8 = 0x96,       // push bytearray, 8-byte length
  kNextBuffer = 0x97,       // push the next out-of-band buffer
  kReadOnlyBuffer = 0x98,   // make the top buffer read-only
};

// How the argument that follows an opcode is encoded (pickletools' ArgumentDescriptor names).
enum class ArgKind : uint8_t {
  kNone,
  kUint1,
  kUint2,
  kInt4,
  kUint4,
  kUint8,
  kDecimalNlShort,        // INT, GET, PUT: decimal line
  kDecimalNlLong,         // LONG: decimal line, optional trailing 'L'
  kFloatNl,               // FLOAT: decimal line
  kFloat8,                // BINFLOAT
  kStringNl,              // STRING: quoted, escaped line
  kStringNlNoEscape,      // PERSID: raw line
  kStringNlNoEscapePair,  // GLOBAL, INST: two raw lines
  kUnicodeStringNl,       // UNICODE: raw-unicode-escape line
  kString1,
  kString4,
  kBytes1,
  kBytes4,
  kBytes8,
  kByteArray8,
  kUnicodeString1,
  kUnicodeString4,
  kUnicodeString8,
  kLong1,
  kLong4,
};

struct OpInfo {
  Op op;
  const char* name;  // pickletools name: "SHORT_BINUNICODE"
  ArgKind arg;
  uint8_t protocol;  // protocol that introduced it
  // Stack effect for structure checks: items popped (not counting the mark), whether the
  // opcode consumes the top mark (popping everything above it), and items pushed.
  uint8_t pops;
  bool uses_mark;
  uint8_t pushes;
};

// Null for bytes that are not opcodes.
const OpInfo* LookupOp(uint8_t byte);
inline const OpInfo* LookupOp(Op op) {
  return LookupOp(static_cast<uint8_t>(op));
}
const char* OpName(Op op);

}  // namespace mv::pickle
