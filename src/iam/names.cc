#include "iam/names.h"

#include "base/ids.h"
#include "iam/errors.h"

namespace coffer::iam {
namespace {

std::string RandomFrom(std::string_view alphabet, size_t n) {
  std::string bytes = RandomBytes(n), out;
  for (unsigned char b : bytes) out.push_back(alphabet[b % alphabet.size()]);
  return out;
}

}  // namespace

absl::Status CheckName(const std::string& field, const std::string& value, size_t max) {
  bool ok = !value.empty() && value.size() <= max;
  for (char c : value) {
    ok &= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          std::string_view("+=,.@_-").find(c) != std::string_view::npos;
  }
  if (ok) return absl::OkStatus();
  return ValidationError("1 validation error detected: Value '" + value + "' at '" + field +
                         "' failed to satisfy constraint: Member must satisfy regular "
                         "expression pattern: [\\w+=,.@-]+ and have length between 1 and " +
                         std::to_string(max));
}

absl::Status CheckPath(const std::string& path) {
  bool ok = !path.empty() && path.size() <= 512 && path.front() == '/' && path.back() == '/';
  for (char c : path) ok &= c > ' ' && c <= '~';
  if (ok) return absl::OkStatus();
  return ValidationError("The specified value for path is invalid. It must begin and end with / "
                         "and contain only alphanumeric characters and/or / characters.");
}

std::string RandomDigits(size_t n) { return RandomFrom("0123456789", n); }
std::string RandomIdChars(size_t n) { return RandomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", n); }

}  // namespace coffer::iam
