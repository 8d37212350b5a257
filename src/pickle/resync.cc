// Finding pickles in a stream: opcodes hidden in an argument that crosses a frame end, the next
// pickle after damage, and LooksLikePickle, the content check format sniffing uses.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "pickle/machine.h"

namespace mv::pickle {
namespace vm {

void Machine::FollowDivergentParse(uint64_t from, uint64_t to) {
  uint64_t stop = std::min({to, dis_.end(), from + limits::kMaxResyncScan});
  for (uint64_t p = from; p < stop; ++p) {
    // Bytes that are no opcode cannot start a pickle: skip them without a trial parse.
    auto b = src_.Read(p, 1);
    if (!b.ok() || b->empty()) return;
    if (LookupOp((*b)[0]) == nullptr || !LooksLikePickle(src_, p)) continue;
    uint64_t len = std::min<uint64_t>(dis_.end() - p, limits::kMaxDecodedPayload);
    auto r = src_.Read(p, static_cast<size_t>(len));
    if (!r.ok()) return;
    NestedPayload np;
    np.data.assign(r->begin(), r->end());
    np.via = "frame-straddle";
    np.offset = p;
    trace_.nested.push_back(std::move(np));
    Note("pickle.frame-divergence",
         "opcodes hidden inside an argument that crosses a frame end; analysed separately", p,
         false);
    return;
  }
}

uint64_t Machine::FindNextPickle(uint64_t from) {
  uint64_t stop = std::min(dis_.end(), from + limits::kMaxResyncScan);
  constexpr size_t kChunk = 64 << 10;
  for (uint64_t off = from; off + 1 < stop;) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk + 1, stop - off));
    auto r = src_.Read(off, want);
    if (!r.ok() || r->size() < 2) return kNoPickle;
    std::vector<uint8_t> chunk(r->begin(), r->end());  // LooksLikePickle reads the source
    for (size_t i = 0; i + 1 < chunk.size(); ++i) {
      if (chunk[i] == 0x80 && chunk[i + 1] <= 5 && LooksLikePickle(src_, off + i)) {
        return off + i;
      }
    }
    off += chunk.size() - 1;
  }
  return kNoPickle;
}

}  // namespace vm

namespace {

bool IsDottedName(std::string_view s) {
  if (s.empty() || s.size() > 200) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool IsStringOp(Op op) {
  switch (op) {
    case Op::kShortBinUnicode:
    case Op::kBinUnicode:
    case Op::kUnicode:
    case Op::kString:
    case Op::kBinString:  // Python-2 str: decoded to str (encoding='ASCII' by default)
    case Op::kShortBinString:
    case Op::kBinUnicode8: return true;
    default: return false;
  }
}

}  // namespace

// Positive evidence only, so that raw tensor bytes are not taken for pickles: a structurally
// consistent prefix (to STOP, or kMaxOps opcodes), or a find_class with a plausible dotted
// name. The second rule keeps damaged streams whose payload ran before the break (the C
// unpickler imports and calls before it meets the garbage), whatever their PROTO.
namespace {

struct Scratch {
  std::vector<bool> stack;
  std::vector<size_t> marks;
  // At most kMaxOps entries: a flat list, searched from the newest (no node per PUT).
  std::vector<std::pair<int64_t, bool>> memo;
  std::vector<std::pair<std::string, bool>> big_memo;
};

}  // namespace

bool LooksLikePickle(Source& src, uint64_t begin) {
  constexpr int kMaxOps = 64;
  Disassembler d(src, begin, src.size());
  // Counted arguments are skipped after 256 bytes; text lines are read (and validated) up to
  // limits::kMaxKeptLine: the loader accepts any length, so a long line cannot hide a pickle.
  d.set_limits(256, limits::kMaxKeptLine);
  // What each stack slot and memo entry holds, as far as sniffing needs: a string or not. The
  // lists are the thread's, emptied per call with their storage kept (every member of every
  // file is sniffed; this function does not call itself).
  thread_local Scratch scratch;
  auto& [stack, marks, memo, big_memo] = scratch;
  stack.clear();
  marks.clear();
  memo.clear();
  big_memo.clear();
  auto put = [](auto& m, const auto& key, bool v) {
    for (auto& e : m) {
      if (e.first == key) {
        e.second = v;
        return;
      }
    }
    m.emplace_back(key, v);
  };
  auto get = [](const auto& m, const auto& key) -> const bool* {
    for (const auto& e : m) {
      if (e.first == key) return &e.second;
    }
    return nullptr;
  };
  bool proto_first = false;
  bool newer_ops = false;   // protocol-2+ opcodes without a leading PROTO
  bool imported = false;    // a find_class with plausible names
  bool header_only = true;  // nothing but PROTO / FRAME so far
  Instr in;                 // reused across opcodes
  for (int n = 0; n < kMaxOps; ++n) {
    uint64_t at = d.pos();
    auto r = d.Next(in);
    if (!r.ok()) {
      if (imported) return true;
      // A text operand longer than limits::kMaxKeptLine after a consistent prefix: the
      // unpickler reads it whole; so does the machine.
      if (r.error().code == Errc::kLimit) return proto_first || !newer_ops;
      // PROTO, then a string/bytes opcode declaring more bytes than the file holds: a damaged
      // pickle (the loader would fail or allocate), never a tensor (PROTO required first).
      if (proto_first && header_only && at < src.size()) {
        auto op = src.Read(at, 1);
        if (op.ok() && !op->empty()) {
          uint8_t b = (*op)[0];
          if (b == 'T' || b == 'X' || b == 'B' || b == 0x8d || b == 0x8e || b == 0x96) return true;
        }
      }
      // Truncated: still a (damaged) pickle if it began like one.
      return r.error().code == Errc::kTruncated && d.pos() >= src.size() && !newer_ops &&
             ((proto_first && n >= 2) || n >= 8);
    }
    const OpInfo* info = LookupOp(in.op);
    if (in.op == Op::kProto) {
      if (in.num > 5) return imported;
      if (n == 0) proto_first = true;
      continue;
    }
    if (in.op != Op::kFrame) header_only = false;
    if (!proto_first && info->protocol >= 2) newer_ops = true;
    if ((in.op == Op::kGlobal || in.op == Op::kInst) && IsDottedName(in.text) &&
        IsDottedName(in.text2)) {
      imported = true;
    }
    if (in.op == Op::kStackGlobal && stack.size() >= 2 && stack[stack.size() - 1] &&
        stack[stack.size() - 2]) {
      imported = true;
    }
    if (in.op == Op::kFrame) continue;
    if (in.op == Op::kMark) {
      marks.push_back(stack.size());
      continue;
    }
    if (in.op == Op::kPop && !marks.empty() && marks.back() == stack.size()) {
      marks.pop_back();
      continue;
    }
    if (in.op == Op::kPut || in.op == Op::kBinPut || in.op == Op::kLongBinPut ||
        in.op == Op::kMemoize) {
      if (stack.empty()) return imported;
      if (in.big) {
        put(big_memo, in.text, stack.back());
        continue;
      }
      int64_t key =
          in.op == Op::kMemoize ? static_cast<int64_t>(memo.size() + big_memo.size()) : in.num;
      put(memo, key, stack.back());
      continue;
    }
    if (in.op == Op::kGet || in.op == Op::kBinGet || in.op == Op::kLongBinGet) {
      const bool* held = in.big ? get(big_memo, in.text) : get(memo, in.num);
      if (held == nullptr) return imported;
      stack.push_back(*held);
      continue;
    }
    size_t fence = marks.empty() ? 0 : marks.back();
    if (info->uses_mark) {
      if (marks.empty()) return imported;
      stack.resize(marks.back());
      marks.pop_back();
      fence = 0;
    }
    if (stack.size() < fence + info->pops) return imported;
    stack.resize(stack.size() - info->pops);
    for (int i = 0; i < info->pushes; ++i) stack.push_back(IsStringOp(in.op));
    if (in.op == Op::kStop) {
      return imported || (stack.empty() && marks.empty() && !newer_ops && (proto_first || n >= 1));
    }
  }
  // kMaxOps structurally consistent opcodes: a pickle, whatever its protocol (the unpickler
  // needs no PROTO before protocol-2 opcodes).
  return true;
}

}  // namespace mv::pickle
