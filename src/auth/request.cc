// SignableRequest accessors and the small helpers in auth/internal.h.
#include "auth/request.h"

#include "auth/internal.h"
#include "base/encoding.h"

namespace coffer::auth {

std::string SignableRequest::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (internal::EqualsIgnoreCase(n, name)) return v;
  }
  return "";
}

bool SignableRequest::HasHeader(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (internal::EqualsIgnoreCase(n, name)) return true;
  }
  return false;
}

namespace internal {
namespace {
char LowerChar(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerChar(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerChar(a[i]) != LowerChar(b[i])) return false;
  }
  return true;
}

bool IsLowerHex(std::string_view s, size_t length) {
  if (s.size() != length) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> out;
  auto decode = [](std::string_view s) { return UriDecode(s).value_or(std::string(s)); };
  for (const auto& [name, value] : SplitQuery(raw_query)) {
    out.emplace_back(decode(name), decode(value));
  }
  return out;
}

const std::string* FindParam(const std::vector<std::pair<std::string, std::string>>& params,
                             std::string_view name) {
  for (const auto& [n, v] : params) {
    if (n == name) return &v;
  }
  return nullptr;
}

std::optional<PayloadMode> ParsePayloadMode(std::string_view value) {
  if (IsLowerHex(value, 64)) return PayloadMode::kSigned;
  if (value == kUnsignedPayload) return PayloadMode::kUnsigned;
  if (value == kStreamingSigned) return PayloadMode::kStreamingSigned;
  if (value == kStreamingSignedTrailer) return PayloadMode::kStreamingSignedTrailer;
  if (value == kStreamingUnsignedTrailer) return PayloadMode::kStreamingUnsignedTrailer;
  return std::nullopt;
}

}  // namespace internal
}  // namespace coffer::auth
