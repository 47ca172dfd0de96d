// SigV4 building blocks (canonical request, string to sign, key derivation, signature)
// and the server-side Verify().
#include "auth/sigv4.h"

#include <algorithm>
#include <cstring>

#include "auth/internal.h"
#include "base/encoding.h"
#include "base/time.h"
#include "crypto/hash.h"

namespace coffer::auth {
namespace {

using internal::kEmptySha256;

using internal::Fail;

// RFC 3986 5.2.4 plus AWS's removal of empty segments (botocore's remove_dot_segments).
std::string RemoveDotSegments(std::string_view path) {
  std::vector<std::string_view> kept;
  std::string_view rest = path;
  while (true) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    if (seg == "..") {
      if (!kept.empty()) kept.pop_back();
    } else if (!seg.empty() && seg != ".") {
      kept.push_back(seg);
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  std::string out = path.front() == '/' ? "/" : "";
  for (size_t i = 0; i < kept.size(); ++i) {
    if (i) out += '/';
    out += kept[i];
  }
  if (path.back() == '/' && !kept.empty()) out += '/';
  return out;
}

void AppendCanonicalUri(std::string& out, std::string_view raw_path, std::string_view service) {
  if (raw_path.empty()) {
    out += '/';
    return;
  }
  if (service != "s3") {
    if (raw_path == "/") out += '/';
    else out += UriEncode(RemoveDotSegments(raw_path), /*encode_slash=*/false);
    return;
  }
  // S3: no normalization; each segment decoded and re-encoded (a decoded '/' stays %2F).
  std::string_view rest = raw_path;
  while (true) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    if (UriEncodeKeeps(seg, /*encode_slash=*/true)) {  // decoding and encoding give it back
      out += seg;
    } else if (auto decoded = UriDecode(seg)) {
      out += UriEncode(*decoded, /*encode_slash=*/true);
    } else {
      out += seg;
    }
    if (slash == std::string_view::npos) break;
    out += '/';
    rest.remove_prefix(slash + 1);
  }
}

void AppendCanonicalQuery(std::string& out, std::string_view raw_query, bool presigned) {
  if (raw_query.empty()) return;
  std::vector<std::pair<std::string, std::string>> params;
  for (const auto& [name, value] : internal::ParseQuery(raw_query)) {
    if (presigned && name == "X-Amz-Signature") continue;
    params.emplace_back(UriEncode(name, true), UriEncode(value, true));
  }
  std::sort(params.begin(), params.end());
  bool first = true;
  for (const auto& [name, value] : params) {
    if (!first) out += '&';
    first = false;
    out += name;
    out += '=';
    out += value;
  }
}

// Appends the value trimmed, with each internal run of whitespace collapsed to one space.
void AppendCanonicalHeaderValue(std::string& out, std::string_view v) {
  const size_t start = out.size();
  bool pending_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = out.size() > start;
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
}

}  // namespace

std::string CredentialScope::ToString() const {
  return date + "/" + region + "/" + service + "/" + std::string(internal::kTerminator);
}

// Built in one buffer: this runs for every signed request.
std::string CanonicalRequest(const SignableRequest& req,
                             const std::vector<std::string>& signed_headers,
                             std::string_view payload_hash, bool presigned,
                             std::string_view service) {
  size_t size = req.method.size() + 2 * req.raw_path.size() + 2 * req.raw_query.size() +
                payload_hash.size() + 8;
  for (const auto& [n, v] : req.headers) size += n.size() + v.size() + 3;
  std::string out;
  out.reserve(size);
  out += req.method;
  out += '\n';
  AppendCanonicalUri(out, req.raw_path, service);
  out += '\n';
  AppendCanonicalQuery(out, req.raw_query, presigned);
  out += '\n';
  for (const auto& name : signed_headers) {
    out += name;
    out += ':';
    bool first = true;
    for (const auto& [n, v] : req.headers) {
      if (!internal::EqualsIgnoreCase(n, name)) continue;
      if (!first) out += ',';
      AppendCanonicalHeaderValue(out, v);
      first = false;
    }
    out += '\n';
  }
  out += '\n';
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i) out += ';';
    out += signed_headers[i];
  }
  out += '\n';
  out += payload_hash;
  return out;
}

std::string StringToSign(std::string_view amz_date, const CredentialScope& scope,
                         std::string_view canonical_request) {
  std::string out;
  out.reserve(internal::kAlgorithm.size() + amz_date.size() + scope.date.size() +
              scope.region.size() + scope.service.size() + internal::kTerminator.size() + 72);
  out += internal::kAlgorithm;
  out += '\n';
  out += amz_date;
  out += '\n';
  out += scope.date;
  out += '/';
  out += scope.region;
  out += '/';
  out += scope.service;
  out += '/';
  out += internal::kTerminator;
  out += '\n';
  out += HexLower(crypto::Sha256(canonical_request));
  return out;
}

// Each thread keeps its last derivation, wiped when replaced and when the thread ends:
// requests on a connection (served by one thread) nearly always repeat it, and the four
// HMACs cost about 2.5% of a small PUT's CPU. It holds the secret it came from, which
// the identity store holds anyway.
namespace {
struct LastSigningKey {
  SecretBytes secret;
  CredentialScope scope;
  SecretBytes key;
  bool Matches(const SecretBytes& secret_key, const CredentialScope& s) const {
    return !key.empty() && crypto::ConstantTimeEquals(secret.view(), secret_key.view()) &&
           scope.date == s.date && scope.region == s.region && scope.service == s.service;
  }
};
}  // namespace

SecretBytes DeriveSigningKey(const SecretBytes& secret_key, const CredentialScope& scope) {
  thread_local LastSigningKey last;
  if (last.Matches(secret_key, scope)) return last.key.Copy();
  SecretBytes k_secret(4 + secret_key.size());
  std::memcpy(k_secret.data(), "AWS4", 4);
  if (!secret_key.empty()) std::memcpy(k_secret.data() + 4, secret_key.data(), secret_key.size());
  std::string k_date = crypto::HmacSha256(k_secret.view(), scope.date);
  std::string k_region = crypto::HmacSha256(k_date, scope.region);
  std::string k_service = crypto::HmacSha256(k_region, scope.service);
  std::string k_signing = crypto::HmacSha256(k_service, internal::kTerminator);
  SecretBytes out(k_signing);
  WipeString(k_date);
  WipeString(k_region);
  WipeString(k_service);
  WipeString(k_signing);
  last.secret = secret_key.Copy();
  last.scope = scope;
  last.key = out.Copy();
  return out;
}

std::string SignatureHex(const SecretBytes& signing_key, std::string_view string_to_sign) {
  // A connection's requests (and an upload's chunks) are signed with one key again and
  // again: each thread keeps the last key set up, which spares hashing its pads for
  // every signature. Like the derivation above, it holds what the thread used last.
  struct LastKey {
    SecretBytes key;
    std::optional<crypto::HmacSha256Key> mac;
  };
  thread_local LastKey last;
  if (!last.mac || !crypto::ConstantTimeEquals(last.key.view(), signing_key.view())) {
    last.mac.emplace(signing_key.view());
    last.key = signing_key.Copy();
  }
  return HexLower(last.mac->Mac(string_to_sign));
}

SigningContext AnonymousContext(const SignableRequest& req) {
  SigningContext ctx;
  ctx.method = AuthMethod::kAnonymous;
  ctx.payload = PayloadMode::kUnsigned;
  std::string content = req.Header("x-amz-content-sha256");
  auto mode = internal::ParsePayloadMode(content);
  if (mode == PayloadMode::kSigned || mode == PayloadMode::kStreamingUnsignedTrailer) {
    ctx.payload = *mode;
    ctx.payload_hash = content;
  }
  return ctx;
}

namespace {

using K = Error::Kind;

std::string HeaderOrQueryPrefix(bool presigned) {
  return presigned ? "Error parsing the X-Amz-Credential parameter; "
                   : "The authorization header is malformed; ";
}

// The credential scope must name our region and the request's date.
std::optional<Error> CheckScope(const ParsedAuth& parsed, std::string_view region) {
  const bool presigned = parsed.method == AuthMethod::kPresigned;
  if (parsed.scope.region != region) {
    Error e = Fail(K::kWrongRegion, HeaderOrQueryPrefix(presigned) + "the region '" +
                                        parsed.scope.region + "' is wrong; expecting '" +
                                        std::string(region) + "'");
    e.region = std::string(region);
    return e;
  }
  if (!ParseAmzDate(parsed.amz_date)) {
    return presigned ? Fail(K::kMalformedQuery,
                            "X-Amz-Date must be in the ISO8601 Long Format "
                            "\"yyyyMMdd'T'HHmmss'Z'\"")
                     : Fail(K::kMissingHeader,
                            "AWS authentication requires a valid Date or x-amz-date header");
  }
  std::string date = parsed.amz_date.substr(0, 8);
  if (parsed.scope.date != date) {
    std::string detail = "Invalid credential date \"" + parsed.scope.date +
                         "\". This date is not the same as X-Amz-Date: \"" + date + "\".";
    return presigned ? Fail(K::kMalformedQuery, detail)
                     : Fail(K::kMalformed, "The authorization header is malformed; " + detail);
  }
  return std::nullopt;
}

// The payload hash the client signed, and thereby how its body is to be decoded.
struct SignedPayload {
  PayloadMode mode;
  std::string hash;
};
std::variant<SignedPayload, Error> PayloadOf(const ParsedAuth& parsed, const SignableRequest& req,
                                             const std::optional<std::string>& body_sha256_hex) {
  if (req.HasHeader("x-amz-content-sha256")) {
    std::string value = req.Header("x-amz-content-sha256");
    auto mode = internal::ParsePayloadMode(value);
    if (!mode) {
      return Fail(K::kInvalidContentHash,
                  "The provided 'x-amz-content-sha256' header must be a valid SHA256.");
    }
    return SignedPayload{*mode, std::move(value)};
  }
  if (parsed.scope.service == "s3") {
    if (parsed.method == AuthMethod::kPresigned) {
      return SignedPayload{PayloadMode::kUnsigned, std::string(internal::kUnsignedPayload)};
    }
    return Fail(K::kUnsupported, "Missing required header for this request: x-amz-content-sha256");
  }
  // Other services sign the body's hash without sending it.
  std::string hash = internal::Lower(body_sha256_hex.value_or(std::string(kEmptySha256)));
  if (!internal::IsLowerHex(hash, 64)) {
    return Fail(K::kInvalidContentHash, "The body hash must be a hex SHA-256.");
  }
  return SignedPayload{PayloadMode::kSigned, std::move(hash)};
}

// host must be signed, and every signed header must be present.
std::optional<Error> CheckSignedHeaders(const ParsedAuth& parsed, const SignableRequest& req) {
  const auto& names = parsed.signed_headers;
  if (std::find(names.begin(), names.end(), "host") == names.end()) {
    return Fail(K::kMissingHeader, "The host header must be signed.");
  }
  for (const auto& name : names) {
    if (!req.HasHeader(name)) {
      return Fail(K::kMissingHeader,
                  "The request lacks the header '" + name + "' listed in SignedHeaders.");
    }
  }
  return std::nullopt;
}

// Header auth: within max_skew of now. Presigned: from (date - max_skew) to (date + expires).
std::optional<Error> CheckTime(const ParsedAuth& parsed, absl::Time now, absl::Duration max_skew) {
  absl::Time signed_at = *ParseAmzDate(parsed.amz_date);
  if (parsed.method == AuthMethod::kPresigned) {
    if (signed_at - now > max_skew) return Fail(K::kNotYetValid, "Request is not valid yet");
    if (now > signed_at + absl::Seconds(parsed.expires_seconds)) {
      Error e = Fail(K::kExpired, "Request has expired");
      e.server_time = FormatAmzDate(now);
      return e;
    }
  } else if (absl::AbsDuration(now - signed_at) > max_skew) {
    Error e = Fail(K::kTimeSkewed,
                   "The difference between the request time and the current time is too large.");
    e.request_time = parsed.amz_date;
    e.server_time = FormatAmzDate(now);
    return e;
  }
  return std::nullopt;
}

}  // namespace

std::variant<SigningContext, Error> Verify(const ParsedAuth& parsed, const SignableRequest& req,
                                           const SecretBytes& secret_key, absl::Time now,
                                           std::string_view region, absl::Duration max_skew,
                                           std::optional<std::string> body_sha256_hex) {
  if (parsed.method == AuthMethod::kAnonymous) {
    return Fail(K::kMissingHeader, "The request is not signed.");
  }
  if (auto err = CheckScope(parsed, region)) return *err;
  auto payload = PayloadOf(parsed, req, body_sha256_hex);
  if (auto* err = std::get_if<Error>(&payload)) return *err;
  SignedPayload& signed_payload = std::get<SignedPayload>(payload);
  if (auto err = CheckSignedHeaders(parsed, req)) return *err;
  if (auto err = CheckTime(parsed, now, max_skew)) return *err;

  const bool presigned = parsed.method == AuthMethod::kPresigned;
  std::string canonical = CanonicalRequest(req, parsed.signed_headers, signed_payload.hash,
                                           presigned, parsed.scope.service);
  std::string string_to_sign = StringToSign(parsed.amz_date, parsed.scope, canonical);
  SecretBytes signing_key = DeriveSigningKey(secret_key, parsed.scope);
  if (!crypto::ConstantTimeEquals(SignatureHex(signing_key, string_to_sign), parsed.signature)) {
    Error e = Fail(K::kSignatureMismatch,
                   "The request signature we calculated does not match the signature you "
                   "provided. Check your key and signing method.");
    e.string_to_sign = std::move(string_to_sign);
    e.canonical_request = std::move(canonical);
    return e;
  }

  SigningContext ctx;
  ctx.access_key_id = parsed.access_key_id;
  ctx.scope = parsed.scope;
  ctx.method = parsed.method;
  ctx.payload = signed_payload.mode;
  ctx.payload_hash = std::move(signed_payload.hash);
  ctx.amz_date = parsed.amz_date;
  ctx.seed_signature = parsed.signature;
  ctx.signing_key = std::move(signing_key);
  return ctx;
}

}  // namespace coffer::auth
