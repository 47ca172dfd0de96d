// Latency and throughput accounting for coffer-bench: each worker records into its own
// Recorder (no locks); the results are merged once at the end.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace coffer::bench {

class Recorder {
 public:
  void Ok(double micros, uint64_t bytes) {
    latencies_.push_back(micros);
    bytes_ += bytes;
  }
  // `what` is the HTTP status and AWS error code, or a transport failure.
  void Error(const std::string& what) { ++errors_[what]; }
  // Bytes that came back different from what was written: always reported.
  void WrongBytes() { ++wrong_bytes_; }
  void Merge(const Recorder& other);

  uint64_t ops() const { return latencies_.size(); }
  uint64_t bytes() const { return bytes_; }
  uint64_t wrong_bytes() const { return wrong_bytes_; }
  uint64_t error_count() const;
  const std::map<std::string, uint64_t>& errors() const { return errors_; }
  // The q-quantile (0..1) of the latencies in microseconds; 0 with none.
  double Percentile(double q);

 private:
  std::vector<double> latencies_;
  bool sorted_ = false;
  uint64_t bytes_ = 0;
  uint64_t wrong_bytes_ = 0;
  std::map<std::string, uint64_t> errors_;
};

}  // namespace coffer::bench
