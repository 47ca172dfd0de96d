// Request-rate quotas per account and operation family, as token buckets: a family
// with a rate of N requests per second allows bursts of N and refills continuously.
// A rate of 0 means unlimited. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace coffer::kms {

class RateLimiter {
 public:
  // "crypto=N,manage=M" (either may be left out; defaults apply).
  static absl::StatusOr<RateLimiter> Parse(const std::string& spec);
  RateLimiter();
  RateLimiter(const RateLimiter& o) : rates_(o.rates_) {}

  // The family an operation counts against: "crypto" for cryptographic operations
  // (Encrypt, Decrypt, ReEncrypt, GenerateDataKey*, GenerateRandom), else "manage".
  static const char* FamilyOf(const std::string& operation);
  // Takes one token; false when the account is over its rate.
  bool Allow(const std::string& account, const std::string& family, absl::Time now);

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time refilled = absl::InfinitePast();
  };
  std::map<std::string, double> rates_;
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Bucket> buckets_;
};

}  // namespace coffer::kms
