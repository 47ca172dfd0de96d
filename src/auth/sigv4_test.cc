// SigV4 signing and verification against AWS's published examples, then round trips.
//
// Known answers come from:
//  - IAM User Guide, "Create a signed AWS API request" (IAM ListUsers, 20150830T123600Z) and
//    the key-derivation example of "Examples of how to derive a signing key" (20120215).
//  - S3 API Reference, "Signature Calculations for the Authorization Header: Transferring
//    Payload in a Single Chunk" (GET Object, PUT Object, GET Bucket Lifecycle, GET Bucket).
//  - S3 API Reference, "Authenticating Requests: Using Query Parameters" (presigned GET).
//  - AWS's SigV4 test suite as shipped in awslabs/aws-c-auth tests/aws-signing-test-suite/v4.
#include "auth/sigv4.h"

#include <thread>
#include <variant>

#include "auth/test_util.h"
#include "base/encoding.h"
#include "crypto/hash.h"
#include "gtest/gtest.h"

namespace coffer::auth {
namespace {

using namespace test_util;  // NOLINT
using K = Error::Kind;

const CredentialScope kS3Scope{"20130524", "us-east-1", "s3"};

SigningContext MustContext(std::variant<SigningContext, Error> v) {
  if (auto* e = std::get_if<Error>(&v)) {
    ADD_FAILURE() << "unexpected error: " << e->message << "\n" << e->canonical_request;
    return {};
  }
  return std::move(std::get<SigningContext>(v));
}

K KindOf(const std::variant<SigningContext, Error>& v) {
  if (std::holds_alternative<SigningContext>(v)) {
    ADD_FAILURE() << "expected an error";
    return K::kUnsupported;
  }
  return std::get<Error>(v).kind;
}

// --- IAM ListUsers ---------------------------------------------------------------------------

SignableRequest IamListUsers() {
  return Request("GET", "/", "Action=ListUsers&Version=2010-05-08",
                 {{"Host", "iam.amazonaws.com"},
                  {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                  {"X-Amz-Date", "20150830T123600Z"}});
}

TEST(SigV4Iam, CanonicalRequestStringToSignKeyAndSignature) {
  const CredentialScope scope{"20150830", "us-east-1", "iam"};
  std::string canonical = CanonicalRequest(IamListUsers(), {"content-type", "host", "x-amz-date"},
                                           kEmptySha256, false, "iam");
  EXPECT_EQ(canonical,
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
            "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
            "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "content-type;host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexLower(crypto::Sha256(canonical)),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  std::string sts = StringToSign("20150830T123600Z", scope, canonical);
  EXPECT_EQ(sts,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  SecretBytes key = DeriveSigningKey(SecretBytes(kIamSecret), scope);
  EXPECT_EQ(HexLower(key.view()),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  EXPECT_EQ(SignatureHex(key, sts),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(SigV4Iam, DerivedKeyExample) {
  SecretBytes key = DeriveSigningKey(SecretBytes(kIamSecret), {"20120215", "us-east-1", "iam"});
  EXPECT_EQ(HexLower(key.view()),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

// A thread reuses its last derivation: every input must still count. Each expected key
// is derived on a fresh thread, which has nothing to reuse.
TEST(SigV4Iam, ReusedDerivationsFollowEverySecretAndScopeChange) {
  auto fresh = [](std::string_view secret, const CredentialScope& scope) {
    std::string hex;
    std::thread([&] { hex = HexLower(DeriveSigningKey(SecretBytes(secret), scope).view()); }).join();
    return hex;
  };
  const CredentialScope base{"20150830", "us-east-1", "iam"};
  const std::string other_secret = std::string(kIamSecret).substr(0, 39) + "Z";
  const std::pair<std::string_view, CredentialScope> steps[] = {
      {kIamSecret, base},
      {kIamSecret, base},  // the same again: reused
      {other_secret, base},
      {kIamSecret, {"20150831", "us-east-1", "iam"}},
      {kIamSecret, {"20150831", "eu-west-1", "iam"}},
      {kIamSecret, {"20150831", "eu-west-1", "s3"}},
      {std::string_view(kIamSecret).substr(0, 39), {"20150831", "eu-west-1", "s3"}},
      {kIamSecret, base},
  };
  for (const auto& [secret, scope] : steps) {
    EXPECT_EQ(HexLower(DeriveSigningKey(SecretBytes(secret), scope).view()), fresh(secret, scope))
        << scope.ToString();
  }
  EXPECT_EQ(fresh(kIamSecret, base), "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

TEST(SigV4Iam, SignRequestProducesTheDocumentedHeader) {
  SignableRequest req = IamListUsers();
  req.headers.pop_back();  // SignRequest adds x-amz-date itself
  SignRequest(req, Creds(kIamAccessKey, kIamSecret), {"20150830", "us-east-1", "iam"},
              At("20150830T123600Z"), kEmptySha256);
  EXPECT_EQ(req.Header("authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  EXPECT_FALSE(req.HasHeader("x-amz-content-sha256"));  // not for iam, as botocore
}

TEST(SigV4Iam, VerifyWithoutContentHashUsesTheBodyHash) {
  SignableRequest req = IamListUsers();
  req.headers.emplace_back(
      "Authorization",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date, "
      "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  ParsedAuth parsed = MustParse(req);
  absl::Time now = At("20150830T123600Z");
  const SecretBytes secret(kIamSecret);
  // nullopt means an empty body; the explicit hash of "" is the same.
  const SigningContext& ctx = MustContext(Verify(parsed, req, secret, now, "us-east-1"));
  EXPECT_EQ(ctx.payload, PayloadMode::kSigned);
  EXPECT_EQ(ctx.payload_hash, kEmptySha256);
  EXPECT_EQ(ctx.scope.service, "iam");
  MustContext(
      Verify(parsed, req, secret, now, "us-east-1", absl::Minutes(15), std::string(kEmptySha256)));
  auto other = Verify(parsed, req, secret, now, "us-east-1", absl::Minutes(15),
                      HexLower(crypto::Sha256("Action=ListUsers")));
  EXPECT_EQ(KindOf(other), K::kSignatureMismatch);
}

// --- S3, payload in a single chunk -------------------------------------------------------------

struct S3Example {
  const char* name;
  SignableRequest request;  // as sent, Authorization included
  const char* canonical_request;
  const char* canonical_request_sha256;
  const char* signature;
};

std::string S3Auth(const char* signed_headers, const char* signature) {
  return std::string(
             "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
             "aws4_request,SignedHeaders=") +
         signed_headers + ",Signature=" + signature;
}

std::vector<S3Example> S3Examples() {
  const std::string empty(kEmptySha256);
  const std::string put_hash = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
  return {
      {"GetObject",
       Request("GET", "/test.txt", "",
               {{"Host", "examplebucket.s3.amazonaws.com"},
                {"Range", "bytes=0-9"},
                {"x-amz-content-sha256", empty},
                {"x-amz-date", "20130524T000000Z"},
                {"Authorization",
                 S3Auth("host;range;x-amz-content-sha256;x-amz-date",
                        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")}}),
       "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
       "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
       "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
       "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
      {"PutObject",
       Request("PUT", "/test%24file.text", "",
               {{"Host", "examplebucket.s3.amazonaws.com"},
                {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                {"x-amz-date", "20130524T000000Z"},
                {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                {"x-amz-content-sha256", put_hash},
                {"Authorization",
                 S3Auth("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                        "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")}}),
       "PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\n"
       "host:examplebucket.s3.amazonaws.com\n"
       "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
       "x-amz-date:20130524T000000Z\nx-amz-storage-class:REDUCED_REDUNDANCY\n\n"
       "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
       "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
       "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d",
       "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"},
      {"GetBucketLifecycle",
       Request("GET", "/", "lifecycle",
               {{"Host", "examplebucket.s3.amazonaws.com"},
                {"x-amz-date", "20130524T000000Z"},
                {"x-amz-content-sha256", empty},
                {"Authorization",
                 S3Auth("host;x-amz-content-sha256;x-amz-date",
                        "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")}}),
       "GET\n/\nlifecycle=\nhost:examplebucket.s3.amazonaws.com\n"
       "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
       "x-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca",
       "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"},
      {"ListObjects",
       Request("GET", "/", "max-keys=2&prefix=J",
               {{"Host", "examplebucket.s3.amazonaws.com"},
                {"x-amz-date", "20130524T000000Z"},
                {"x-amz-content-sha256", empty},
                {"Authorization",
                 S3Auth("host;x-amz-content-sha256;x-amz-date",
                        "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")}}),
       "GET\n/\nmax-keys=2&prefix=J\nhost:examplebucket.s3.amazonaws.com\n"
       "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
       "x-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7",
       "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"},
  };
}

TEST(SigV4S3, SingleChunkExamples) {
  for (const S3Example& ex : S3Examples()) {
    SCOPED_TRACE(ex.name);
    ParsedAuth parsed = MustParse(ex.request);
    std::string canonical = CanonicalRequest(ex.request, parsed.signed_headers,
                                             ex.request.Header("x-amz-content-sha256"), false);
    EXPECT_EQ(canonical, ex.canonical_request);
    EXPECT_EQ(HexLower(crypto::Sha256(canonical)), ex.canonical_request_sha256);
    SecretBytes key = DeriveSigningKey(SecretBytes(kS3Secret), kS3Scope);
    EXPECT_EQ(SignatureHex(key, StringToSign("20130524T000000Z", kS3Scope, canonical)),
              ex.signature);

    const SigningContext& ctx =
        MustContext(ParseAndVerify(ex.request, kS3Secret, At("20130524T000000Z")));
    EXPECT_EQ(ctx.access_key_id, kS3AccessKey);
    EXPECT_EQ(ctx.method, AuthMethod::kHeader);
    EXPECT_EQ(ctx.payload, PayloadMode::kSigned);
    EXPECT_EQ(ctx.payload_hash, ex.request.Header("x-amz-content-sha256"));
    EXPECT_EQ(ctx.seed_signature, ex.signature);
    EXPECT_EQ(ctx.amz_date, "20130524T000000Z");
    EXPECT_EQ(ctx.scope.ToString(), "20130524/us-east-1/s3/aws4_request");
    EXPECT_EQ(HexLower(ctx.signing_key.view()), HexLower(key.view()));
  }
}

TEST(SigV4S3, EquivalentPathEncodingsMatch) {
  // "$" sent raw or as %24 canonicalizes the same; a %2F inside a segment stays encoded.
  SignableRequest put = S3Examples()[1].request;
  put.raw_path = "/test$file.text";
  MustContext(ParseAndVerify(put, kS3Secret, At("20130524T000000Z")));
  SignableRequest a = Request("GET", "/b/a%2Fc d", "", {});
  EXPECT_EQ(CanonicalRequest(a, {}, "UNSIGNED-PAYLOAD", false).substr(0, 20),
            "GET\n/b/a%2Fc%20d\n\n\n\n");
  a.raw_path = "";
  EXPECT_EQ(CanonicalRequest(a, {}, "UNSIGNED-PAYLOAD", false).substr(0, 6), "GET\n/\n");
  a.raw_path = "/b/./x/../y";  // S3 does not normalize
  EXPECT_EQ(CanonicalRequest(a, {}, "UNSIGNED-PAYLOAD", false).substr(0, 16), "GET\n/b/./x/../y\n");
}

// --- Presigned URL -----------------------------------------------------------------------------

constexpr char kPresignedQuery[] =
    "X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

TEST(SigV4Presigned, DocumentedExample) {
  SignableRequest req =
      Request("GET", "/test.txt", "", {{"Host", "examplebucket.s3.amazonaws.com"}});
  EXPECT_EQ(PresignQuery(req, Creds(kS3AccessKey, kS3Secret), kS3Scope, At("20130524T000000Z"),
                         absl::Hours(24)),
            kPresignedQuery);

  req.raw_query = kPresignedQuery;
  std::string canonical = CanonicalRequest(req, {"host"}, "UNSIGNED-PAYLOAD", true);
  EXPECT_EQ(canonical,
            "GET\n/test.txt\n"
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
            "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
            "X-Amz-SignedHeaders=host\nhost:examplebucket.s3.amazonaws.com\n\nhost\n"
            "UNSIGNED-PAYLOAD");
  EXPECT_EQ(StringToSign("20130524T000000Z", kS3Scope, canonical),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04");

  const SigningContext& ctx = MustContext(ParseAndVerify(req, kS3Secret, At("20130524T120000Z")));
  EXPECT_EQ(ctx.method, AuthMethod::kPresigned);
  EXPECT_EQ(ctx.payload, PayloadMode::kUnsigned);
  EXPECT_EQ(ctx.seed_signature, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(SigV4Presigned, ValidityWindow) {
  SignableRequest req =
      Request("GET", "/test.txt", kPresignedQuery, {{"Host", "examplebucket.s3.amazonaws.com"}});
  MustContext(ParseAndVerify(req, kS3Secret, At("20130525T000000Z")));  // the last second
  auto expired = ParseAndVerify(req, kS3Secret, At("20130525T000001Z"));
  ASSERT_EQ(KindOf(expired), K::kExpired);
  EXPECT_EQ(std::get<Error>(expired).message, "Request has expired");
  EXPECT_EQ(std::get<Error>(expired).server_time, "20130525T000001Z");
  MustContext(ParseAndVerify(req, kS3Secret, At("20130523T234500Z")));  // 15 min early: skew
  auto early = ParseAndVerify(req, kS3Secret, At("20130523T234459Z"));
  ASSERT_EQ(KindOf(early), K::kNotYetValid);
  EXPECT_EQ(std::get<Error>(early).message, "Request is not valid yet");
}

TEST(SigV4Presigned, RoundTripAndMutations) {
  const absl::Time now = At("20240102T030405Z");
  const CredentialScope scope{"", "eu-west-1", "s3"};
  SignableRequest req =
      Request("PUT", "/bucket/photos/a%20b.jpg", "versionId=3&acl", {{"host", "localhost:9000"}});
  Credentials creds = Creds("AKID", "secret", "token/with+chars=");
  req.raw_query = PresignQuery(req, creds, scope, now, absl::Minutes(5));
  const SigningContext ctx =
      MustContext(ParseAndVerify(req, "secret", now + absl::Minutes(4), "eu-west-1"));
  EXPECT_EQ(ctx.access_key_id, "AKID");
  EXPECT_EQ(MustParse(req).security_token, "token/with+chars=");
  EXPECT_EQ(MustParse(req).expires_seconds, 300);

  EXPECT_EQ(KindOf(ParseAndVerify(req, "other", now, "eu-west-1")), K::kSignatureMismatch);
  SignableRequest extra = req;
  extra.raw_query += "&x-id=PutObject";
  EXPECT_EQ(KindOf(ParseAndVerify(extra, "secret", now, "eu-west-1")), K::kSignatureMismatch);
  SignableRequest path = req;
  path.raw_path = "/bucket/photos/a%20c.jpg";
  EXPECT_EQ(KindOf(ParseAndVerify(path, "secret", now, "eu-west-1")), K::kSignatureMismatch);
  SignableRequest host = req;
  host.headers[0].second = "evil:9000";
  EXPECT_EQ(KindOf(ParseAndVerify(host, "secret", now, "eu-west-1")), K::kSignatureMismatch);
  EXPECT_EQ(KindOf(ParseAndVerify(req, "secret", now + absl::Minutes(6), "eu-west-1")),
            K::kExpired);
}

// --- AWS SigV4 test suite (service "service": paths are normalized and encoded again) ----------

struct SuiteCase {
  const char* name;
  const char* method;
  const char* raw_path;
  const char* raw_query;
  std::vector<std::pair<std::string, std::string>> headers;
  const char* token;
  const char* header_signature;
};

std::vector<SuiteCase> SuiteCases() {
  const std::pair<std::string, std::string> host{"Host", "example.amazonaws.com"};
  return {
      {"get-vanilla",
       "GET",
       "/",
       "",
       {host},
       "",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-vanilla-query-order-key-case",
       "GET",
       "/",
       "Param2=value2&Param1=value1",
       {host},
       "",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-query-order-encoded",
       "GET",
       "/",
       "Param-3=Value3&Param=Value2&%E1%88%B4=Value1",
       {host},
       "",
       "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac"},
      {"get-vanilla-utf8-query",
       "GET",
       "/",
       "\xE1\x88\xB4=bar",
       {host},
       "",
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"get-vanilla-query-unreserved",
       "GET",
       "/",
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       {host},
       "",
       "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
      {"get-unreserved",
       "GET",
       "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       "",
       {host},
       "",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-utf8",
       "GET",
       "/\xE1\x88\xB4",
       "",
       {host},
       "",
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      {"get-space-normalized",
       "GET",
       "/example space/",
       "",
       {host},
       "",
       "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
      {"get-relative-relative-normalized",
       "GET",
       "/example1/example2/../..",
       "",
       {host},
       "",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-slash-dot-slash-normalized",
       "GET",
       "/./",
       "",
       {host},
       "",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-slash-pointless-dot-normalized",
       "GET",
       "/./example",
       "",
       {host},
       "",
       "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5"},
      {"get-slashes-normalized",
       "GET",
       "//example//",
       "",
       {host},
       "",
       "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"},
      {"get-header-value-trim",
       "GET",
       "/",
       "",
       {host, {"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
       "",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"get-header-key-duplicate",
       "GET",
       "/",
       "",
       {host, {"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
       "",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-header-value-order",
       "GET",
       "/",
       "",
       {host,
        {"My-Header1", "value4"},
        {"My-Header1", "value1"},
        {"My-Header1", "value3"},
        {"My-Header1", "value2"}},
       "",
       "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
      {"post-vanilla-empty-query-value",
       "POST",
       "/",
       "Param1=value1",
       {host},
       "",
       "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
      {"get-vanilla-with-session-token",
       "GET",
       "/",
       "",
       {host},
       "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
       "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"},
  };
}

TEST(SigV4Suite, HeaderSigning) {
  const CredentialScope scope{"20150830", "us-east-1", "service"};
  const absl::Time now = At("20150830T123600Z");
  for (const SuiteCase& c : SuiteCases()) {
    SCOPED_TRACE(c.name);
    SignableRequest req = Request(c.method, c.raw_path, c.raw_query, c.headers);
    SignRequest(req, Creds(kIamAccessKey, kIamSecret, c.token), scope, now, kEmptySha256);
    EXPECT_EQ(Signature(req), c.header_signature);
    MustContext(ParseAndVerify(req, kIamSecret, now));
  }
}

TEST(SigV4Suite, QuerySigning) {
  const CredentialScope scope{"20150830", "us-east-1", "service"};
  const absl::Time now = At("20150830T123600Z");
  struct {
    const char* token;
    const char* signature;
  } cases[] = {
      {"", "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d"},
      {"6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
       "7ff2b50b376cb4d151970630573d6291dc128cc5c2a12ffb237f73cc53f67b6c"},
  };
  for (const auto& c : cases) {
    SignableRequest req = Request("GET", "/", "", {{"Host", "example.amazonaws.com"}});
    req.raw_query =
        PresignQuery(req, Creds(kIamAccessKey, kIamSecret, c.token), scope, now, absl::Hours(1));
    EXPECT_EQ(MustParse(req).signature, c.signature);
    const SigningContext& ctx = MustContext(ParseAndVerify(req, kIamSecret, now));
    EXPECT_EQ(ctx.payload_hash, kEmptySha256);  // not UNSIGNED-PAYLOAD outside s3
  }
}

// --- Round trips of SignRequest -> ParseAuth -> Verify -------------------------------------------

class SigV4RoundTrip : public ::testing::Test {
 protected:
  const absl::Time now_ = At("20240102T030405Z");
  const CredentialScope scope_{"", "us-east-1", "s3"};
  const std::string body_hash_ = HexLower(crypto::Sha256("hello"));

  SignableRequest Signed() {
    SignableRequest req =
        Request("PUT", "/my-bucket/photos/a%20b.jpg", "partNumber=1&uploadId=x%2Fy",
                {{"Host", "localhost:9000"},
                 {"Content-Type", "image/jpeg"},
                 {"x-amz-meta-colour", "  deep   blue "},
                 {"User-Agent", "aws-cli/2"}});
    SignRequest(req, Creds("AKID", "secret"), scope_, now_, body_hash_);
    return req;
  }
};

TEST_F(SigV4RoundTrip, Succeeds) {
  SignableRequest req = Signed();
  EXPECT_NE(
      req.Header("authorization")
          .find(
              "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-colour,"),
      std::string::npos);
  const SigningContext& ctx = MustContext(ParseAndVerify(req, "secret", now_));
  EXPECT_EQ(ctx.payload, PayloadMode::kSigned);
  EXPECT_EQ(ctx.payload_hash, body_hash_);
  EXPECT_EQ(ctx.amz_date, "20240102T030405Z");
  EXPECT_EQ(ctx.scope.date, "20240102");
  // The unsigned user-agent may change on the way.
  SignableRequest ua = req;
  ua.headers[3].second = "proxy/1";
  MustContext(ParseAndVerify(ua, "secret", now_));
  // Signing twice replaces the earlier signature headers.
  SignableRequest again = req;
  SignRequest(again, Creds("AKID", "secret"), scope_, now_ + absl::Seconds(1), body_hash_);
  EXPECT_EQ(again.headers.size(), req.headers.size());
  MustContext(ParseAndVerify(again, "secret", now_));
}

TEST_F(SigV4RoundTrip, EachMutationIsASignatureMismatch) {
  auto mismatch = [&](const SignableRequest& req, std::string_view secret = "secret") {
    auto r = ParseAndVerify(req, secret, now_);
    ASSERT_EQ(KindOf(r), K::kSignatureMismatch);
    const Error& e = std::get<Error>(r);
    EXPECT_EQ(e.message,
              "The request signature we calculated does not match the signature you provided. "
              "Check your key and signing method.");
    EXPECT_EQ(e.string_to_sign.substr(0, 34), "AWS4-HMAC-SHA256\n20240102T030405Z\n");
    EXPECT_EQ(e.canonical_request.substr(0, req.method.size() + 1), req.method + "\n");
    EXPECT_EQ(e.string_to_sign.find("secret"), std::string::npos);
  };
  mismatch(Signed(), "other-secret");
  SignableRequest header = Signed();
  header.headers[1].second = "image/png";
  mismatch(header);
  SignableRequest path = Signed();
  path.raw_path = "/my-bucket/photos/a%20c.jpg";
  mismatch(path);
  SignableRequest query = Signed();
  query.raw_query = "partNumber=2&uploadId=x%2Fy";
  mismatch(query);
  SignableRequest extra = Signed();
  extra.raw_query += "&acl";
  mismatch(extra);
  SignableRequest method = Signed();
  method.method = "POST";
  mismatch(method);
  SignableRequest hash = Signed();
  for (auto& [n, v] : hash.headers) {
    if (n == "x-amz-content-sha256") v = std::string(kEmptySha256);
  }
  mismatch(hash);
}

TEST_F(SigV4RoundTrip, EquivalentFormsStillVerify) {
  SignableRequest req = Signed();
  req.raw_query = "uploadId=x/y&partNumber=1";  // order and encoding differ
  for (auto& [n, v] : req.headers) {
    if (n == "x-amz-meta-colour") v = "deep blue";
  }
  MustContext(ParseAndVerify(req, "secret", now_));
}

TEST_F(SigV4RoundTrip, TimeSkew) {
  SignableRequest req = Signed();
  MustContext(ParseAndVerify(req, "secret", now_ + absl::Minutes(15)));
  MustContext(ParseAndVerify(req, "secret", now_ - absl::Minutes(15)));
  auto late = ParseAndVerify(req, "secret", now_ + absl::Minutes(15) + absl::Seconds(1));
  ASSERT_EQ(KindOf(late), K::kTimeSkewed);
  EXPECT_EQ(std::get<Error>(late).request_time, "20240102T030405Z");
  EXPECT_EQ(std::get<Error>(late).server_time, "20240102T031906Z");
  EXPECT_EQ(KindOf(ParseAndVerify(req, "secret", now_ - absl::Minutes(16))), K::kTimeSkewed);
}

TEST_F(SigV4RoundTrip, WrongRegion) {
  auto r = ParseAndVerify(Signed(), "secret", now_, "eu-central-1");
  ASSERT_EQ(KindOf(r), K::kWrongRegion);
  EXPECT_EQ(std::get<Error>(r).region, "eu-central-1");
  EXPECT_EQ(std::get<Error>(r).message,
            "The authorization header is malformed; the region 'us-east-1' is wrong; expecting "
            "'eu-central-1'");
}

TEST_F(SigV4RoundTrip, ScopeDateMustMatchRequestDate) {
  SignableRequest req = Request("GET", "/", "", {{"Host", "h"}});
  SignRequest(req, Creds("AKID", "secret"), {"20240101", "us-east-1", "s3"}, now_, kEmptySha256);
  EXPECT_EQ(KindOf(ParseAndVerify(req, "secret", now_)), K::kMalformed);
}

TEST_F(SigV4RoundTrip, HeaderRules) {
  // A signed header that is missing from the request.
  SignableRequest missing = Signed();
  std::erase_if(missing.headers, [](const auto& h) { return h.first == "Content-Type"; });
  EXPECT_EQ(KindOf(ParseAndVerify(missing, "secret", now_)), K::kMissingHeader);
  // host must be signed.
  SignableRequest no_host = Request("GET", "/", "", {{"X-Other", "1"}});
  SignRequest(no_host, Creds("AKID", "secret"), scope_, now_, kEmptySha256);
  no_host.headers.emplace_back("Host", "h");
  EXPECT_EQ(KindOf(ParseAndVerify(no_host, "secret", now_)), K::kMissingHeader);
  // x-amz-content-sha256 is required by s3 and must be a known value.
  SignableRequest absent = Signed();
  std::erase_if(absent.headers, [](const auto& h) { return h.first == "x-amz-content-sha256"; });
  auto r = ParseAndVerify(absent, "secret", now_);
  ASSERT_EQ(KindOf(r), K::kUnsupported);
  EXPECT_EQ(std::get<Error>(r).message,
            "Missing required header for this request: x-amz-content-sha256");
  SignableRequest bad = Request("PUT", "/b/k", "", {{"Host", "h"}});
  SignRequest(bad, Creds("AKID", "secret"), scope_, now_, "STREAMING-SOMETHING");
  EXPECT_EQ(KindOf(ParseAndVerify(bad, "secret", now_)), K::kInvalidContentHash);
  SignableRequest upper = Request("PUT", "/b/k", "", {{"Host", "h"}});
  SignRequest(upper, Creds("AKID", "secret"), scope_, now_, std::string(64, 'A'));
  EXPECT_EQ(KindOf(ParseAndVerify(upper, "secret", now_)), K::kInvalidContentHash);
}

TEST_F(SigV4RoundTrip, PayloadModes) {
  struct {
    const char* value;
    PayloadMode mode;
  } modes[] = {
      {"UNSIGNED-PAYLOAD", PayloadMode::kUnsigned},
      {"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", PayloadMode::kStreamingSigned},
      {"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", PayloadMode::kStreamingSignedTrailer},
      {"STREAMING-UNSIGNED-PAYLOAD-TRAILER", PayloadMode::kStreamingUnsignedTrailer},
  };
  for (const auto& m : modes) {
    SignableRequest req = Request("PUT", "/b/k", "", {{"Host", "h"}});
    SignRequest(req, Creds("AKID", "secret"), scope_, now_, m.value);
    const SigningContext& ctx = MustContext(ParseAndVerify(req, "secret", now_));
    EXPECT_EQ(ctx.payload, m.mode) << m.value;
    EXPECT_EQ(ctx.seed_signature, Signature(req));
  }
}

TEST_F(SigV4RoundTrip, SessionTokenIsSigned) {
  SignableRequest req = Request("GET", "/b", "", {{"Host", "h"}});
  SignRequest(req, Creds("ASIA", "secret", "tok"), scope_, now_, kEmptySha256);
  EXPECT_EQ(MustParse(req).security_token, "tok");
  MustContext(ParseAndVerify(req, "secret", now_));
  for (auto& [n, v] : req.headers) {
    if (n == "x-amz-security-token") v = "other";
  }
  EXPECT_EQ(KindOf(ParseAndVerify(req, "secret", now_)), K::kSignatureMismatch);
}

TEST(SigV4Verify, AnonymousIsNotVerified) {
  SignableRequest req = Request("GET", "/b/k", "", {{"Host", "h"}});
  ParsedAuth parsed = MustParse(req);
  EXPECT_EQ(parsed.method, AuthMethod::kAnonymous);
  EXPECT_EQ(KindOf(Verify(parsed, req, SecretBytes("s"), At("20240102T030405Z"), "us-east-1")),
            K::kMissingHeader);
}

TEST(SigV4Verify, AnonymousContext) {
  SigningContext ctx = AnonymousContext(Request("PUT", "/b/k", "", {{"Host", "h"}}));
  EXPECT_EQ(ctx.method, AuthMethod::kAnonymous);
  EXPECT_EQ(ctx.payload, PayloadMode::kUnsigned);
  EXPECT_TRUE(ctx.signing_key.empty());
  ctx = AnonymousContext(
      Request("PUT", "/b/k", "", {{"x-amz-content-sha256", std::string(kEmptySha256)}}));
  EXPECT_EQ(ctx.payload, PayloadMode::kSigned);
  EXPECT_EQ(ctx.payload_hash, kEmptySha256);
  ctx = AnonymousContext(
      Request("PUT", "/b/k", "", {{"x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}}));
  EXPECT_EQ(ctx.payload, PayloadMode::kStreamingUnsignedTrailer);
  ctx = AnonymousContext(
      Request("PUT", "/b/k", "", {{"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"}}));
  EXPECT_EQ(ctx.payload, PayloadMode::kUnsigned);
}

}  // namespace
}  // namespace coffer::auth
