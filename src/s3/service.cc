#include "s3/service.h"

#include <array>

#include "auth/sigv2.h"
#include "s3/audit_events.h"
#include "s3/ops.h"

namespace coffer::s3 {
namespace {

using Verb = http::bhttp::verb;

// Sub-resources of S3's API that later issues implement; a request naming one is
// answered NotImplemented rather than mistaken for a plain object or bucket call.
constexpr std::array kSubresources = {
    "accelerate", "analytics",
    "intelligent-tiering", "inventory", "legal-hold", "lifecycle", "logging", "metrics",
    "notification", "object-lock", "replication", "requestPayment", "restore", "retention", "select",
    "torrent", "website"};

std::optional<std::string> UnsupportedSubresource(const S3Context& ctx) {
  for (const char* name : kSubresources)
    if (ctx.HasParam(name)) return std::string(name);
  return std::nullopt;
}

S3Error NotYet(const std::string& what) {
  return S3Error::NotImplemented("This server does not implement " + what + " yet.");
}

}  // namespace

http::Task<void> SendError(http::Exchange& exchange, const S3Error& error) {
  http::ResponseHeader head;
  head.result(static_cast<unsigned>(error.status));
  head.set(http::bhttp::field::content_type, "application/xml");
  for (const auto& [name, value] : error.headers) head.set(name, value);
  co_await exchange.Respond(std::move(head),
                            error.ToXml(exchange.request_id(), exchange.host_id()));
}

http::Task<void> S3Service::Reject(http::Exchange& exchange, const auth::SignableRequest& request,
                                   const auth::Error& error) {
  std::string akid;
  if (auto v2 = auth::ParseSigV2(request)) {
    if (auto* c = std::get_if<auth::SigV2Claim>(&*v2)) akid = c->access_key_id;
  } else if (auto parsed = auth::ParseAuth(request);
             std::holds_alternative<auth::ParsedAuth>(parsed)) {
    akid = std::get<auth::ParsedAuth>(parsed).access_key_id;
  }
  co_await SendError(exchange, FromAuthError(error, akid));
}

http::Task<void> S3Service::Fail(http::Exchange& exchange, const absl::Status& status) {
  co_await SendError(exchange, FromStatus(status));
}

http::Task<void> S3Service::Handle(gateway::ApiRequest& request) {
  const auto& header = request.exchange.request();
  auto address = ResolveAddressFor(header, request.signable.raw_path);
  auto query = ParseQuery(request.signable.raw_query);
  if (!address || !query) {
    co_await SendError(request.exchange,
                       S3Error::InvalidArgument("The request URI or query string is malformed."));
    co_return;
  }
  S3Context ctx{request, *catalog_, config_, address->bucket, address->key, *std::move(query)};
  OpResult error = co_await Dispatch(ctx);
  if (error && !request.exchange.responded()) co_await SendError(request.exchange, *error);
  RecordAuditEvent(ctx, error);
}

std::string S3Service::SigV2Resource(const auth::SignableRequest& request) const {
  // "/bucket/key" with the key as sent, "/bucket/" for the bucket itself, "/" for the
  // service, whichever addressing style the request used.
  auto address = ResolveAddress(request.Header("host"), request.raw_path, config_.domains);
  if (!address || address->bucket.empty()) return "/";
  std::string_view path = request.raw_path;
  if (!address->virtual_host) {  // drop "/bucket" from the path
    path.remove_prefix(std::min(path.size(), 1 + address->bucket.size()));
  }
  if (path.empty()) path = "/";
  return "/" + address->bucket + std::string(path);
}

std::optional<Address> S3Service::ResolveAddressFor(const http::RequestHeader& header,
                                                    const std::string& raw_path) const {
  return ResolveAddress(header[http::bhttp::field::host], raw_path, config_.domains);
}

namespace {

// An S3 operation: its name as AWS's API and CloudTrail call it, and its handler.
struct Route {
  const char* name;
  http::Task<OpResult> (*handler)(S3Context&);
};

std::variant<Route, S3Error> Resolve(S3Context& ctx) {
  using R = Route;
  const Verb verb = ctx.header().method();
  const std::string method(ctx.header().method_string());
  auto has = [&](const char* param) { return ctx.HasParam(param); };
  if (verb == Verb::options) return R{"PreflightRequest", CorsPreflight};
  if (ctx.bucket.empty()) {
    if (verb == Verb::get) return R{"ListBuckets", ListBuckets};
    return S3Error::MethodNotAllowed(method, "SERVICE");
  }
  if (ctx.key.empty()) {
    switch (verb) {
      case Verb::put:
        if (has("policy")) return R{"PutBucketPolicy", PutBucketPolicy};
        if (has("encryption")) return R{"PutBucketEncryption", PutBucketEncryption};
        if (has("publicAccessBlock")) return R{"PutPublicAccessBlock", PutPublicAccessBlock};
        if (has("cors")) return R{"PutBucketCors", PutBucketCors};
        if (has("acl")) return R{"PutBucketAcl", PutBucketAcl};
        if (has("ownershipControls"))
          return R{"PutBucketOwnershipControls", PutBucketOwnershipControls};
        if (has("versioning")) return R{"PutBucketVersioning", PutBucketVersioning};
        if (has("tagging")) return R{"PutBucketTagging", PutBucketTagging};
        return R{"CreateBucket", CreateBucket};
      case Verb::head: return R{"HeadBucket", HeadBucket};
      case Verb::delete_:
        if (has("policy")) return R{"DeleteBucketPolicy", DeleteBucketPolicy};
        if (has("encryption")) return R{"DeleteBucketEncryption", DeleteBucketEncryption};
        if (has("publicAccessBlock"))
          return R{"DeletePublicAccessBlock", DeletePublicAccessBlock};
        if (has("cors")) return R{"DeleteBucketCors", DeleteBucketCors};
        if (has("tagging")) return R{"DeleteBucketTagging", DeleteBucketTagging};
        if (has("ownershipControls"))
          return R{"DeleteBucketOwnershipControls", DeleteBucketOwnershipControls};
        return R{"DeleteBucket", DeleteBucket};
      case Verb::get:
        if (has("location")) return R{"GetBucketLocation", GetBucketLocation};
        if (has("tagging")) return R{"GetBucketTagging", GetBucketTagging};
        if (has("acl")) return R{"GetBucketAcl", GetBucketAcl};
        if (has("policy")) return R{"GetBucketPolicy", GetBucketPolicy};
        if (has("encryption")) return R{"GetBucketEncryption", GetBucketEncryption};
        if (has("policyStatus")) return R{"GetBucketPolicyStatus", GetBucketPolicyStatus};
        if (has("publicAccessBlock")) return R{"GetPublicAccessBlock", GetPublicAccessBlock};
        if (has("cors")) return R{"GetBucketCors", GetBucketCors};
        if (has("ownershipControls"))
          return R{"GetBucketOwnershipControls", GetBucketOwnershipControls};
        if (has("versioning")) return R{"GetBucketVersioning", GetBucketVersioning};
        if (has("versions")) return R{"ListObjectVersions", ListObjectVersions};
        if (has("uploads")) return R{"ListMultipartUploads", ListMultipartUploads};
        return R{ctx.Param("list-type") == "2" ? "ListObjectsV2" : "ListObjects", ListObjects};
      case Verb::post:
        if (has("delete")) return R{"DeleteObjects", DeleteObjects};
        return R{"PostObject", PostObject};
      default:
        return S3Error::MethodNotAllowed(method, "BUCKET");
    }
  }
  const bool upload = has("uploadId");
  if (has("acl")) {
    if (verb == Verb::put) return R{"PutObjectAcl", PutObjectAcl};
    if (verb == Verb::get) return R{"GetObjectAcl", GetObjectAcl};
    return S3Error::MethodNotAllowed(method, "OBJECT");
  }
  if (has("tagging")) {
    if (verb == Verb::put) return R{"PutObjectTagging", PutObjectTagging};
    if (verb == Verb::get) return R{"GetObjectTagging", GetObjectTagging};
    if (verb == Verb::delete_) return R{"DeleteObjectTagging", DeleteObjectTagging};
    return S3Error::MethodNotAllowed(method, "OBJECT");
  }
  switch (verb) {
    case Verb::put:
      if (upload || has("partNumber")) {
        if (ctx.HasHeader("x-amz-copy-source")) return R{"UploadPartCopy", UploadPartCopy};
        return R{"UploadPart", UploadPart};
      }
      if (ctx.HasHeader("x-amz-copy-source")) return R{"CopyObject", CopyObject};
      return R{"PutObject", PutObject};
    case Verb::get:
      if (upload) return R{"ListParts", ListParts};
      if (has("attributes")) return R{"GetObjectAttributes", GetObjectAttributes};
      return R{"GetObject", GetObject};
    case Verb::head: return R{"HeadObject", GetObject};
    case Verb::delete_:
      if (upload) return R{"AbortMultipartUpload", AbortMultipartUpload};
      return R{"DeleteObject", DeleteObject};
    case Verb::post:
      if (has("uploads")) return R{"CreateMultipartUpload", CreateMultipartUpload};
      if (upload) return R{"CompleteMultipartUpload", CompleteMultipartUpload};
      return S3Error::MethodNotAllowed(method, "OBJECT");
    default:
      return S3Error::MethodNotAllowed(method, "OBJECT");
  }
}

}  // namespace

http::Task<OpResult> S3Service::Dispatch(S3Context& ctx) {
  if (ctx.header().method() != Verb::options) {
    AddCorsHeaders(ctx);
    if (ctx.bucket.empty() && !ctx.request.principal) co_return S3Error::AccessDenied();
    if (auto sub = UnsupportedSubresource(ctx)) {
      co_return NotYet("the '" + *sub + "' sub-resource");
    }
  }
  auto route = Resolve(ctx);
  if (auto* err = std::get_if<S3Error>(&route)) co_return *err;
  const Route& r = std::get<Route>(route);
  ctx.exchange().set_operation(r.name);
  co_return co_await r.handler(ctx);
}

}  // namespace coffer::s3
