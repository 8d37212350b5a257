// Untrusted text (file names, callable names, hub fields, review notes) on its way to a person
// or a JSON document. Every string an attacker may have written passes through one of these
// before it is printed: nothing they wrote can move the cursor, start a line, recolour the
// terminal or reorder what is shown.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mv {

// The text with everything that is not plainly visible made visible, in the style of the
// evidence renderer (Python's repr):
//   \n \r \t                         as those two-character escapes;
//   other C0 controls and DEL        as \xNN;
//   C1 controls (U+0080-U+009F), bidirectional and invisible format characters
//   (U+061C, U+200B-U+200F, U+2028-U+202E, U+2060-U+206F, U+FEFF, U+FFF9-U+FFFB,
//   U+E0000-U+E007F)                 as \uNNNN or \UNNNNNNNN;
//   bytes that are not valid UTF-8   as \xNN (a code point, even U+00FF, is never \xNN).
// A backslash is kept as is, so escaping is idempotent (EscapeText(EscapeText(s)) ==
// EscapeText(s)) and evidence that was rendered with escapes already passes through unchanged.
// The exact bytes are in the JSON output (see JsonText).
std::string EscapeText(std::string_view s);
// The same, appended to `out` (a report of many files builds one string).
void AppendEscapedText(std::string& out, std::string_view s);

// Code points that change how surrounding text is displayed without being visible themselves
// (the C1 controls and format characters EscapeText shows as \uNNNN); the web app's HTML
// escaping shows the same set.
bool IsHiddenFormat(uint32_t cp);

// True when s is well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Makes s well-formed UTF-8 in place: every byte that does not belong to a well-formed
// sequence becomes the four characters \xNN (lowercase hex); everything else is kept. A
// string that is already well-formed is not copied.
void EscapeInvalidUtf8(std::string& s);

// Length of the well-formed UTF-8 sequence at s[i] (1-4), or 0 when the byte there does not
// start one; *cp receives the code point.
size_t Utf8SequenceAt(std::string_view s, size_t i, uint32_t* cp);

// What AppendUtf8 does with a UTF-16 surrogate (U+D800-U+DFFF): keep its three-byte form, as
// Python's "surrogatepass" does (a pickled str may hold one; EscapeText later shows it as
// bytes), or write U+FFFD instead (text that must stay well-formed).
enum class Surrogates : bool { kKeep, kReplace };

// Appends code point cp as UTF-8; anything above U+10FFFF becomes U+FFFD.
void AppendUtf8(std::string& out, uint32_t cp, Surrogates surrogates = Surrogates::kKeep);

// Shell-style match of s against pattern: `*` matches any run of bytes, `?` one byte, every
// other byte itself. Iterative with one backtrack point (no recursion, O(|p|·|s|) worst case).
bool Glob(std::string_view pattern, std::string_view s);

// s with A-Z mapped to a-z and every other byte kept: for comparing names, extensions, header
// names and hex digests that are ASCII by definition (never locale-dependent).
std::string LowerAscii(std::string_view s);

}  // namespace mv
