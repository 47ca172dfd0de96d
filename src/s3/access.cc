#include "s3/access.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "iam/principal.h"
#include "s3/names.h"
#include "s3/object_input.h"

namespace coffer::s3 {
namespace {

constexpr std::string_view kSseHeaders[] = {
    "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-customer-algorithm", "x-amz-server-side-encryption-context",
    "x-amz-acl", "x-amz-storage-class", "x-amz-content-sha256", "x-amz-metadata-directive",
    "x-amz-copy-source", "x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp",
    "x-amz-grant-write-acp", "x-amz-grant-full-control", "x-amz-object-ownership",
    "x-amz-server-side-encryption-bucket-key-enabled"};

bool IsAccount(const S3Context& ctx, const std::string& account) {
  return ctx.request.principal && ctx.request.principal->account_id == account;
}

std::string Arn(const std::string& bucket, const std::string& key, bool on_object) {
  return "arn:aws:s3:::" + bucket + (on_object ? "/" + key : "");
}

// The condition keys S3 puts in every request's context.
iam::AuthzRequest MakeRequest(const S3Context& ctx, std::string_view action,
                              std::string resource, const std::string& bucket_owner,
                              const ObjectInfo* object) {
  iam::AuthzRequest r;
  r.action = std::string(action);
  r.resource = std::move(resource);
  // Callers decide before `ctx`, `bucket_owner` or `object` go.
  r.context.Defer([&ctx, &bucket_owner, object](iam::ConditionContext& c) {
    iam::FillPrincipalKeys(c, ctx.request.principal, ctx.request.received);
    c.Set("aws:SecureTransport", ctx.request.exchange.secure() ? "true" : "false");
    c.Set("aws:SourceIp", ctx.request.exchange.remote_ip());
    if (ctx.HasHeader("user-agent")) c.Set("aws:UserAgent", ctx.Header("user-agent"));
    if (ctx.HasHeader("referer")) c.Set("aws:Referer", ctx.Header("referer"));
    c.Set("s3:ResourceAccount", bucket_owner);
    for (std::string_view h : kSseHeaders) {
      if (ctx.HasHeader(h)) c.Set(std::string("s3:") + std::string(h), ctx.Header(h));
    }
    for (const char* p : {"prefix", "delimiter", "max-keys", "versionId"}) {
      if (auto v = ctx.Param(p))
        c.Set(std::string("s3:") + (std::string(p) == "versionId" ? "VersionId" : p), *v);
    }
    const auto& signing = ctx.request.signing;
    if (signing.method != auth::AuthMethod::kAnonymous) {
      c.Set("s3:authType", signing.method == auth::AuthMethod::kPresigned ? "REST-QUERY-STRING"
                                                                           : "REST-HEADER");
      c.Set("s3:signatureversion", signing.scope.date.empty() ? "AWS" : "AWS4-HMAC-SHA256");
    }
    if (object) {
      for (const auto& [k, v] : object->tags) c.Set("s3:ExistingObjectTag/" + k, v);
    }
    if (ctx.HasHeader("x-amz-tagging")) {
      auto tags = ParseTagQuery(ctx.Header("x-amz-tagging"));
      if (auto* list = std::get_if<HeaderList>(&tags)) {
        for (const auto& [k, v] : *list) {
          c.Set("s3:RequestObjectTag/" + k, v);
          c.Add("s3:RequestObjectTagKeys", k);
        }
      }
    }
  });
  return r;
}

// The bucket's policy as it applies to this caller: none, or the parsed document (left
// out when Public Access Block restricts a public policy to the owner's account).
std::vector<std::shared_ptr<const iam::Policy>> BucketPolicy(const S3Context& ctx,
                                                             const BucketInfo& bucket) {
  auto text = ctx.catalog.GetBucketConfig(bucket.name, "policy");
  if (!text.ok() || !text->has_value()) return {};
  auto policy = ctx.config.authorizer->policies()->Parsed(**text, iam::PolicyKind::kResource);
  if (!policy.ok()) return {};
  if ((*policy)->IsPublic() && !IsAccount(ctx, bucket.owner_account) &&
      LoadPublicAccessBlock(ctx, bucket.name).restrict_public_buckets)
    return {};
  return {*policy};
}

enum class AclGrant { kNone, kEveryone, kAccount };

// Whether the ACL grants `p` to the caller, and how: to everyone (a group) or to the
// caller's account (which its identity policies must then allow).
AclGrant Granted(const Acl& acl, const S3Context& ctx, Permission p, bool ignore_public) {
  const std::string requester = RequesterId(ctx);
  AclGrant found = AclGrant::kNone;
  for (const auto& g : acl.grants) {
    if (g.permission != p && g.permission != Permission::kFullControl) continue;
    if (g.group) {
      if (ignore_public) continue;
      if (g.id == kAllUsers || (g.id == kAuthenticatedUsers && !requester.empty()))
        return AclGrant::kEveryone;
    } else if (!requester.empty() && g.id == requester) {
      found = AclGrant::kAccount;
    }
  }
  return found;
}

S3Error Denied() { return S3Error::AccessDenied(); }

// The common tail of bucket and object authorization: policies, then ACL grants.
std::optional<S3Error> Decide(const S3Context& ctx, const BucketInfo& bucket,
                              iam::AuthzRequest request, const std::string* acl_document,
                              const std::string& acl_owner_account, std::optional<Permission> p) {
  const iam::Authorizer* authorizer = ctx.config.authorizer;
  auto decision = authorizer->Decide(ctx.request.principal, request, BucketPolicy(ctx, bucket),
                                     bucket.owner_account);
  if (!decision.ok()) return FromStatus(decision.status());
  if (*decision == iam::Decision::kAllow) return std::nullopt;
  if (*decision == iam::Decision::kDeny || !p || !acl_document || !AclsEnabled(bucket))
    return Denied();
  Acl acl = DecodeAcl(*acl_document, iam::CanonicalUserIdOf(acl_owner_account));
  bool ignore_public = LoadPublicAccessBlock(ctx, bucket.name).ignore_public_acls;
  switch (Granted(acl, ctx, *p, ignore_public)) {
    case AclGrant::kEveryone: return std::nullopt;
    case AclGrant::kNone: return Denied();
    case AclGrant::kAccount: break;
  }
  // A grant to an account lets its root in, and its users as far as their identity
  // policies allow.
  if (ctx.request.principal->is_root()) return std::nullopt;
  auto identity = authorizer->DecideIdentity(ctx.request.principal, std::move(request));
  if (!identity.ok()) return FromStatus(identity.status());
  if (*identity == iam::Decision::kAllow) return std::nullopt;
  return Denied();
}

}  // namespace

bool AclsEnabled(const BucketInfo& bucket) { return bucket.ownership != "BucketOwnerEnforced"; }

std::string RequesterId(const S3Context& ctx) {
  return ctx.request.principal ? ctx.request.principal->CanonicalUserId() : "";
}

bool IsPublicAcl(const Acl& acl) {
  for (const auto& g : acl.grants)
    if (g.group && (g.id == kAllUsers || g.id == kAuthenticatedUsers)) return true;
  return false;
}

PublicAccessBlock LoadPublicAccessBlock(const S3Context& ctx, const std::string& bucket) {
  PublicAccessBlock pab;
  auto stored = ctx.catalog.GetBucketConfig(bucket, "publicAccessBlock");
  if (!stored.ok() || !stored->has_value() || (*stored)->size() != 4) return pab;
  const std::string& v = **stored;
  pab.block_public_acls = v[0] == '1';
  pab.ignore_public_acls = v[1] == '1';
  pab.block_public_policy = v[2] == '1';
  pab.restrict_public_buckets = v[3] == '1';
  return pab;
}

http::Task<std::variant<BucketInfo, S3Error>> FindBucket(S3Context& ctx) {
  if (!IsAddressableBucketName(ctx.bucket)) co_return S3Error::InvalidBucketName(ctx.bucket);
  auto bucket = ctx.catalog.GetBucket(ctx.bucket);
  if (!bucket.ok()) co_return FromStatus(bucket.status());
  if (!bucket->has_value()) co_return S3Error::NoSuchBucket(ctx.bucket);
  co_return **bucket;
}

http::Task<std::variant<BucketInfo, S3Error>> LoadBucket(S3Context& ctx, Access access) {
  auto bucket = co_await FindBucket(ctx);
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  if (auto err = AuthorizeBucket(ctx, std::get<BucketInfo>(bucket), access, ctx.key))
    co_return *err;
  co_return bucket;
}

std::optional<S3Error> AuthorizeBucket(const S3Context& ctx, const BucketInfo& bucket,
                                       Access access, const std::string& key) {
  // The owner's root can always manage the bucket policy, so that a policy cannot lock
  // the owner out for good.
  if (IsAccount(ctx, bucket.owner_account) && ctx.request.principal->is_root() &&
      (access.action == "s3:PutBucketPolicy" || access.action == "s3:GetBucketPolicy" ||
       access.action == "s3:DeleteBucketPolicy"))
    return std::nullopt;
  auto request = MakeRequest(ctx, access.action, Arn(bucket.name, key, access.on_object),
                             bucket.owner_account, nullptr);
  return Decide(ctx, bucket, std::move(request), &bucket.acl, bucket.owner_account,
                access.bucket_acl);
}

std::optional<S3Error> AuthorizeObject(const S3Context& ctx, const BucketInfo& bucket,
                                       const std::string& key, std::string_view action,
                                       const ObjectInfo* object, Permission object_acl) {
  auto request = MakeRequest(ctx, action, Arn(bucket.name, key, true), bucket.owner_account,
                             object);
  // The object's owner (a writer under ObjectWriter) controls it like a bucket owner.
  if (object && IsAccount(ctx, object->owner_account) &&
      object->owner_account != bucket.owner_account && ctx.request.principal->is_root())
    return std::nullopt;
  return Decide(ctx, bucket, std::move(request), object ? &object->acl : nullptr,
                object ? object->owner_account : bucket.owner_account,
                object ? std::optional<Permission>(object_acl) : std::nullopt);
}

std::optional<S3Error> AuthorizeIdentity(const S3Context& ctx, std::string_view action,
                                         const std::string& resource) {
  if (!ctx.request.principal) return Denied();
  auto request = MakeRequest(ctx, action, resource, ctx.request.principal->account_id, nullptr);
  auto decision = ctx.config.authorizer->DecideIdentity(ctx.request.principal, std::move(request));
  if (!decision.ok()) return FromStatus(decision.status());
  if (*decision != iam::Decision::kAllow) return Denied();
  return std::nullopt;
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
  if (IsPublicAcl(*given) && LoadPublicAccessBlock(ctx, bucket.name).block_public_acls)
    return S3Error::AccessDenied();
  object.acl = EncodeAcl(*given);
  return std::nullopt;
}

}  // namespace coffer::s3
