// Conditional and partial reads: the Range header and If-Match, If-None-Match,
// If-Modified-Since, If-Unmodified-Since, evaluated as S3 does (RFC 7232 order,
// with S3's rule that a true If-Match overrides a false If-Unmodified-Since and a
// false If-None-Match overrides a true If-Modified-Since). Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "absl/time/time.h"
#include "s3/error.h"

namespace coffer::s3 {

struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
  uint64_t length() const { return last - first + 1; }
};

// nullopt: serve the whole object (no Range header, or one S3 ignores, such as a
// multi-range or non-bytes unit). S3Error: 416 InvalidRange.
std::variant<std::optional<ByteRange>, S3Error> ParseRange(std::string_view header,
                                                           uint64_t object_size);

struct ReadConditions {
  std::optional<std::string> if_match, if_none_match;
  std::optional<std::string> if_modified_since, if_unmodified_since;  // HTTP dates
};

enum class ConditionOutcome { kProceed, kNotModified, kPreconditionFailed };

struct ConditionResult {
  ConditionOutcome outcome = ConditionOutcome::kProceed;
  std::string failed_condition;  // "If-Match" or "If-Unmodified-Since"
};

ConditionResult EvaluateConditions(const ReadConditions& c, const std::string& etag,
                                   absl::Time last_modified);

// True when an If-Match/If-None-Match value ("*", a quoted or bare ETag, or a comma
// separated list of them) matches `etag` (given without quotes).
bool EtagMatches(std::string_view header, const std::string& etag);

}  // namespace coffer::s3
