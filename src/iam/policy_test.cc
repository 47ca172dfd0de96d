// The policy evaluator, table by table: each row is a policy, a request and the
// decision AWS's evaluation logic gives.
#include "iam/policy.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace coffer::iam {
namespace {

constexpr char kAccount[] = "111122223333";
constexpr char kOther[] = "444455556666";

std::shared_ptr<const Policy> MustParse(const std::string& json, PolicyKind kind) {
  auto p = Policy::Parse(json, kind);
  EXPECT_TRUE(p.ok()) << json << ": " << p.status();
  return p.ok() ? *p : nullptr;
}

// An identity policy with one statement: {"Effect":"Allow","Action":...,"Resource":...}
// plus `extra` (e.g. a Condition) spliced into the statement.
std::string Statement(std::string effect, std::string action, std::string resource,
                      std::string extra = "") {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":")" + effect + R"(","Action":)" +
         action + R"(,"Resource":)" + resource + (extra.empty() ? "" : "," + extra) + "}]}";
}

AuthzRequest Request(std::string action, std::string resource, std::string user = "alice",
                     std::string account = kAccount) {
  AuthzRequest r;
  r.action = std::move(action);
  r.resource = std::move(resource);
  r.principal.account = account;
  r.principal.arn = "arn:aws:iam::" + account + ":user/" + user;
  r.context.Set("aws:username", user);
  r.context.Set("aws:PrincipalAccount", account);
  return r;
}

Decision Eval(const std::string& policy, const AuthzRequest& r) {
  auto p = MustParse(policy, PolicyKind::kIdentity);
  return p ? p->Evaluate(r).decision : Decision::kNotApplicable;
}

constexpr auto kAllow = Decision::kAllow;
constexpr auto kDeny = Decision::kDeny;
constexpr auto kNone = Decision::kNotApplicable;

// --- Actions and resources ---

struct MatchRow {
  const char* action_pattern;
  const char* resource_pattern;
  const char* action;
  const char* resource;
  Decision want;
};

TEST(PolicyTest, ActionAndResourceWildcards) {
  const MatchRow rows[] = {
      {R"("s3:GetObject")", R"("arn:aws:s3:::b/k")", "s3:GetObject", "arn:aws:s3:::b/k", kAllow},
      // Actions compare case-insensitively, resources case-sensitively.
      {R"("S3:getobject")", R"("arn:aws:s3:::b/k")", "s3:GetObject", "arn:aws:s3:::b/k", kAllow},
      {R"("s3:GetObject")", R"("arn:aws:s3:::b/K")", "s3:GetObject", "arn:aws:s3:::b/k", kNone},
      {R"("s3:Get*")", R"("*")", "s3:GetObjectTagging", "arn:aws:s3:::b/k", kAllow},
      {R"("s3:Get*")", R"("*")", "s3:PutObject", "arn:aws:s3:::b/k", kNone},
      {R"("s3:*Object")", R"("*")", "s3:DeleteObject", "x", kAllow},
      {R"("s3:?etObject")", R"("*")", "s3:GetObject", "x", kAllow},
      {R"("s3:?etObject")", R"("*")", "s3:GGetObject", "x", kNone},
      {R"("*")", R"("*")", "kms:Decrypt", "x", kAllow},
      {R"("s3:*")", R"("*")", "kms:Decrypt", "x", kNone},
      {R"(["kms:Encrypt","kms:Decrypt"])", R"("*")", "kms:Decrypt", "x", kAllow},
      {R"("s3:GetObject")", R"("arn:aws:s3:::b/*")", "s3:GetObject", "arn:aws:s3:::b/a/b/c",
       kAllow},
      {R"("s3:GetObject")", R"("arn:aws:s3:::b/*")", "s3:GetObject", "arn:aws:s3:::b", kNone},
      {R"("s3:GetObject")", R"("arn:aws:s3:::b*")", "s3:GetObject", "arn:aws:s3:::bucket2/k",
       kAllow},
      {R"("s3:GetObject")", R"("arn:aws:s3:::b/*.txt")", "s3:GetObject",
       "arn:aws:s3:::b/dir/a.txt", kAllow},
      {R"("s3:GetObject")", R"("arn:aws:s3:::b/*.txt")", "s3:GetObject",
       "arn:aws:s3:::b/dir/a.txt.gz", kNone},
      {R"("s3:GetObject")", R"("arn:aws:s3:::b/*a*b")", "s3:GetObject", "arn:aws:s3:::b/xaxxbxb",
       kAllow},
      // A '*' in the value is matched by a '*' pattern as any other character.
      {R"("s3:GetObject")", R"("arn:aws:s3:::b/*x")", "s3:GetObject", "arn:aws:s3:::b/*yx",
       kAllow},
      {R"("s3:GetObject")", R"(["arn:aws:s3:::a/*","arn:aws:s3:::b/*"])", "s3:GetObject",
       "arn:aws:s3:::b/k", kAllow},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(Eval(Statement("Allow", row.action_pattern, row.resource_pattern),
                   Request(row.action, row.resource)),
              row.want)
        << row.action_pattern << " " << row.resource_pattern << " vs " << row.action << " "
        << row.resource;
  }
}

TEST(PolicyTest, NotActionAndNotResource) {
  const std::string not_action =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]})";
  EXPECT_EQ(Eval(not_action, Request("s3:GetObject", "x")), kAllow);
  EXPECT_EQ(Eval(not_action, Request("iam:CreateUser", "x")), kNone);

  const std::string deny_not_resource =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::safe","arn:aws:s3:::safe/*"]}]})";
  EXPECT_EQ(Eval(deny_not_resource, Request("s3:GetObject", "arn:aws:s3:::other/k")), kDeny);
  EXPECT_EQ(Eval(deny_not_resource, Request("s3:GetObject", "arn:aws:s3:::safe/k")), kNone);
  EXPECT_EQ(Eval(deny_not_resource, Request("kms:Decrypt", "arn:aws:s3:::other/k")), kNone);
}

TEST(PolicyTest, DenyWinsOverAllowInOnePolicyAndAcrossPolicies) {
  const std::string both = R"({"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":"s3:*","Resource":"*"},
      {"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]})";
  EXPECT_EQ(Eval(both, Request("s3:GetObject", "x")), kAllow);
  EXPECT_EQ(Eval(both, Request("s3:DeleteObject", "x")), kDeny);

  PolicySet set;
  set.identity = {MustParse(Statement("Allow", R"("*")", R"("*")"), PolicyKind::kIdentity)};
  set.resource = {MustParse(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"*"}]})",
      PolicyKind::kResource)};
  set.resource_account = kAccount;
  EXPECT_EQ(Authorize(Request("s3:GetObject", "x"), set), kDeny);
  EXPECT_EQ(Authorize(Request("s3:PutObject", "x"), set), kAllow);
  // Even an account's root is bound by an explicit deny.
  set.identity.clear();
  set.principal_is_root = true;
  EXPECT_EQ(Authorize(Request("s3:GetObject", "x"), set), kDeny);
  EXPECT_EQ(Authorize(Request("s3:PutObject", "x"), set), kAllow);
}

// --- Conditions ---

struct ConditionRow {
  const char* condition;  // the Condition block's JSON
  std::vector<std::pair<const char*, const char*>> context;  // key, value (repeat = multi)
  bool holds;
};

void CheckConditions(const std::vector<ConditionRow>& rows) {
  for (const auto& row : rows) {
    AuthzRequest r = Request("s3:PutObject", "arn:aws:s3:::b/k");
    for (const auto& [k, v] : row.context) r.context.Add(k, v);
    std::string policy =
        Statement("Allow", R"("s3:PutObject")", R"("*")", std::string("\"Condition\":") + row.condition);
    EXPECT_EQ(Eval(policy, r), row.holds ? kAllow : kNone) << row.condition;
  }
}

TEST(PolicyTest, StringOperators) {
  CheckConditions({
      {R"({"StringEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}})",
       {{"s3:x-amz-server-side-encryption", "aws:kms"}}, true},
      {R"({"StringEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}})",
       {{"s3:x-amz-server-side-encryption", "AWS:KMS"}}, false},
      // Key names are case-insensitive.
      {R"({"StringEquals":{"S3:X-Amz-Server-Side-Encryption":"aws:kms"}})",
       {{"s3:x-amz-server-side-encryption", "aws:kms"}}, true},
      {R"({"StringEquals":{"s3:x-amz-server-side-encryption":["AES256","aws:kms"]}})",
       {{"s3:x-amz-server-side-encryption", "AES256"}}, true},
      {R"({"StringEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}})", {}, false},
      {R"({"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}})",
       {{"s3:x-amz-server-side-encryption", "AES256"}}, true},
      {R"({"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}})",
       {{"s3:x-amz-server-side-encryption", "aws:kms"}}, false},
      // A negated operator matches when the key is absent.
      {R"({"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}})", {}, true},
      {R"({"StringEqualsIgnoreCase":{"aws:username":"ALICE"}})", {}, true},
      {R"({"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}})", {}, false},
      {R"({"StringLike":{"s3:prefix":"home/*"}})", {{"s3:prefix", "home/alice/x"}}, true},
      {R"({"StringLike":{"s3:prefix":"home/?"}})", {{"s3:prefix", "home/ab"}}, false},
      {R"({"StringNotLike":{"s3:prefix":"tmp/*"}})", {{"s3:prefix", "home/a"}}, true},
      {R"({"StringNotLike":{"s3:prefix":"tmp/*"}})", {{"s3:prefix", "tmp/a"}}, false},
      // Two keys in one operator, two operators: all must hold.
      {R"({"StringEquals":{"s3:prefix":"a","s3:delimiter":"/"}})",
       {{"s3:prefix", "a"}, {"s3:delimiter", "/"}}, true},
      {R"({"StringEquals":{"s3:prefix":"a","s3:delimiter":"/"}})", {{"s3:prefix", "a"}}, false},
      {R"({"StringEquals":{"s3:prefix":"a"},"NumericLessThanEquals":{"s3:max-keys":"10"}})",
       {{"s3:prefix", "a"}, {"s3:max-keys", "11"}}, false},
  });
}

TEST(PolicyTest, NumericDateBoolBinaryOperators) {
  CheckConditions({
      {R"({"NumericEquals":{"s3:max-keys":"10"}})", {{"s3:max-keys", "10"}}, true},
      {R"({"NumericEquals":{"s3:max-keys":10}})", {{"s3:max-keys", "10.0"}}, true},
      {R"({"NumericNotEquals":{"s3:max-keys":"10"}})", {{"s3:max-keys", "9"}}, true},
      {R"({"NumericLessThan":{"s3:max-keys":"10"}})", {{"s3:max-keys", "10"}}, false},
      {R"({"NumericLessThanEquals":{"s3:max-keys":"10"}})", {{"s3:max-keys", "10"}}, true},
      {R"({"NumericGreaterThan":{"s3:max-keys":"10"}})", {{"s3:max-keys", "11"}}, true},
      {R"({"NumericGreaterThanEquals":{"s3:max-keys":"10"}})", {{"s3:max-keys", "9"}}, false},
      {R"({"NumericEquals":{"s3:max-keys":"10"}})", {{"s3:max-keys", "ten"}}, false},
      {R"({"DateLessThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}})",
       {{"aws:CurrentTime", "2026-11-24T06:00:00Z"}}, true},
      {R"({"DateGreaterThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}})",
       {{"aws:CurrentTime", "2026-11-24T06:00:00Z"}}, false},
      {R"({"DateEquals":{"aws:CurrentTime":"2026-11-24"}})",
       {{"aws:CurrentTime", "2026-11-24T00:00:00Z"}}, true},
      {R"({"DateNotEquals":{"aws:CurrentTime":"2026-11-24"}})",
       {{"aws:CurrentTime", "2026-11-24T00:00:01Z"}}, true},
      {R"({"DateLessThanEquals":{"aws:EpochTime":"1700000000"}})",
       {{"aws:EpochTime", "1700000000"}}, true},
      {R"({"DateGreaterThanEquals":{"aws:CurrentTime":"2026-11-24T06:00:00Z"}})",
       {{"aws:CurrentTime", "2026-11-24T05:59:59Z"}}, false},
      {R"({"Bool":{"aws:SecureTransport":"true"}})", {{"aws:SecureTransport", "true"}}, true},
      {R"({"Bool":{"aws:SecureTransport":false}})", {{"aws:SecureTransport", "true"}}, false},
      {R"({"Bool":{"aws:SecureTransport":"false"}})", {}, false},
      {R"({"BinaryEquals":{"kms:RecipientAttestation:ImageSha384":"YWJj"}})",
       {{"kms:RecipientAttestation:ImageSha384", "abc"}}, true},
      {R"({"BinaryEquals":{"kms:RecipientAttestation:ImageSha384":"YWJj"}})",
       {{"kms:RecipientAttestation:ImageSha384", "abd"}}, false},
  });
}

TEST(PolicyTest, IpArnAndNullOperators) {
  CheckConditions({
      {R"({"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}})", {{"aws:SourceIp", "192.0.2.77"}}, true},
      {R"({"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}})", {{"aws:SourceIp", "192.0.3.1"}}, false},
      {R"({"IpAddress":{"aws:SourceIp":"10.1.2.3"}})", {{"aws:SourceIp", "10.1.2.3"}}, true},
      {R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/9"}})", {{"aws:SourceIp", "10.127.0.1"}}, true},
      {R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/9"}})", {{"aws:SourceIp", "10.128.0.1"}}, false},
      {R"({"IpAddress":{"aws:SourceIp":"2001:db8::/32"}})",
       {{"aws:SourceIp", "2001:db8:1::5"}}, true},
      {R"({"IpAddress":{"aws:SourceIp":"2001:db8::/32"}})", {{"aws:SourceIp", "192.0.2.1"}}, false},
      {R"({"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}})",
       {{"aws:SourceIp", "198.51.100.1"}}, true},
      {R"({"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}})",
       {{"aws:SourceIp", "203.0.113.9"}}, false},
      {R"({"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}})",
       {{"aws:PrincipalArn", "arn:aws:iam::111122223333:user/alice"}}, true},
      {R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}})",
       {{"aws:PrincipalArn", "arn:aws:iam::111122223333:user/alice"}}, true},
      // ArnLike wildcards stay within their ARN field.
      {R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*"}})",
       {{"aws:PrincipalArn", "arn:aws:iam::111122223333:user/alice"}}, false},
      {R"({"ArnLike":{"aws:SourceArn":"arn:aws:s3:::b*"}})",
       {{"aws:SourceArn", "arn:aws:s3:::bucket"}}, true},
      {R"({"ArnNotEquals":{"aws:SourceArn":"arn:aws:s3:::a"}})",
       {{"aws:SourceArn", "arn:aws:s3:::b"}}, true},
      {R"({"ArnNotLike":{"aws:SourceArn":"arn:aws:s3:::*"}})",
       {{"aws:SourceArn", "arn:aws:s3:::b"}}, false},
      {R"({"ArnEquals":{"aws:SourceArn":"arn:aws:s3:::b"}})", {{"aws:SourceArn", "not-an-arn"}},
       false},
      // Null: true means "the key is absent".
      {R"({"Null":{"s3:x-amz-server-side-encryption-customer-algorithm":"true"}})", {}, true},
      {R"({"Null":{"s3:x-amz-server-side-encryption-customer-algorithm":"true"}})",
       {{"s3:x-amz-server-side-encryption-customer-algorithm", "AES256"}}, false},
      {R"({"Null":{"s3:x-amz-server-side-encryption-customer-algorithm":"false"}})",
       {{"s3:x-amz-server-side-encryption-customer-algorithm", "AES256"}}, true},
      {R"({"Null":{"s3:x-amz-server-side-encryption-customer-algorithm":false}})", {}, false},
  });
}

TEST(PolicyTest, IfExistsAndSetOperators) {
  CheckConditions({
      {R"({"StringEqualsIfExists":{"s3:x-amz-server-side-encryption":"aws:kms"}})", {}, true},
      {R"({"StringEqualsIfExists":{"s3:x-amz-server-side-encryption":"aws:kms"}})",
       {{"s3:x-amz-server-side-encryption", "AES256"}}, false},
      {R"({"StringEqualsIfExists":{"s3:x-amz-server-side-encryption":"aws:kms"}})",
       {{"s3:x-amz-server-side-encryption", "aws:kms"}}, true},
      {R"({"NumericLessThanIfExists":{"s3:max-keys":"5"}})", {}, true},
      {R"({"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}})", {{"aws:SourceIp", "11.0.0.1"}},
       false},
      // ForAllValues: every request value is in the set (vacuously true when absent).
      {R"({"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["app","env"]}})",
       {{"kms:EncryptionContextKeys", "app"}, {"kms:EncryptionContextKeys", "env"}}, true},
      {R"({"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["app","env"]}})",
       {{"kms:EncryptionContextKeys", "app"}, {"kms:EncryptionContextKeys", "other"}}, false},
      {R"({"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["app"]}})", {}, true},
      // ForAnyValue: at least one request value is in the set.
      {R"({"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":["app"]}})",
       {{"kms:EncryptionContextKeys", "x"}, {"kms:EncryptionContextKeys", "app"}}, true},
      {R"({"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":["app"]}})",
       {{"kms:EncryptionContextKeys", "x"}}, false},
      {R"({"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":["app"]}})", {}, false},
      {R"({"ForAnyValue:StringLike":{"aws:TagKeys":["cost-*"]}})",
       {{"aws:TagKeys", "owner"}, {"aws:TagKeys", "cost-center"}}, true},
      {R"({"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}})",
       {{"aws:TagKeys", "a"}, {"aws:TagKeys", "b"}}, true},
      {R"({"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}})",
       {{"aws:TagKeys", "a"}, {"aws:TagKeys", "secret"}}, false},
      {R"({"ForAnyValue:StringNotEquals":{"aws:TagKeys":["secret"]}})",
       {{"aws:TagKeys", "secret"}}, false},
      {R"({"ForAnyValue:StringNotEquals":{"aws:TagKeys":["secret"]}})",
       {{"aws:TagKeys", "secret"}, {"aws:TagKeys", "x"}}, true},
  });
}

// --- Policy variables ---

TEST(PolicyTest, VariablesInResourcesAndConditions) {
  const std::string home = Statement("Allow", R"("s3:*")",
                                     R"("arn:aws:s3:::homes/${aws:username}/*")");
  EXPECT_EQ(Eval(home, Request("s3:GetObject", "arn:aws:s3:::homes/alice/f", "alice")), kAllow);
  EXPECT_EQ(Eval(home, Request("s3:GetObject", "arn:aws:s3:::homes/bob/f", "alice")), kNone);

  const std::string prefix = Statement(
      "Allow", R"("s3:ListBucket")", R"("arn:aws:s3:::homes")",
      R"("Condition":{"StringLike":{"s3:prefix":["${aws:username}/*"]}})");
  AuthzRequest r = Request("s3:ListBucket", "arn:aws:s3:::homes", "bob");
  r.context.Set("s3:prefix", "bob/docs/");
  EXPECT_EQ(Eval(prefix, r), kAllow);
  r.context.Set("s3:prefix", "alice/");
  EXPECT_EQ(Eval(prefix, r), kNone);

  // An unresolvable variable matches nothing, unless it has a default.
  const std::string missing = Statement("Allow", R"("s3:*")",
                                        R"("arn:aws:s3:::t/${aws:PrincipalTag/team}/*")");
  EXPECT_EQ(Eval(missing, Request("s3:GetObject", "arn:aws:s3:::t//x")), kNone);
  const std::string with_default = Statement(
      "Allow", R"("s3:*")", R"("arn:aws:s3:::t/${aws:PrincipalTag/team, 'none'}/*")");
  EXPECT_EQ(Eval(with_default, Request("s3:GetObject", "arn:aws:s3:::t/none/x")), kAllow);

  // The 2008 version has no variables: "${aws:username}" is literal text.
  const std::string old =
      R"({"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::homes/${aws:username}/*"}]})";
  EXPECT_EQ(Eval(old, Request("s3:GetObject", "arn:aws:s3:::homes/alice/f")), kNone);
  EXPECT_EQ(Eval(old, Request("s3:GetObject", "arn:aws:s3:::homes/${aws:username}/f")), kAllow);
}

// --- Principals and the combination of policies ---

std::shared_ptr<const Policy> BucketPolicy(const std::string& principal,
                                           const std::string& effect = "Allow") {
  return MustParse(R"({"Version":"2012-10-17","Statement":[{"Effect":")" + effect +
                       R"(","Principal":)" + principal +
                       R"(,"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]})",
                   PolicyKind::kResource);
}

TEST(PolicyTest, DeferredContextIsBuiltOnlyWhenAConditionReadsIt) {
  int fills = 0;
  auto deferred = [&](std::string_view prefix) {
    AuthzRequest r = Request("s3:GetObject", "arn:aws:s3:::b/k");
    r.context.Defer([&fills, prefix](ConditionContext& c) {
      ++fills;
      c.Set("s3:prefix", std::string(prefix));
      c.Add("aws:TagKeys", "first");
    });
    r.context.Defer([](ConditionContext& c) { c.Add("aws:TagKeys", "second"); });
    return r;
  };
  auto plain = MustParse(Statement("Allow", R"("s3:GetObject")", R"("*")"), PolicyKind::kIdentity);
  EXPECT_EQ(plain->Evaluate(deferred("home/")).decision, kAllow);
  EXPECT_EQ(fills, 0);

  auto conditioned = MustParse(
      Statement("Allow", R"("s3:GetObject")", R"("*")",
                R"("Condition":{"StringLike":{"s3:prefix":"home/*"},)"
                R"("ForAllValues:StringEquals":{"aws:TagKeys":["first","second"]}})"),
      PolicyKind::kIdentity);
  EXPECT_EQ(conditioned->Evaluate(deferred("home/")).decision, kAllow);
  EXPECT_EQ(fills, 1);  // once, for both conditions
  EXPECT_EQ(conditioned->Evaluate(deferred("etc/")).decision, kNone);
  EXPECT_EQ(fills, 2);

  // A copy fills its own values; both see what the fillers set, in order.
  AuthzRequest original = deferred("home/");
  AuthzRequest copy = original;
  ASSERT_NE(copy.context.Get("aws:TagKeys"), nullptr);
  EXPECT_EQ(*copy.context.Get("aws:TagKeys"), (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(*original.context.Get("S3:Prefix"), std::vector<std::string>{"home/"});
  EXPECT_EQ(fills, 4);
}

TEST(PolicyTest, PrincipalForms) {
  AuthzRequest alice = Request("s3:GetObject", "arn:aws:s3:::b/k");
  struct Row {
    std::string principal;
    Decision want;
    bool via_account;
  } rows[] = {
      {R"("*")", kAllow, false},
      {R"({"AWS":"*"})", kAllow, false},
      {R"({"AWS":"111122223333"})", kAllow, true},
      {R"({"AWS":"arn:aws:iam::111122223333:root"})", kAllow, true},
      {R"({"AWS":"arn:aws:iam::111122223333:user/alice"})", kAllow, false},
      {R"({"AWS":["arn:aws:iam::111122223333:user/bob","arn:aws:iam::111122223333:user/alice"]})",
       kAllow, false},
      {R"({"AWS":"arn:aws:iam::111122223333:user/bob"})", kNone, false},
      {R"({"AWS":"444455556666"})", kNone, false},
      {R"({"Service":"s3.amazonaws.com"})", kNone, false},
  };
  for (const auto& row : rows) {
    auto p = BucketPolicy(row.principal);
    ASSERT_TRUE(p);
    Evaluation e = p->Evaluate(alice);
    EXPECT_EQ(e.decision, row.want) << row.principal;
    EXPECT_EQ(e.allow_via_account, row.via_account) << row.principal;
  }
  // Service principals match the service acting, anonymous callers only "*".
  AuthzRequest service = alice;
  service.principal = {};
  service.principal.service = "s3.amazonaws.com";
  EXPECT_EQ(BucketPolicy(R"({"Service":"s3.amazonaws.com"})")->Evaluate(service).decision, kAllow);
  AuthzRequest anonymous = alice;
  anonymous.principal = {};
  anonymous.principal.anonymous = true;
  EXPECT_EQ(BucketPolicy(R"("*")")->Evaluate(anonymous).decision, kAllow);
  EXPECT_EQ(BucketPolicy(R"({"AWS":"111122223333"})")->Evaluate(anonymous).decision, kNone);
  // An assumed role session is named by its role's ARN.
  AuthzRequest session = alice;
  session.principal.arn = "arn:aws:sts::111122223333:assumed-role/reader/s1";
  session.principal.role_arn = "arn:aws:iam::111122223333:role/reader";
  EXPECT_EQ(BucketPolicy(R"({"AWS":"arn:aws:iam::111122223333:role/reader"})")
                ->Evaluate(session)
                .decision,
            kAllow);
  // NotPrincipal with Deny: everyone but alice is denied.
  auto not_alice = MustParse(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:*","Resource":"*"}]})",
      PolicyKind::kResource);
  EXPECT_EQ(not_alice->Evaluate(alice).decision, kNone);
  EXPECT_EQ(not_alice->Evaluate(Request("s3:GetObject", "x", "bob")).decision, kDeny);
}

struct AuthorizeRow {
  const char* name;
  bool identity_allows;
  const char* resource_principal;  // nullptr: no resource policy
  const char* caller_account;
  bool resource_must_allow;
  Decision want;
};

TEST(PolicyTest, SameAccountAndCrossAccountCombination) {
  const AuthorizeRow rows[] = {
      {"same account, identity only", true, nullptr, kAccount, false, kAllow},
      {"same account, resource names the user", false,
       R"({"AWS":"arn:aws:iam::111122223333:user/alice"})", kAccount, false, kAllow},
      {"same account, resource names the account only", false, R"({"AWS":"111122223333"})",
       kAccount, false, kNone},
      {"same account, nothing", false, nullptr, kAccount, false, kNone},
      {"cross account, identity only", true, nullptr, kOther, false, kNone},
      {"cross account, resource only", false, R"({"AWS":"444455556666"})", kOther, false, kNone},
      {"cross account, both (account named)", true, R"({"AWS":"444455556666"})", kOther, false,
       kAllow},
      {"cross account, both (user named)", true,
       R"({"AWS":"arn:aws:iam::444455556666:user/alice"})", kOther, false, kAllow},
      {"cross account, resource names someone else", true, R"({"AWS":"777788889999"})", kOther,
       false, kNone},
      {"key policy: identity alone is not enough", true, nullptr, kAccount, true, kNone},
      {"key policy delegating to the account + identity", true, R"({"AWS":"111122223333"})",
       kAccount, true, kAllow},
      {"key policy delegating to the account, no identity", false, R"({"AWS":"111122223333"})",
       kAccount, true, kNone},
      {"key policy naming the user", false, R"({"AWS":"arn:aws:iam::111122223333:user/alice"})",
       kAccount, true, kAllow},
  };
  for (const auto& row : rows) {
    PolicySet set;
    if (row.identity_allows)
      set.identity = {MustParse(Statement("Allow", R"("s3:GetObject")", R"("*")"),
                                PolicyKind::kIdentity)};
    if (row.resource_principal) set.resource = {BucketPolicy(row.resource_principal)};
    set.resource_account = kAccount;
    set.resource_must_allow = row.resource_must_allow;
    EXPECT_EQ(Authorize(Request("s3:GetObject", "arn:aws:s3:::b/k", "alice", row.caller_account),
                        set),
              row.want)
        << row.name;
  }
}

TEST(PolicyTest, RootActsForItsAccount) {
  PolicySet set;
  set.principal_is_root = true;
  set.resource_account = kAccount;
  AuthzRequest root = Request("s3:GetObject", "arn:aws:s3:::b/k");
  root.principal.arn = "arn:aws:iam::111122223333:root";
  EXPECT_EQ(Authorize(root, set), kAllow);
  // Another account's root needs the resource policy.
  AuthzRequest other = root;
  other.principal.account = kOther;
  other.principal.arn = "arn:aws:iam::444455556666:root";
  EXPECT_EQ(Authorize(other, set), kNone);
  set.resource = {BucketPolicy(R"({"AWS":"444455556666"})")};
  EXPECT_EQ(Authorize(other, set), kAllow);
}

// --- The bucket policies of the reference documents ---

TEST(PolicyTest, ReferenceDocumentBucketPolicies) {
  // Deny uploads that do not ask for SSE-KMS.
  auto require_kms = MustParse(R"({
    "Version":"2012-10-17","Id":"PutObjectPolicy",
    "Statement":[{"Sid":"DenyObjectsThatAreNotSSEKMS","Effect":"Deny","Principal":"*",
      "Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",
      "Condition":{"Null":{"s3:x-amz-server-side-encryption-aws-kms-key-id":"true"}}}]})",
                               PolicyKind::kResource);
  AuthzRequest put = Request("s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/k");
  EXPECT_EQ(require_kms->Evaluate(put).decision, kDeny);
  put.context.Set("s3:x-amz-server-side-encryption-aws-kms-key-id",
                  "arn:aws:kms:us-east-1:111122223333:key/k1");
  EXPECT_EQ(require_kms->Evaluate(put).decision, kNone);

  // Only one key may be used.
  auto pinned = MustParse(R"({
    "Version":"2012-10-17","Id":"PutObjectPolicy",
    "Statement":[{"Sid":"RequireKMSEncryption","Effect":"Deny","Principal":"*",
      "Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",
      "Condition":{"StringNotLikeIfExists":{"s3:x-amz-server-side-encryption-aws-kms-key-id":
        "arn:aws:kms:us-east-1:111122223333:key/01234567-89ab-cdef-0123-456789abcdef"}}}]})",
                          PolicyKind::kResource);
  AuthzRequest put2 = Request("s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/k");
  // IfExists: an absent key makes the condition true, so the deny applies.
  EXPECT_EQ(pinned->Evaluate(put2).decision, kDeny);
  put2.context.Set("s3:x-amz-server-side-encryption-aws-kms-key-id",
                   "arn:aws:kms:us-east-1:111122223333:key/01234567-89ab-cdef-0123-456789abcdef");
  EXPECT_EQ(pinned->Evaluate(put2).decision, kNone);
  put2.context.Set("s3:x-amz-server-side-encryption-aws-kms-key-id",
                   "arn:aws:kms:us-east-1:111122223333:key/another");
  EXPECT_EQ(pinned->Evaluate(put2).decision, kDeny);

  // SSE-C required: deny when the customer algorithm header is missing.
  auto require_ssec = MustParse(R"({
    "Version":"2012-10-17","Id":"PutObjectPolicy",
    "Statement":[{"Sid":"RequireSSECObjectUploads","Effect":"Deny","Principal":"*",
      "Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",
      "Condition":{"Null":{"s3:x-amz-server-side-encryption-customer-algorithm":"true"}}}]})",
                                PolicyKind::kResource);
  AuthzRequest put3 = Request("s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/k");
  EXPECT_EQ(require_ssec->Evaluate(put3).decision, kDeny);
  put3.context.Set("s3:x-amz-server-side-encryption-customer-algorithm", "AES256");
  EXPECT_EQ(require_ssec->Evaluate(put3).decision, kNone);

  // TLS only.
  auto tls_only = MustParse(R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny",
      "Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],
      "Condition":{"Bool":{"aws:SecureTransport":"false"}}}]})",
                            PolicyKind::kResource);
  AuthzRequest get = Request("s3:GetObject", "arn:aws:s3:::b/k");
  get.context.Set("aws:SecureTransport", "false");
  EXPECT_EQ(tls_only->Evaluate(get).decision, kDeny);
  get.context.Set("aws:SecureTransport", "true");
  EXPECT_EQ(tls_only->Evaluate(get).decision, kNone);

  // A key policy statement with kms:ViaService and kms:CallerAccount.
  auto via_s3 = MustParse(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
      "Principal":{"AWS":"*"},"Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*",
      "Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com",
                                   "kms:CallerAccount":"111122223333"}}}]})",
                          PolicyKind::kResource);
  AuthzRequest decrypt = Request("kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/k");
  decrypt.context.Set("kms:CallerAccount", kAccount);
  EXPECT_EQ(via_s3->Evaluate(decrypt).decision, kNone);
  decrypt.context.Set("kms:ViaService", "s3.us-east-1.amazonaws.com");
  EXPECT_EQ(via_s3->Evaluate(decrypt).decision, kAllow);
  AuthzRequest gdk = decrypt;
  gdk.action = "kms:GenerateDataKeyWithoutPlaintext";
  EXPECT_EQ(via_s3->Evaluate(gdk).decision, kAllow);
  gdk.context.Set("kms:CallerAccount", kOther);
  EXPECT_EQ(via_s3->Evaluate(gdk).decision, kNone);
}

// --- Parsing ---

TEST(PolicyTest, ParseErrorsUseIamWording) {
  struct Row {
    std::string json;
    PolicyKind kind;
    std::string message;  // a prefix of the expected message
  } rows[] = {
      {"not json", PolicyKind::kIdentity, "Syntax errors in policy."},
      {"[]", PolicyKind::kIdentity, "Syntax errors in policy."},
      {R"({"Version":"2012-10-17"})", PolicyKind::kIdentity, "Syntax errors in policy."},
      {R"({"Version":"2012-10-17","Statement":[]})", PolicyKind::kIdentity,
       "Syntax errors in policy."},
      {R"({"Version":"2020-01-01","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}})",
       PolicyKind::kIdentity, "The policy failed legacy parsing"},
      {R"({"Statement":{"Effect":"Maybe","Action":"s3:*","Resource":"*"}})", PolicyKind::kIdentity,
       "Invalid effect: Maybe"},
      {R"({"Statement":{"Action":"s3:*","Resource":"*"}})", PolicyKind::kIdentity,
       "Policy statement must contain an Effect."},
      {R"({"Statement":{"Effect":"Allow","Resource":"*"}})", PolicyKind::kIdentity,
       "Policy statement must contain actions."},
      {R"({"Statement":{"Effect":"Allow","Action":"s3:*","NotAction":"s3:*","Resource":"*"}})",
       PolicyKind::kIdentity, "Policy statement must contain actions."},
      {R"({"Statement":{"Effect":"Allow","Action":"getobject","Resource":"*"}})",
       PolicyKind::kIdentity, "Policy has invalid action"},
      {R"({"Statement":{"Effect":"Allow","Action":"s3:*"}})", PolicyKind::kIdentity,
       "Policy statement must contain resources."},
      {R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","NotResource":"*"}})",
       PolicyKind::kIdentity, "Policy statement must not contain both Resource and NotResource."},
      {R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}})",
       PolicyKind::kIdentity, "Policy document should not specify a principal."},
      {R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}})", PolicyKind::kResource,
       "Missing required field Principal"},
      {R"({"Statement":{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3:*","Resource":"*"}})",
       PolicyKind::kResource, "Invalid principal in policy"},
      {R"({"Statement":{"Effect":"Allow","Principal":"someone","Action":"s3:*","Resource":"*"}})",
       PolicyKind::kResource, "Invalid principal in policy"},
      {R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquality":{"a":"b"}}}})",
       PolicyKind::kIdentity, "Invalid Condition type : StringEquality"},
      {R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NullIfExists":{"a":"true"}}}})",
       PolicyKind::kIdentity, "Invalid Condition type : NullIfExists"},
      {R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"300.1.1.1"}}}})",
       PolicyKind::kIdentity, "Invalid value \"300.1.1.1\""},
      {R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericEquals":{"s3:max-keys":"many"}}}})",
       PolicyKind::kIdentity, "Invalid value \"many\""},
      {R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"yes"}}}})",
       PolicyKind::kIdentity, "Invalid value \"yes\""},
      {R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{}}}})",
       PolicyKind::kIdentity, "Syntax errors in policy."},
  };
  for (const auto& row : rows) {
    auto p = Policy::Parse(row.json, row.kind);
    ASSERT_FALSE(p.ok()) << row.json;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StartsWith(p.status().message(), row.message))
        << row.json << " gave: " << p.status().message();
  }
  // A single statement object, a string list with one entry and a Sid are all fine;
  // trust and key policies may leave out Resource.
  EXPECT_TRUE(Policy::Parse(
                  R"({"Statement":{"Sid":"1","Effect":"Allow","Action":["s3:*"],"Resource":["*"]}})",
                  PolicyKind::kIdentity)
                  .ok());
  EXPECT_TRUE(Policy::Parse(
                  R"({"Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}})",
                  PolicyKind::kResource)
                  .ok());
}

TEST(PolicyTest, IsPublic) {
  struct Row {
    std::string statement;
    bool is_public;
  } rows[] = {
      {R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"})", true},
      {R"({"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"*"})",
       true},
      {R"({"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"*"})", false},
      {R"({"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"})",
       false},
      {R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}})",
       false},
      {R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}})",
       false},
      // A wildcard in a pinning key does not pin.
      {R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringLike":{"aws:PrincipalArn":"*"}}})",
       true},
      // A condition on some other key does not make a policy private.
      {R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}})",
       true},
  };
  for (const auto& row : rows) {
    auto p = MustParse(R"({"Version":"2012-10-17","Statement":[)" + row.statement + "]}",
                       PolicyKind::kResource);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->IsPublic(), row.is_public) << row.statement;
  }
}

}  // namespace
}  // namespace coffer::iam
