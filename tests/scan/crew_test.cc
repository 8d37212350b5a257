#include "scan/crew.h"

#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace mv::scan {
namespace {

using std::chrono::milliseconds;

TEST(Crew, RunsTheWorkOnceOnEveryHelperAndTheCaller) {
  for (unsigned helpers : {0u, 1u, 3u}) {
    Crew crew(helpers);
    EXPECT_EQ(crew.size(), helpers + 1);
    std::mutex mu;
    std::multiset<std::thread::id> ran;
    crew.Run([&] {
      std::lock_guard lock(mu);
      ran.insert(std::this_thread::get_id());
    });
    EXPECT_EQ(ran.size(), helpers + 1);
    EXPECT_EQ(ran.count(std::this_thread::get_id()), 1u);
    EXPECT_EQ(std::set<std::thread::id>(ran.begin(), ran.end()).size(), helpers + 1);
  }
}

TEST(Crew, ReturnsOnlyWhenEveryHelperIsDone) {
  // Helpers finishing after the caller's polling gave up (kFinishSpin) are waited for too.
  Crew crew(2);
  const auto caller = std::this_thread::get_id();
  std::atomic<int> done{0};
  crew.Run([&] {
    if (std::this_thread::get_id() != caller) std::this_thread::sleep_for(milliseconds(30));
    done.fetch_add(1);
  });
  EXPECT_EQ(done.load(), 3);
}

TEST(Crew, HelpersAsleepLongBeforeTheWorkTakeIt) {
  Crew crew(2);
  std::this_thread::sleep_for(milliseconds(40));
  std::atomic<int> ran{0};
  crew.Run([&] { ran.fetch_add(1); });
  EXPECT_EQ(ran.load(), 3);
}

TEST(Crew, ACrewNeverGivenWorkLeaves) {
  for (int i = 0; i < 50; ++i) Crew crew(2);  // joins, spinning or asleep, without running
  Crew late(1);
  std::this_thread::sleep_for(milliseconds(20));
}

TEST(Crew, TheCallersFailureWaitsForTheHelpers) {
  Crew crew(1);
  const auto caller = std::this_thread::get_id();
  std::atomic<bool> helper_done{false};
  EXPECT_THROW(crew.Run([&] {
    if (std::this_thread::get_id() == caller) throw std::runtime_error("caller failed");
    std::this_thread::sleep_for(milliseconds(30));
    helper_done = true;
  }),
               std::runtime_error);
  EXPECT_TRUE(helper_done.load());  // `work` and its state were still in use until then
}

}  // namespace
}  // namespace mv::scan
