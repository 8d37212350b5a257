// Text operands of the protocol-0/1 opcodes (INT, LONG, FLOAT, GET, PUT, STRING, UNICODE,
// GLOBAL, INST, PERSID), parsed exactly as the two real unpicklers do: the C `_pickle`
// module (what pickle.load, torch.load and joblib.load run) and the pure-Python
// `pickle._Unpickler`. An operand is accepted when either implementation accepts it; its value
// is the C unpickler's whenever that one accepts (docs/pickle.md lists the rules and where the
// two implementations differ). Each function takes the line as the unpickler reads it, without
// its terminating '\n'.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mv::pickle::operands {

struct Int {
  std::string dec;       // normalized decimal ("-12"); "<N-bit int>" when too large to convert
  int64_t num = 0;       // the value when `fits`
  bool fits = false;     // the value fits in int64
  bool exact = true;     // false: `dec` is a placeholder (power-of-two base, > 32768 bits)
  bool is_bool = false;  // INT that the C unpickler turns into True/False
};

// INT ('I'): C strtol(s, base 0) with a fallback to int(s, 0); a two-character line whose
// value is 0 or 1 is a bool. pickle.py: b"00"/b"01" are bools, else int(line, 0).
std::optional<Int> ParseInt(std::string_view line);
// LONG ('L'): int(line, 0) after dropping one trailing 'L'.
std::optional<Int> ParseLong(std::string_view line);
// GET / PUT ('g', 'p'): int(line) in base 10; fits is required (C: Py_ssize_t).
std::optional<Int> ParseMemoIndex(std::string_view line);
// FLOAT ('F'): C PyOS_string_to_double (no surrounding whitespace, no underscores, overflow is
// an error); pickle.py float(line) (whitespace and underscores allowed, overflow gives inf).
std::optional<double> ParseFloat(std::string_view line);
// STRING ('S'): quoted with the same quote at both ends (nothing stripped), then Python-2
// escape decoding (codecs.escape_decode). Returns the decoded bytes.
std::optional<std::string> ParseString(std::string_view line);
// UNICODE ('V'): raw-unicode-escape. Returns UTF-8.
std::optional<std::string> ParseUnicode(std::string_view line);
// GLOBAL ('c') names: strict UTF-8 (the C unpickler also refuses an empty line; pickle.py
// accepts one). INST ('i') names and PERSID ('P') ids: strict ASCII.
bool GlobalNameOk(std::string_view line);
bool AsciiOk(std::string_view line);

// Python's int(s, base) over `s` as a C string: whitespace, a sign, underscores between
// digits, 0x/0o/0b prefixes for base 0 (leading zeros only for zero), digit-count limit.
// `nul_terminates`: a NUL byte ends the string (C callers), else it is an error (bytes).
std::optional<Int> PyLongFromString(std::string_view s, int base, bool nul_terminates);

}  // namespace mv::pickle::operands
