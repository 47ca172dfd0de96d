#include "kms/errors.h"

#include "absl/strings/cord.h"

namespace coffer::kms {
namespace {
constexpr char kPayload[] = "coffer.kms/exception";
}

absl::Status KmsError(std::string_view exception, std::string message) {
  absl::StatusCode code = absl::StatusCode::kInvalidArgument;
  if (exception == "NotFoundException") code = absl::StatusCode::kNotFound;
  else if (exception == "AccessDeniedException") code = absl::StatusCode::kPermissionDenied;
  else if (exception == "AlreadyExistsException") code = absl::StatusCode::kAlreadyExists;
  else if (exception == "LimitExceededException" || exception == "ThrottlingException")
    code = absl::StatusCode::kResourceExhausted;
  else if (exception == "KMSInternalException") code = absl::StatusCode::kInternal;
  else if (exception == "KMSInvalidStateException" || exception == "DisabledException")
    code = absl::StatusCode::kFailedPrecondition;
  absl::Status s(code, message);
  s.SetPayload(kPayload, absl::Cord(std::string(exception)));
  return s;
}

std::string KmsCodeOf(const absl::Status& status) {
  if (auto p = status.GetPayload(kPayload)) return std::string(*p);
  switch (status.code()) {
    case absl::StatusCode::kNotFound: return "NotFoundException";
    case absl::StatusCode::kInvalidArgument: return "ValidationException";
    case absl::StatusCode::kPermissionDenied: return "AccessDeniedException";
    case absl::StatusCode::kAlreadyExists: return "AlreadyExistsException";
    case absl::StatusCode::kResourceExhausted: return "LimitExceededException";
    default: return "KMSInternalException";
  }
}

int KmsHttpStatus(std::string_view exception) {
  if (exception == "KMSInternalException" || exception == "DependencyTimeoutException")
    return 500;
  if (exception == "DryRunOperationException") return 412;
  return 400;
}

}  // namespace coffer::kms
