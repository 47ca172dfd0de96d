// ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation.
#include "absl/strings/numbers.h"
#include "base/encoding.h"
#include "base/time.h"
#include "iam/principal.h"
#include "s3/names.h"
#include "s3/ops.h"
#include "base/xml.h"

namespace coffer::s3 {

http::Task<OpResult> ListBuckets(S3Context& ctx) {
  if (auto err = AuthorizeIdentity(ctx, "s3:ListAllMyBuckets", "arn:aws:s3:::*")) co_return *err;
  const iam::Principal& who = *ctx.request.principal;
  int max_buckets = 10000;
  if (auto v = ctx.Param("max-buckets")) {
    if (!absl::SimpleAtoi(*v, &max_buckets) || max_buckets < 1 || max_buckets > 10000)
      co_return S3Error::InvalidArgument("Argument max-buckets must be an integer between 1 and "
                                         "10000.", "max-buckets", *v);
  }
  std::string prefix = ctx.Param("prefix").value_or("");
  std::string after;
  if (auto token = ctx.Param("continuation-token")) {
    auto decoded = Base64Decode(*token);
    if (!decoded || decoded->empty())
      co_return S3Error::InvalidArgument("The continuation token provided is incorrect",
                                         "continuation-token", *token);
    after = *decoded;
  }
  auto buckets = ctx.catalog.ListBuckets(who.account_id);
  if (!buckets.ok()) co_return FromStatus(buckets.status());

  XmlWriter w;
  w.Open("ListAllMyBucketsResult", true);
  w.Open("Owner").Element("ID", who.CanonicalUserId()).Element("DisplayName", who.account_id);
  w.Close("Owner");
  w.Open("Buckets");
  int n = 0;
  std::string last;
  bool truncated = false;
  for (const auto& b : *buckets) {
    if (!b.name.starts_with(prefix) || (!after.empty() && b.name <= after)) continue;
    if (n == max_buckets) {
      truncated = true;
      break;
    }
    w.Open("Bucket").Element("Name", b.name).Element("CreationDate", FormatIso8601(b.created));
    w.Element("BucketRegion", b.region).Close("Bucket");
    last = b.name;
    ++n;
  }
  w.Close("Buckets");
  if (truncated) w.Element("ContinuationToken", Base64(last));
  if (ctx.HasParam("prefix")) w.Element("Prefix", prefix);
  w.Close("ListAllMyBucketsResult");
  co_await ctx.ReplyXml(w.Finish());
  co_return std::nullopt;
}

http::Task<OpResult> CreateBucket(S3Context& ctx) {
  if (!IsValidNewBucketName(ctx.bucket)) co_return S3Error::InvalidBucketName(ctx.bucket);
  if (auto err = AuthorizeIdentity(ctx, "s3:CreateBucket", "arn:aws:s3:::" + ctx.bucket))
    co_return *err;
  auto body = co_await ctx.ReadSmallBody(64 * 1024);
  if (auto* err = std::get_if<S3Error>(&body)) co_return *err;
  const std::string& xml = std::get<std::string>(body);

  std::string constraint;
  bool xml_blank = xml.find_first_not_of(" \t\r\n") == std::string::npos;
  if (!xml_blank) {
    auto doc = ParseXml(xml);
    if (!doc || doc->name != "CreateBucketConfiguration") co_return S3Error::MalformedXML();
    constraint = doc->ChildText("LocationConstraint").value_or("");
  }
  const std::string& region = ctx.config.region;
  if (constraint == "us-east-1") co_return S3Error::InvalidLocationConstraint();
  // us-east-1 buckets are created without a constraint; every other region needs its own.
  if ((region == "us-east-1" && !constraint.empty()) ||
      (region != "us-east-1" && constraint != region)) {
    co_return S3Error::IllegalLocationConstraint(constraint);
  }

  BucketInfo bucket;
  bucket.name = ctx.bucket;
  bucket.owner_account = ctx.request.principal->account_id;
  bucket.region = region;
  bucket.created = absl::Now();
  if (ctx.HasHeader("x-amz-object-ownership")) {
    bucket.ownership = ctx.Header("x-amz-object-ownership");
    if (!IsOwnershipSetting(bucket.ownership))
      co_return S3Error::InvalidArgument("Invalid x-amz-object-ownership header",
                                         "x-amz-object-ownership", bucket.ownership);
  }
  const std::string owner_id = iam::CanonicalUserIdOf(bucket.owner_account);
  auto acl = AclFromHeaders(ctx.request.signable.headers, owner_id, owner_id);
  if (auto* err = std::get_if<S3Error>(&acl)) co_return *err;
  if (const auto& given = std::get<std::optional<Acl>>(acl)) {
    if (!AclsEnabled(bucket) && !IsOwnerOnly(*given, owner_id)) {
      S3Error e = S3Error::Of(400, "InvalidBucketAclWithObjectOwnership",
                               "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting");
      co_return e;
    }
    if (AclsEnabled(bucket)) bucket.acl = EncodeAcl(*given);
  }
  BucketInfo existing;
  auto s = ctx.catalog.CreateBucket(bucket, &existing);
  if (s.code() == absl::StatusCode::kAlreadyExists) {
    if (existing.owner_account != bucket.owner_account)
      co_return S3Error::BucketAlreadyExists(ctx.bucket);
    // AWS keeps answering 200 in us-east-1 for a bucket you already own (legacy).
    if (region != "us-east-1") co_return S3Error::BucketAlreadyOwnedByYou(ctx.bucket);
  } else if (!s.ok()) {
    co_return FromStatus(s);
  }
  http::ResponseHeader head;
  head.set(http::bhttp::field::location, "/" + ctx.bucket);
  co_await ctx.ReplyEmpty(200, std::move(head));
  co_return std::nullopt;
}

http::Task<OpResult> HeadBucket(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:ListBucket", Permission::kRead});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  http::ResponseHeader head;
  head.set("x-amz-bucket-region", std::get<BucketInfo>(bucket).region);
  co_await ctx.ReplyEmpty(200, std::move(head));
  co_return std::nullopt;
}

http::Task<OpResult> DeleteBucketConfig(S3Context& ctx, const char* action, const char* config) {
  auto bucket = co_await LoadBucket(ctx, Access{action, std::nullopt});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto s = ctx.catalog.PutBucketConfig(ctx.bucket, config, std::nullopt);
  if (!s.ok()) co_return FromStatus(s);
  co_await ctx.ReplyEmpty(204);
  co_return std::nullopt;
}

http::Task<OpResult> DeleteBucket(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:DeleteBucket", std::nullopt});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto s = ctx.catalog.DeleteBucket(ctx.bucket);
  if (s.code() == absl::StatusCode::kFailedPrecondition)
    co_return S3Error::BucketNotEmpty(ctx.bucket);
  if (s.code() == absl::StatusCode::kNotFound) co_return S3Error::NoSuchBucket(ctx.bucket);
  if (!s.ok()) co_return FromStatus(s);
  co_await ctx.ReplyEmpty(204);
  co_return std::nullopt;
}

http::Task<OpResult> GetBucketLocation(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:GetBucketLocation", std::nullopt});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  const std::string& region = std::get<BucketInfo>(bucket).region;
  XmlWriter w;
  w.Open("LocationConstraint", true);
  if (region != "us-east-1") w.Text(region);  // us-east-1 is reported as empty, as AWS does
  w.Close("LocationConstraint");
  co_await ctx.ReplyXml(w.Finish());
  co_return std::nullopt;
}

http::Task<OpResult> GetBucketVersioning(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:GetBucketVersioning", std::nullopt});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  XmlWriter w;
  w.Open("VersioningConfiguration", true);
  switch (std::get<BucketInfo>(bucket).versioning) {
    case Versioning::kEnabled: w.Element("Status", "Enabled"); break;
    case Versioning::kSuspended: w.Element("Status", "Suspended"); break;
    case Versioning::kUnversioned: break;  // never versioned: an empty configuration
  }
  w.Close("VersioningConfiguration");
  co_await ctx.ReplyXml(w.Finish());
  co_return std::nullopt;
}

http::Task<OpResult> PutBucketVersioning(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:PutBucketVersioning", std::nullopt});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto body = co_await ctx.ReadSmallBody(64 * 1024);
  if (auto* err = std::get_if<S3Error>(&body)) co_return *err;
  auto doc = ParseXml(std::get<std::string>(body));
  if (!doc || doc->name != "VersioningConfiguration") co_return S3Error::MalformedXML();
  auto status = doc->ChildText("Status");
  if (auto mfa = doc->ChildText("MfaDelete"); mfa && *mfa == "Enabled")
    co_return S3Error::InvalidRequest("MFA delete is not supported by this server.");
  Versioning v;
  if (status == "Enabled") v = Versioning::kEnabled;
  else if (status == "Suspended") v = Versioning::kSuspended;
  else co_return S3Error::MalformedXML();
  auto s = ctx.catalog.UpdateBucket(ctx.bucket, [v](BucketInfo& b) { b.versioning = v; });
  if (!s.ok()) co_return FromStatus(s);
  co_await ctx.ReplyEmpty(200);
  co_return std::nullopt;
}

}  // namespace coffer::s3
