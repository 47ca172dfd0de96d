#include "auth/sigv2.h"

#include <algorithm>
#include <map>

#include "absl/strings/numbers.h"
#include "auth/internal.h"
#include "base/encoding.h"
#include "base/time.h"
#include "crypto/hash.h"

namespace coffer::auth {
namespace {

using internal::Fail;
using K = Error::Kind;

// The query parameters that are part of the signed resource (S3's sub-resources and
// response overrides), as AWS and botocore list them.
constexpr std::string_view kSubresources[] = {
    "accelerate", "acl", "analytics", "attributes", "cors", "defaultObjectAcl", "delete",
    "encryption", "intelligent-tiering", "inventory", "legal-hold", "lifecycle", "location",
    "logging", "metrics", "notification", "object-lock", "ownershipControls", "partNumber",
    "policy", "policyStatus", "publicAccessBlock", "replication", "requestPayment",
    "response-cache-control", "response-content-disposition", "response-content-encoding",
    "response-content-language", "response-content-type", "response-expires", "restore",
    "retention", "select", "select-type", "storageClass", "tagging", "torrent", "uploadId",
    "uploads", "versionId", "versioning", "versions", "website"};

bool IsSubresource(std::string_view name) {
  return std::find(std::begin(kSubresources), std::end(kSubresources), name) !=
         std::end(kSubresources);
}

// Folding whitespace inside a header value collapses to one space, as SigV2 requires.
std::string Collapse(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : internal::Trim(v)) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::optional<std::variant<SigV2Claim, Error>> ParseSigV2(const SignableRequest& req) {
  std::string auth = req.Header("authorization");
  if (auth.starts_with("AWS ")) {
    std::string_view rest = internal::Trim(std::string_view(auth).substr(4));
    size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size())
      return Fail(K::kMalformed, "The authorization header you provided is invalid.");
    SigV2Claim c;
    c.access_key_id = std::string(rest.substr(0, colon));
    c.signature = std::string(rest.substr(colon + 1));
    return c;
  }
  auto params = internal::ParseQuery(req.raw_query);
  const std::string* akid = internal::FindParam(params, "AWSAccessKeyId");
  const std::string* sig = internal::FindParam(params, "Signature");
  if (!akid && !sig) return std::nullopt;
  const std::string* expires = internal::FindParam(params, "Expires");
  if (!akid || !sig || !expires || akid->empty() || sig->empty())
    return Fail(K::kMalformedQuery,
                "Query-string authentication requires the Signature, Expires and "
                "AWSAccessKeyId parameters");
  SigV2Claim c;
  c.presigned = true;
  c.access_key_id = *akid;
  c.signature = *sig;
  if (!absl::SimpleAtoi(*expires, &c.expires))
    return Fail(K::kMalformedQuery, "Invalid date (should be seconds since epoch): " + *expires);
  return c;
}

std::string SigV2StringToSign(const SignableRequest& req, const SigV2Claim& claim,
                              const std::string& resource_path) {
  auto params = internal::ParseQuery(req.raw_query);
  // Presigned URLs may carry Content-Type, Content-MD5 and x-amz-* as parameters.
  auto value = [&](std::string_view name) -> std::string {
    if (claim.presigned) {
      for (const auto& [n, v] : params)
        if (internal::EqualsIgnoreCase(n, name)) return v;
    }
    return req.Header(name);
  };
  std::map<std::string, std::string> amz;
  auto add = [&amz](const std::string& name, const std::string& v) {
    std::string lower = internal::Lower(name);
    if (!lower.starts_with("x-amz-")) return;
    auto [it, fresh] = amz.emplace(lower, Collapse(v));
    if (!fresh) it->second += "," + Collapse(v);
  };
  for (const auto& [n, v] : req.headers) add(n, v);
  if (claim.presigned) {
    for (const auto& [n, v] : params) add(n, v);
  }

  std::string date;
  if (claim.presigned) date = std::to_string(claim.expires);
  else if (!amz.count("x-amz-date")) date = Collapse(req.Header("date"));

  std::string out = req.method + "\n" + Collapse(value("content-md5")) + "\n" +
                    Collapse(value("content-type")) + "\n" + date + "\n";
  for (const auto& [n, v] : amz) out += n + ":" + v + "\n";
  out += resource_path;
  // Sub-resources in name order, "name" or "name=value" (values decoded) as sent.
  std::vector<std::pair<std::string, std::optional<std::string>>> sub;
  std::string_view query = req.raw_query;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = piece.find('=');
    std::string name(piece.substr(0, eq));
    if (!IsSubresource(name)) continue;
    std::optional<std::string> v;
    if (eq != std::string_view::npos)
      v = UriDecode(piece.substr(eq + 1)).value_or(std::string(piece.substr(eq + 1)));
    sub.emplace_back(std::move(name), std::move(v));
  }
  std::stable_sort(sub.begin(), sub.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < sub.size(); ++i) {
    out += (i == 0 ? "?" : "&") + sub[i].first;
    if (sub[i].second) out += "=" + *sub[i].second;
  }
  return out;
}

std::variant<SigningContext, Error> VerifySigV2(const SigV2Claim& claim,
                                                const SignableRequest& req,
                                                const SecretBytes& secret_key, absl::Time now,
                                                const std::string& region,
                                                const std::string& resource_path,
                                                absl::Duration max_skew) {
  if (claim.presigned) {
    if (now > absl::FromUnixSeconds(claim.expires)) {
      Error e = Fail(K::kExpired, "Request has expired");
      e.server_time = FormatAmzDate(now);
      return e;
    }
  } else {
    std::string when = req.HasHeader("x-amz-date") ? req.Header("x-amz-date") : req.Header("date");
    auto t = ParseHttpDate(when);
    if (!t) t = ParseAmzDate(when);
    if (!t) return Fail(K::kMissingHeader, "AWS authentication requires a valid Date or x-amz-date header");
    if (absl::AbsDuration(now - *t) > max_skew) {
      Error e = Fail(K::kTimeSkewed,
                     "The difference between the request time and the current time is too "
                     "large.");
      e.request_time = when;
      e.server_time = FormatHttpDate(now);
      return e;
    }
  }
  std::string sts = SigV2StringToSign(req, claim, resource_path);
  std::string expected = Base64(crypto::HmacSha1(secret_key.view(), sts));
  if (!crypto::ConstantTimeEquals(expected, claim.signature)) {
    Error e = Fail(K::kSignatureMismatch,
                   "The request signature we calculated does not match the signature you "
                   "provided. Check your key and signing method.");
    e.string_to_sign = sts;
    return e;
  }
  SigningContext ctx;
  ctx.access_key_id = claim.access_key_id;
  ctx.scope = CredentialScope{"", region, "s3"};
  ctx.method = claim.presigned ? AuthMethod::kPresigned : AuthMethod::kHeader;
  ctx.seed_signature = claim.signature;
  ctx.sigv2 = true;
  std::string hash = req.Header("x-amz-content-sha256");
  if (internal::IsLowerHex(hash, 64)) {
    ctx.payload = PayloadMode::kSigned;
    ctx.payload_hash = hash;
  } else {
    ctx.payload = PayloadMode::kUnsigned;
  }
  return ctx;
}

}  // namespace coffer::auth
