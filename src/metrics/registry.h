// Metrics: counters, gauges and latency histograms with labels, exposed in the
// Prometheus text format (version 0.0.4). One process-wide Registry (Global()); every
// call is thread-safe and cheap enough for the request path (a hash lookup under a
// mutex per update). Families are declared once with their help text and type; an
// update to an undeclared family is a programming error (it is dropped and counted
// in coffer_metrics_undeclared_total).
#pragma once

#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace coffer::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;
// A series as callers name it, {{"service", "kms"}, {"operation", op}}: an update to a
// series that exists copies none of it.
using LabelViews = std::initializer_list<std::pair<std::string_view, std::string_view>>;

enum class Type { kCounter, kGauge, kHistogram };

class Registry {
 public:
  // Declares a family (idempotent). Histograms take their bucket bounds (seconds, or
  // whatever unit the family measures), ascending.
  void Declare(std::string name, Type type, std::string help, std::vector<double> buckets = {});

  void Add(std::string_view name, LabelViews labels, double v = 1);       // counters
  void Set(std::string_view name, LabelViews labels, double v);           // gauges
  void Observe(std::string_view name, LabelViews labels, double value);  // histograms

  // The current value of a counter or gauge series (0 if absent); for tests and stats.
  double Value(std::string_view name, LabelViews labels) const;
  // The Prometheus text exposition of every family.
  std::string Exposition() const;

 private:
  struct Series {
    Labels labels;
    double value = 0;             // counter, gauge; histogram: sum
    uint64_t count = 0;           // histogram
    std::vector<uint64_t> bins;   // histogram: per bucket (not cumulative)
  };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> buckets;
    absl::flat_hash_map<std::string, Series> series;  // by encoded labels
  };
  Series* Find(std::string_view name, LabelViews labels, Type type);

  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, Family> families_;  // written out in name order
};

Registry& Global();

// Bucket bounds for request latencies: 0.5 ms to 10 s.
std::vector<double> LatencyBuckets();

}  // namespace coffer::metrics
