#include "s3/access.h"

#include "iam/principal.h"
#include "s3/names.h"

namespace coffer::s3 {
namespace {

Permission PermissionFor(BucketAccess a) {
  switch (a) {
    case BucketAccess::kRead: return Permission::kRead;
    case BucketAccess::kWrite: return Permission::kWrite;
    case BucketAccess::kReadAcp: return Permission::kReadAcp;
    case BucketAccess::kWriteAcp: return Permission::kWriteAcp;
    default: return Permission::kFullControl;
  }
}

bool IsAccount(const S3Context& ctx, const std::string& account) {
  return ctx.request.principal && ctx.request.principal->account_id == account;
}


}  // namespace

bool AclsEnabled(const BucketInfo& bucket) { return bucket.ownership != "BucketOwnerEnforced"; }

std::string RequesterId(const S3Context& ctx) {
  return ctx.request.principal ? ctx.request.principal->CanonicalUserId() : "";
}

http::Task<std::variant<BucketInfo, S3Error>> LoadBucket(S3Context& ctx, BucketAccess need) {
  if (!IsAddressableBucketName(ctx.bucket)) co_return S3Error::InvalidBucketName(ctx.bucket);
  auto bucket = ctx.catalog.GetBucket(ctx.bucket);
  if (!bucket.ok()) co_return FromStatus(bucket.status());
  if (!bucket->has_value()) co_return S3Error::NoSuchBucket(ctx.bucket);
  if (auto err = CheckBucketAccess(ctx, **bucket, need)) co_return *err;
  co_return **bucket;
}

std::optional<S3Error> CheckBucketAccess(const S3Context& ctx, const BucketInfo& b,
                                         BucketAccess need) {
  if (IsAccount(ctx, b.owner_account) || need == BucketAccess::kObject) return std::nullopt;
  if (need != BucketAccess::kOwner && AclsEnabled(b)) {
    Acl acl = DecodeAcl(b.acl, iam::CanonicalUserIdOf(b.owner_account));
    if (AclAllows(acl, RequesterId(ctx), PermissionFor(need))) return std::nullopt;
  }
  return S3Error::AccessDenied();
}

bool CanAccessObject(const S3Context& ctx, const BucketInfo& bucket, const ObjectInfo& object,
                     Permission p) {
  if (IsAccount(ctx, object.owner_account)) return true;
  if (!AclsEnabled(bucket)) return IsAccount(ctx, bucket.owner_account);
  Acl acl = DecodeAcl(object.acl, iam::CanonicalUserIdOf(object.owner_account));
  return AclAllows(acl, RequesterId(ctx), p);
}

std::optional<S3Error> AssignOwnerAndAcl(const S3Context& ctx,
                                         const auth::SignableRequest& fields,
                                         const BucketInfo& bucket, ObjectInfo& object) {
  const std::string bucket_owner = iam::CanonicalUserIdOf(bucket.owner_account);
  const std::string canned = fields.Header("x-amz-acl");
  // Who owns what the caller writes: the bucket owner, unless the bucket lets writers
  // keep their objects (ObjectWriter, or BucketOwnerPreferred without
  // bucket-owner-full-control). Anonymous writes always go to the bucket owner.
  object.owner_account = bucket.owner_account;
  bool writer_owns = bucket.ownership == "ObjectWriter" || bucket.ownership.empty() ||
                     (bucket.ownership == "BucketOwnerPreferred" &&
                      canned != "bucket-owner-full-control");
  if (writer_owns && ctx.request.principal) object.owner_account = ctx.request.principal->account_id;

  const std::string owner_id = iam::CanonicalUserIdOf(object.owner_account);
  auto acl = AclFromHeaders(fields.headers, owner_id, bucket_owner);
  if (auto* err = std::get_if<S3Error>(&acl)) return *err;
  const auto& given = std::get<std::optional<Acl>>(acl);
  object.acl.clear();
  if (!given) return std::nullopt;
  if (!AclsEnabled(bucket)) {
    if (!IsOwnerOnly(*given, owner_id)) return S3Error::AccessControlListNotSupported();
    return std::nullopt;
  }
  object.acl = EncodeAcl(*given);
  return std::nullopt;
}

}  // namespace coffer::s3
