// PutObject, GetObject/HeadObject, DeleteObject, DeleteObjects.
#include <algorithm>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "base/encoding.h"
#include "base/time.h"
#include "http/blocking.h"
#include "s3/body_reader.h"
#include "s3/conditions.h"
#include "s3/encryption.h"
#include "s3/object_input.h"
#include "s3/ops.h"
#include "base/xml.h"

namespace coffer::s3 {
namespace {

constexpr size_t kReadBlock = 256 * 1024;

// The write conditions of PutObject and CompleteMultipartUpload.
std::variant<WriteConditions, S3Error> ParseWriteConditions(const S3Context& ctx) {
  WriteConditions c;
  if (ctx.HasHeader("if-none-match")) {
    std::string v = ctx.Header("if-none-match");
    if (v != "*") return S3Error::NotImplemented();
    c.if_none_match = v;
  }
  if (ctx.HasHeader("if-match")) {
    std::string v = ctx.Header("if-match");
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    c.if_match = v;
  }
  return c;
}

}  // namespace

std::variant<std::optional<std::string>, S3Error> VersionParam(const S3Context& ctx) {
  auto v = ctx.Param("versionId");
  if (!v) return std::optional<std::string>();
  if (*v != "null" && v->size() != 32) return S3Error::InvalidVersionId(*v);
  if (*v != "null" && !HexDecode(*v)) return S3Error::InvalidVersionId(*v);
  return v;
}

std::variant<ObjectInfo, S3Error> LoadObjectVersion(const S3Context& ctx) {
  auto version = VersionParam(ctx);
  if (auto* err = std::get_if<S3Error>(&version)) return *err;
  const auto& version_id = std::get<std::optional<std::string>>(version);
  auto found = ctx.catalog.GetObject(ctx.bucket, ctx.key, version_id);
  if (!found.ok()) return FromStatus(found.status());
  if (!found->has_value())
    return version_id ? S3Error::NoSuchVersion(*version_id) : S3Error::NoSuchKey(ctx.key);
  if ((*found)->delete_marker) {
    S3Error e = version_id ? S3Error::NoSuchVersion(*version_id) : S3Error::NoSuchKey(ctx.key);
    e.headers.emplace_back("x-amz-delete-marker", "true");
    e.headers.emplace_back("x-amz-version-id", (*found)->version_id);
    return e;
  }
  return **std::move(found);
}

S3Error FromWriteStatus(const absl::Status& s, const S3Context& ctx) {
  if (s.code() == absl::StatusCode::kFailedPrecondition) {
    return S3Error::PreconditionFailed(std::string(s.message()) == "If-Match" ? "If-Match"
                                                                               : "If-None-Match");
  }
  if (s.code() == absl::StatusCode::kNotFound) {
    if (s.message() == "no such bucket") return S3Error::NoSuchBucket(ctx.bucket);
    return S3Error::NoSuchKey(ctx.key);
  }
  return FromStatus(s);
}

http::Task<absl::StatusOr<ObjectInfo>> CommitObject(S3Context& ctx, ObjectInfo object,
                                                    std::unique_ptr<storage::BlobWriter> body,
                                                    const WriteConditions& conditions) {
  co_return co_await http::AwaitCallback<absl::StatusOr<ObjectInfo>>([&](auto done) {
    ctx.catalog.PutObjectAsync(ctx.bucket, std::move(object), std::move(body), conditions,
                               std::move(done));
  });
}

void AddVersionHeader(http::ResponseHeader& head, const BucketInfo& bucket,
                      const std::string& version_id) {
  if (bucket.versioning != Versioning::kUnversioned || version_id != "null")
    head.set("x-amz-version-id", version_id);
}

http::Task<OpResult> PutObject(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:PutObject", Permission::kWrite, true});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  if (ctx.key.size() > kMaxKeyBytes) co_return S3Error::KeyTooLong();
  auto conditions = ParseWriteConditions(ctx);
  if (auto* err = std::get_if<S3Error>(&conditions)) co_return *err;

  ObjectInfo object;
  object.key = ctx.key;
  if (auto err = AssignOwnerAndAcl(ctx, ctx.request.signable, std::get<BucketInfo>(bucket), object)) co_return *err;
  if (auto err = CollectMetadata(ctx.request.signable, object)) co_return *err;
  auto made = KeysForWrite(ctx, ctx.request.signable, ctx.bucket, ctx.key);
  if (auto* err = std::get_if<S3Error>(&made)) co_return *err;
  auto& [keys, sse_record] = std::get<std::pair<sse::BodyKeys, sse::SseRecord>>(made);
  object.sse = sse_record;
  auto received = co_await ReceiveBody(ctx, std::nullopt, &keys, 0, EtagIsMd5(object.sse));
  if (auto* err = std::get_if<S3Error>(&received)) co_return *err;
  ReceivedBody& body = std::get<ReceivedBody>(received);
  object.etag = EtagFor(object.sse, &keys, body.md5_hex, body.blob.get());
  object.size = body.size;
  object.last_modified = absl::Now();
  if (body.checksum_algorithm) {
    object.checksum_algorithm = std::string(crypto::ChecksumName(*body.checksum_algorithm));
    object.checksum_type = "FULL_OBJECT";
    object.checksum = StoredChecksum(&keys, 0, body.checksum);
  }

  auto stored = co_await CommitObject(ctx, std::move(object), std::move(body.blob),
                                     std::get<WriteConditions>(conditions));
  if (!stored.ok()) co_return FromWriteStatus(stored.status(), ctx);

  http::ResponseHeader head;
  head.set(http::bhttp::field::etag, Quoted(stored->etag));
  AddVersionHeader(head, std::get<BucketInfo>(bucket), stored->version_id);
  AddEncryptionHeaders(head, stored->sse, SseAnswer::kCreate);
  if (!stored->checksum.empty()) {
    head.set(crypto::ChecksumHeader(*body.checksum_algorithm), body.checksum);
    head.set("x-amz-checksum-type", stored->checksum_type);
  }
  co_await ctx.ReplyEmpty(200, std::move(head));
  co_return std::nullopt;
}

http::Task<OpResult> GetObject(S3Context& ctx) {
  auto bucket_or = co_await FindBucket(ctx);
  if (auto* err = std::get_if<S3Error>(&bucket_or)) co_return *err;
  const BucketInfo& bucket = std::get<BucketInfo>(bucket_or);
  auto version = VersionParam(ctx);
  if (auto* err = std::get_if<S3Error>(&version)) co_return *err;
  const auto& version_id = std::get<std::optional<std::string>>(version);

  const char* read_action = version_id ? "s3:GetObjectVersion" : "s3:GetObject";
  auto opened = ctx.catalog.OpenObject(ctx.bucket, ctx.key, version_id);
  if (opened.status().code() == absl::StatusCode::kNotFound) {
    // Only callers who may read the key and list the bucket learn that it is absent.
    if (auto err = AuthorizeObject(ctx, bucket, ctx.key, read_action, nullptr, Permission::kRead))
      co_return *err;
    if (AuthorizeBucket(ctx, bucket, Access{"s3:ListBucket", Permission::kRead}, ""))
      co_return S3Error::AccessDenied();
    co_return version_id ? S3Error::NoSuchVersion(*version_id) : S3Error::NoSuchKey(ctx.key);
  }
  if (!opened.ok()) co_return FromStatus(opened.status());
  const ObjectInfo& o = opened->info;
  if (auto err = AuthorizeObject(ctx, bucket, ctx.key, read_action,
                                 o.delete_marker ? nullptr : &o, Permission::kRead))
    co_return *err;
  if (o.delete_marker) {
    // The current version is a delete marker: the key reads as absent; asking for the
    // marker itself is a method S3 does not allow on it.
    S3Error e = version_id ? S3Error::MethodNotAllowed(std::string(ctx.header().method_string()),
                                                       "DeleteMarker")
                           : S3Error::NoSuchKey(ctx.key);
    e.headers.emplace_back("x-amz-delete-marker", "true");
    e.headers.emplace_back("x-amz-version-id", o.version_id);
    co_return e;
  }

  // SSE headers are checked before conditions, as S3 does; the keys are only needed to
  // send the body or a sealed checksum (which for SSE-KMS takes kms:Decrypt, as on AWS).
  const bool sends_body = !ctx.is_head() && o.size > 0;
  const bool checksum_mode = ctx.Header("x-amz-checksum-mode") == "ENABLED";
  auto keys = OpenObjectKeys(ctx, o, ctx.bucket, ctx.key,
                             sends_body || (checksum_mode && ChecksumsSealed(o)));
  if (auto* err = std::get_if<S3Error>(&keys)) co_return *err;
  const sse::BodyKeys* key_ptr = nullptr;
  if (auto& k = std::get<std::optional<sse::BodyKeys>>(keys)) key_ptr = &*k;

  ReadConditions conditions;
  for (auto [name, field] : {std::pair{"if-match", &conditions.if_match},
                             std::pair{"if-none-match", &conditions.if_none_match},
                             std::pair{"if-modified-since", &conditions.if_modified_since},
                             std::pair{"if-unmodified-since", &conditions.if_unmodified_since}}) {
    if (ctx.HasHeader(name)) *field = ctx.Header(name);
  }
  auto verdict = EvaluateConditions(conditions, o.etag, o.last_modified);
  if (verdict.outcome == ConditionOutcome::kPreconditionFailed)
    co_return S3Error::PreconditionFailed(verdict.failed_condition);
  if (verdict.outcome == ConditionOutcome::kNotModified) {
    http::ResponseHeader head;
    head.set(http::bhttp::field::etag, Quoted(o.etag));
    head.set(http::bhttp::field::last_modified, FormatHttpDate(o.last_modified));
    co_await ctx.ReplyEmpty(304, std::move(head));
    co_return std::nullopt;
  }

  http::ResponseHeader head;
  head.result(http::bhttp::status::ok);
  head.set(http::bhttp::field::etag, Quoted(o.etag));
  head.set(http::bhttp::field::last_modified, FormatHttpDate(o.last_modified));
  head.set(http::bhttp::field::accept_ranges, "bytes");
  head.set(http::bhttp::field::content_type, o.content_type);
  for (const auto& [name, value] : o.content_headers) head.set(name, value);
  for (const auto& [name, value] : o.user_metadata) head.set(name, value);
  if (o.storage_class != "STANDARD") head.set("x-amz-storage-class", o.storage_class);
  if (!o.tags.empty()) head.set("x-amz-tagging-count", std::to_string(o.tags.size()));
  AddVersionHeader(head, bucket, o.version_id);
  AddEncryptionHeaders(head, o.sse, SseAnswer::kOther);
  // response-* query parameters override what GET returns (signed requests only).
  static constexpr std::pair<const char*, const char*> kOverrides[] = {
      {"response-content-type", "content-type"},
      {"response-content-language", "content-language"},
      {"response-expires", "expires"},
      {"response-cache-control", "cache-control"},
      {"response-content-disposition", "content-disposition"},
      {"response-content-encoding", "content-encoding"}};
  for (const auto& [param, header] : kOverrides) {
    if (auto v = ctx.Param(param)) head.set(header, *v);
  }

  // What to send: the whole object, one part of it, or one range.
  uint64_t first = 0, length = o.size;
  bool partial = false;
  std::string part_checksum;
  if (auto pn = ctx.Param("partNumber")) {
    int n = 0;
    if (!absl::SimpleAtoi(*pn, &n) || n < 1 || n > 10000)
      co_return S3Error::InvalidArgument("Part number must be an integer between 1 and 10000, "
                                         "inclusive", "partNumber", *pn);
    if (ctx.HasHeader("range"))
      co_return S3Error::InvalidRequest("Cannot specify both Range header and partNumber query "
                                        "parameter");
    S3Error unsatisfiable;
    unsatisfiable.status = 416;
    unsatisfiable.code = "InvalidPartNumber";
    unsatisfiable.message = "The requested partnumber is not satisfiable";
    if (o.is_multipart()) {
      if (static_cast<size_t>(n) > o.parts.size()) co_return unsatisfiable;
      for (int i = 0; i < n - 1; ++i) first += o.parts[i].size;
      length = o.parts[n - 1].size;
      if (checksum_mode) {
        auto clear = ClearChecksum(key_ptr, o.parts[n - 1].number, o.parts[n - 1].checksum);
        if (auto* err = std::get_if<S3Error>(&clear)) co_return *err;
        part_checksum = std::get<std::string>(clear);
      }
      head.set("x-amz-mp-parts-count", std::to_string(o.parts.size()));
      partial = true;
    } else if (n != 1) {
      co_return unsatisfiable;
    }
  } else if (ctx.HasHeader("range")) {
    auto range = ParseRange(ctx.Header("range"), o.size);
    if (auto* err = std::get_if<S3Error>(&range)) co_return *err;
    if (auto r = std::get<std::optional<ByteRange>>(range)) {
      first = r->first;
      length = r->length();
      partial = true;
    }
  }
  if (partial) {
    head.result(http::bhttp::status::partial_content);
    uint64_t last = length == 0 ? first : first + length - 1;
    head.set(http::bhttp::field::content_range, "bytes " + std::to_string(first) + "-" +
                                                    std::to_string(last) + "/" +
                                                    std::to_string(o.size));
  }
  if (checksum_mode && !o.checksum.empty()) {
    std::string header = "x-amz-checksum-" + absl::AsciiStrToLower(o.checksum_algorithm);
    if (!partial) {
      auto clear = ClearChecksum(key_ptr, 0, o.checksum);
      if (auto* err = std::get_if<S3Error>(&clear)) co_return *err;
      head.set(header, std::get<std::string>(clear));
      head.set("x-amz-checksum-type", o.checksum_type);
    } else if (!part_checksum.empty()) {
      head.set(header, part_checksum);
    }
  }

  if (auto s = co_await ctx.exchange().WriteHeader(std::move(head), length); !s.ok())
    co_return std::nullopt;
  if (ctx.is_head() || !opened->body) co_return std::nullopt;
  BodyReader body(std::move(opened->body),
                  std::move(std::get<std::optional<sse::BodyKeys>>(keys)));
  // No bigger than the answer, and not zeroed: a 4 KiB GET does not clear 256 KiB.
  const size_t block =
      static_cast<size_t>(std::min<uint64_t>(kReadBlock, std::max<uint64_t>(length, 1)));
  auto buf = std::make_unique_for_overwrite<char[]>(block);
  const uint64_t end = first + length;
  for (uint64_t offset = first; offset < end;) {
    auto n = body.ReadAt(offset, buf.get(), std::min<uint64_t>(block, end - offset));
    if (!n.ok() || *n == 0) break;  // headers are sent: all we can do is cut the body short
    if (!(co_await ctx.exchange().WriteBody(std::string_view(buf.get(), *n))).ok()) break;
    offset += *n;
  }
  co_return std::nullopt;
}

http::Task<OpResult> DeleteObject(S3Context& ctx) {
  auto bucket = co_await FindBucket(ctx);
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto version = VersionParam(ctx);
  if (auto* err = std::get_if<S3Error>(&version)) co_return *err;
  const auto& version_id = std::get<std::optional<std::string>>(version);
  if (auto err = AuthorizeBucket(
          ctx, std::get<BucketInfo>(bucket),
          Access{version_id ? "s3:DeleteObjectVersion" : "s3:DeleteObject", Permission::kWrite, true},
          ctx.key))
    co_return *err;
  auto deleted = co_await http::RunBlocking(
      [&] { return ctx.catalog.DeleteObject(ctx.bucket, ctx.key, version_id); });
  if (!deleted.ok()) co_return FromWriteStatus(deleted.status(), ctx);
  http::ResponseHeader head;
  if (deleted->existed) {
    if (deleted->delete_marker) head.set("x-amz-delete-marker", "true");
    if (version_id || std::get<BucketInfo>(bucket).versioning != Versioning::kUnversioned)
      head.set("x-amz-version-id", deleted->version_id);
  }
  co_await ctx.ReplyEmpty(204, std::move(head));
  co_return std::nullopt;
}

http::Task<OpResult> DeleteObjects(S3Context& ctx) {
  auto bucket = co_await FindBucket(ctx);
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  // S3 insists on an integrity check for this body: Content-MD5 or a checksum.
  auto algorithm = RequestChecksumAlgorithm(ctx);
  if (auto* err = std::get_if<S3Error>(&algorithm)) co_return *err;
  if (!ctx.HasHeader("content-md5") &&
      !std::get<std::optional<crypto::ChecksumAlgorithm>>(algorithm)) {
    co_return S3Error::InvalidRequest("Missing required header for this request: Content-MD5");
  }
  auto body = co_await ctx.ReadSmallBody(4 << 20);
  if (auto* err = std::get_if<S3Error>(&body)) co_return *err;
  const std::string& xml = std::get<std::string>(body);
  if (ctx.HasHeader("content-md5")) {
    auto md5 = Base64Decode(ctx.Header("content-md5"));
    if (!md5 || md5->size() != 16) co_return S3Error::InvalidDigest();
    if (*md5 != crypto::Md5(xml)) co_return S3Error::BadDigest();
  }
  if (auto a = std::get<std::optional<crypto::ChecksumAlgorithm>>(algorithm);
      a && ctx.HasHeader(crypto::ChecksumHeader(*a))) {
    crypto::Checksum c(*a);
    c.Update(xml);
    if (Base64(c.Final()) != ctx.Header(crypto::ChecksumHeader(*a))) co_return S3Error::BadDigest();
  }

  auto doc = ParseXml(xml);
  if (!doc || doc->name != "Delete") co_return S3Error::MalformedXML();
  auto objects = doc->Children("Object");
  if (objects.empty() || objects.size() > 1000) co_return S3Error::MalformedXML();
  bool quiet = absl::AsciiStrToLower(doc->ChildText("Quiet").value_or("false")) == "true";
  struct Target {
    std::string key;
    std::optional<std::string> version;
  };
  std::vector<Target> targets;
  for (const XmlNode* obj : objects) {
    auto key = obj->ChildText("Key");
    if (!key) co_return S3Error::MalformedXML();
    targets.push_back({*key, obj->ChildText("VersionId")});
  }

  XmlWriter w;
  w.Open("DeleteResult", true);
  for (const auto& [key, version] : targets) {
    std::optional<S3Error> e;
    Catalog::DeleteResult result;
    if (key.size() > kMaxKeyBytes) {
      e = S3Error::KeyTooLong();
    } else if (version && *version != "null" && (version->size() != 32 || !HexDecode(*version))) {
      e = S3Error::NoSuchVersion(*version);
    } else if (auto denied = AuthorizeBucket(
                   ctx, std::get<BucketInfo>(bucket),
                   Access{version ? "s3:DeleteObjectVersion" : "s3:DeleteObject",
                          Permission::kWrite, true},
                   key)) {
      e = *denied;
    } else {
      auto deleted = co_await http::RunBlocking(
          [&ctx, &key, &version] { return ctx.catalog.DeleteObject(ctx.bucket, key, version); });
      if (deleted.ok()) result = *deleted;
      else e = FromStatus(deleted.status());
    }
    if (!e) {
      if (quiet) continue;
      w.Open("Deleted").Element("Key", key);
      if (version) w.Element("VersionId", *version);
      if (result.existed && result.delete_marker) {
        w.Element("DeleteMarker", "true");
        w.Element("DeleteMarkerVersionId", result.version_id);
      }
      w.Close("Deleted");
      continue;
    }
    w.Open("Error").Element("Key", key);
    if (version) w.Element("VersionId", *version);
    w.Element("Code", e->code).Element("Message", e->message).Close("Error");
  }
  w.Close("DeleteResult");
  co_await ctx.ReplyXml(w.Finish());
  co_return std::nullopt;
}

}  // namespace coffer::s3
