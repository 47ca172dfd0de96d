// Who may do what, until the policy engine arrives: the bucket owner's account may do
// everything with its buckets; others (anonymous included) only what the bucket's or
// the object's ACL grants, and only while the bucket's Object Ownership allows ACLs.
#pragma once

#include <string>

#include "s3/acl.h"
#include "s3/catalog.h"
#include "s3/request.h"

namespace coffer::s3 {

// What a bucket-level operation needs from the caller.
enum class BucketAccess {
  kOwner,     // bucket configuration and everything not listed below
  kRead,      // list objects, versions, uploads, parts; HEAD bucket
  kWrite,     // write and delete objects, multipart uploads
  kReadAcp,   // GetBucketAcl
  kWriteAcp,  // PutBucketAcl
  kObject,    // decided per object afterwards (CanAccessObject)
};

// Loads ctx.bucket and checks the caller's access: InvalidBucketName, NoSuchBucket,
// AccessDenied.
http::Task<std::variant<BucketInfo, S3Error>> LoadBucket(
    S3Context& ctx, BucketAccess need = BucketAccess::kOwner);

// The check LoadBucket makes, for a bucket already loaded.
std::optional<S3Error> CheckBucketAccess(const S3Context& ctx, const BucketInfo& bucket,
                                         BucketAccess need);

bool AclsEnabled(const BucketInfo& bucket);
// The caller's canonical user id; empty for anonymous requests.
std::string RequesterId(const S3Context& ctx);
// May the caller do `p` to this object version?
bool CanAccessObject(const S3Context& ctx, const BucketInfo& bucket, const ObjectInfo& object,
                     Permission p);
// The account that owns an object a caller writes into `bucket`, and its ACL from the
// request's x-amz-acl / x-amz-grant-* headers (AccessControlListNotSupported when the
// bucket has ACLs disabled and the request asks for more than the owner's control).
// `fields` are the request's headers, or a POST form's fields.
std::optional<S3Error> AssignOwnerAndAcl(const S3Context& ctx,
                                         const auth::SignableRequest& fields,
                                         const BucketInfo& bucket, ObjectInfo& object);

}  // namespace coffer::s3
