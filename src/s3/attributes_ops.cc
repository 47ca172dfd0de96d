// GetObjectAttributes: an object's ETag, checksum, parts, storage class and size
// without its body.
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "base/time.h"
#include "s3/encryption.h"
#include "s3/ops.h"
#include "base/xml.h"

namespace coffer::s3 {

http::Task<OpResult> GetObjectAttributes(S3Context& ctx) {
  auto bucket_or = co_await FindBucket(ctx);
  if (auto* err = std::get_if<S3Error>(&bucket_or)) co_return *err;
  const BucketInfo& bucket = std::get<BucketInfo>(bucket_or);
  std::set<std::string> wanted;
  for (absl::string_view a :
       absl::StrSplit(ctx.Header("x-amz-object-attributes"), ',', absl::SkipWhitespace())) {
    std::string name(absl::StripAsciiWhitespace(a));
    if (name != "ETag" && name != "Checksum" && name != "ObjectParts" &&
        name != "StorageClass" && name != "ObjectSize")
      co_return S3Error::InvalidArgument("Invalid attribute name specified.",
                                         "x-amz-object-attributes", name);
    wanted.insert(name);
  }
  if (wanted.empty())
    co_return S3Error::InvalidArgument("Invalid attribute name specified.",
                                       "x-amz-object-attributes", "");
  int max_parts = 1000;
  uint32_t marker = 0;
  if (ctx.HasHeader("x-amz-max-parts") &&
      (!absl::SimpleAtoi(ctx.Header("x-amz-max-parts"), &max_parts) || max_parts < 0))
    co_return S3Error::InvalidArgument("Invalid max parts", "x-amz-max-parts",
                                       ctx.Header("x-amz-max-parts"));
  if (ctx.HasHeader("x-amz-part-number-marker") &&
      !absl::SimpleAtoi(ctx.Header("x-amz-part-number-marker"), &marker))
    co_return S3Error::InvalidArgument("Invalid part number marker", "x-amz-part-number-marker",
                                       ctx.Header("x-amz-part-number-marker"));

  auto loaded = LoadObjectVersion(ctx);
  if (auto* err = std::get_if<S3Error>(&loaded)) co_return *err;
  const ObjectInfo& o = std::get<ObjectInfo>(loaded);
  if (auto err = AuthorizeObject(ctx, bucket, ctx.key,
                                 ctx.HasParam("versionId") ? "s3:GetObjectVersionAttributes"
                                                           : "s3:GetObjectAttributes",
                                 &o, Permission::kRead))
    co_return *err;
  // An SSE-C object needs its key here too, as on AWS; sealed checksums need the keys.
  const bool needs_keys =
      (wanted.count("Checksum") || wanted.count("ObjectParts")) && ChecksumsSealed(o);
  auto keys_or = OpenObjectKeys(ctx, o, ctx.bucket, ctx.key, needs_keys);
  if (auto* err = std::get_if<S3Error>(&keys_or)) co_return *err;
  const auto& keys = std::get<std::optional<sse::BodyKeys>>(keys_or);
  const sse::BodyKeys* key_ptr = keys ? &*keys : nullptr;
  auto clear_checksum = [&](uint32_t part, const std::string& stored) {
    return ClearChecksum(key_ptr, part, stored);
  };

  XmlWriter w;
  w.Open("GetObjectAttributesResponse", true);
  if (wanted.count("ETag")) w.Element("ETag", o.etag);
  if (wanted.count("Checksum") && !o.checksum.empty()) {
    auto clear = clear_checksum(0, o.checksum);
    if (auto* err = std::get_if<S3Error>(&clear)) co_return *err;
    w.Open("Checksum");
    w.Element("Checksum" + o.checksum_algorithm, std::get<std::string>(clear));
    w.Element("ChecksumType", o.checksum_type);
    w.Close("Checksum");
  }
  if (wanted.count("ObjectParts") && o.is_multipart()) {
    w.Open("ObjectParts");
    w.Element("PartsCount", std::to_string(o.parts.size()));
    w.Element("PartNumberMarker", std::to_string(marker));
    int listed = 0;
    uint32_t last = marker;
    bool truncated = false;
    for (const auto& p : o.parts) {
      if (p.number <= marker) continue;
      if (listed == max_parts) {
        truncated = true;
        break;
      }
      w.Open("Part").Element("PartNumber", std::to_string(p.number));
      w.Element("Size", std::to_string(p.size));
      if (!p.checksum.empty()) {
        auto clear = clear_checksum(p.number, p.checksum);
        if (auto* err = std::get_if<S3Error>(&clear)) co_return *err;
        w.Element("Checksum" + o.checksum_algorithm, std::get<std::string>(clear));
      }
      w.Close("Part");
      last = p.number;
      ++listed;
    }
    w.Element("NextPartNumberMarker", std::to_string(last));
    w.Element("MaxParts", std::to_string(max_parts));
    w.Element("IsTruncated", truncated ? "true" : "false");
    w.Close("ObjectParts");
  }
  if (wanted.count("StorageClass")) w.Element("StorageClass", o.storage_class);
  if (wanted.count("ObjectSize")) w.Element("ObjectSize", std::to_string(o.size));
  w.Close("GetObjectAttributesResponse");

  http::ResponseHeader head;
  head.result(http::bhttp::status::ok);
  head.set(http::bhttp::field::content_type, "application/xml");
  head.set(http::bhttp::field::last_modified, FormatHttpDate(o.last_modified));
  AddVersionHeader(head, bucket, o.version_id);
  co_await ctx.exchange().Respond(std::move(head), w.Finish());
  co_return std::nullopt;
}

}  // namespace coffer::s3
