// Jupyter notebooks (.ipynb, nbformat 3 and 4): the code cells only — markdown and raw cells
// and every output are skipped. Code cells are joined into one Python text (cells share a
// namespace) with a map back to lines of the .ipynb file; IPython magics are taken out (`%…`
// and non-shell `%%` cells) and shell escapes (`!cmd`, `%%bash` cells) are returned apart for
// the shell detector. Parsed with nlohmann's SAX interface (no tree, nesting bounded).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mv::inventory {

struct Notebook {
  std::string python;
  std::vector<uint32_t> file_line;  // [python line - 1] -> line in the .ipynb file
  struct Shell {
    std::string text;
    uint32_t line = 0;
  };
  std::vector<Shell> shell;
  std::string error;  // not a notebook, or cut short (cells before the problem are kept)
  bool limit = false;
};

Notebook ReadNotebook(std::string_view json);

}  // namespace mv::inventory
