# Writes OUT: a C++ file defining mv::audit::EmbeddedLicenses() from IN (data/licenses.toml).
file(READ ${IN} content HEX)
string(LENGTH "${content}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," content "${content}")
file(WRITE ${OUT} "// Generated from data/licenses.toml by src/audit/embed_licenses.cmake. Do not edit.\n#include <string_view>\nnamespace mv::audit {\nnamespace {\nconst unsigned char kLicenses[] = {${content}0x00};\n}  // namespace\nstd::string_view EmbeddedLicenses() {\n  return std::string_view(reinterpret_cast<const char*>(kLicenses), ${len});\n}\n}  // namespace mv::audit\n")
