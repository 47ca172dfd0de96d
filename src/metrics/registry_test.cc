#include "metrics/registry.h"

#include <gtest/gtest.h>

namespace coffer::metrics {
namespace {

TEST(Registry, CountersGaugesAndExposition) {
  Registry r;
  r.Declare("reqs_total", Type::kCounter, "Requests.");
  r.Declare("up", Type::kGauge, "Up.");
  r.Add("reqs_total", {{"op", "Get"}, {"status", "200"}});
  r.Add("reqs_total", {{"op", "Get"}, {"status", "200"}}, 2);
  r.Add("reqs_total", {{"op", "Put\"x\\"}, {"status", "500"}});
  r.Set("up", {}, 1);
  r.Declare("a_total", Type::kCounter, "Listed first.");  // in name order, whatever the hash
  for (const char* op : {"z", "c", "m", "a"}) r.Add("a_total", {{"op", op}});
  EXPECT_EQ(r.Value("reqs_total", {{"op", "Get"}, {"status", "200"}}), 3);
  EXPECT_EQ(r.Exposition(),
            "# HELP a_total Listed first.\n"
            "# TYPE a_total counter\n"
            "a_total{op=\"a\"} 1\n"
            "a_total{op=\"c\"} 1\n"
            "a_total{op=\"m\"} 1\n"
            "a_total{op=\"z\"} 1\n"
            "# HELP reqs_total Requests.\n"
            "# TYPE reqs_total counter\n"
            "reqs_total{op=\"Get\",status=\"200\"} 3\n"
            "reqs_total{op=\"Put\\\"x\\\\\",status=\"500\"} 1\n"
            "# HELP up Up.\n"
            "# TYPE up gauge\n"
            "up 1\n");
}

TEST(Registry, HistogramBucketsAreCumulative) {
  Registry r;
  r.Declare("lat_seconds", Type::kHistogram, "Latency.", {0.1, 1});
  r.Observe("lat_seconds", {{"op", "a"}}, 0.05);
  r.Observe("lat_seconds", {{"op", "a"}}, 0.1);  // le is inclusive
  r.Observe("lat_seconds", {{"op", "a"}}, 0.5);
  r.Observe("lat_seconds", {{"op", "a"}}, 7);
  EXPECT_EQ(r.Exposition(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{op=\"a\",le=\"0.1\"} 2\n"
            "lat_seconds_bucket{op=\"a\",le=\"1\"} 3\n"
            "lat_seconds_bucket{op=\"a\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{op=\"a\"} 7.65\n"
            "lat_seconds_count{op=\"a\"} 4\n");
}

TEST(Registry, UndeclaredOrMistypedUpdatesAreDropped) {
  Registry r;
  r.Declare("c_total", Type::kCounter, "C.");
  r.Add("nope_total", {});
  r.Set("c_total", {}, 5);  // a gauge update to a counter
  EXPECT_EQ(r.Value("c_total", {}), 0);
  EXPECT_EQ(r.Value("nope_total", {}), 0);
}

}  // namespace
}  // namespace coffer::metrics
