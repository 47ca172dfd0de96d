// AWS Signature Version 2, for S3 only: the `Authorization: AWS AKID:signature` header
// and presigned URLs with AWSAccessKeyId, Signature and Expires. Older clients and
// boto3's default presigned URLs still use it. Verification only.
//
//   StringToSign = VERB \n Content-MD5 \n Content-Type \n Date \n
//                  CanonicalizedAmzHeaders CanonicalizedResource
//   Signature    = Base64(HMAC-SHA1(secret, StringToSign))
//
// Date is the Date header, empty when x-amz-date is sent (it is then among the amz
// headers), or the Expires value of a presigned URL. The resource is `resource_path`
// (S3 decides it: "/bucket/key" as sent, "/bucket/" for a bucket, whatever the
// addressing style) followed by the S3 sub-resources of the query.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "absl/time/time.h"
#include "auth/request.h"
#include "auth/sigv4.h"

namespace coffer::auth {

struct SigV2Claim {
  bool presigned = false;
  std::string access_key_id;
  std::string signature;  // base64
  int64_t expires = 0;    // presigned: seconds since the epoch
};

// nullopt when the request is not signed with SigV2; an Error when it tries and is
// malformed.
std::optional<std::variant<SigV2Claim, Error>> ParseSigV2(const SignableRequest& req);

std::string SigV2StringToSign(const SignableRequest& req, const SigV2Claim& claim,
                              const std::string& resource_path);

// Checks the signature and the time (skew for the header form, expiry for presigned
// URLs). On success the context names the S3 scope in `region`.
std::variant<SigningContext, Error> VerifySigV2(const SigV2Claim& claim,
                                                const SignableRequest& req,
                                                const SecretBytes& secret_key, absl::Time now,
                                                const std::string& region,
                                                const std::string& resource_path,
                                                absl::Duration max_skew = absl::Minutes(15));

}  // namespace coffer::auth
