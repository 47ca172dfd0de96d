// POST policies: the base64 JSON document a browser form carries, and the check of the
// form's fields against it, with AWS's error wording.
//
//   {"expiration": "2026-12-01T12:00:00.000Z",
//    "conditions": [{"bucket": "b"}, ["starts-with", "$key", "user/"],
//                   ["content-length-range", 0, 1048576], {"acl": "public-read"}]}
//
// Every form field but file, policy, x-amz-signature, signature, awsaccesskeyid and
// x-ignore-* must be covered by a condition; every condition must hold.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "s3/error.h"

namespace coffer::s3 {

struct PostCondition {
  enum class Kind { kEq, kStartsWith, kLengthRange } kind = Kind::kEq;
  std::string field;  // lower-case, without '$'
  std::string value;
  int64_t min = 0, max = 0;
  std::string text;  // as written, for error messages
};

struct PostPolicy {
  absl::Time expiration;
  std::vector<PostCondition> conditions;
};

// InvalidPolicyDocument when the policy is not base64 JSON of the expected shape.
std::variant<PostPolicy, S3Error> ParsePostPolicy(std::string_view base64_policy);

// `fields` maps lower-case field names to values and includes "bucket".
std::optional<S3Error> CheckPostPolicy(const PostPolicy& policy,
                                       const std::map<std::string, std::string>& fields,
                                       absl::Time now);

// The content-length-range condition against the file's size (EntityTooSmall,
// EntityTooLarge).
std::optional<S3Error> CheckPostLength(const PostPolicy& policy, uint64_t size);

}  // namespace coffer::s3
