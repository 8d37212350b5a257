#include "reproduce/trace.h"

#include <charconv>
#include <cstdlib>
#include <map>

namespace mv::reproduce {

namespace {

// strace nests arrays/structs at most ~5 deep (sendmmsg: array > struct > struct > array >
// struct); anything deeper is not strace output.
constexpr int kMaxDepth = 16;

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  bool AtEnd() const { return i_ >= s_.size(); }
  size_t pos() const { return i_; }

  void SkipSpaceAndComments() {
    for (;;) {
      while (i_ < s_.size() && s_[i_] == ' ') ++i_;
      if (s_.substr(i_, 2) == "/*") {
        size_t e = s_.find("*/", i_ + 2);
        i_ = e == std::string_view::npos ? s_.size() : e + 2;
        continue;
      }
      return;
    }
  }

  // items := [item (", " item)*] until `close` (not consumed).
  bool Items(char close, int depth, std::vector<Value::Item>& out) {
    if (depth > kMaxDepth) return false;
    SkipSpaceAndComments();
    if (Peek() == close) return true;
    for (;;) {
      std::string key = Key();
      Value v;
      if (!ParseValue(depth, v)) return false;
      out.emplace_back(std::move(key), std::move(v));
      SkipSpaceAndComments();
      if (Peek() == ',') {
        ++i_;
        SkipSpaceAndComments();
        continue;
      }
      return Peek() == close;
    }
  }

  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++i_;
    return true;
  }

 private:
  static bool IdentChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.';
  }

  // "key=" in front of a value; empty when there is none.
  std::string Key() {
    size_t j = i_;
    while (j < s_.size() && IdentChar(s_[j])) ++j;
    if (j > i_ && j < s_.size() && s_[j] == '=' && (j + 1 >= s_.size() || s_[j + 1] != '=')) {
      std::string key(s_.substr(i_, j - i_));
      i_ = j + 1;
      return key;
    }
    return {};
  }

  bool ParseValue(int depth, Value& v) {
    SkipSpaceAndComments();
    char c = Peek();
    if (c == '"') return String(v);
    if (c == '[' || c == '{') {
      ++i_;
      v.type = c == '[' ? Value::Type::kArray : Value::Type::kStruct;
      char close = c == '[' ? ']' : '}';
      if (!Items(close, depth + 1, v.items)) return false;
      return Consume(close) && Suffix(v);
    }
    if (c == '~' && s_.substr(i_, 2) == "~[") {  // complemented signal sets
      ++i_;
      return ParseValue(depth, v);
    }
    return Atom(depth, v);
  }

  // Anything after a value up to the next separator: "|FLAG", " /* comment */", "...".
  bool Suffix(Value& v) {
    SkipSpaceAndComments();
    if (s_.substr(i_, 3) == "...") {
      v.truncated = true;
      i_ += 3;
    }
    return true;
  }

  bool Atom(int depth, Value& v) {
    size_t start = i_;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == ',' || c == ')' || c == ']' || c == '}') break;
      if (c == '(') {
        // A call: name(args). The name is what came before.
        std::string name(Trim(s_.substr(start, i_ - start)));
        ++i_;
        Value call;
        call.type = Value::Type::kCall;
        call.text = std::move(name);
        if (!Items(')', depth + 1, call.items) || !Consume(')')) return false;
        // A call may be followed by more atom text ("htons(53)|…" never happens, but
        // "makedev(0x1, 0x3)" may be followed by a comment).
        SkipSpaceAndComments();
        v = std::move(call);
        return true;
      }
      if (c == '"') {  // a string inside an atom: sun_path=@"abstract" keeps its "@"
        std::string prefix(Trim(s_.substr(start, i_ - start)));
        Value inner;
        if (!String(inner)) return false;
        v.type = Value::Type::kString;
        v.text = prefix + inner.text;
        v.truncated = inner.truncated;
        return true;
      }
      if (s_.substr(i_, 2) == "/*") {
        size_t e = s_.find("*/", i_ + 2);
        if (e == std::string_view::npos) return false;
        i_ = e + 2;
        continue;
      }
      ++i_;
    }
    v.type = Value::Type::kAtom;
    v.text = std::string(Trim(s_.substr(start, i_ - start)));
    return true;
  }

  static std::string_view Trim(std::string_view t) {
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    // Drop a trailing comment that Atom kept inside the text.
    if (size_t c = t.find(" /*"); c != std::string_view::npos) t = t.substr(0, c);
    return t;
  }

  bool String(Value& v) {
    v.type = Value::Type::kString;
    ++i_;  // opening quote
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return Suffix(v);
      if (c != '\\') {
        v.text += c;
        continue;
      }
      if (i_ >= s_.size()) return false;
      char e = s_[i_++];
      switch (e) {
        case 'n': v.text += '\n'; break;
        case 't': v.text += '\t'; break;
        case 'r': v.text += '\r'; break;
        case 'v': v.text += '\v'; break;
        case 'f': v.text += '\f'; break;
        case 'a': v.text += '\a'; break;
        case 'b': v.text += '\b'; break;
        case 'e': v.text += '\x1b'; break;
        case 'x': {
          int n = 0, val = 0;
          while (n < 2 && i_ < s_.size() && std::isxdigit(static_cast<unsigned char>(s_[i_]))) {
            val = val * 16 + HexDigit(s_[i_++]);
            ++n;
          }
          if (n == 0) return false;
          v.text += static_cast<char>(val);
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            int val = e - '0', n = 1;
            while (n < 3 && i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '7') {
              val = val * 8 + (s_[i_++] - '0');
              ++n;
            }
            v.text += static_cast<char>(val & 0xFF);
          } else {
            v.text += e;  // \\ \" \' \?
          }
      }
    }
    return false;  // unterminated
  }

  static int HexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
  }

  std::string_view s_;
  size_t i_ = 0;
};

bool ParseInt(std::string_view s, int64_t& out) {
  int base = 10;
  bool neg = false;
  if (!s.empty() && s[0] == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  uint64_t u = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), u, base);
  if (ec != std::errc() || p != s.data() + s.size()) return false;
  out = neg ? -static_cast<int64_t>(u) : static_cast<int64_t>(u);
  return true;
}

// "= ret [ERRNO (text)] [/* N in strace's PID NS */]" after the closing parenthesis.
bool ParseReturn(std::string_view rest, Syscall& call) {
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.substr(0, 1) != "=") return false;
  rest.remove_prefix(1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  size_t sp = rest.find(' ');
  std::string_view tok = rest.substr(0, sp);
  std::string_view tail = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
  if (tok == "?") {
    call.has_return = false;
    return true;
  }
  int64_t v = 0;
  if (!ParseInt(tok, v)) return false;
  call.has_return = true;
  call.ret = v;
  if (v < 0 && !tail.empty() && tail[0] == 'E') {
    call.error = std::string(tail.substr(0, tail.find(' ')));
  }
  if (size_t c = tail.find("/* "); c != std::string_view::npos) {
    std::string_view com = tail.substr(c + 3);
    if (com.find(" in strace's PID NS") != std::string_view::npos) {
      int64_t host = 0;
      if (ParseInt(com.substr(0, com.find(' ')), host)) call.child_pid = static_cast<int>(host);
    }
  }
  return true;
}

bool IsFork(std::string_view name) {
  return name == "clone" || name == "clone3" || name == "fork" || name == "vfork";
}

// Parses "name(args) = ret…" into call; false when it is not one.
bool ParseCallText(std::string_view body, Syscall& call) {
  size_t open = body.find('(');
  if (open == std::string_view::npos || open == 0) return false;
  call.name = std::string(body.substr(0, open));
  for (char c : call.name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  Parser p(body.substr(open + 1));
  if (!p.Items(')', 0, call.args) || !p.Consume(')')) return false;
  if (!ParseReturn(body.substr(open + 1 + p.pos()), call)) return false;
  if (IsFork(call.name) && call.has_return && call.ret > 0 && !call.child_pid) {
    call.child_pid = static_cast<int>(call.ret);  // same PID namespace: no translation
  }
  return true;
}

void Unreadable(Trace& trace, std::string_view line) {
  if (trace.unreadable_lines++ == 0) trace.first_unreadable = std::string(line.substr(0, 200));
}

struct Pending {
  std::string head;  // "name(args-so-far"
  double time = 0;
  size_t line = 0;
};

// A call still unfinished when its process died or the trace ended (a kill) is kept when its
// arguments were complete: an execve or connect that never returned was still attempted.
void FlushPending(std::map<int, Pending>& pending, int pid, Trace& trace) {
  auto it = pending.find(pid);
  if (it == pending.end()) return;
  Syscall call;
  call.pid = pid;
  call.time = it->second.time;
  call.line = it->second.line;
  if (ParseCallText(it->second.head + ") = ?", call)) trace.calls.push_back(std::move(call));
  pending.erase(it);
}

}  // namespace

const Value* Value::Field(std::string_view key) const {
  for (const auto& [k, v] : items)
    if (k == key) return &v;
  return nullptr;
}

const Value* Syscall::Arg(std::string_view key) const {
  for (const auto& [k, v] : args)
    if (k == key) return &v;
  return nullptr;
}

std::optional<std::vector<Value::Item>> ParseArgs(std::string_view text) {
  std::vector<Value::Item> out;
  Parser p(text);
  if (!p.Items('\0', 0, out)) return std::nullopt;
  return out;
}

Trace ParseTrace(std::string_view text) {
  Trace trace;
  std::map<int, Pending> pending;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty()) continue;

    // "PID SECONDS.MICROS body"
    // strace pads the pid column ("8105  1700000000.000001 …"): fields are split on runs of
    // spaces.
    size_t sp1 = line.find(' ');
    size_t t0 = sp1 == std::string_view::npos ? sp1 : line.find_first_not_of(' ', sp1);
    size_t sp2 = t0 == std::string_view::npos ? t0 : line.find(' ', t0);
    int64_t pid = 0;
    if (sp2 == std::string_view::npos || !ParseInt(line.substr(0, sp1), pid) || pid <= 0) {
      Unreadable(trace, line);
      continue;
    }
    std::string time_text(line.substr(t0, sp2 - t0));
    char* end = nullptr;
    double t = std::strtod(time_text.c_str(), &end);
    if (end != time_text.c_str() + time_text.size()) {
      Unreadable(trace, line);
      continue;
    }
    std::string_view body = line.substr(sp2 + 1);
    int id = static_cast<int>(pid);

    if (body.substr(0, 4) == "+++ ") {
      ProcessExit ex{id, t, std::nullopt, ""};
      int64_t code = 0;
      if (body.substr(4, 12) == "exited with ") {
        std::string_view n = body.substr(16);
        if (ParseInt(n.substr(0, n.find(' ')), code)) ex.code = static_cast<int>(code);
      } else if (body.substr(4, 10) == "killed by ") {
        std::string_view n = body.substr(14);
        ex.signal = std::string(n.substr(0, n.find(' ')));
      } else {
        continue;  // "superseded by execve": the process lives on under another id
      }
      trace.exits.push_back(std::move(ex));
      FlushPending(pending, id, trace);
      continue;
    }
    if (body.substr(0, 4) == "--- ") continue;  // signal delivery

    Syscall call;
    call.pid = id;
    call.time = t;
    call.line = line_no;
    std::string joined;
    if (body.substr(0, 5) == "<... ") {
      // "<... name resumed>rest"
      size_t r = body.find(" resumed>");
      auto it = pending.find(id);
      if (r == std::string_view::npos || it == pending.end()) {
        Unreadable(trace, line);
        continue;
      }
      joined = it->second.head + std::string(body.substr(r + 9));
      call.time = it->second.time;
      call.line = it->second.line;
      pending.erase(it);
      body = joined;
    } else if (constexpr std::string_view kCut = " <unfinished ...>";
               body.size() >= kCut.size() && body.substr(body.size() - kCut.size()) == kCut) {
      pending[id] = {std::string(body.substr(0, body.size() - kCut.size())), t, line_no};
      continue;
    }
    if (!ParseCallText(body, call)) {
      Unreadable(trace, line);
      continue;
    }
    trace.calls.push_back(std::move(call));
  }
  while (!pending.empty()) FlushPending(pending, pending.begin()->first, trace);
  return trace;
}

}  // namespace mv::reproduce
