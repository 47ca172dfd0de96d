#include "s3/service.h"

#include <array>

#include "auth/sigv2.h"
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

http::Task<OpResult> S3Service::Dispatch(S3Context& ctx) {
  const Verb verb = ctx.header().method();
  if (verb == Verb::options) co_return co_await CorsPreflight(ctx);
  AddCorsHeaders(ctx);
  if (ctx.bucket.empty()) {
    if (!ctx.request.principal) co_return S3Error::AccessDenied();
    if (verb == Verb::get) co_return co_await ListBuckets(ctx);
    co_return S3Error::MethodNotAllowed(std::string(ctx.header().method_string()), "SERVICE");
  }
  if (auto sub = UnsupportedSubresource(ctx)) {
    co_return NotYet("the '" + *sub + "' sub-resource");
  }
  const std::string method(ctx.header().method_string());
  if (ctx.key.empty()) {
    switch (verb) {
      case Verb::put:
        if (ctx.HasParam("policy")) co_return co_await PutBucketPolicy(ctx);
        if (ctx.HasParam("encryption")) co_return co_await PutBucketEncryption(ctx);
        if (ctx.HasParam("publicAccessBlock")) co_return co_await PutPublicAccessBlock(ctx);
        if (ctx.HasParam("cors")) co_return co_await PutBucketCors(ctx);
        if (ctx.HasParam("acl")) co_return co_await PutBucketAcl(ctx);
        if (ctx.HasParam("ownershipControls")) co_return co_await PutBucketOwnershipControls(ctx);
        if (ctx.HasParam("versioning")) co_return co_await PutBucketVersioning(ctx);
        if (ctx.HasParam("tagging")) co_return co_await PutBucketTagging(ctx);
        co_return co_await CreateBucket(ctx);
      case Verb::head: co_return co_await HeadBucket(ctx);
      case Verb::delete_:
        if (ctx.HasParam("policy")) co_return co_await DeleteBucketPolicy(ctx);
        if (ctx.HasParam("encryption")) co_return co_await DeleteBucketEncryption(ctx);
        if (ctx.HasParam("publicAccessBlock")) co_return co_await DeletePublicAccessBlock(ctx);
        if (ctx.HasParam("cors")) co_return co_await DeleteBucketCors(ctx);
        if (ctx.HasParam("tagging")) co_return co_await DeleteBucketTagging(ctx);
        if (ctx.HasParam("ownershipControls"))
          co_return co_await DeleteBucketOwnershipControls(ctx);
        co_return co_await DeleteBucket(ctx);
      case Verb::get:
        if (ctx.HasParam("location")) co_return co_await GetBucketLocation(ctx);
        if (ctx.HasParam("tagging")) co_return co_await GetBucketTagging(ctx);
        if (ctx.HasParam("acl")) co_return co_await GetBucketAcl(ctx);
        if (ctx.HasParam("policy")) co_return co_await GetBucketPolicy(ctx);
        if (ctx.HasParam("encryption")) co_return co_await GetBucketEncryption(ctx);
        if (ctx.HasParam("policyStatus")) co_return co_await GetBucketPolicyStatus(ctx);
        if (ctx.HasParam("publicAccessBlock")) co_return co_await GetPublicAccessBlock(ctx);
        if (ctx.HasParam("cors")) co_return co_await GetBucketCors(ctx);
        if (ctx.HasParam("ownershipControls")) co_return co_await GetBucketOwnershipControls(ctx);
        if (ctx.HasParam("versioning")) co_return co_await GetBucketVersioning(ctx);
        if (ctx.HasParam("versions")) co_return co_await ListObjectVersions(ctx);
        if (ctx.HasParam("uploads")) co_return co_await ListMultipartUploads(ctx);
        co_return co_await ListObjects(ctx);
      case Verb::post:
        if (ctx.HasParam("delete")) co_return co_await DeleteObjects(ctx);
        co_return co_await PostObject(ctx);
      default:
        co_return S3Error::MethodNotAllowed(method, "BUCKET");
    }
  }
  const bool upload = ctx.HasParam("uploadId");
  if (ctx.HasParam("acl")) {
    if (verb == Verb::put) co_return co_await PutObjectAcl(ctx);
    if (verb == Verb::get) co_return co_await GetObjectAcl(ctx);
    co_return S3Error::MethodNotAllowed(method, "OBJECT");
  }
  if (ctx.HasParam("tagging")) {
    if (verb == Verb::put) co_return co_await PutObjectTagging(ctx);
    if (verb == Verb::get) co_return co_await GetObjectTagging(ctx);
    if (verb == Verb::delete_) co_return co_await DeleteObjectTagging(ctx);
    co_return S3Error::MethodNotAllowed(method, "OBJECT");
  }
  switch (verb) {
    case Verb::put:
      if (upload || ctx.HasParam("partNumber")) {
        if (ctx.HasHeader("x-amz-copy-source")) co_return co_await UploadPartCopy(ctx);
        co_return co_await UploadPart(ctx);
      }
      if (ctx.HasHeader("x-amz-copy-source")) co_return co_await CopyObject(ctx);
      co_return co_await PutObject(ctx);
    case Verb::get:
      if (upload) co_return co_await ListParts(ctx);
      if (ctx.HasParam("attributes")) co_return co_await GetObjectAttributes(ctx);
      co_return co_await GetObject(ctx);
    case Verb::head: co_return co_await GetObject(ctx);
    case Verb::delete_:
      if (upload) co_return co_await AbortMultipartUpload(ctx);
      co_return co_await DeleteObject(ctx);
    case Verb::post:
      if (ctx.HasParam("uploads")) co_return co_await CreateMultipartUpload(ctx);
      if (upload) co_return co_await CompleteMultipartUpload(ctx);
      co_return S3Error::MethodNotAllowed(method, "OBJECT");
    default:
      co_return S3Error::MethodNotAllowed(method, "OBJECT");
  }
}

}  // namespace coffer::s3
