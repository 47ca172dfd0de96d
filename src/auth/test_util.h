// Helpers for the auth/ unit tests.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "auth/sigv4.h"
#include "base/time.h"
#include "gtest/gtest.h"

namespace coffer::auth::test_util {

// AWS's example credentials: the S3 pages use the first secret, the IAM/general SigV4 pages
// and the signing test suite the second.
inline constexpr std::string_view kS3AccessKey = "AKIAIOSFODNN7EXAMPLE";
inline constexpr std::string_view kS3Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
inline constexpr std::string_view kIamAccessKey = "AKIDEXAMPLE";
inline constexpr std::string_view kIamSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

inline absl::Time At(std::string_view amz_date) { return *ParseAmzDate(amz_date); }

inline SignableRequest Request(std::string method, std::string raw_path, std::string raw_query,
                               std::vector<std::pair<std::string, std::string>> headers) {
  return SignableRequest{std::move(method), std::move(raw_path), std::move(raw_query),
                         std::move(headers)};
}

inline Credentials Creds(std::string_view akid, std::string_view secret, std::string token = "") {
  return Credentials{std::string(akid), SecretBytes(secret), std::move(token)};
}

inline ParsedAuth MustParse(const SignableRequest& req) {
  auto r = ParseAuth(req);
  if (auto* e = std::get_if<Error>(&r)) {
    ADD_FAILURE() << "ParseAuth: " << e->message;
    return {};
  }
  return std::get<ParsedAuth>(r);
}

// ParseAuth + Verify; the Error if either fails.
inline std::variant<SigningContext, Error> ParseAndVerify(const SignableRequest& req,
                                                          std::string_view secret, absl::Time now,
                                                          std::string_view region = "us-east-1") {
  auto parsed = ParseAuth(req);
  if (auto* e = std::get_if<Error>(&parsed)) return *e;
  return Verify(std::get<ParsedAuth>(parsed), req, SecretBytes(secret), now, region);
}

inline std::string Signature(const SignableRequest& req) {
  std::string auth = req.Header("authorization");
  size_t at = auth.find("Signature=");
  return at == std::string::npos ? "" : auth.substr(at + 10);
}

}  // namespace coffer::auth::test_util
