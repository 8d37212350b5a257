// The JSON and SARIF reports written a file at a time, byte for byte what JsonText(ToJson(r), 2)
// and JsonText(ToSarif(r), 2) give (tests/report/report_test.cc compares them). The whole
// document of a few thousand files is megabytes of tree and text in fresh memory, one page
// fault per page before the first byte is out; here only one file's tree lives at a time.
//
// How: the document is rendered with its per-file arrays empty ("files": [] …); each such array
// is then written in place, item by item, each item rendered alone and indented to its depth.
// Exact because JsonText writes an item's nested lines at a fixed indent per level and no
// string holds a raw line break (it is escaped), and because `"key": []` cannot occur inside a
// string literal (its quotes would be escaped) and each streamed key appears once.
#include <algorithm>
#include <functional>
#include <string_view>

#include "report/json_text.h"
#include "report/parts.h"
#include "report/report.h"

namespace mv::report {

namespace {

using json = nlohmann::ordered_json;

constexpr size_t kChunk = 64 * 1024;  // what is handed to the sink at a time, about

// An array written empty in the skeleton, filled by `items`, which emits them in order.
struct ArraySlot {
  std::string_view key;
  std::function<void(const std::function<void(const json&)>&)> items;
};

void WriteFilled(const json& skeleton, const std::vector<ArraySlot>& slots, const TextSink& sink) {
  const std::string doc = JsonText(skeleton, 2);
  std::string out;
  out.reserve(kChunk + 4096);
  size_t from = 0;  // what of `doc` is written
  for (const ArraySlot& slot : slots) {
    std::string marker = "\"";
    marker.append(slot.key).append("\": []");
    size_t at = doc.find(marker, from);
    if (at == std::string::npos) continue;  // not in this document (never: each is there)
    size_t line = doc.rfind('\n', at) + 1;  // the key's indent: the items go one level deeper
    std::string indent(at - line + 2, ' ');
    size_t open = at + marker.size() - 1;  // the ']' of "[]"
    out.append(doc, from, open - from);
    bool first = true;
    slot.items([&](const json& item) {
      out += first ? "\n" : ",\n";
      first = false;
      out += indent;
      std::string text = JsonText(item, 2);
      for (char c : text) {
        out.push_back(c);
        if (c == '\n') out += indent;
      }
      if (out.size() >= kChunk) {
        sink(out);
        out.clear();
      }
    });
    if (!first) {
      out.push_back('\n');
      out.append(indent.size() - 2, ' ');
    }
    from = open;  // the ']' and what follows
  }
  out.append(doc, from);
  out.push_back('\n');
  sink(out);
}

}  // namespace

void WriteJson(const ScanReport& r, const TextSink& sink) {
  std::vector<ArraySlot> slots;
  slots.push_back({"files", [&r](const auto& emit) {
                     for (const auto& f : r.files) emit(FileToJson(f));
                   }});
  WriteFilled(JsonDocument(r, json::array()), slots, sink);
}

void WriteSarif(const ScanReport& r, const TextSink& sink) {
  SarifRules rules(r);
  std::vector<ArraySlot> slots;
  slots.push_back({"artifacts", [&r](const auto& emit) {
                     for (const auto& f : r.files) emit(SarifArtifact(f));
                   }});
  slots.push_back({"results", [&r, &rules](const auto& emit) {
                     for (const auto& f : r.files) {
                       for (const auto& x : f.findings) emit(SarifResult(f, x, rules));
                     }
                   }});
  json skeleton = SarifDocument(rules.rules, json::array(), json::array());
  WriteFilled(skeleton, slots, sink);
}

}  // namespace mv::report
