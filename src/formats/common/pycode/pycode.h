// Reader for marshalled Python code objects (CPython 3.x `marshal.dumps(code)`), as carried by
// Keras Lambda layers and nested payloads. It never runs anything: it decodes the object tree
// with an explicit stack, then walks each code object's bytecode to recover the dotted names it
// loads ("os.system", "builtins.exec"), the modules it imports and its string constants.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/source.h"

namespace mv::formats::pycode {

struct CodeSummary {
  // Layout family the code object matched: "3.11+", "3.8-3.10" or "3.0-3.7"; and the bytecode
  // dialect used for the name walk ("3.6-3.10", "3.11", "3.12", "3.13", "" when none fitted).
  std::string layout;
  std::string dialect;
  std::string name;  // co_name of the outermost code object ("<lambda>")
  // Dotted references in order of first use. A global name that is a Python builtin is
  // prefixed "builtins." ("builtins.exec"); `__import__('os').system` gives "os.system";
  // an attribute on something that is not a name gives "*.attr" ("*.__subclasses__").
  std::vector<std::string> refs;
  std::vector<std::string> imports;  // modules named by IMPORT_NAME or __import__('m')
  std::vector<std::string> names;    // every co_names entry of every code object
  std::vector<std::string> strings;  // string constants (each cut to 200 bytes)
  uint32_t code_objects = 0;
  bool bytecode_decoded = false;  // false: refs fell back to the raw co_names
  // Some bytecode or name was longer than limits::kMaxKeptString and was analysed in part; the
  // raw co_names are then added to refs too (what the unread bytecode may use).
  bool cut = false;
};

// Decodes marshal data (no .pyc header) holding a code object. Errors: kMalformed when no
// supported layout fits, kLimit on object/nesting limits, kTruncated on short data.
Result<CodeSummary> Analyze(ByteSpan marshal);

// Decodes base64 (standard or url-safe alphabet; whitespace ignored, padding optional), as
// Keras writes `codecs.encode(marshal.dumps(code), 'base64')`.
Result<std::vector<uint8_t>> DecodeBase64(std::string_view text);

// One line for evidence: "<lambda> (py 3.11+): uses os.system; imports os; strings 'id'".
std::string Describe(const CodeSummary& s);

}  // namespace mv::formats::pycode
