// Bucket policies and Public Access Block: Put/Get/DeleteBucketPolicy,
// GetBucketPolicyStatus, Put/Get/DeletePublicAccessBlock.
#include "absl/strings/ascii.h"
#include "base/xml.h"
#include "s3/ops.h"

namespace coffer::s3 {
namespace {

S3Error NoSuchBucketPolicy(const std::string& bucket) {
  return S3Error::Of(404, "NoSuchBucketPolicy", "The bucket policy does not exist")
      .With("BucketName", bucket);
}

}  // namespace

http::Task<OpResult> PutBucketPolicy(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:PutBucketPolicy", std::nullopt});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto body = co_await ctx.ReadSmallBody(20 * 1024);
  if (auto* err = std::get_if<S3Error>(&body)) {
    if (err->code == "MalformedXML")  // over S3's 20 KB limit
      co_return S3Error::Of(400, "PolicyTooLarge", "Policies must not exceed 20 KB.");
    co_return *err;
  }
  const std::string& text = std::get<std::string>(body);
  auto policy = ctx.config.authorizer->policies()->Parsed(text, iam::PolicyKind::kResource);
  if (!policy.ok()) co_return S3Error::Of(400, "MalformedPolicy", std::string(policy.status().message()));
  if ((*policy)->IsPublic() && LoadPublicAccessBlock(ctx, ctx.bucket).block_public_policy)
    co_return S3Error::AccessDenied();
  auto s = ctx.catalog.PutBucketConfig(ctx.bucket, "policy", text);
  if (!s.ok()) co_return FromStatus(s);
  co_await ctx.ReplyEmpty(204);
  co_return std::nullopt;
}

http::Task<OpResult> GetBucketPolicy(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:GetBucketPolicy", std::nullopt});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto text = ctx.catalog.GetBucketConfig(ctx.bucket, "policy");
  if (!text.ok()) co_return FromStatus(text.status());
  if (!text->has_value()) co_return NoSuchBucketPolicy(ctx.bucket);
  http::ResponseHeader head;
  head.result(http::bhttp::status::ok);
  head.set(http::bhttp::field::content_type, "application/json");
  co_await ctx.exchange().Respond(std::move(head), **text);
  co_return std::nullopt;
}

http::Task<OpResult> DeleteBucketPolicy(S3Context& ctx) {
  co_return co_await DeleteBucketConfig(ctx, "s3:DeleteBucketPolicy", "policy");
}

http::Task<OpResult> GetBucketPolicyStatus(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:GetBucketPolicyStatus", std::nullopt});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto text = ctx.catalog.GetBucketConfig(ctx.bucket, "policy");
  if (!text.ok()) co_return FromStatus(text.status());
  if (!text->has_value()) co_return NoSuchBucketPolicy(ctx.bucket);
  auto policy = ctx.config.authorizer->policies()->Parsed(**text, iam::PolicyKind::kResource);
  bool is_public = policy.ok() && (*policy)->IsPublic();
  XmlWriter w;
  w.Open("PolicyStatus", true).Element("IsPublic", is_public ? "true" : "false").Close("PolicyStatus");
  co_await ctx.ReplyXml(w.Finish());
  co_return std::nullopt;
}

http::Task<OpResult> PutPublicAccessBlock(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:PutBucketPublicAccessBlock", std::nullopt});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto body = co_await ctx.ReadSmallBody(16 * 1024);
  if (auto* err = std::get_if<S3Error>(&body)) co_return *err;
  auto doc = ParseXml(std::get<std::string>(body));
  if (!doc || doc->name != "PublicAccessBlockConfiguration") co_return S3Error::MalformedXML();
  std::string flags;
  for (const char* name : {"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                           "RestrictPublicBuckets"}) {
    std::string v = absl::AsciiStrToLower(doc->ChildText(name).value_or("false"));
    if (v != "true" && v != "false") co_return S3Error::MalformedXML();
    flags.push_back(v == "true" ? '1' : '0');
  }
  auto s = ctx.catalog.PutBucketConfig(ctx.bucket, "publicAccessBlock", flags);
  if (!s.ok()) co_return FromStatus(s);
  co_await ctx.ReplyEmpty(200);
  co_return std::nullopt;
}

http::Task<OpResult> GetPublicAccessBlock(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:GetBucketPublicAccessBlock", std::nullopt});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto stored = ctx.catalog.GetBucketConfig(ctx.bucket, "publicAccessBlock");
  if (!stored.ok()) co_return FromStatus(stored.status());
  if (!stored->has_value()) {
    co_return S3Error::Of(404, "NoSuchPublicAccessBlockConfiguration",
                          "The public access block configuration was not found")
        .With("BucketName", ctx.bucket);
  }
  PublicAccessBlock pab = LoadPublicAccessBlock(ctx, ctx.bucket);
  XmlWriter w;
  w.Open("PublicAccessBlockConfiguration", true);
  w.Element("BlockPublicAcls", pab.block_public_acls ? "true" : "false");
  w.Element("IgnorePublicAcls", pab.ignore_public_acls ? "true" : "false");
  w.Element("BlockPublicPolicy", pab.block_public_policy ? "true" : "false");
  w.Element("RestrictPublicBuckets", pab.restrict_public_buckets ? "true" : "false");
  w.Close("PublicAccessBlockConfiguration");
  co_await ctx.ReplyXml(w.Finish());
  co_return std::nullopt;
}

http::Task<OpResult> DeletePublicAccessBlock(S3Context& ctx) {
  co_return co_await DeleteBucketConfig(ctx, "s3:PutBucketPublicAccessBlock", "publicAccessBlock");
}

}  // namespace coffer::s3
