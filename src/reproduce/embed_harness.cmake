# Writes OUT: a C++ file defining mv::reproduce::HarnessSource() from IN (harness.py).
file(READ ${IN} content HEX)
string(LENGTH "${content}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," content "${content}")
file(WRITE ${OUT} "// Generated from src/reproduce/harness.py by embed_harness.cmake. Do not edit.\n#include \"reproduce/harness_source.h\"\nnamespace mv::reproduce {\nnamespace {\nconst unsigned char kHarness[] = {${content}0x00};\n}  // namespace\nstd::string_view HarnessSource() {\n  return std::string_view(reinterpret_cast<const char*>(kHarness), ${len});\n}\n}  // namespace mv::reproduce\n")
