#include "inventory/notebook.h"

#include <nlohmann/json.hpp>

#include "core/limits.h"

namespace mv::inventory {

namespace {

struct Cell {
  std::string type;
  std::vector<std::string> source;  // as stored: a list of lines, or one string
};

// Collects cells[*].cell_type and cells[*].source (worksheets[*].cells[*].input for nbformat 3).
class Sax : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit Sax(Notebook& nb) : nb_(nb) {}
  std::vector<Cell> cells;

  bool null() override { return Value(); }
  bool boolean(bool) override { return Value(); }
  bool number_integer(number_integer_t) override { return Value(); }
  bool number_unsigned(number_unsigned_t) override { return Value(); }
  bool number_float(number_float_t, const string_t&) override { return Value(); }
  bool binary(binary_t&) override { return Value(); }
  bool string(string_t& s) override {
    if (InCellField("cell_type", 1)) cells.back().type = s;
    if (InCellField("source", 1) || InCellField("input", 1) || InCellField("source", 2) ||
        InCellField("input", 2))
      cells.back().source.push_back(s);
    return Value();
  }
  bool start_object(std::size_t) override {
    if (!Push('{')) return false;
    if (IsCellStart()) cells.emplace_back();
    return true;
  }
  bool end_object() override { return Pop(); }
  bool start_array(std::size_t) override { return Push('['); }
  bool end_array() override { return Pop(); }
  bool key(string_t& k) override {
    if (!keys_.empty()) keys_.back() = k;
    return true;
  }
  bool parse_error(std::size_t pos, const std::string&,
                   const nlohmann::detail::exception&) override {
    nb_.error = "not valid JSON at byte " + std::to_string(pos);
    return false;
  }

 private:
  bool Value() { return true; }
  bool Push(char kind) {
    if (kinds_.size() >= static_cast<size_t>(limits::kMaxJsonDepth)) {
      nb_.error = "nesting deeper than limits::kMaxJsonDepth";
      nb_.limit = true;
      return false;
    }
    kinds_.push_back(kind);
    keys_.emplace_back();
    return true;
  }
  bool Pop() {
    if (!kinds_.empty()) kinds_.pop_back();
    if (!keys_.empty()) keys_.pop_back();
    return true;
  }
  // {cells: [ {<here>} ]} or {worksheets: [ {cells: [ {<here>} ]} ]}
  bool IsCellStart() const {
    size_t d = kinds_.size();
    if (d == 3 && kinds_[1] == '[' && keys_[0] == "cells") return true;
    return d == 5 && keys_[0] == "worksheets" && kinds_[1] == '[' && keys_[2] == "cells" &&
           kinds_[3] == '[';
  }
  // A string directly in field `name` of the current cell (extra = 1), or in a list there (2).
  bool InCellField(std::string_view name, size_t extra) const {
    if (cells.empty()) return false;
    size_t d = kinds_.size();
    size_t cell_depth = d - extra + 1;  // depth of the cell object
    if (cell_depth != 3 && cell_depth != 5) return false;
    if (extra == 2 && kinds_.back() != '[') return false;
    size_t obj = cell_depth - 1;  // index of the cell object in kinds_/keys_
    if (kinds_[obj] != '{' || keys_[obj] != name) return false;
    if (cell_depth == 3) return keys_[0] == "cells";
    return keys_[0] == "worksheets" && keys_[2] == "cells";
  }

  Notebook& nb_;
  std::vector<char> kinds_;
  std::vector<std::string> keys_;
};

std::string Encode(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool StartsWithWord(std::string_view l, std::string_view w) {
  return l.size() >= w.size() && l.compare(0, w.size(), w) == 0 &&
         (l.size() == w.size() || l[w.size()] == ' ' || l[w.size()] == '\t' || l[w.size()] == '\n');
}

}  // namespace

Notebook ReadNotebook(std::string_view text) {
  Notebook nb;
  Sax sax(nb);
  nlohmann::json::sax_parse(text.begin(), text.end(), &sax, nlohmann::json::input_format_t::json,
                            true, true);
  // Lines in the file: each source string is found, in order, after its cell's "source" key.
  size_t cursor = 0;
  uint32_t line = 1;
  size_t line_pos = 0;
  auto line_at = [&](size_t at) {
    for (; line_pos < at; ++line_pos)
      if (text[line_pos] == '\n') ++line;
    return line;
  };
  for (const Cell& cell : sax.cells) {
    bool code = cell.type == "code";
    if (!cell.source.empty()) {
      size_t key = text.find("\"source\"", cursor);
      size_t key3 = text.find("\"input\"", cursor);
      if (key3 < key) key = key3;
      if (key != std::string_view::npos) cursor = key;
    }
    std::vector<uint32_t> lines;
    for (const std::string& s : cell.source) {
      std::string needle = Encode(s);
      size_t at = text.find(needle, cursor);
      if (at == std::string_view::npos) {
        lines.push_back(line_at(std::min(cursor, text.size())));
        continue;
      }
      lines.push_back(line_at(at));
      cursor = at + needle.size();
    }
    if (!code) continue;
    // Split the cell into lines, each with its file line.
    std::vector<std::pair<std::string, uint32_t>> cell_lines;
    for (size_t k = 0; k < cell.source.size(); ++k) {
      const std::string& s = cell.source[k];
      size_t b = 0;
      while (b < s.size()) {
        size_t e = s.find('\n', b);
        if (e == std::string::npos) e = s.size();
        cell_lines.emplace_back(s.substr(b, e - b), lines[k]);
        b = e + 1;
      }
      if (s.empty()) cell_lines.emplace_back("", lines[k]);
    }
    std::string_view first;
    for (const auto& [l, ln] : cell_lines) {
      std::string_view v = l;
      size_t s = v.find_first_not_of(" \t");
      if (s != std::string_view::npos) {
        first = v.substr(s);
        break;
      }
    }
    bool shell_cell = StartsWithWord(first, "%%bash") || StartsWithWord(first, "%%sh") ||
                      StartsWithWord(first, "%%script");
    bool other_cell_magic = !shell_cell && first.rfind("%%", 0) == 0;
    bool skip_first = shell_cell;
    for (const auto& [l, ln] : cell_lines) {
      std::string_view v = l;
      size_t s = v.find_first_not_of(" \t");
      std::string_view body = s == std::string_view::npos ? std::string_view() : v.substr(s);
      std::string py_line;
      if (shell_cell) {
        if (skip_first && body.rfind("%%", 0) == 0) {
          skip_first = false;
        } else {
          nb.shell.push_back({std::string(v), ln});
        }
      } else if (other_cell_magic) {
        // %%writefile, %%time …: not Python of this notebook
      } else if (!body.empty() && body[0] == '!') {
        nb.shell.push_back({std::string(body.substr(1)), ln});
      } else if (!body.empty() && body[0] == '%') {
        // line magic
      } else {
        py_line = l;
      }
      nb.python += py_line;
      nb.python += '\n';
      nb.file_line.push_back(ln);
    }
    nb.python += '\n';  // cells end their statements
    nb.file_line.push_back(cell_lines.empty() ? line : cell_lines.back().second);
  }
  return nb;
}

}  // namespace mv::inventory
