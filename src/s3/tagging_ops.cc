// Object and bucket tagging: Put/Get/DeleteObjectTagging, Put/Get/DeleteBucketTagging.
#include "base/codec.h"
#include "http/blocking.h"
#include "s3/object_input.h"
#include "s3/ops.h"
#include "base/xml.h"

namespace coffer::s3 {
namespace {

constexpr size_t kMaxBucketTags = 50;

std::string TaggingXml(const HeaderList& tags) {
  XmlWriter w;
  w.Open("Tagging", true).Open("TagSet");
  for (const auto& [k, v] : tags) w.Open("Tag").Element("Key", k).Element("Value", v).Close("Tag");
  w.Close("TagSet").Close("Tagging");
  return w.Finish();
}

std::string EncodeTags(const HeaderList& tags) {
  Encoder e;
  e.Varint(tags.size());
  for (const auto& [k, v] : tags) e.Str(k).Str(v);
  return e.Take();
}

std::optional<HeaderList> DecodeTags(std::string_view v) {
  Decoder d(v);
  uint64_t n = 0;
  if (!d.Varint(n).ok() || n > 1000) return std::nullopt;
  HeaderList tags;
  for (uint64_t i = 0; i < n; ++i) {
    std::string k, val;
    if (!d.Str(k).ok() || !d.Str(val).ok()) return std::nullopt;
    tags.emplace_back(std::move(k), std::move(val));
  }
  return tags;
}

// Reads and validates a Tagging body; `max` tags at most.
http::Task<std::variant<HeaderList, S3Error>> ReadTags(S3Context& ctx, size_t max) {
  auto body = co_await ctx.ReadSmallBody(256 * 1024);
  if (auto* err = std::get_if<S3Error>(&body)) co_return *err;
  auto tags = ParseTaggingXml(std::get<std::string>(body));
  if (auto* err = std::get_if<S3Error>(&tags)) co_return *err;
  if (auto err = ValidateTags(std::get<HeaderList>(tags), max)) co_return *err;
  co_return std::get<HeaderList>(tags);
}

// Authorizes `action` (or its ...Version form) on the addressed object version.
std::variant<ObjectInfo, S3Error> AuthorizedVersion(S3Context& ctx, const BucketInfo& bucket,
                                                    const std::string& action) {
  auto loaded = LoadObjectVersion(ctx);
  if (auto* err = std::get_if<S3Error>(&loaded)) return *err;
  std::string name = ctx.HasParam("versionId")
                         ? action.substr(0, action.size() - 7) + "VersionTagging"
                         : action;
  // No ACL permission but FULL_CONTROL covers tagging.
  if (auto err = AuthorizeObject(ctx, bucket, ctx.key, name, &std::get<ObjectInfo>(loaded),
                                 Permission::kFullControl))
    return *err;
  return loaded;
}

// Replaces the addressed version's tags and answers with its version id.
http::Task<OpResult> ChangeObjectTags(S3Context& ctx, const BucketInfo& bucket, HeaderList tags,
                                      const std::string& action, int status) {
  auto loaded = AuthorizedVersion(ctx, bucket, action);
  if (auto* err = std::get_if<S3Error>(&loaded)) co_return *err;
  const std::string version_id = std::get<ObjectInfo>(loaded).version_id;
  auto updated = co_await http::RunBlocking([&] {
    return ctx.catalog.UpdateObject(ctx.bucket, ctx.key, version_id,
                                    [&tags](ObjectInfo& o) { o.tags = tags; });
  });
  if (updated.status().code() == absl::StatusCode::kNotFound)
    co_return S3Error::NoSuchKey(ctx.key);
  if (!updated.ok()) co_return FromStatus(updated.status());
  http::ResponseHeader head;
  AddVersionHeader(head, bucket, updated->version_id);
  co_await ctx.ReplyEmpty(status, std::move(head));
  co_return std::nullopt;
}

}  // namespace

http::Task<OpResult> PutObjectTagging(S3Context& ctx) {
  auto bucket = co_await FindBucket(ctx);
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto tags = co_await ReadTags(ctx, 10);
  if (auto* err = std::get_if<S3Error>(&tags)) co_return *err;
  co_return co_await ChangeObjectTags(ctx, std::get<BucketInfo>(bucket),
                                      std::get<HeaderList>(tags), "s3:PutObjectTagging", 200);
}

http::Task<OpResult> DeleteObjectTagging(S3Context& ctx) {
  auto bucket = co_await FindBucket(ctx);
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  co_return co_await ChangeObjectTags(ctx, std::get<BucketInfo>(bucket), {},
                                      "s3:DeleteObjectTagging", 204);
}

http::Task<OpResult> GetObjectTagging(S3Context& ctx) {
  auto bucket = co_await FindBucket(ctx);
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto loaded = AuthorizedVersion(ctx, std::get<BucketInfo>(bucket), "s3:GetObjectTagging");
  if (auto* err = std::get_if<S3Error>(&loaded)) co_return *err;
  const ObjectInfo& o = std::get<ObjectInfo>(loaded);
  http::ResponseHeader head;
  head.result(http::bhttp::status::ok);
  head.set(http::bhttp::field::content_type, "application/xml");
  AddVersionHeader(head, std::get<BucketInfo>(bucket), o.version_id);
  co_await ctx.exchange().Respond(std::move(head), TaggingXml(o.tags));
  co_return std::nullopt;
}

http::Task<OpResult> PutBucketTagging(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:PutBucketTagging", std::nullopt});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto tags = co_await ReadTags(ctx, kMaxBucketTags);
  if (auto* err = std::get_if<S3Error>(&tags)) co_return *err;
  auto s = ctx.catalog.PutBucketConfig(ctx.bucket, "tagging",
                                       EncodeTags(std::get<HeaderList>(tags)));
  if (!s.ok()) co_return FromStatus(s);
  co_await ctx.ReplyEmpty(204);
  co_return std::nullopt;
}

http::Task<OpResult> GetBucketTagging(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:GetBucketTagging", std::nullopt});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto stored = ctx.catalog.GetBucketConfig(ctx.bucket, "tagging");
  if (!stored.ok()) co_return FromStatus(stored.status());
  std::optional<HeaderList> tags;
  if (stored->has_value()) tags = DecodeTags(**stored);
  if (!tags) {
    S3Error e = S3Error::Of(404, "NoSuchTagSet",
                             "The TagSet does not exist");
    e.With("BucketName", ctx.bucket);
    co_return e;
  }
  co_await ctx.ReplyXml(TaggingXml(*tags));
  co_return std::nullopt;
}

http::Task<OpResult> DeleteBucketTagging(S3Context& ctx) {
  co_return co_await DeleteBucketConfig(ctx, "s3:PutBucketTagging", "tagging");
}

}  // namespace coffer::s3
