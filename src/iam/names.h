// IAM's naming rules and identifier shapes.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace coffer::iam {

// Names of users, groups, roles, policies: 1..max characters of [A-Za-z0-9+=,.@_-]
// (ValidationError with IAM's wording otherwise).
absl::Status CheckName(const std::string& field, const std::string& value, size_t max);
// Paths: "/" or "/segment/.../", at most 512 characters.
absl::Status CheckPath(const std::string& path);

std::string RandomDigits(size_t n);
// Upper-case letters and digits 2-7, as AWS ids (AKIA..., AIDA..., AROA...) use.
std::string RandomIdChars(size_t n);

}  // namespace coffer::iam
