// ACLs and Object Ownership: Get/PutBucketAcl, Get/PutObjectAcl,
// Put/Get/DeleteBucketOwnershipControls.
#include "http/blocking.h"
#include "iam/principal.h"
#include "s3/ops.h"
#include "base/xml.h"

namespace coffer::s3 {
namespace {

// The ACL a Put*Acl request sets: from x-amz-acl / x-amz-grant-* headers, or from an
// AccessControlPolicy body.
http::Task<std::variant<Acl, S3Error>> RequestedAcl(S3Context& ctx, const std::string& owner_id,
                                                    const std::string& bucket_owner_id) {
  auto from_headers = AclFromHeaders(ctx.request.signable.headers, owner_id, bucket_owner_id);
  if (auto* err = std::get_if<S3Error>(&from_headers)) co_return *err;
  auto body = co_await ctx.ReadSmallBody(64 * 1024);
  if (auto* err = std::get_if<S3Error>(&body)) co_return *err;
  const std::string& xml = std::get<std::string>(body);
  bool has_body = xml.find_first_not_of(" \t\r\n") != std::string::npos;
  if (auto given = std::get<std::optional<Acl>>(from_headers)) {
    if (has_body)
      co_return S3Error::InvalidRequest("Specifying both an ACL in the body and ACL headers is "
                                        "not allowed");
    co_return *given;
  }
  if (!has_body) co_return S3Error::MalformedXML();
  co_return ParseAclXml(xml);
}

}  // namespace

bool IsOwnershipSetting(const std::string& v) {
  return v == "BucketOwnerEnforced" || v == "BucketOwnerPreferred" || v == "ObjectWriter";
}

http::Task<OpResult> GetBucketAcl(S3Context& ctx) {
  auto bucket_or = co_await LoadBucket(ctx, Access{"s3:GetBucketAcl", Permission::kReadAcp});
  if (auto* err = std::get_if<S3Error>(&bucket_or)) co_return *err;
  const BucketInfo& b = std::get<BucketInfo>(bucket_or);
  const std::string owner_id = iam::CanonicalUserIdOf(b.owner_account);
  Acl acl = DecodeAcl(AclsEnabled(b) ? b.acl : "", owner_id);
  co_await ctx.ReplyXml(AclXml(acl, owner_id, b.owner_account));
  co_return std::nullopt;
}

http::Task<OpResult> PutBucketAcl(S3Context& ctx) {
  auto bucket_or = co_await LoadBucket(ctx, Access{"s3:PutBucketAcl", Permission::kWriteAcp});
  if (auto* err = std::get_if<S3Error>(&bucket_or)) co_return *err;
  const BucketInfo& b = std::get<BucketInfo>(bucket_or);
  const std::string owner_id = iam::CanonicalUserIdOf(b.owner_account);
  auto acl = co_await RequestedAcl(ctx, owner_id, owner_id);
  if (auto* err = std::get_if<S3Error>(&acl)) co_return *err;
  const Acl& given = std::get<Acl>(acl);
  if (!AclsEnabled(b) && !IsOwnerOnly(given, owner_id))
    co_return S3Error::AccessControlListNotSupported();
  if (IsPublicAcl(given) && LoadPublicAccessBlock(ctx, b.name).block_public_acls)
    co_return S3Error::AccessDenied();
  std::string encoded = AclsEnabled(b) ? EncodeAcl(given) : "";
  auto s = ctx.catalog.UpdateBucket(ctx.bucket, [&](BucketInfo& info) { info.acl = encoded; });
  if (!s.ok()) co_return FromStatus(s);
  co_await ctx.ReplyEmpty(200);
  co_return std::nullopt;
}

http::Task<OpResult> GetObjectAcl(S3Context& ctx) {
  auto bucket_or = co_await FindBucket(ctx);
  if (auto* err = std::get_if<S3Error>(&bucket_or)) co_return *err;
  const BucketInfo& b = std::get<BucketInfo>(bucket_or);
  auto loaded = LoadObjectVersion(ctx);
  if (auto* err = std::get_if<S3Error>(&loaded)) co_return *err;
  const ObjectInfo& o = std::get<ObjectInfo>(loaded);
  if (auto err = AuthorizeObject(ctx, b, ctx.key,
                                 ctx.HasParam("versionId") ? "s3:GetObjectVersionAcl"
                                                           : "s3:GetObjectAcl",
                                 &o, Permission::kReadAcp))
    co_return *err;
  const std::string owner_id = iam::CanonicalUserIdOf(o.owner_account);
  Acl acl = DecodeAcl(AclsEnabled(b) ? o.acl : "", owner_id);
  http::ResponseHeader head;
  head.result(http::bhttp::status::ok);
  head.set(http::bhttp::field::content_type, "application/xml");
  AddVersionHeader(head, b, o.version_id);
  co_await ctx.exchange().Respond(std::move(head), AclXml(acl, owner_id, o.owner_account));
  co_return std::nullopt;
}

http::Task<OpResult> PutObjectAcl(S3Context& ctx) {
  auto bucket_or = co_await FindBucket(ctx);
  if (auto* err = std::get_if<S3Error>(&bucket_or)) co_return *err;
  const BucketInfo& b = std::get<BucketInfo>(bucket_or);
  auto loaded = LoadObjectVersion(ctx);
  if (auto* err = std::get_if<S3Error>(&loaded)) co_return *err;
  const ObjectInfo& o = std::get<ObjectInfo>(loaded);
  if (auto err = AuthorizeObject(ctx, b, ctx.key,
                                 ctx.HasParam("versionId") ? "s3:PutObjectVersionAcl"
                                                           : "s3:PutObjectAcl",
                                 &o, Permission::kWriteAcp))
    co_return *err;
  const std::string owner_id = iam::CanonicalUserIdOf(o.owner_account);
  auto acl = co_await RequestedAcl(ctx, owner_id, iam::CanonicalUserIdOf(b.owner_account));
  if (auto* err = std::get_if<S3Error>(&acl)) co_return *err;
  const Acl& given = std::get<Acl>(acl);
  if (!AclsEnabled(b) && !IsOwnerOnly(given, owner_id))
    co_return S3Error::AccessControlListNotSupported();
  if (IsPublicAcl(given) && LoadPublicAccessBlock(ctx, b.name).block_public_acls)
    co_return S3Error::AccessDenied();
  std::string encoded = AclsEnabled(b) ? EncodeAcl(given) : "";
  auto updated = co_await http::RunBlocking([&] {
    return ctx.catalog.UpdateObject(ctx.bucket, ctx.key, o.version_id,
                                    [&encoded](ObjectInfo& info) { info.acl = encoded; });
  });
  if (!updated.ok()) co_return FromStatus(updated.status());
  http::ResponseHeader head;
  AddVersionHeader(head, b, updated->version_id);
  co_await ctx.ReplyEmpty(200, std::move(head));
  co_return std::nullopt;
}

http::Task<OpResult> PutBucketOwnershipControls(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:PutBucketOwnershipControls", std::nullopt});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto body = co_await ctx.ReadSmallBody(64 * 1024);
  if (auto* err = std::get_if<S3Error>(&body)) co_return *err;
  auto doc = ParseXml(std::get<std::string>(body));
  if (!doc || doc->name != "OwnershipControls") co_return S3Error::MalformedXML();
  auto rules = doc->Children("Rule");
  if (rules.size() != 1) co_return S3Error::MalformedXML();
  std::string setting = rules[0]->ChildText("ObjectOwnership").value_or("");
  if (!IsOwnershipSetting(setting)) co_return S3Error::MalformedXML();
  auto s = ctx.catalog.UpdateBucket(ctx.bucket, [&](BucketInfo& b) { b.ownership = setting; });
  if (!s.ok()) co_return FromStatus(s);
  co_await ctx.ReplyEmpty(200);
  co_return std::nullopt;
}

http::Task<OpResult> GetBucketOwnershipControls(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:GetBucketOwnershipControls", std::nullopt});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  const std::string& setting = std::get<BucketInfo>(bucket).ownership;
  if (setting.empty()) {
    S3Error e = S3Error::Of(404, "OwnershipControlsNotFoundError",
                             "The bucket ownership controls were not found");
    e.With("BucketName", ctx.bucket);
    co_return e;
  }
  XmlWriter w;
  w.Open("OwnershipControls", true).Open("Rule").Element("ObjectOwnership", setting);
  w.Close("Rule").Close("OwnershipControls");
  co_await ctx.ReplyXml(w.Finish());
  co_return std::nullopt;
}

http::Task<OpResult> DeleteBucketOwnershipControls(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:PutBucketOwnershipControls", std::nullopt});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  // Without ownership controls a bucket behaves as ObjectWriter.
  auto s = ctx.catalog.UpdateBucket(ctx.bucket, [](BucketInfo& b) { b.ownership.clear(); });
  if (!s.ok()) co_return FromStatus(s);
  co_await ctx.ReplyEmpty(204);
  co_return std::nullopt;
}

}  // namespace coffer::s3
