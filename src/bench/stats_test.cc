#include "bench/stats.h"

#include <gtest/gtest.h>

namespace coffer::bench {
namespace {

TEST(Recorder, NearestRankPercentiles) {
  Recorder r;
  for (int i = 100; i >= 1; --i) r.Ok(i, 10);
  EXPECT_EQ(r.ops(), 100u);
  EXPECT_EQ(r.bytes(), 1000u);
  EXPECT_EQ(r.Percentile(0.5), 50);
  EXPECT_EQ(r.Percentile(0.9), 90);
  EXPECT_EQ(r.Percentile(0.99), 99);
  EXPECT_EQ(r.Percentile(0.999), 100);
  EXPECT_EQ(r.Percentile(0), 1);
  EXPECT_EQ(Recorder().Percentile(0.5), 0);
}

TEST(Recorder, MergeAddsEverything) {
  Recorder a, b;
  a.Ok(1, 5);
  a.Error("503 SlowDown");
  b.Ok(3, 7);
  b.Error("503 SlowDown");
  b.Error("transport");
  b.WrongBytes();
  a.Merge(b);
  EXPECT_EQ(a.ops(), 2u);
  EXPECT_EQ(a.bytes(), 12u);
  EXPECT_EQ(a.error_count(), 3u);
  EXPECT_EQ(a.errors().at("503 SlowDown"), 2u);
  EXPECT_EQ(a.wrong_bytes(), 1u);
  EXPECT_EQ(a.Percentile(1), 3);
}

}  // namespace
}  // namespace coffer::bench
