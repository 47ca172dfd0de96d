// Client-side signing (SignRequest, PresignQuery) and the chunk/trailer signatures shared
// by the aws-chunked decoder and encoder. Mirrors botocore's SigV4 signer.
#include <algorithm>
#include <set>

#include "auth/internal.h"
#include "auth/sigv4.h"
#include "base/encoding.h"
#include "base/time.h"
#include "crypto/hash.h"

namespace coffer::auth {
namespace {

bool Unsigned(std::string_view lower_name) {
  // What botocore leaves out of SignedHeaders (proxies may change them), plus the signature.
  return lower_name == "authorization" || lower_name == "user-agent" || lower_name == "expect" ||
         lower_name == "transfer-encoding" || lower_name == "x-amzn-trace-id";
}

std::vector<std::string> HeadersToSign(const SignableRequest& req) {
  std::set<std::string> names;
  for (const auto& [name, value] : req.headers) {
    std::string lower = internal::Lower(name);
    if (!Unsigned(lower)) names.insert(std::move(lower));
  }
  return {names.begin(), names.end()};
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ";") + p;
  return out;
}

void RemoveHeader(SignableRequest& req, std::string_view name) {
  std::erase_if(req.headers,
                [&](const auto& h) { return internal::EqualsIgnoreCase(h.first, name); });
}

std::string StreamingStringToSign(std::string_view kind, const SigningContext& ctx,
                                  std::string_view previous_signature) {
  std::string out(kind);
  out += "\n" + ctx.amz_date + "\n" + ctx.scope.ToString() + "\n";
  out += previous_signature;
  out += "\n";
  return out;
}

}  // namespace

void SignRequest(SignableRequest& req, const Credentials& creds, const CredentialScope& scope_in,
                 absl::Time now, std::string_view payload_hash) {
  const std::string amz_date = FormatAmzDate(now);
  CredentialScope scope = scope_in;
  if (scope.date.empty()) scope.date = amz_date.substr(0, 8);
  const bool s3 = scope.service == "s3";

  for (auto name : {"authorization", "x-amz-date", "x-amz-security-token"}) RemoveHeader(req, name);
  req.headers.emplace_back("x-amz-date", amz_date);
  if (s3) {
    RemoveHeader(req, "x-amz-content-sha256");
    req.headers.emplace_back("x-amz-content-sha256", std::string(payload_hash));
  }
  if (!creds.session_token.empty()) {
    req.headers.emplace_back("x-amz-security-token", creds.session_token);
  }

  std::vector<std::string> signed_headers = HeadersToSign(req);
  std::string canonical = CanonicalRequest(req, signed_headers, payload_hash, false, scope.service);
  std::string signature = SignatureHex(DeriveSigningKey(creds.secret_key, scope),
                                       StringToSign(amz_date, scope, canonical));
  req.headers.emplace_back(
      "Authorization", std::string(internal::kAlgorithm) + " Credential=" + creds.access_key_id +
                           "/" + scope.ToString() + ", SignedHeaders=" + Join(signed_headers) +
                           ", Signature=" + signature);
}

std::string PresignQuery(const SignableRequest& req, const Credentials& creds,
                         const CredentialScope& scope_in, absl::Time now, absl::Duration expires) {
  const std::string amz_date = FormatAmzDate(now);
  CredentialScope scope = scope_in;
  if (scope.date.empty()) scope.date = amz_date.substr(0, 8);

  std::vector<std::string> signed_headers = HeadersToSign(req);
  SignableRequest presigned = req;
  std::string& query = presigned.raw_query;
  auto add = [&query](std::string_view name, std::string_view value) {
    if (!query.empty()) query += '&';
    query += std::string(name) + "=" + UriEncode(value, /*encode_slash=*/true);
  };
  add("X-Amz-Algorithm", internal::kAlgorithm);
  add("X-Amz-Credential", creds.access_key_id + "/" + scope.ToString());
  add("X-Amz-Date", amz_date);
  add("X-Amz-Expires", std::to_string(absl::ToInt64Seconds(expires)));
  add("X-Amz-SignedHeaders", Join(signed_headers));
  if (!creds.session_token.empty()) add("X-Amz-Security-Token", creds.session_token);

  std::string_view payload =
      scope.service == "s3" ? internal::kUnsignedPayload : internal::kEmptySha256;
  std::string canonical = CanonicalRequest(presigned, signed_headers, payload, true, scope.service);
  add("X-Amz-Signature", SignatureHex(DeriveSigningKey(creds.secret_key, scope),
                                      StringToSign(amz_date, scope, canonical)));
  return query;
}

std::string ChunkSignature(const SigningContext& ctx, std::string_view previous_signature,
                           std::string_view chunk_data) {
  std::string sts = StreamingStringToSign("AWS4-HMAC-SHA256-PAYLOAD", ctx, previous_signature);
  sts += std::string(internal::kEmptySha256) + "\n";
  sts += HexLower(crypto::Sha256(chunk_data));
  return SignatureHex(ctx.signing_key, sts);
}

std::string TrailerSignature(const SigningContext& ctx, std::string_view previous_signature,
                             const std::vector<std::pair<std::string, std::string>>& trailers) {
  auto sorted = trailers;
  std::sort(sorted.begin(), sorted.end());
  std::string canonical;
  for (const auto& [name, value] : sorted) canonical += name + ":" + value + "\n";
  std::string sts = StreamingStringToSign("AWS4-HMAC-SHA256-TRAILER", ctx, previous_signature);
  sts += HexLower(crypto::Sha256(canonical));
  return SignatureHex(ctx.signing_key, sts);
}

}  // namespace coffer::auth
