// The strace-output parser and the classifier on arbitrary text (a trace is written by strace
// but describes what the file's code did): neither may crash, leak or hit UB, and the
// classifier's observations must stay display-safe (no control characters).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "reproduce/classify.h"
#include "reproduce/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // The first line, if it looks like one, doubles as the harness's report.
  size_t nl = text.find('\n');
  auto report = mv::reproduce::ParseHarnessReport(text.substr(0, nl));
  auto trace = mv::reproduce::ParseTrace(text);
  mv::reproduce::Layout layout;
  auto c = mv::reproduce::Classify(trace, report, layout, "pickle");
  for (const auto& o : c.observed) {
    for (unsigned char ch : o.detail) {
      if (ch < 0x20 || ch == 0x7f) std::abort();
    }
  }
  return 0;
}
