#include "pickle/opcodes.h"

#include <array>

namespace mv::pickle {

namespace {

using A = ArgKind;
// name, arg, protocol, pops, uses_mark, pushes. APPENDS/SETITEMS/ADDITEMS keep the container
// below the mark: pops 1 (the container) and push it back.
constexpr OpInfo kOps[] = {
    {Op::kInt, "INT", A::kDecimalNlShort, 0, 0, false, 1},
    {Op::kBinInt, "BININT", A::kInt4, 1, 0, false, 1},
    {Op::kBinInt1, "BININT1", A::kUint1, 1, 0, false, 1},
    {Op::kBinInt2, "BININT2", A::kUint2, 1, 0, false, 1},
    {Op::kLong, "LONG", A::kDecimalNlLong, 0, 0, false, 1},
    {Op::kLong1, "LONG1", A::kLong1, 2, 0, false, 1},
    {Op::kLong4, "LONG4", A::kLong4, 2, 0, false, 1},
    {Op::kString, "STRING", A::kStringNl, 0, 0, false, 1},
    {Op::kBinString, "BINSTRING", A::kString4, 1, 0, false, 1},
    {Op::kShortBinString, "SHORT_BINSTRING", A::kString1, 1, 0, false, 1},
    {Op::kBinBytes, "BINBYTES", A::kBytes4, 3, 0, false, 1},
    {Op::kShortBinBytes, "SHORT_BINBYTES", A::kBytes1, 3, 0, false, 1},
    {Op::kBinBytes8, "BINBYTES8", A::kBytes8, 4, 0, false, 1},
    {Op::kByteArray8, "BYTEARRAY8", A::kByteArray8, 5, 0, false, 1},
    {Op::kNextBuffer, "NEXT_BUFFER", A::kNone, 5, 0, false, 1},
    {Op::kReadOnlyBuffer, "READONLY_BUFFER", A::kNone, 5, 1, false, 1},
    {Op::kNone, "NONE", A::kNone, 0, 0, false, 1},
    {Op::kNewTrue, "NEWTRUE", A::kNone, 2, 0, false, 1},
    {Op::kNewFalse, "NEWFALSE", A::kNone, 2, 0, false, 1},
    {Op::kUnicode, "UNICODE", A::kUnicodeStringNl, 0, 0, false, 1},
    {Op::kShortBinUnicode, "SHORT_BINUNICODE", A::kUnicodeString1, 4, 0, false, 1},
    {Op::kBinUnicode, "BINUNICODE", A::kUnicodeString4, 1, 0, false, 1},
    {Op::kBinUnicode8, "BINUNICODE8", A::kUnicodeString8, 4, 0, false, 1},
    {Op::kFloat, "FLOAT", A::kFloatNl, 0, 0, false, 1},
    {Op::kBinFloat, "BINFLOAT", A::kFloat8, 1, 0, false, 1},
    {Op::kEmptyList, "EMPTY_LIST", A::kNone, 1, 0, false, 1},
    {Op::kAppend, "APPEND", A::kNone, 0, 2, false, 1},
    {Op::kAppends, "APPENDS", A::kNone, 1, 1, true, 1},
    {Op::kList, "LIST", A::kNone, 0, 0, true, 1},
    {Op::kEmptyTuple, "EMPTY_TUPLE", A::kNone, 1, 0, false, 1},
    {Op::kTuple, "TUPLE", A::kNone, 0, 0, true, 1},
    {Op::kTuple1, "TUPLE1", A::kNone, 2, 1, false, 1},
    {Op::kTuple2, "TUPLE2", A::kNone, 2, 2, false, 1},
    {Op::kTuple3, "TUPLE3", A::kNone, 2, 3, false, 1},
    {Op::kEmptyDict, "EMPTY_DICT", A::kNone, 1, 0, false, 1},
    {Op::kDict, "DICT", A::kNone, 0, 0, true, 1},
    {Op::kSetItem, "SETITEM", A::kNone, 0, 3, false, 1},
    {Op::kSetItems, "SETITEMS", A::kNone, 1, 1, true, 1},
    {Op::kEmptySet, "EMPTY_SET", A::kNone, 4, 0, false, 1},
    {Op::kAddItems, "ADDITEMS", A::kNone, 4, 1, true, 1},
    {Op::kFrozenSet, "FROZENSET", A::kNone, 4, 0, true, 1},
    {Op::kPop, "POP", A::kNone, 0, 1, false, 0},
    {Op::kDup, "DUP", A::kNone, 0, 1, false, 2},
    {Op::kMark, "MARK", A::kNone, 0, 0, false, 0},
    {Op::kPopMark, "POP_MARK", A::kNone, 1, 0, true, 0},
    {Op::kGet, "GET", A::kDecimalNlShort, 0, 0, false, 1},
    {Op::kBinGet, "BINGET", A::kUint1, 1, 0, false, 1},
    {Op::kLongBinGet, "LONG_BINGET", A::kUint4, 1, 0, false, 1},
    {Op::kPut, "PUT", A::kDecimalNlShort, 0, 1, false, 1},
    {Op::kBinPut, "BINPUT", A::kUint1, 1, 1, false, 1},
    {Op::kLongBinPut, "LONG_BINPUT", A::kUint4, 1, 1, false, 1},
    {Op::kMemoize, "MEMOIZE", A::kNone, 4, 1, false, 1},
    {Op::kExt1, "EXT1", A::kUint1, 2, 0, false, 1},
    {Op::kExt2, "EXT2", A::kUint2, 2, 0, false, 1},
    {Op::kExt4, "EXT4", A::kInt4, 2, 0, false, 1},
    {Op::kGlobal, "GLOBAL", A::kStringNlNoEscapePair, 0, 0, false, 1},
    {Op::kStackGlobal, "STACK_GLOBAL", A::kNone, 4, 2, false, 1},
    {Op::kReduce, "REDUCE", A::kNone, 0, 2, false, 1},
    {Op::kBuild, "BUILD", A::kNone, 0, 2, false, 1},
    {Op::kInst, "INST", A::kStringNlNoEscapePair, 0, 0, true, 1},
    {Op::kObj, "OBJ", A::kNone, 1, 0, true, 1},
    {Op::kNewObj, "NEWOBJ", A::kNone, 2, 2, false, 1},
    {Op::kNewObjEx, "NEWOBJ_EX", A::kNone, 4, 3, false, 1},
    {Op::kProto, "PROTO", A::kUint1, 2, 0, false, 0},
    {Op::kStop, "STOP", A::kNone, 0, 1, false, 0},
    {Op::kFrame, "FRAME", A::kUint8, 4, 0, false, 0},
    {Op::kPersId, "PERSID", A::kStringNlNoEscape, 0, 0, false, 1},
    {Op::kBinPersId, "BINPERSID", A::kNone, 1, 1, false, 1},
};

struct Table {
  std::array<const OpInfo*, 256> by_byte{};
  constexpr Table() {
    for (const auto& o : kOps) by_byte[static_cast<uint8_t>(o.op)] = &o;
  }
};
constexpr Table kTable;

}  // namespace

const OpInfo* LookupOp(uint8_t byte) {
  return kTable.by_byte[byte];
}

const char* OpName(Op op) {
  const OpInfo* i = LookupOp(op);
  return i ? i->name : "?";
}

}  // namespace mv::pickle
