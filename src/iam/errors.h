// IAM errors as absl::Status values that also carry IAM's error code
// (NoSuchEntity, EntityAlreadyExists, MalformedPolicyDocument, ...), so the stores can
// say exactly what went wrong and the Query API can answer with AWS's names.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace coffer::iam {

absl::Status IamError(absl::StatusCode code, std::string_view iam_code, std::string message);

inline absl::Status NoSuchEntity(std::string message) {
  return IamError(absl::StatusCode::kNotFound, "NoSuchEntity", std::move(message));
}
inline absl::Status EntityAlreadyExists(std::string message) {
  return IamError(absl::StatusCode::kAlreadyExists, "EntityAlreadyExists", std::move(message));
}
inline absl::Status MalformedPolicyDocument(std::string message) {
  return IamError(absl::StatusCode::kInvalidArgument, "MalformedPolicyDocument",
                  std::move(message));
}
inline absl::Status ValidationError(std::string message) {
  return IamError(absl::StatusCode::kInvalidArgument, "ValidationError", std::move(message));
}
inline absl::Status DeleteConflict(std::string message) {
  return IamError(absl::StatusCode::kFailedPrecondition, "DeleteConflict", std::move(message));
}
inline absl::Status LimitExceeded(std::string message) {
  return IamError(absl::StatusCode::kResourceExhausted, "LimitExceeded", std::move(message));
}

// The IAM code a status carries; for statuses made elsewhere, a code by category
// (ServiceFailure for internal errors).
std::string IamCodeOf(const absl::Status& status);

}  // namespace coffer::iam
