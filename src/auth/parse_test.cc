// ParseAuth: the forms AWS accepts and the errors (kind and message) for the ones it refuses.
#include <variant>

#include "auth/sigv4.h"
#include "auth/test_util.h"
#include "gtest/gtest.h"

namespace coffer::auth {
namespace {

using namespace test_util;  // NOLINT
using K = Error::Kind;

constexpr char kSig[] = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
constexpr char kCredential[] = "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request";

SignableRequest WithAuth(std::string authorization) {
  return Request("GET", "/test.txt", "",
                 {{"Host", "examplebucket.s3.amazonaws.com"},
                  {"x-amz-date", "20130524T000000Z"},
                  {"Authorization", std::move(authorization)}});
}

Error MustFail(const SignableRequest& req) {
  auto r = ParseAuth(req);
  if (!std::holds_alternative<Error>(r)) {
    ADD_FAILURE() << "expected an error";
    return {};
  }
  return std::get<Error>(r);
}

TEST(ParseHeader, Fields) {
  ParsedAuth p = MustParse(WithAuth(std::string("AWS4-HMAC-SHA256 Credential=") + kCredential +
                                    ", SignedHeaders=host;Range;x-amz-date, Signature=" + kSig));
  EXPECT_EQ(p.method, AuthMethod::kHeader);
  EXPECT_EQ(p.access_key_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(p.scope.date, "20130524");
  EXPECT_EQ(p.scope.region, "us-east-1");
  EXPECT_EQ(p.scope.service, "s3");
  EXPECT_EQ(p.signed_headers, (std::vector<std::string>{"host", "range", "x-amz-date"}));
  EXPECT_EQ(p.signature, kSig);
  EXPECT_EQ(p.amz_date, "20130524T000000Z");
  EXPECT_EQ(p.security_token, "");
}

TEST(ParseHeader, SeparatorVariants) {
  for (std::string sep : {",", ", ", " ,", " , ", ",\t", "  "}) {
    SCOPED_TRACE("separator '" + sep + "'");
    ParsedAuth p =
        MustParse(WithAuth(std::string("AWS4-HMAC-SHA256  Credential=") + kCredential + sep +
                           "SignedHeaders=host;x-amz-date" + sep + "Signature=" + kSig + " "));
    EXPECT_EQ(p.signature, kSig);
    EXPECT_EQ(p.signed_headers.size(), 2u);
  }
  // Components in another order.
  ParsedAuth p = MustParse(WithAuth(std::string("AWS4-HMAC-SHA256 Signature=") + kSig +
                                    ",Credential=" + kCredential + ",SignedHeaders=host"));
  EXPECT_EQ(p.access_key_id, "AKIAIOSFODNN7EXAMPLE");
}

TEST(ParseHeader, MissingComponents) {
  const std::string three =
      "The authorization header is malformed; the authorization header requires three "
      "components: Credential, SignedHeaders, and Signature.";
  for (std::string auth :
       {std::string("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=") + kSig,
        std::string("AWS4-HMAC-SHA256 Credential=") + kCredential + ", Signature=" + kSig,
        std::string("AWS4-HMAC-SHA256 Credential=") + kCredential + ", SignedHeaders=host",
        std::string("AWS4-HMAC-SHA256")}) {
    Error e = MustFail(WithAuth(auth));
    EXPECT_EQ(e.kind, K::kMalformed) << auth;
    EXPECT_EQ(e.message, three) << auth;
  }
}

TEST(ParseHeader, MalformedComponents) {
  auto with = [](std::string credential, std::string signed_headers = "host",
                 std::string signature = kSig) {
    return WithAuth("AWS4-HMAC-SHA256 Credential=" + credential +
                    ", SignedHeaders=" + signed_headers + ", Signature=" + signature);
  };
  const std::string credential_message =
      "The authorization header is malformed; the Credential is mal-formed; expecting "
      "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".";
  for (std::string c :
       {"AKID/20130524/us-east-1/s3", "AKID/20130524/us-east-1/s3/aws4_request/x",
        "/20130524/us-east-1/s3/aws4_request", "AKID//us-east-1/s3/aws4_request", "AKID"}) {
    Error e = MustFail(with(c));
    EXPECT_EQ(e.kind, K::kMalformed) << c;
    EXPECT_EQ(e.message, credential_message) << c;
  }
  Error date = MustFail(with("AKID/2013-05-24/us-east-1/s3/aws4_request"));
  EXPECT_EQ(date.kind, K::kMalformed);
  EXPECT_EQ(date.message,
            "The authorization header is malformed; incorrect date format \"2013-05-24\". This "
            "date in the credential must be in the format \"yyyyMMdd\".");
  Error terminal = MustFail(with("AKID/20130524/us-east-1/s3/aws5_request"));
  EXPECT_EQ(terminal.kind, K::kMalformed);
  EXPECT_EQ(terminal.message,
            "The authorization header is malformed; incorrect terminal \"aws5_request\". This "
            "endpoint uses \"aws4_request\".");
  EXPECT_EQ(MustFail(with(kCredential, "host;;x-amz-date")).kind, K::kMalformed);
  EXPECT_EQ(MustFail(with(kCredential, "host", "")).kind, K::kMalformed);
  Error unknown = MustFail(WithAuth(std::string("AWS4-HMAC-SHA256 Credential=") + kCredential +
                                    ", SignedHeaders=host, Signature=" + kSig + ", Extra=1"));
  EXPECT_EQ(unknown.kind, K::kMalformed);
  EXPECT_EQ(unknown.message,
            "The authorization header is malformed; the authorization component \"Extra=1\" is "
            "malformed.");
  Error twice =
      MustFail(WithAuth(std::string("AWS4-HMAC-SHA256 Credential=") + kCredential +
                        ", Credential=" + kCredential + ", SignedHeaders=host, Signature=" + kSig));
  EXPECT_EQ(twice.kind, K::kMalformed);
}

TEST(ParseHeader, OtherAlgorithms) {
  Error v2 = MustFail(WithAuth("AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg="));
  EXPECT_EQ(v2.kind, K::kUnsupported);
  EXPECT_EQ(v2.message,
            "The authorization mechanism you have provided is not supported. Please use "
            "AWS4-HMAC-SHA256.");
  EXPECT_EQ(MustFail(WithAuth(std::string("AWS4-ECDSA-P256-SHA256 Credential=AKID/20130524/s3/"
                                          "aws4_request, SignedHeaders=host, Signature=") +
                              kSig))
                .kind,
            K::kUnsupported);
  EXPECT_EQ(MustFail(WithAuth("Bearer abc")).kind, K::kUnsupported);
  EXPECT_EQ(MustFail(WithAuth("")).kind, K::kUnsupported);
}

TEST(ParseHeader, RequestDate) {
  const std::string auth = std::string("AWS4-HMAC-SHA256 Credential=") + kCredential +
                           ", SignedHeaders=date;host, Signature=" + kSig;
  SignableRequest date_only =
      Request("GET", "/", "",
              {{"Host", "h"}, {"Date", "Fri, 24 May 2013 00:00:00 GMT"}, {"Authorization", auth}});
  EXPECT_EQ(MustParse(date_only).amz_date, "20130524T000000Z");
  SignableRequest both = date_only;
  both.headers.emplace_back("X-Amz-Date", "20130524T101112Z");
  EXPECT_EQ(MustParse(both).amz_date, "20130524T101112Z");  // x-amz-date wins

  const std::string no_date = "AWS authentication requires a valid Date or x-amz-date header";
  SignableRequest none = Request("GET", "/", "", {{"Host", "h"}, {"Authorization", auth}});
  Error e = MustFail(none);
  EXPECT_EQ(e.kind, K::kMissingHeader);
  EXPECT_EQ(e.message, no_date);
  SignableRequest bad = none;
  bad.headers.emplace_back("x-amz-date", "2013-05-24T00:00:00Z");
  EXPECT_EQ(MustFail(bad).kind, K::kMissingHeader);
  SignableRequest bad_date = none;
  bad_date.headers.emplace_back("Date", "yesterday");
  EXPECT_EQ(MustFail(bad_date).kind, K::kMissingHeader);
}

TEST(ParseHeader, SecurityToken) {
  SignableRequest req = WithAuth(std::string("AWS4-HMAC-SHA256 Credential=") + kCredential +
                                 ",SignedHeaders=host,Signature=" + kSig);
  req.headers.emplace_back("X-Amz-Security-Token", "FwoGZXIvYXdzE");
  EXPECT_EQ(MustParse(req).security_token, "FwoGZXIvYXdzE");
}

// --- Presigned ---------------------------------------------------------------------------------

constexpr char kAlgorithmParam[] = "X-Amz-Algorithm=AWS4-HMAC-SHA256";
constexpr char kCredentialParam[] =
    "X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request";
constexpr char kDateParam[] = "X-Amz-Date=20130524T000000Z";
constexpr char kExpiresParam[] = "X-Amz-Expires=86400";
constexpr char kSignedHeadersParam[] = "X-Amz-SignedHeaders=host";
constexpr char kSignatureParam[] =
    "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

std::string Query(std::vector<std::string> params) {
  std::string q;
  for (const auto& p : params) q += (q.empty() ? "" : "&") + p;
  return q;
}

SignableRequest Presigned(std::string query) {
  return Request("GET", "/test.txt", std::move(query),
                 {{"Host", "examplebucket.s3.amazonaws.com"}});
}

std::vector<std::string> AllParams() {
  return {kAlgorithmParam, kCredentialParam,    kDateParam,
          kExpiresParam,   kSignedHeadersParam, kSignatureParam};
}

TEST(ParseQuery, Fields) {
  ParsedAuth p = MustParse(
      Presigned("prefix=a&" + Query(AllParams()) + "&X-Amz-Security-Token=tok%2Bx%2F%3D"));
  EXPECT_EQ(p.method, AuthMethod::kPresigned);
  EXPECT_EQ(p.access_key_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(p.scope.ToString(), "20130524/us-east-1/s3/aws4_request");
  EXPECT_EQ(p.amz_date, "20130524T000000Z");
  EXPECT_EQ(p.expires_seconds, 86400);
  EXPECT_EQ(p.signed_headers, std::vector<std::string>{"host"});
  EXPECT_EQ(p.signature, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  EXPECT_EQ(p.security_token, "tok+x/=");
}

TEST(ParseQuery, MissingParameter) {
  const std::string message =
      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
      "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.";
  for (size_t skip = 0; skip < 6; ++skip) {
    std::vector<std::string> params = AllParams();
    params.erase(params.begin() + static_cast<std::ptrdiff_t>(skip));
    Error e = MustFail(Presigned(Query(params)));
    EXPECT_EQ(e.kind, K::kMalformedQuery) << skip;
    EXPECT_EQ(e.message, message) << skip;
  }
}

TEST(ParseQuery, InvalidParameters) {
  auto replace = [](size_t i, std::string param) {
    std::vector<std::string> params = AllParams();
    params[i] = std::move(param);
    return Presigned(Query(params));
  };
  auto expect = [](const SignableRequest& req, const std::string& message) {
    Error e = MustFail(req);
    EXPECT_EQ(e.kind, K::kMalformedQuery) << message;
    EXPECT_EQ(e.message, message);
  };
  expect(replace(0, "X-Amz-Algorithm=AWS4-HMAC-SHA1"),
         "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  expect(replace(1, "X-Amz-Credential=AKID%2F20130524%2Fus-east-1%2Fs3"),
         "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "
         "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
  expect(replace(2, "X-Amz-Date=20130524"),
         "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  expect(replace(3, "X-Amz-Expires=-1"), "X-Amz-Expires must be non-negative");
  expect(replace(3, "X-Amz-Expires=604801"),
         "X-Amz-Expires must be less than a week (in seconds) that is 604800");
  expect(replace(3, "X-Amz-Expires=soon"), "X-Amz-Expires should be a number");
  EXPECT_EQ(MustParse(replace(3, "X-Amz-Expires=604800")).expires_seconds, 604800);
  EXPECT_EQ(MustParse(replace(3, "X-Amz-Expires=0")).expires_seconds, 0);
  EXPECT_EQ(MustFail(replace(4, "X-Amz-SignedHeaders=")).kind, K::kMalformedQuery);
  EXPECT_EQ(MustFail(replace(5, "X-Amz-Signature=")).kind, K::kMalformedQuery);
}

TEST(ParseAuthMechanism, OnlyOneAllowed) {
  SignableRequest req = Presigned(Query(AllParams()));
  req.headers.emplace_back("Authorization", std::string("AWS4-HMAC-SHA256 Credential=") +
                                                kCredential +
                                                ",SignedHeaders=host,Signature=" + kSig);
  Error e = MustFail(req);
  EXPECT_EQ(e.kind, K::kMalformed);
  EXPECT_EQ(e.message,
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature "
            "query string parameter or the Authorization header should be specified");
}

TEST(ParseAuthMechanism, AnonymousAndSigV2Query) {
  ParsedAuth anonymous = MustParse(Request("GET", "/b/k", "versionId=1", {{"Host", "h"}}));
  EXPECT_EQ(anonymous.method, AuthMethod::kAnonymous);
  EXPECT_EQ(anonymous.access_key_id, "");
  Error v2 = MustFail(
      Request("GET", "/b/k",
              "AWSAccessKeyId=AKID&Expires=1141889120&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D",
              {{"Host", "h"}}));
  EXPECT_EQ(v2.kind, K::kUnsupported);
}

}  // namespace
}  // namespace coffer::auth
