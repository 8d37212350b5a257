// MapPy2Name (find_class's fix_imports for protocols 0-2) against the rule it implements,
// evaluated the slow way over the tables: NAME_MAPPING's first entry for (module, name), else
// IMPORT_MAPPING's first entry for the module, else the name unchanged.
#include "pickle/compat_names.h"

#include <gtest/gtest.h>

#include <set>

namespace mv::pickle {
namespace {

std::pair<std::string, std::string> Reference(std::string_view module, std::string_view name) {
  for (const auto& e : Py2NameMapping()) {
    if (module == e.module && name == e.name) return {std::string(e.module3), std::string(e.name3)};
  }
  for (const auto& e : Py2ImportMapping()) {
    if (module == e.module) return {std::string(e.module3), std::string(name)};
  }
  return {std::string(module), std::string(name)};
}

void ExpectSame(std::string_view module, std::string_view name) {
  auto [m, n] = MapPy2Name(module, name);
  auto want = Reference(module, name);
  EXPECT_EQ(std::string(m), want.first) << module << "." << name;
  EXPECT_EQ(std::string(n), want.second) << module << "." << name;
}

TEST(MapPy2Name, AgreesWithTheTablesOnEveryEntry) {
  ASSERT_FALSE(Py2NameMapping().empty());
  ASSERT_FALSE(Py2ImportMapping().empty());
  std::set<std::string> modules;
  for (const auto& e : Py2NameMapping()) {
    ExpectSame(e.module, e.name);
    ExpectSame(e.module, std::string(e.name) + "_other");  // the module's other names
    modules.emplace(e.module);
  }
  for (const auto& e : Py2ImportMapping()) {
    ExpectSame(e.module, "anything");
    modules.emplace(e.module);
  }
  // Near misses: a mapped module's prefix or extension, a mapped name under another module.
  for (const auto& m : modules) {
    ExpectSame(m + "x", "eval");
    ExpectSame(m.substr(0, m.size() - 1), "eval");
  }
  ExpectSame("torch._utils", "_rebuild_tensor_v2");
  ExpectSame("", "");
}

TEST(MapPy2Name, KnownRenames) {
  auto [m, n] = MapPy2Name("__builtin__", "eval");
  EXPECT_EQ(m, "builtins");
  EXPECT_EQ(n, "eval");
  auto [m2, n2] = MapPy2Name("copy_reg", "_reconstructor");
  EXPECT_EQ(m2, "copyreg");
  EXPECT_EQ(n2, "_reconstructor");
  auto [m3, n3] = MapPy2Name("UserDict", "UserDict");
  EXPECT_EQ(m3, "collections");
  EXPECT_EQ(n3, "UserDict");
  // Rows in the middle and at the end of the generated string pool (CPython 3.11's tables).
  EXPECT_EQ(MapPy2Name("exceptions", "StandardError"),
            (std::pair<std::string_view, std::string_view>("builtins", "Exception")));
  EXPECT_EQ(MapPy2Name("itertools", "izip"),
            (std::pair<std::string_view, std::string_view>("builtins", "zip")));
  EXPECT_EQ(MapPy2Name("urllib2", "urlopen").first, "urllib.request");
  EXPECT_EQ(MapPy2Name("cPickle", "loads").first, "pickle");
  EXPECT_EQ(Py2NameMapping().size(), 88u);
  EXPECT_EQ(Py2ImportMapping().size(), 55u);
}

}  // namespace
}  // namespace mv::pickle
