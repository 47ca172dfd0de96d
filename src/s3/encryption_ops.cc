// Bucket default encryption: Put/Get/DeleteBucketEncryption.
#include "s3/encryption.h"
#include "s3/ops.h"

namespace coffer::s3 {

http::Task<OpResult> PutBucketEncryption(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:PutEncryptionConfiguration", std::nullopt});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto body = co_await ctx.ReadSmallBody(64 * 1024);
  if (auto* err = std::get_if<S3Error>(&body)) co_return *err;
  auto parsed = ParseBucketEncryption(std::get<std::string>(body));
  if (auto* err = std::get_if<S3Error>(&parsed)) co_return *err;
  auto s = ctx.catalog.PutBucketConfig(ctx.bucket, "encryption",
                                       BucketEncryptionXml(std::get<BucketEncryption>(parsed)));
  if (!s.ok()) co_return FromStatus(s);
  co_await ctx.ReplyEmpty(200);
  co_return std::nullopt;
}

// Every bucket has a default: SSE-S3 when none was set, as on AWS since 2023.
http::Task<OpResult> GetBucketEncryption(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:GetEncryptionConfiguration", std::nullopt});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto current = LoadBucketEncryption(ctx, ctx.bucket);
  if (auto* err = std::get_if<S3Error>(&current)) co_return *err;
  co_await ctx.ReplyXml(BucketEncryptionXml(std::get<BucketEncryption>(current)));
  co_return std::nullopt;
}

http::Task<OpResult> DeleteBucketEncryption(S3Context& ctx) {
  co_return co_await DeleteBucketConfig(ctx, "s3:PutEncryptionConfiguration", "encryption");
}

}  // namespace coffer::s3
