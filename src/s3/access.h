// Who may do what to S3 resources: AWS's evaluation of identity policies, the bucket
// policy and, where the bucket's Object Ownership enables them, ACL grants, with the
// bucket's Public Access Block applied.
//
// Every operation names the S3 action the authorization reference gives for it (e.g.
// UploadPart needs s3:PutObject, ListObjectVersions s3:ListBucketVersions) and the
// resource (the bucket, or bucket/key). An explicit Deny wins; otherwise an Allow from a
// policy, or an ACL grant, lets the request through (across accounts, a grant to an
// account needs that account's identity policies to allow too).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "s3/acl.h"
#include "s3/catalog.h"
#include "s3/request.h"

namespace coffer::s3 {

struct Access {
  std::string_view action;               // "s3:PutObject"
  std::optional<Permission> bucket_acl;  // the bucket ACL permission that also grants it
  bool on_object = false;                // the resource is bucket/key rather than the bucket
};

// Loads ctx.bucket and authorizes `access` on it (or on ctx.key): InvalidBucketName,
// NoSuchBucket, AccessDenied.
http::Task<std::variant<BucketInfo, S3Error>> LoadBucket(S3Context& ctx, Access access);
// Loads ctx.bucket without authorizing: operations on an existing object decide with
// AuthorizeObject once they have it.
http::Task<std::variant<BucketInfo, S3Error>> FindBucket(S3Context& ctx);

// `access` on `key` (or the bucket) of a loaded bucket.
std::optional<S3Error> AuthorizeBucket(const S3Context& ctx, const BucketInfo& bucket,
                                       Access access, const std::string& key);
// `action` on an object version (nullptr when it does not exist), which its own ACL
// may grant with `object_acl`.
std::optional<S3Error> AuthorizeObject(const S3Context& ctx, const BucketInfo& bucket,
                                       const std::string& key, std::string_view action,
                                       const ObjectInfo* object, Permission object_acl);
// Actions with no bucket (ListBuckets) or a bucket that does not exist yet (CreateBucket):
// the caller's identity policies decide (an account root may).
std::optional<S3Error> AuthorizeIdentity(const S3Context& ctx, std::string_view action,
                                         const std::string& resource);

bool AclsEnabled(const BucketInfo& bucket);
// The caller's canonical user id; empty for anonymous requests.
std::string RequesterId(const S3Context& ctx);
// The account that owns an object a caller writes into `bucket`, and its ACL from the
// request's x-amz-acl / x-amz-grant-* headers or a POST form's fields
// (AccessControlListNotSupported when the bucket has ACLs disabled and the request asks
// for more than the owner's control; AccessDenied when Public Access Block blocks a
// public ACL).
std::optional<S3Error> AssignOwnerAndAcl(const S3Context& ctx,
                                         const auth::SignableRequest& fields,
                                         const BucketInfo& bucket, ObjectInfo& object);

// Public Access Block of a bucket (all false when unset).
struct PublicAccessBlock {
  bool block_public_acls = false, ignore_public_acls = false;
  bool block_public_policy = false, restrict_public_buckets = false;
};
PublicAccessBlock LoadPublicAccessBlock(const S3Context& ctx, const std::string& bucket);
// True when the ACL grants anything to AllUsers or AuthenticatedUsers.
bool IsPublicAcl(const Acl& acl);

}  // namespace coffer::s3
