// PutObject, GetObject/HeadObject, DeleteObject, DeleteObjects.
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/encoding.h"
#include "base/time.h"
#include "crypto/checksum.h"
#include "crypto/hash.h"
#include "http/blocking.h"
#include "s3/conditions.h"
#include "s3/ops.h"
#include "s3/xml.h"

namespace coffer::s3 {
namespace {

constexpr uint64_t kMaxPutSize = 5ull << 30;
constexpr size_t kMaxKeyBytes = 1024;
constexpr size_t kMaxUserMetadata = 2048;
constexpr size_t kReadBlock = 256 * 1024;

constexpr std::string_view kContentHeaders[] = {
    "cache-control", "content-disposition", "content-encoding", "content-language", "expires",
    "x-amz-website-redirect-location"};
constexpr std::string_view kStorageClasses[] = {
    "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
    "GLACIER", "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE"};

std::string Lower(std::string_view s) { return absl::AsciiStrToLower(std::string(s)); }

// "aws-chunked" describes the transfer, not the object: S3 drops it from what it stores
// and keeps the rest of the header as sent.
std::string StoredContentEncoding(const std::string& value) {
  std::vector<std::string> kept;
  bool dropped = false;
  for (absl::string_view part : absl::StrSplit(value, ',')) {
    std::string p(absl::StripAsciiWhitespace(part));
    if (Lower(p) == "aws-chunked") dropped = true;
    else if (!p.empty()) kept.push_back(p);
  }
  if (!dropped) return value;
  return absl::StrJoin(kept, ",");
}

// The integrity headers a client may send with a body: Content-MD5 and at most one
// x-amz-checksum-* value, checked once the whole body has been seen.
class BodyChecks {
 public:
  static std::variant<BodyChecks, S3Error> From(const S3Context& ctx) {
    BodyChecks c;
    if (ctx.HasHeader("content-md5")) {
      auto md5 = Base64Decode(ctx.Header("content-md5"));
      if (!md5 || md5->size() != 16) return S3Error::InvalidDigest();
      c.content_md5_ = *md5;
    }
    for (auto a : {crypto::ChecksumAlgorithm::kCrc32, crypto::ChecksumAlgorithm::kCrc32c,
                   crypto::ChecksumAlgorithm::kCrc64Nvme, crypto::ChecksumAlgorithm::kSha1,
                   crypto::ChecksumAlgorithm::kSha256}) {
      std::string name = crypto::ChecksumHeader(a);
      if (!ctx.HasHeader(name)) continue;
      if (c.checksum_)
        return S3Error::InvalidRequest("Expecting a single x-amz-checksum- header. Multiple "
                                       "checksum Types are not allowed.");
      c.checksum_.emplace(a);
      c.expected_checksum_ = ctx.Header(name);
    }
    return c;
  }

  bool has_any() const { return content_md5_.has_value() || checksum_.has_value(); }
  void Update(std::string_view data) {
    md5_.Update(data);
    if (checksum_) checksum_->Update(data);
  }
  // The hex MD5 of the body (its ETag), or the error when a check fails.
  std::variant<std::string, S3Error> Finish() {
    std::string md5 = md5_.Final();
    if (content_md5_ && *content_md5_ != md5) return S3Error::BadDigest();
    if (checksum_) {
      std::string got = Base64(checksum_->Final());
      if (got != expected_checksum_) {
        S3Error e = S3Error::BadDigest();
        e.message = "The " + std::string(crypto::ChecksumName(checksum_->algorithm())) +
                    " you specified did not match the calculated checksum.";
        return e;
      }
    }
    return HexLower(md5);
  }

 private:
  BodyChecks() = default;
  std::optional<std::string> content_md5_;
  crypto::Digest md5_{crypto::Digest::Algorithm::kMd5};
  std::optional<crypto::Checksum> checksum_;
  std::string expected_checksum_;
};

std::optional<S3Error> CollectMetadata(const S3Context& ctx, ObjectInfo& o) {
  size_t meta_size = 0;
  for (const auto& [name, value] : ctx.request.signable.headers) {
    std::string n = Lower(name);
    if (n.starts_with("x-amz-meta-")) {
      meta_size += n.size() - 11 + value.size();
      o.user_metadata.emplace_back(n, value);
    }
  }
  if (meta_size > kMaxUserMetadata) return S3Error::MetadataTooLarge(meta_size);
  for (std::string_view h : kContentHeaders) {
    if (!ctx.HasHeader(h)) continue;
    std::string v = ctx.Header(h);
    if (h == "content-encoding") v = StoredContentEncoding(v);
    if (!v.empty()) o.content_headers.emplace_back(std::string(h), v);
  }
  o.content_type = ctx.HasHeader("content-type") ? ctx.Header("content-type")
                                                 : "binary/octet-stream";
  if (ctx.HasHeader("x-amz-storage-class")) {
    std::string sc = ctx.Header("x-amz-storage-class");
    bool known = false;
    for (auto k : kStorageClasses) known |= (sc == k);
    if (!known) return S3Error::InvalidStorageClass();
    o.storage_class = sc;
  }
  return std::nullopt;
}

std::string Quoted(const std::string& etag) { return "\"" + etag + "\""; }

}  // namespace

http::Task<OpResult> PutObject(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx);
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  if (ctx.key.size() > kMaxKeyBytes) co_return S3Error::KeyTooLong();
  // The length comes from Content-Length or x-amz-decoded-content-length; a body sent
  // with Transfer-Encoding: chunked and neither is accepted and bounded as it streams.
  const int64_t declared = ctx.request.body.declared_length();
  const bool chunked = ctx.exchange().chunked();
  if (!chunked && (declared < 0 || !ctx.exchange().content_length()))
    co_return S3Error::MissingContentLength();
  if (declared > static_cast<int64_t>(kMaxPutSize))
    co_return S3Error::EntityTooLarge(static_cast<uint64_t>(declared), kMaxPutSize);
  const uint64_t limit = declared < 0 ? kMaxPutSize : static_cast<uint64_t>(declared);

  ObjectInfo object;
  object.key = ctx.key;
  object.owner_account = ctx.request.principal->account_id;
  if (auto err = CollectMetadata(ctx, object)) co_return *err;
  auto checks_or = BodyChecks::From(ctx);
  if (auto* err = std::get_if<S3Error>(&checks_or)) co_return *err;
  BodyChecks& checks = std::get<BodyChecks>(checks_or);

  std::unique_ptr<storage::BlobWriter> writer;  // made with the first byte
  std::string piece;
  uint64_t received = 0;
  while (true) {
    auto r = co_await ctx.request.body.Next(piece);
    if (r.kind == gateway::BodyRead::Kind::kEnd) break;
    if (r.kind != gateway::BodyRead::Kind::kData)
      co_return FromBodyError(r, ctx.request.signing.access_key_id);
    received += piece.size();
    if (received > limit) {
      if (declared < 0) co_return S3Error::EntityTooLarge(received, kMaxPutSize);
      co_return S3Error::IncompleteBody();
    }
    checks.Update(piece);
    if (!writer) {
      auto w = ctx.catalog.NewBody();
      if (!w.ok()) co_return FromStatus(w.status());
      writer = *std::move(w);
    }
    if (auto s = writer->Append(piece); !s.ok()) co_return FromStatus(s);
  }
  if (declared >= 0 && received != static_cast<uint64_t>(declared))
    co_return S3Error::IncompleteBody();
  auto etag = checks.Finish();
  if (auto* err = std::get_if<S3Error>(&etag)) co_return *err;
  object.etag = std::get<std::string>(etag);
  object.size = received;
  object.last_modified = absl::Now();

  auto s = co_await http::RunBlocking(
      [&ctx, &object, &writer] { return ctx.catalog.CommitObject(ctx.bucket, object, std::move(writer)); });
  if (s.code() == absl::StatusCode::kNotFound) co_return S3Error::NoSuchBucket(ctx.bucket);
  if (!s.ok()) co_return FromStatus(s);

  http::ResponseHeader head;
  head.set(http::bhttp::field::etag, Quoted(object.etag));
  for (const auto& [name, value] : ctx.request.signable.headers) {
    std::string n = Lower(name);
    if (n.starts_with("x-amz-checksum-") && n != "x-amz-checksum-algorithm") head.set(n, value);
  }
  co_await ctx.ReplyEmpty(200, std::move(head));
  co_return std::nullopt;
}

http::Task<OpResult> GetObject(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx);
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto opened = ctx.catalog.OpenObject(ctx.bucket, ctx.key);
  if (opened.status().code() == absl::StatusCode::kNotFound) co_return S3Error::NoSuchKey(ctx.key);
  if (!opened.ok()) co_return FromStatus(opened.status());
  const ObjectInfo& o = opened->info;

  ReadConditions conditions;
  for (auto [name, field] : {std::pair{"if-match", &conditions.if_match},
                             std::pair{"if-none-match", &conditions.if_none_match},
                             std::pair{"if-modified-since", &conditions.if_modified_since},
                             std::pair{"if-unmodified-since", &conditions.if_unmodified_since}}) {
    if (ctx.HasHeader(name)) *field = ctx.Header(name);
  }
  auto verdict = EvaluateConditions(conditions, o.etag, o.last_modified);
  if (verdict.outcome == ConditionOutcome::kPreconditionFailed)
    co_return PreconditionFailed(verdict.failed_condition);
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

  uint64_t first = 0, length = o.size;
  if (ctx.HasHeader("range")) {
    auto range = ParseRange(ctx.Header("range"), o.size);
    if (auto* err = std::get_if<S3Error>(&range)) co_return *err;
    if (auto r = std::get<std::optional<ByteRange>>(range)) {
      first = r->first;
      length = r->length();
      head.result(http::bhttp::status::partial_content);
      head.set(http::bhttp::field::content_range,
               "bytes " + std::to_string(r->first) + "-" + std::to_string(r->last) + "/" +
                   std::to_string(o.size));
    }
  }

  if (auto s = co_await ctx.exchange().WriteHeader(std::move(head), length); !s.ok())
    co_return std::nullopt;
  if (ctx.is_head() || !opened->body) co_return std::nullopt;
  std::string buf(kReadBlock, '\0');
  const uint64_t end = first + length;
  for (uint64_t offset = first; offset < end;) {
    auto n = opened->body->ReadAt(offset, buf.data(), std::min<uint64_t>(buf.size(), end - offset));
    if (!n.ok() || *n == 0) break;  // headers are sent: all we can do is cut the body short
    if (!(co_await ctx.exchange().WriteBody(std::string_view(buf.data(), *n))).ok()) break;
    offset += *n;
  }
  co_return std::nullopt;
}

http::Task<OpResult> DeleteObject(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx);
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto deleted = co_await http::RunBlocking(
      [&ctx] { return ctx.catalog.DeleteObject(ctx.bucket, ctx.key); });
  if (!deleted.ok()) co_return FromStatus(deleted.status());
  co_await ctx.ReplyEmpty(204);
  co_return std::nullopt;
}

http::Task<OpResult> DeleteObjects(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx);
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto checks_or = BodyChecks::From(ctx);
  if (auto* err = std::get_if<S3Error>(&checks_or)) co_return *err;
  BodyChecks& checks = std::get<BodyChecks>(checks_or);
  if (!checks.has_any() && !ctx.HasHeader("x-amz-trailer")) {
    co_return S3Error::InvalidRequest("Missing required header for this request: Content-MD5");
  }
  auto body = co_await ctx.ReadSmallBody(4 << 20);
  if (auto* err = std::get_if<S3Error>(&body)) co_return *err;
  const std::string& xml = std::get<std::string>(body);
  checks.Update(xml);
  if (auto etag = checks.Finish(); std::holds_alternative<S3Error>(etag))
    co_return std::get<S3Error>(etag);

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
    if (key.size() > kMaxKeyBytes) {
      e = S3Error::KeyTooLong();
    } else if (version && *version != "null") {
      // Versioning cannot be enabled yet: "null" is the only version there is.
      e = S3Error::NoSuchVersion(*version);
    } else {
      auto deleted = co_await http::RunBlocking(
          [&ctx, &key] { return ctx.catalog.DeleteObject(ctx.bucket, key); });
      if (!deleted.ok()) e = FromStatus(deleted.status());
    }
    if (!e) {
      if (quiet) continue;
      w.Open("Deleted").Element("Key", key);
      if (version) w.Element("VersionId", *version);
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
