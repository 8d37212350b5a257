# Writes OUT: a C++ file defining mv::inventory::EmbeddedRules() from IN (data/inventory.toml).
file(READ ${IN} content HEX)
string(LENGTH "${content}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," content "${content}")
file(WRITE ${OUT} "// Generated from data/inventory.toml by src/inventory/embed_data.cmake. Do not edit.\n#include <string_view>\nnamespace mv::inventory {\nnamespace {\nconst unsigned char kData[] = {${content}0x00};\n}  // namespace\nstd::string_view EmbeddedRules() {\n  return std::string_view(reinterpret_cast<const char*>(kData), ${len});\n}\n}  // namespace mv::inventory\n")
