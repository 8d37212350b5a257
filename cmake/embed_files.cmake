# Writes OUT: a C++ file defining `const std::vector<std::pair<std::string_view,
# std::string_view>>& NAMESPACE::FUNCTION()`, the (file name, content) of every file matching
# GLOB (sorted by name), so an installed modelvet needs no data files. Used for rules/*.toml
# (src/kb) and the web app's assets (src/server):
#   cmake -DOUT=… -DGLOB=dir/*.toml -DNAMESPACE=mv::kb -DFUNCTION=EmbeddedRules -P embed_files.cmake
file(GLOB files ${GLOB})
list(SORT files)
set(arrays "")
set(entries "")
set(i 0)
foreach(f ${files})
  get_filename_component(name ${f} NAME)
  file(READ ${f} content HEX)
  string(LENGTH "${content}" hexlen)
  math(EXPR len "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," content "${content}")
  string(APPEND arrays "const unsigned char kFile${i}[] = {${content}0x00};\n")
  string(APPEND entries "      {\"${name}\", std::string_view(reinterpret_cast<const char*>(kFile${i}), ${len})},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE ${OUT} "// Generated from ${GLOB} by cmake/embed_files.cmake. Do not edit.\n#include <string_view>\n#include <utility>\n#include <vector>\nnamespace ${NAMESPACE} {\nnamespace {\n${arrays}}  // namespace\nconst std::vector<std::pair<std::string_view, std::string_view>>& ${FUNCTION}() {\n  static const std::vector<std::pair<std::string_view, std::string_view>> kFiles = {\n${entries}  };\n  return kFiles;\n}\n}  // namespace ${NAMESPACE}\n")
