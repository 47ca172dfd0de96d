// ListObjects (v1) and ListObjectsV2.
#include "absl/strings/numbers.h"
#include "base/encoding.h"
#include "base/time.h"
#include "iam/principal.h"
#include "s3/ops.h"
#include "s3/xml.h"

namespace coffer::s3 {
namespace {

constexpr int kMaxKeys = 1000;

}  // namespace

http::Task<OpResult> ListObjects(S3Context& ctx) {
  auto bucket_or = co_await LoadBucket(ctx);
  if (auto* err = std::get_if<S3Error>(&bucket_or)) co_return *err;

  const bool v2 = ctx.Param("list-type") == "2";
  if (auto lt = ctx.Param("list-type"); lt && *lt != "2")
    co_return S3Error::InvalidArgument("Invalid List Type specified in Request", "list-type", *lt);

  ListQuery q;
  q.prefix = ctx.Param("prefix").value_or("");
  q.delimiter = ctx.Param("delimiter").value_or("");
  q.max_keys = kMaxKeys;
  if (auto mk = ctx.Param("max-keys")) {
    int n;
    if (!absl::SimpleAtoi(*mk, &n) || n < 0)
      co_return S3Error::InvalidArgument("Provided max-keys not an integer or within integer "
                                         "range", "max-keys", *mk);
    q.max_keys = std::min(n, kMaxKeys);
  }
  const auto encoding = ctx.Param("encoding-type");
  if (encoding && *encoding != "url")
    co_return S3Error::InvalidArgument("Invalid Encoding Method specified in Request",
                                       "encoding-type", *encoding);
  const bool url = encoding.has_value();
  auto enc = [url](const std::string& s) { return url ? UriEncode(s, false) : s; };

  const auto token = ctx.Param("continuation-token");
  const auto start_after = ctx.Param("start-after");
  const auto marker = ctx.Param("marker");
  if (v2) {
    if (token) {
      auto decoded = Base64Decode(*token);
      if (!decoded || decoded->empty())
        co_return S3Error::InvalidArgument("The continuation token provided is incorrect",
                                           "continuation-token", *token);
      q.start_after = *decoded;
    } else {
      q.start_after = start_after.value_or("");
    }
  } else {
    q.start_after = marker.value_or("");
  }

  auto result = ctx.catalog.List(ctx.bucket, q);
  if (!result.ok()) co_return FromStatus(result.status());
  const bool fetch_owner = v2 ? ctx.Param("fetch-owner") == "true" : true;

  XmlWriter w;
  w.Open("ListBucketResult", true);
  w.Element("Name", ctx.bucket);
  w.Element("Prefix", enc(q.prefix));
  if (v2) {
    if (token) w.Element("ContinuationToken", *token);
    if (start_after) w.Element("StartAfter", enc(*start_after));
    w.Element("KeyCount",
              std::to_string(result->objects.size() + result->common_prefixes.size()));
  } else {
    w.Element("Marker", enc(marker.value_or("")));
  }
  w.Element("MaxKeys", std::to_string(q.max_keys));
  if (!q.delimiter.empty()) w.Element("Delimiter", enc(q.delimiter));
  if (url) w.Element("EncodingType", "url");
  w.Element("IsTruncated", result->truncated ? "true" : "false");
  if (result->truncated) {
    if (v2) w.Element("NextContinuationToken", Base64(result->last));
    // v1 reports NextMarker only with a delimiter; without one the last key serves.
    else if (!q.delimiter.empty()) w.Element("NextMarker", enc(result->last));
  }
  for (const auto& o : result->objects) {
    w.Open("Contents");
    w.Element("Key", enc(o.key));
    w.Element("LastModified", FormatIso8601(o.last_modified));
    w.Element("ETag", "\"" + o.etag + "\"");
    w.Element("Size", std::to_string(o.size));
    if (fetch_owner) {
      w.Open("Owner").Element("ID", iam::CanonicalUserIdOf(o.owner_account));
      w.Element("DisplayName", o.owner_account).Close("Owner");
    }
    w.Element("StorageClass", o.storage_class);
    w.Close("Contents");
  }
  for (const auto& p : result->common_prefixes) {
    w.Open("CommonPrefixes").Element("Prefix", enc(p)).Close("CommonPrefixes");
  }
  w.Close("ListBucketResult");
  co_await ctx.ReplyXml(w.Finish());
  co_return std::nullopt;
}

}  // namespace coffer::s3
