// Put/Get/DeleteBucketCors, CORS preflight (OPTIONS) and the CORS headers of actual
// requests.
#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "s3/cors.h"
#include "s3/names.h"
#include "s3/ops.h"

namespace coffer::s3 {
namespace {

std::optional<CorsConfig> LoadCors(S3Context& ctx) {
  auto stored = ctx.catalog.GetBucketConfig(ctx.bucket, "cors");
  if (!stored.ok() || !stored->has_value()) return std::nullopt;
  auto config = ParseCorsXml(**stored);
  if (auto* c = std::get_if<CorsConfig>(&config)) return *c;
  return std::nullopt;
}

std::vector<std::string> RequestedHeaders(const S3Context& ctx) {
  std::vector<std::string> out;
  for (absl::string_view h :
       absl::StrSplit(ctx.Header("access-control-request-headers"), ',', absl::SkipWhitespace())) {
    out.push_back(absl::AsciiStrToLower(std::string(absl::StripAsciiWhitespace(h))));
  }
  return out;
}

S3Error CorsForbidden(std::string message) {
  S3Error e = S3Error::Of(403, "AccessForbidden",
                           std::move(message));
  return e;
}

}  // namespace

http::Task<OpResult> PutBucketCors(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:PutBucketCORS", std::nullopt});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto body = co_await ctx.ReadSmallBody(64 * 1024);
  if (auto* err = std::get_if<S3Error>(&body)) co_return *err;
  auto config = ParseCorsXml(std::get<std::string>(body));
  if (auto* err = std::get_if<S3Error>(&config)) co_return *err;
  auto s = ctx.catalog.PutBucketConfig(ctx.bucket, "cors", CorsXml(std::get<CorsConfig>(config)));
  if (!s.ok()) co_return FromStatus(s);
  co_await ctx.ReplyEmpty(200);
  co_return std::nullopt;
}

http::Task<OpResult> GetBucketCors(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:GetBucketCORS", std::nullopt});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto stored = ctx.catalog.GetBucketConfig(ctx.bucket, "cors");
  if (!stored.ok()) co_return FromStatus(stored.status());
  if (!stored->has_value()) {
    S3Error e = S3Error::Of(404, "NoSuchCORSConfiguration",
                             "The CORS configuration does not exist");
    e.With("BucketName", ctx.bucket);
    co_return e;
  }
  co_await ctx.ReplyXml(**stored);
  co_return std::nullopt;
}

http::Task<OpResult> DeleteBucketCors(S3Context& ctx) {
  co_return co_await DeleteBucketConfig(ctx, "s3:PutBucketCORS", "cors");
}

http::Task<OpResult> CorsPreflight(S3Context& ctx) {
  if (!ctx.HasHeader("origin"))
    co_return S3Error::Of(400, "BadRequest", "Insufficient information. Origin request header needed.");
  std::string method = ctx.Header("access-control-request-method");
  if (method.empty())
    co_return S3Error::Of(400, "BadRequest", "Invalid Access-Control-Request-Method: null");
  if (!IsAddressableBucketName(ctx.bucket)) co_return S3Error::InvalidBucketName(ctx.bucket);
  auto bucket = ctx.catalog.GetBucket(ctx.bucket);
  if (!bucket.ok()) co_return FromStatus(bucket.status());
  if (!bucket->has_value()) co_return S3Error::NoSuchBucket(ctx.bucket);
  auto config = LoadCors(ctx);
  if (!config) co_return CorsForbidden("CORSResponse: CORS is not enabled for this bucket.");
  std::string origin = ctx.Header("origin");
  auto requested = RequestedHeaders(ctx);
  const CorsRule* rule = MatchCors(*config, origin, method, requested);
  if (!rule) {
    co_return CorsForbidden(
        "CORSResponse: This CORS request is not allowed. This is usually because the "
        "evalution of Origin, request method / Access-Control-Request-Method or "
        "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.");
  }
  http::ResponseHeader head;
  for (const auto& [name, value] : CorsResponseHeaders(*rule, origin, requested, true))
    head.set(name, value);
  co_await ctx.ReplyEmpty(200, std::move(head));
  co_return std::nullopt;
}

void AddCorsHeaders(S3Context& ctx) {
  if (ctx.bucket.empty() || !ctx.HasHeader("origin") || !IsAddressableBucketName(ctx.bucket))
    return;
  auto config = LoadCors(ctx);
  if (!config) return;
  std::string origin = ctx.Header("origin");
  std::string method(ctx.header().method_string());
  if (const CorsRule* rule = MatchCors(*config, origin, method, {})) {
    for (auto& [name, value] : CorsResponseHeaders(*rule, origin, {}, false))
      ctx.exchange().AddResponseHeader(std::move(name), std::move(value));
  }
}

}  // namespace coffer::s3
