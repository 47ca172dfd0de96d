#include "auth/sigv2.h"

#include <gtest/gtest.h>

#include "base/time.h"

namespace coffer::auth {
namespace {

const SecretBytes kSecret(std::string_view("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
const absl::Time kMarch2007 = *ParseHttpDate("Tue, 27 Mar 2007 19:36:42 GMT");

SigV2Claim Claim(const SignableRequest& req) {
  auto parsed = ParseSigV2(req);
  EXPECT_TRUE(parsed.has_value());
  EXPECT_TRUE(std::holds_alternative<SigV2Claim>(*parsed));
  return std::get<SigV2Claim>(*parsed);
}

// AWS's "Signing and Authenticating REST Requests" object GET example.
TEST(SigV2, AwsDocumentedGetObject) {
  SignableRequest req{"GET", "/awsexamplebucket1/photos/puppy.jpg", "",
                      {{"Host", "awsexamplebucket1.s3.us-west-1.amazonaws.com"},
                       {"Date", "Tue, 27 Mar 2007 19:36:42 +0000"},
                       {"Authorization", "AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g="}}};
  SigV2Claim c = Claim(req);
  EXPECT_EQ(c.access_key_id, "AKIAIOSFODNN7EXAMPLE");
  const std::string resource = "/awsexamplebucket1/photos/puppy.jpg";
  EXPECT_EQ(SigV2StringToSign(req, c, resource),
            "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg");
  auto v = VerifySigV2(c, req, kSecret, kMarch2007, "us-east-1", resource);
  ASSERT_TRUE(std::holds_alternative<SigningContext>(v));
  EXPECT_EQ(std::get<SigningContext>(v).scope.service, "s3");
  // The resource, not the path as sent, is what is signed.
  SignableRequest vhost = req;
  vhost.raw_path = "/photos/puppy.jpg";
  EXPECT_TRUE(std::holds_alternative<SigningContext>(
      VerifySigV2(Claim(vhost), vhost, kSecret, kMarch2007, "us-east-1", resource)));
}

// Produced by botocore's HmacV1Auth (Debian python3-botocore 1.29) for this request,
// with Date fixed to the AWS example's: sub-resources and x-amz-* headers are signed.
TEST(SigV2, BotocoreHeadersAndSubresources) {
  SignableRequest req{"PUT", "/b/k%20x", "uploadId=abc&partNumber=2",
                      {{"Content-Type", "text/plain"},
                       {"Content-MD5", "XrY7u+Ae7tCTyyK7j1rNww=="},
                       {"x-amz-meta-b", "2"},
                       {"X-Amz-Meta-A", "1"},
                       {"Date", "Tue, 27 Mar 2007 19:36:42 +0000"},
                       {"Authorization", "AWS AKIAIOSFODNN7EXAMPLE:7U9dgg1txa4A7JxV3Z8On1+sbA0="}}};
  SigV2Claim c = Claim(req);
  EXPECT_EQ(SigV2StringToSign(req, c, "/b/k%20x"),
            "PUT\nXrY7u+Ae7tCTyyK7j1rNww==\ntext/plain\nTue, 27 Mar 2007 19:36:42 +0000\n"
            "x-amz-meta-a:1\nx-amz-meta-b:2\n/b/k%20x?partNumber=2&uploadId=abc");
  EXPECT_TRUE(std::holds_alternative<SigningContext>(
      VerifySigV2(c, req, kSecret, kMarch2007, "us-east-1", "/b/k%20x")));
}

// Produced by botocore's HmacV1QueryAuth with Expires fixed at 1175139620.
TEST(SigV2, BotocorePresignedUrl) {
  SignableRequest req{"GET", "/awsexamplebucket1/photos/puppy.jpg",
                      "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=1No4mq5ETf02z8aet9voy6gui6E%"
                      "3D&Expires=1175139620",
                      {{"Host", "s3.example.com"}}};
  SigV2Claim c = Claim(req);
  EXPECT_TRUE(c.presigned);
  EXPECT_EQ(c.expires, 1175139620);
  EXPECT_TRUE(std::holds_alternative<SigningContext>(
      VerifySigV2(c, req, kSecret, absl::FromUnixSeconds(1175139000), "us-east-1",
                  req.raw_path)));
  auto expired =
      VerifySigV2(c, req, kSecret, absl::FromUnixSeconds(1175139621), "us-east-1", req.raw_path);
  ASSERT_TRUE(std::holds_alternative<Error>(expired));
  EXPECT_EQ(std::get<Error>(expired).kind, Error::Kind::kExpired);
}

TEST(SigV2, Failures) {
  SignableRequest req{"GET", "/b/k", "",
                      {{"Date", "Tue, 27 Mar 2007 19:36:42 +0000"},
                       {"Authorization", "AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g="}}};
  SigV2Claim c = Claim(req);
  auto wrong = VerifySigV2(c, req, kSecret, kMarch2007, "us-east-1", "/b/k");
  ASSERT_TRUE(std::holds_alternative<Error>(wrong));
  EXPECT_EQ(std::get<Error>(wrong).kind, Error::Kind::kSignatureMismatch);
  EXPECT_FALSE(std::get<Error>(wrong).string_to_sign.empty());
  auto skewed = VerifySigV2(c, req, kSecret, kMarch2007 + absl::Minutes(20), "us-east-1", "/b/k");
  EXPECT_EQ(std::get<Error>(skewed).kind, Error::Kind::kTimeSkewed);

  SignableRequest bad{"GET", "/", "", {{"Authorization", "AWS nocolon"}}};
  auto parsed = ParseSigV2(bad);
  ASSERT_TRUE(parsed && std::holds_alternative<Error>(*parsed));
  EXPECT_EQ(std::get<Error>(*parsed).kind, Error::Kind::kMalformed);
  SignableRequest partial{"GET", "/", "AWSAccessKeyId=A&Signature=x", {}};
  parsed = ParseSigV2(partial);
  EXPECT_EQ(std::get<Error>(*parsed).kind, Error::Kind::kMalformedQuery);
  SignableRequest v4{"GET", "/", "", {{"Authorization", "AWS4-HMAC-SHA256 Credential=x"}}};
  EXPECT_FALSE(ParseSigV2(v4).has_value());
}

}  // namespace
}  // namespace coffer::auth
