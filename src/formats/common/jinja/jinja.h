// A lexer-level reading of Jinja2 templates (GGUF chat templates): finds the attribute names,
// subscript strings and identifiers a template reaches, including obfuscated spellings
// (`|attr('\x5f\x5fclass\x5f\x5f')`, `['__cla'+'ss__']`, `['_','_class_','_']|join`). It
// reports names, never a judgement; GGUF and other readers turn them into observations.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mv::formats::jinja {

struct NameUse {
  std::string name;     // "__globals__", "os", "popen"
  size_t offset = 0;    // offset of the block in the template
  std::string excerpt;  // the block, cut to ~160 chars
};

// Names a template reaches that matter for sandbox escapes: every dunder name (as identifier,
// attribute, subscript or string constant, after decoding escapes and joining adjacent string
// pieces), private attributes ("_module"), and attributes / subscripts in a short list of
// escape gadgets (os, popen, subprocess, sys, builtins, eval, exec, import, open, modules, …).
// Each name once, first use first. Cost: linear in the template.
std::vector<NameUse> SensitiveNames(std::string_view tmpl);

}  // namespace mv::formats::jinja
