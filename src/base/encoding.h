// Text encodings used on the wire: hex, base64, AWS URI encoding, UTF-8 checks.
// Pure functions; decoders return std::nullopt on malformed input.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coffer {

std::string HexLower(std::string_view bytes);
std::optional<std::string> HexDecode(std::string_view hex);

std::string Base64(std::string_view bytes);
// Strict standard base64 with padding (what Content-MD5 and SSE-C keys use).
std::optional<std::string> Base64Decode(std::string_view text);

// AWS's UriEncode: every byte but A-Z a-z 0-9 - _ . ~ is %XX (upper-case hex);
// '/' is kept when encode_slash is false (SigV4 canonical URI of an S3 path).
std::string UriEncode(std::string_view s, bool encode_slash);
// True when UriEncode(s, encode_slash) is `s` itself: nothing in it to encode.
bool UriEncodeKeeps(std::string_view s, bool encode_slash);
// Percent-decoding; '+' stays '+' unless plus_is_space. nullopt on a bad escape.
std::optional<std::string> UriDecode(std::string_view s, bool plus_is_space = false);

// Splits a raw query string ("a=1&b&c=") into its name/value pieces, still encoded;
// a piece without '=' has an empty value. Empty pieces are skipped.
std::vector<std::pair<std::string_view, std::string_view>> SplitQuery(std::string_view raw);

bool IsValidUtf8(std::string_view s);

}  // namespace coffer
