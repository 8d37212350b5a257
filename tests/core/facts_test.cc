#include "core/facts.h"

#include <gtest/gtest.h>

namespace mv {
namespace {

TEST(AnomalyTest, DefectIsCompleteAndLocatedByTheScanner) {
  Anomaly a = Anomaly::Defect("npy.trailing-data", "3 bytes follow the array data", 128);
  EXPECT_EQ(a.code, "npy.trailing-data");
  EXPECT_EQ(a.message, "3 bytes follow the array data");
  EXPECT_EQ(a.offset, 128u);
  EXPECT_EQ(a.location, "");  // the scanner fills in the payload's location
  EXPECT_FALSE(a.incomplete);
}

TEST(AnomalyTest, IncompleteAndAtSetWhatTheyName) {
  Anomaly a = Anomaly::Defect("limit.string", "m").Incomplete().At("archive/data.pkl");
  EXPECT_TRUE(a.incomplete);
  EXPECT_EQ(a.location, "archive/data.pkl");
  EXPECT_EQ(a.offset, 0u);
  EXPECT_FALSE(Anomaly::Defect("x.y", "m").Incomplete(false).incomplete);
  EXPECT_TRUE(Anomaly::Defect("x.y", "m").Incomplete(true).incomplete);
}

}  // namespace
}  // namespace mv
