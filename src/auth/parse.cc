// ParseAuth: reads the Authorization header or the X-Amz-* query parameters. Form only:
// nothing here is trusted until Verify() has checked the signature.
#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/numbers.h"
#include "auth/internal.h"
#include "auth/sigv4.h"
#include "base/time.h"

namespace coffer::auth {
namespace {

using K = Error::Kind;
using Params = std::vector<std::pair<std::string, std::string>>;

constexpr int64_t kMaxExpiresSeconds = 604800;  // one week
constexpr std::string_view kHeaderPrefix = "The authorization header is malformed; ";
constexpr std::string_view kQueryCredentialPrefix =
    "Error parsing the X-Amz-Credential parameter; ";

using internal::Fail;

// "AKID/YYYYMMDD/REGION/SERVICE/aws4_request" -> access key id and scope. On failure returns
// the detail of AWS's message (without its header/query prefix).
std::optional<std::string> ParseCredential(std::string_view value, ParsedAuth& out) {
  std::vector<std::string_view> parts;
  while (true) {
    size_t slash = value.find('/');
    parts.push_back(value.substr(0, slash));
    if (slash == std::string_view::npos) break;
    value.remove_prefix(slash + 1);
  }
  bool any_empty = false;
  for (auto p : parts) any_empty |= p.empty();
  if (parts.size() != 5 || any_empty) {
    return "the Credential is mal-formed; expecting "
           "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".";
  }
  bool date_ok = parts[1].size() == 8;
  for (char c : parts[1]) date_ok &= c >= '0' && c <= '9';
  if (!date_ok) {
    return "incorrect date format \"" + std::string(parts[1]) +
           "\". This date in the credential must be in the format \"yyyyMMdd\".";
  }
  if (parts[4] != internal::kTerminator) {
    return "incorrect terminal \"" + std::string(parts[4]) + "\". This endpoint uses \"" +
           std::string(internal::kTerminator) + "\".";
  }
  out.access_key_id = std::string(parts[0]);
  out.scope = CredentialScope{std::string(parts[1]), std::string(parts[2]), std::string(parts[3])};
  return std::nullopt;
}

// "host;x-amz-date" -> lower-case names; false when empty or a name is empty.
bool ParseSignedHeaders(std::string_view value, std::vector<std::string>& out) {
  if (value.empty()) return false;
  while (true) {
    size_t semi = value.find(';');
    std::string_view name = value.substr(0, semi);
    if (name.empty()) return false;
    out.push_back(internal::Lower(name));
    if (semi == std::string_view::npos) return true;
    value.remove_prefix(semi + 1);
  }
}

std::variant<ParsedAuth, Error> ParseHeaderAuth(const SignableRequest& req) {
  const std::string header = req.Header("authorization");
  std::string_view value = internal::Trim(header);
  ParsedAuth out;
  out.method = AuthMethod::kHeader;

  size_t space = value.find_first_of(" \t");
  std::string_view algorithm = value.substr(0, space);
  std::string_view rest = space == std::string_view::npos ? "" : value.substr(space);
  if (algorithm == "AWS" || algorithm == "AWS4-ECDSA-P256-SHA256") {
    return Fail(K::kUnsupported,
                "The authorization mechanism you have provided is not supported. Please use "
                "AWS4-HMAC-SHA256.");
  }
  if (algorithm != internal::kAlgorithm)
    return Fail(K::kUnsupported, "Unsupported Authorization Type");

  // Components, separated by commas and/or whitespace: Credential=, SignedHeaders=, Signature=.
  // (A loop over a predicate: find_first_of calls memchr once per character.)
  auto separator = [](char c) { return c == ',' || c == ' ' || c == '\t'; };
  std::optional<std::string_view> credential, signed_headers, signature;
  while (true) {
    rest.remove_prefix(std::find_if_not(rest.begin(), rest.end(), separator) - rest.begin());
    if (rest.empty()) break;
    size_t end = std::find_if(rest.begin(), rest.end(), separator) - rest.begin();
    std::string_view component = rest.substr(0, end);
    rest.remove_prefix(end);
    size_t eq = component.find('=');
    std::string_view key = component.substr(0, eq);
    std::optional<std::string_view>* slot = key == "Credential"      ? &credential
                                            : key == "SignedHeaders" ? &signed_headers
                                            : key == "Signature"     ? &signature
                                                                     : nullptr;
    if (eq == std::string_view::npos || slot == nullptr || slot->has_value()) {
      return Fail(K::kMalformed, std::string(kHeaderPrefix) + "the authorization component \"" +
                                     std::string(component) + "\" is malformed.");
    }
    *slot = component.substr(eq + 1);
  }
  if (!credential || !signed_headers || !signature) {
    return Fail(K::kMalformed, std::string(kHeaderPrefix) +
                                   "the authorization header requires three components: "
                                   "Credential, SignedHeaders, and Signature.");
  }
  if (auto err = ParseCredential(*credential, out)) {
    return Fail(K::kMalformed, std::string(kHeaderPrefix) + *err);
  }
  if (!ParseSignedHeaders(*signed_headers, out.signed_headers)) {
    return Fail(K::kMalformed, std::string(kHeaderPrefix) +
                                   "the authorization component \"SignedHeaders=" +
                                   std::string(*signed_headers) + "\" is malformed.");
  }
  if (signature->empty()) {
    return Fail(K::kMalformed, std::string(kHeaderPrefix) +
                                   "the authorization component \"Signature=\" is malformed.");
  }
  out.signature = std::string(*signature);

  // The request time: x-amz-date, else Date (an HTTP date).
  const char* kNoDate = "AWS authentication requires a valid Date or x-amz-date header";
  if (req.HasHeader("x-amz-date")) {
    std::string d(internal::Trim(req.Header("x-amz-date")));
    if (!ParseAmzDate(d)) return Fail(K::kMissingHeader, kNoDate);
    out.amz_date = d;
  } else if (req.HasHeader("date")) {
    auto t = ParseHttpDate(internal::Trim(req.Header("date")));
    if (!t) return Fail(K::kMissingHeader, kNoDate);
    out.amz_date = FormatAmzDate(*t);
  } else {
    return Fail(K::kMissingHeader, kNoDate);
  }
  out.security_token = req.Header("x-amz-security-token");
  return out;
}

std::variant<ParsedAuth, Error> ParseQueryAuth(const Params& params) {
  const std::string* algorithm = internal::FindParam(params, "X-Amz-Algorithm");
  const std::string* credential = internal::FindParam(params, "X-Amz-Credential");
  const std::string* signature = internal::FindParam(params, "X-Amz-Signature");
  const std::string* date = internal::FindParam(params, "X-Amz-Date");
  const std::string* signed_headers = internal::FindParam(params, "X-Amz-SignedHeaders");
  const std::string* expires = internal::FindParam(params, "X-Amz-Expires");
  if (!algorithm || !credential || !signature || !date || !signed_headers || !expires) {
    return Fail(K::kMalformedQuery,
                "Query-string authentication version 4 requires the X-Amz-Algorithm, "
                "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
                "X-Amz-Expires parameters.");
  }
  ParsedAuth out;
  out.method = AuthMethod::kPresigned;
  if (*algorithm != internal::kAlgorithm) {
    return Fail(K::kMalformedQuery, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  if (auto err = ParseCredential(*credential, out)) {
    return Fail(K::kMalformedQuery, std::string(kQueryCredentialPrefix) + *err);
  }
  if (!ParseAmzDate(*date)) {
    return Fail(K::kMalformedQuery,
                "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }
  out.amz_date = *date;
  int64_t seconds;
  if (!absl::SimpleAtoi(*expires, &seconds)) {
    return Fail(K::kMalformedQuery, "X-Amz-Expires should be a number");
  }
  if (seconds < 0) return Fail(K::kMalformedQuery, "X-Amz-Expires must be non-negative");
  if (seconds > kMaxExpiresSeconds) {
    return Fail(K::kMalformedQuery,
                "X-Amz-Expires must be less than a week (in seconds) that is 604800");
  }
  out.expires_seconds = seconds;
  if (!ParseSignedHeaders(*signed_headers, out.signed_headers)) {
    return Fail(K::kMalformedQuery, "X-Amz-SignedHeaders is malformed");
  }
  if (signature->empty()) return Fail(K::kMalformedQuery, "X-Amz-Signature is malformed");
  out.signature = *signature;
  if (const std::string* token = internal::FindParam(params, "X-Amz-Security-Token")) {
    out.security_token = *token;
  }
  return out;
}

}  // namespace

std::variant<ParsedAuth, Error> ParseAuth(const SignableRequest& req) {
  Params params = internal::ParseQuery(req.raw_query);
  auto has = [&](std::string_view name) { return internal::FindParam(params, name) != nullptr; };
  const bool header = req.HasHeader("authorization");
  const bool query_v4 = has("X-Amz-Algorithm") || has("X-Amz-Credential") || has("X-Amz-Signature");
  const bool query_v2 = has("AWSAccessKeyId") && has("Signature");
  if (header && (query_v4 || query_v2)) {
    return Fail(K::kMalformed,
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                "Signature query string parameter or the Authorization header should be "
                "specified");
  }
  if (header) return ParseHeaderAuth(req);
  if (query_v4) return ParseQueryAuth(params);
  if (query_v2) {
    return Fail(K::kUnsupported,
                "The authorization mechanism you have provided is not supported. Please use "
                "AWS4-HMAC-SHA256.");
  }
  return ParsedAuth{};
}

}  // namespace coffer::auth
