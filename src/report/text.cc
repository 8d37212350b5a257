// The human text report. Every string shown may hold attacker bytes (file names, callable
// names, evidence): each is escaped so none can start a line, move the cursor or recolour the
// terminal.
#include "core/text.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/prefault.h"
#include "report/report.h"

namespace mv::report {

namespace {

// A report of thousands of files is written through one buffer of about this size: held whole,
// its text would be fresh memory to fault in, one page at a time, before the first byte is out.
constexpr size_t kTextChunk = 64 * 1024;

class TextWriter {
 public:
  // `files`: how many files the report has, so a short report takes no more than it needs.
  TextWriter(bool color, const TextSink& sink, size_t files) : color_(color), sink_(sink) {
    out_.reserve(std::min(kTextChunk + 4096, 256 + files * 160));
    PrefaultForWrite(out_.data(), out_.capacity());  // a full buffer's pages in one call
  }

  void File(const FileReport& f) {
    Tag(f.verdict);
    out_ += ' ';
    AppendEscapedText(out_, f.path);
    if (!f.format.empty() || !f.loader.empty()) {
      out_ += "  (";
      AppendEscapedText(out_, f.format);
      if (!f.format.empty() && !f.loader.empty()) out_ += ", ";
      AppendEscapedText(out_, f.loader);
      out_ += ')';
    }
    out_ += '\n';
    if (!f.summary.empty()) {
      out_ += "  ";
      AppendEscapedText(out_, f.summary);
      out_ += '\n';
    }
    for (const auto& x : f.findings) Finding(x);
    if (!f.error.empty()) {
      out_ += "  error: ";
      AppendEscapedText(out_, f.error);
      out_ += '\n';
    }
    if (out_.size() >= kTextChunk) Flush();
  }

  void Repository(const ScanReport::Repository& g) {
    const auto& k = g.counts;
    Tag(k.Overall());
    out_ += ' ';
    AppendEscapedText(out_, g.name);
    out_ += "  ";
    Counts(k);
    if (out_.size() >= kTextChunk) Flush();
  }

  void Line(std::string_view s) { out_ += s; }

  void Totals(const ScanReport::Counts& c) {
    out_ += '\n';
    Counts(c);
  }

  void Flush() {
    if (!out_.empty()) sink_(out_);
    out_.clear();
  }

 private:
  // "N file(s): … error" and the line break, for a repository and for the whole report.
  void Counts(const ScanReport::Counts& c) {
    fmt::format_to(std::back_inserter(out_),
                   "{} file(s): {} unsafe, {} needs review, {} safe, {} error\n", c.files, c.unsafe,
                   c.needs_review, c.safe, c.error);
  }

  void Paint(const char* code, std::string_view s) {
    if (color_)
      fmt::format_to(std::back_inserter(out_), "\x1b[{}m{}\x1b[0m", code, s);
    else
      out_ += s;
  }

  void Tag(Verdict v) {
    switch (v) {
      case Verdict::kUnsafe: return Paint("1;31", "UNSAFE ");
      case Verdict::kNeedsReview: return Paint("1;33", "REVIEW ");
      case Verdict::kSafe: return Paint("1;32", "SAFE   ");
      case Verdict::kError: return Paint("1;35", "ERROR  ");
    }
  }

  void Finding(const mv::Finding& x) {
    std::string_view sev = SeverityName(x.severity);
    const char* code = x.severity >= Severity::kHigh  ? "31"
                       : x.severity >= Severity::kLow ? "33"
                                                      : "2";
    out_ += "  ";
    Paint(code, sev);
    if (!color_ && sev.size() < 8) out_.append(8 - sev.size(), ' ');  // the column is 8 wide
    out_ += "  ";
    AppendEscapedText(out_, x.category);
    out_ += "  ";
    AppendEscapedText(out_, x.location);
    out_ += "  ";
    AppendEscapedText(out_, x.evidence.empty() ? x.message : x.evidence);
    out_ += '\n';
  }

  bool color_;
  const TextSink& sink_;
  std::string out_;
};

}  // namespace

void WriteText(const ScanReport& r, bool color, const TextSink& sink) {
  TextWriter w(color, sink, r.files.size());
  for (const auto& f : r.files) w.File(f);
  if (!r.repositories.empty()) w.Line("\nRepositories:\n");
  for (const auto& g : r.repositories) w.Repository(g);
  w.Totals(r.Count());
  w.Flush();
}

std::string ToText(const ScanReport& r, bool color) {
  std::string text;
  WriteText(r, color, [&text](std::string_view piece) { text += piece; });
  return text;
}

}  // namespace mv::report
