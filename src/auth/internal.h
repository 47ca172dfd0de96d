// Helpers shared by the auth/ sources. Not part of the module's public API.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/sigv4.h"

namespace coffer::auth::internal {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kTerminator = "aws4_request";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kStreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view kStreamingSignedTrailer =
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
inline constexpr std::string_view kStreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
// Hex SHA-256 of the empty string.
inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

inline Error Fail(Error::Kind kind, std::string message) {
  Error e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

std::string Lower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool IsLowerHex(std::string_view s, size_t length);
// Strips spaces and tabs at both ends.
std::string_view Trim(std::string_view s);

// Splits a raw query string on '&' into percent-decoded (name, value) pairs, in order.
// Empty pieces are skipped; a piece without '=' has an empty value; a name or value with a
// bad escape is kept as sent.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view raw_query);
// First value of a query parameter (exact, case-sensitive name), or nullptr.
const std::string* FindParam(const std::vector<std::pair<std::string, std::string>>& params,
                             std::string_view name);

// x-amz-content-sha256 -> payload mode: 64 lower-case hex, UNSIGNED-PAYLOAD or one of
// the three STREAMING-* values; nullopt for anything else.
std::optional<PayloadMode> ParsePayloadMode(std::string_view value);

}  // namespace coffer::auth::internal
