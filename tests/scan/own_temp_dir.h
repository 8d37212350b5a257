// A directory of the running test's own, for scan tests that build trees on disk: ctest runs
// the tests of one binary in parallel processes, so a fixed path would be shared (and removed)
// by two of them at once. Named after the suite, the test and the process; emptied on entry.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace mv::scan::testing_support {

inline std::filesystem::path OwnTempDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                              ("mv_" + std::string(info->test_suite_name()) + "." + info->name() +
                               "." + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace mv::scan::testing_support
