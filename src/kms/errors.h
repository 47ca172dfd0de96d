// KMS errors as absl::Status values carrying KMS's exception name
// (NotFoundException, DisabledException, InvalidCiphertextException, ...), so the key
// service can say exactly what went wrong and the JSON API answers with AWS's names.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace coffer::kms {

absl::Status KmsError(std::string_view exception, std::string message);

// The exception name a status carries; for statuses made elsewhere, one by category
// (KMSInternalException for internal errors).
std::string KmsCodeOf(const absl::Status& status);
// The HTTP status KMS answers with for that exception (400 for client errors, 412 for
// DryRunOperationException, 500 for internal ones).
int KmsHttpStatus(std::string_view exception);

inline absl::Status NotFound(std::string m) { return KmsError("NotFoundException", std::move(m)); }
inline absl::Status Validation(std::string m) {
  return KmsError("ValidationException", std::move(m));
}
inline absl::Status AccessDenied(std::string m) {
  return KmsError("AccessDeniedException", std::move(m));
}
inline absl::Status InvalidState(std::string m) {
  return KmsError("KMSInvalidStateException", std::move(m));
}
inline absl::Status Disabled(std::string m) { return KmsError("DisabledException", std::move(m)); }
inline absl::Status InvalidCiphertext() {
  return KmsError("InvalidCiphertextException", "The ciphertext is invalid.");
}
inline absl::Status Unsupported(std::string m) {
  return KmsError("UnsupportedOperationException", std::move(m));
}
inline absl::Status LimitExceeded(std::string m) {
  return KmsError("LimitExceededException", std::move(m));
}

}  // namespace coffer::kms
