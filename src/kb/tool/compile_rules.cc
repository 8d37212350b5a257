// The rule compiler, run at build time: loads rules/*.toml with the knowledge base's own loader
// (every check of a rule file, every deferred library file too), then writes a C++ file that
// defines mv::kb::PrecompiledRules(), the blob the binary reads in place (kb/packed.h). A rule
// file the loader refuses stops the build with the loader's message.
//
// Usage: mv_compile_rules OUT.cc RULE.toml...
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "kb/impl.h"

namespace {

// The blob as a string literal: octal escapes for everything but plain printable characters
// (a literal compiles far faster than an initializer list of bytes).
std::string Literal(const std::string& blob) {
  std::string out = "\"";
  size_t line = 0;
  for (unsigned char c : blob) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?') {
      out += static_cast<char>(c);
      ++line;
    } else {
      char esc[5];
      std::snprintf(esc, sizeof esc, "\\%03o", c);
      out += esc;
      line += 4;
    }
    if (line >= 120) {
      out += "\"\n\"";
      line = 0;
    }
  }
  out += "\"";
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: mv_compile_rules OUT.cc RULE.toml...\n";
    return 2;
  }
  std::vector<std::pair<std::string, std::string>> files;
  for (int i = 2; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
      std::cerr << argv[i] << ": cannot read rule file\n";
      return 1;
    }
    // Named by file name, as the embedded files are (rule ids and sources: "stdlib.toml:12").
    files.emplace_back(std::filesystem::path(argv[i]).filename().string(), text.str());
  }
  std::sort(files.begin(), files.end());
  auto kb = mv::kb::KnowledgeBase::FromStrings(files);
  if (!kb.ok()) {
    std::cerr << "rules: " << kb.error().message << "\n";
    return 1;
  }
  auto blob = mv::kb::Pack(**kb);
  if (!blob.ok()) {
    std::cerr << "rules: " << blob.error().message << "\n";
    return 1;
  }
  std::string out =
      "// Generated from rules/*.toml by src/kb/tool/compile_rules.cc. Do not edit.\n"
      "#include <string_view>\n"
      "namespace mv::kb {\n"
      "namespace {\n"
      "const char kBlob[] =\n";
  out += Literal(*blob);
  out +=
      ";\n}  // namespace\nstd::string_view PrecompiledRules() {\n  return "
      "std::string_view(kBlob, ";
  out += std::to_string(blob->size());
  out += ");\n}\n}  // namespace mv::kb\n";
  std::ofstream o(argv[1], std::ios::binary | std::ios::trunc);
  o << out;
  if (!o.flush()) {
    std::cerr << argv[1] << ": cannot write\n";
    return 1;
  }
  return 0;
}
