#include "iam/errors.h"

#include "absl/strings/cord.h"

namespace coffer::iam {
namespace {
constexpr char kPayload[] = "coffer.iam/code";
}

absl::Status IamError(absl::StatusCode code, std::string_view iam_code, std::string message) {
  absl::Status s(code, message);
  s.SetPayload(kPayload, absl::Cord(std::string(iam_code)));
  return s;
}

std::string IamCodeOf(const absl::Status& status) {
  if (auto p = status.GetPayload(kPayload)) return std::string(*p);
  switch (status.code()) {
    case absl::StatusCode::kNotFound: return "NoSuchEntity";
    case absl::StatusCode::kAlreadyExists: return "EntityAlreadyExists";
    case absl::StatusCode::kInvalidArgument: return "ValidationError";
    case absl::StatusCode::kFailedPrecondition: return "DeleteConflict";
    case absl::StatusCode::kResourceExhausted: return "LimitExceeded";
    default: return "ServiceFailure";
  }
}

}  // namespace coffer::iam
