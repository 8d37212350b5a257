// Helpers for the inventory detector tests: run one detector on a source text and print the
// findings compactly ("huggingface org/name @rev [remote] L12 via from_pretrained").
#pragma once

#include <string>
#include <vector>

#include "inventory/code_detect.h"
#include "inventory/python_reader.h"
#include "inventory/rules.h"

namespace mv::inventory::testing {

inline std::vector<std::string> Describe(const FileFindings& f) {
  std::vector<std::string> out;
  for (const auto& m : f.models) {
    std::string s = m.provider + " " + m.id;
    if (!m.revision.empty()) s += " @" + m.revision;
    if (m.remote_code) s += " [remote]";
    if (m.category == Category::kAiService) s += " (service)";
    s += " L" + std::to_string(m.line);
    out.push_back(s);
  }
  for (const auto& d : f.dynamic) out.push_back("dynamic L" + std::to_string(d.line));
  return out;
}

inline FileFindings DetectPython(const std::string& src) {
  Program p = ReadPython(src);
  FileFindings f;
  DetectCalls(p, Rules::Embedded(), LocalCheck(), f);
  return f;
}

inline std::vector<std::string> Py(const std::string& src) {
  return Describe(DetectPython(src));
}

}  // namespace mv::inventory::testing
