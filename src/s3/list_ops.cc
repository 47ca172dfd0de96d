// ListObjects (v1), ListObjectsV2 and ListObjectVersions.
#include "absl/strings/numbers.h"
#include "base/encoding.h"
#include "base/time.h"
#include "iam/principal.h"
#include "s3/ops.h"
#include "base/xml.h"

namespace coffer::s3 {
namespace {

constexpr int kMaxKeys = 1000;

// The parameters every listing shares: prefix, delimiter, max-keys, encoding-type.
struct ListParams {
  ListQuery query;
  bool url = false;
  std::string Encode(const std::string& s) const { return url ? UriEncode(s, false) : s; }
};

std::variant<ListParams, S3Error> ParseListParams(const S3Context& ctx) {
  ListParams p;
  p.query.prefix = ctx.Param("prefix").value_or("");
  p.query.delimiter = ctx.Param("delimiter").value_or("");
  p.query.max_keys = kMaxKeys;
  if (auto mk = ctx.Param("max-keys")) {
    int n;
    if (!absl::SimpleAtoi(*mk, &n) || n < 0)
      return S3Error::InvalidArgument("Provided max-keys not an integer or within integer range",
                                      "max-keys", *mk);
    p.query.max_keys = std::min(n, kMaxKeys);
  }
  if (auto encoding = ctx.Param("encoding-type")) {
    if (*encoding != "url")
      return S3Error::InvalidArgument("Invalid Encoding Method specified in Request",
                                      "encoding-type", *encoding);
    p.url = true;
  }
  return p;
}

// The fields every listing reports for an object, after its Key (and VersionId).
void WriteObjectFields(XmlWriter& w, const ObjectInfo& o, bool owner) {
  w.Element("LastModified", FormatIso8601(o.last_modified));
  w.Element("ETag", "\"" + o.etag + "\"");
  w.Element("Size", std::to_string(o.size));
  if (owner) {
    w.Open("Owner").Element("ID", iam::CanonicalUserIdOf(o.owner_account));
    w.Element("DisplayName", o.owner_account).Close("Owner");
  }
  w.Element("StorageClass", o.storage_class);
}

void WriteCommonPrefixes(XmlWriter& w, const std::vector<std::string>& prefixes,
                         const ListParams& params) {
  for (const auto& p : prefixes) {
    w.Open("CommonPrefixes").Element("Prefix", params.Encode(p)).Close("CommonPrefixes");
  }
}

}  // namespace

http::Task<OpResult> ListObjects(S3Context& ctx) {
  auto bucket_or = co_await LoadBucket(ctx, Access{"s3:ListBucket", Permission::kRead});
  if (auto* err = std::get_if<S3Error>(&bucket_or)) co_return *err;

  const bool v2 = ctx.Param("list-type") == "2";
  if (auto lt = ctx.Param("list-type"); lt && *lt != "2")
    co_return S3Error::InvalidArgument("Invalid List Type specified in Request", "list-type", *lt);

  auto params_or = ParseListParams(ctx);
  if (auto* err = std::get_if<S3Error>(&params_or)) co_return *err;
  const ListParams& params = std::get<ListParams>(params_or);
  ListQuery q = params.query;
  const bool url = params.url;
  auto enc = [&params](const std::string& s) { return params.Encode(s); };

  const auto token = ctx.Param("continuation-token");
  const auto start_after = ctx.Param("start-after");
  const auto marker = ctx.Param("marker");
  if (v2) {
    if (token && !token->empty()) {  // an empty token means the first page
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
  // ListObjects (v1) returns the prefix as given, even with encoding-type=url.
  w.Element("Prefix", v2 ? enc(q.prefix) : q.prefix);
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
    w.Open("Contents").Element("Key", enc(o.key));
    WriteObjectFields(w, o, fetch_owner);
    w.Close("Contents");
  }
  WriteCommonPrefixes(w, result->common_prefixes, params);
  w.Close("ListBucketResult");
  co_await ctx.ReplyXml(w.Finish());
  co_return std::nullopt;
}

http::Task<OpResult> ListObjectVersions(S3Context& ctx) {
  auto bucket_or = co_await LoadBucket(ctx, Access{"s3:ListBucketVersions", Permission::kRead});
  if (auto* err = std::get_if<S3Error>(&bucket_or)) co_return *err;
  auto params_or = ParseListParams(ctx);
  if (auto* err = std::get_if<S3Error>(&params_or)) co_return *err;
  const ListParams& params = std::get<ListParams>(params_or);
  VersionListQuery q;
  q.prefix = params.query.prefix;
  q.delimiter = params.query.delimiter;
  q.max_keys = params.query.max_keys;
  q.key_marker = ctx.Param("key-marker").value_or("");
  q.version_id_marker = ctx.Param("version-id-marker").value_or("");
  if (!q.version_id_marker.empty() && q.key_marker.empty())
    co_return S3Error::InvalidArgument("A version-id marker cannot be specified without a key "
                                       "marker.", "version-id-marker", q.version_id_marker);

  auto result = ctx.catalog.ListVersions(ctx.bucket, q);
  if (!result.ok()) co_return FromStatus(result.status());

  XmlWriter w;
  w.Open("ListVersionsResult", true);
  w.Element("Name", ctx.bucket);
  w.Element("Prefix", params.Encode(q.prefix));
  w.Element("KeyMarker", params.Encode(q.key_marker));
  w.Element("VersionIdMarker", q.version_id_marker);
  w.Element("MaxKeys", std::to_string(q.max_keys));
  if (!q.delimiter.empty()) w.Element("Delimiter", params.Encode(q.delimiter));
  if (params.url) w.Element("EncodingType", "url");
  w.Element("IsTruncated", result->truncated ? "true" : "false");
  if (result->truncated) {
    w.Element("NextKeyMarker", params.Encode(result->next_key_marker));
    if (!result->next_version_id_marker.empty())
      w.Element("NextVersionIdMarker", result->next_version_id_marker);
  }
  for (const auto& [o, latest] : result->versions) {
    const char* tag = o.delete_marker ? "DeleteMarker" : "Version";
    w.Open(tag).Element("Key", params.Encode(o.key));
    w.Element("VersionId", o.version_id).Element("IsLatest", latest ? "true" : "false");
    if (o.delete_marker) {
      w.Element("LastModified", FormatIso8601(o.last_modified));
      w.Open("Owner").Element("ID", iam::CanonicalUserIdOf(o.owner_account));
      w.Element("DisplayName", o.owner_account).Close("Owner");
    } else {
      WriteObjectFields(w, o, /*owner=*/true);
    }
    w.Close(tag);
  }
  WriteCommonPrefixes(w, result->common_prefixes, params);
  w.Close("ListVersionsResult");
  co_await ctx.ReplyXml(w.Finish());
  co_return std::nullopt;
}

}  // namespace coffer::s3
