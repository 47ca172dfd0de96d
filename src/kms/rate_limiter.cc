#include "kms/rate_limiter.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace coffer::kms {

// AWS's default shared quota for symmetric cryptographic operations is in the tens of
// thousands per second; management operations are far lower. Coffer's defaults keep
// that shape while leaving room for tests and benchmarks.
RateLimiter::RateLimiter() : rates_{{"crypto", 50000}, {"manage", 1000}} {}

absl::StatusOr<RateLimiter> RateLimiter::Parse(const std::string& spec) {
  RateLimiter r;
  for (absl::string_view part : absl::StrSplit(spec, ',', absl::SkipEmpty())) {
    std::vector<std::string> kv = absl::StrSplit(part, absl::MaxSplits('=', 1));
    double rate = 0;
    if (kv.size() != 2 || (kv[0] != "crypto" && kv[0] != "manage") ||
        !absl::SimpleAtod(kv[1], &rate) || rate < 0)
      return absl::InvalidArgumentError("--kms-rate wants crypto=N,manage=M (requests/second)");
    r.rates_[kv[0]] = rate;
  }
  return r;
}

const char* RateLimiter::FamilyOf(const std::string& op) {
  static const char* kCrypto[] = {"Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey",
                                  "GenerateDataKeyWithoutPlaintext", "GenerateRandom"};
  for (const char* c : kCrypto)
    if (op == c) return "crypto";
  return "manage";
}

bool RateLimiter::Allow(const std::string& account, const std::string& family, absl::Time now) {
  double rate = rates_.count(family) ? rates_.at(family) : 0;
  if (rate <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& b = buckets_[{account, family}];
  if (b.refilled == absl::InfinitePast()) {
    b.tokens = rate;
  } else {
    double elapsed = absl::ToDoubleSeconds(now - b.refilled);
    b.tokens = std::min(rate, b.tokens + std::max(0.0, elapsed) * rate);
  }
  b.refilled = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

}  // namespace coffer::kms
