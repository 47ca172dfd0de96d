#include "bench/stats.h"

#include <algorithm>
#include <cmath>

namespace coffer::bench {

void Recorder::Merge(const Recorder& other) {
  latencies_.insert(latencies_.end(), other.latencies_.begin(), other.latencies_.end());
  sorted_ = false;
  bytes_ += other.bytes_;
  wrong_bytes_ += other.wrong_bytes_;
  for (const auto& [what, n] : other.errors_) errors_[what] += n;
}

uint64_t Recorder::error_count() const {
  uint64_t n = 0;
  for (const auto& [what, count] : errors_) n += count;
  return n;
}

double Recorder::Percentile(double q) {
  if (latencies_.empty()) return 0;
  if (!sorted_) {
    std::sort(latencies_.begin(), latencies_.end());
    sorted_ = true;
  }
  // Nearest rank: the smallest value with at least q of the samples at or below it.
  size_t rank = static_cast<size_t>(std::ceil(q * latencies_.size()));
  return latencies_[std::clamp<size_t>(rank, 1, latencies_.size()) - 1];
}

}  // namespace coffer::bench
