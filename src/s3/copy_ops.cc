// CopyObject and UploadPartCopy: a source object (or a range of it) read through the
// catalog and written as a new body.
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "base/encoding.h"
#include "base/time.h"
#include "crypto/hash.h"
#include "http/blocking.h"
#include "s3/body_reader.h"
#include "s3/conditions.h"
#include "s3/encryption.h"
#include "s3/names.h"
#include "s3/object_input.h"
#include "s3/ops.h"
#include "base/xml.h"

namespace coffer::s3 {
namespace {

constexpr size_t kCopyBlock = 1 << 20;

struct CopySource {
  std::string bucket, key;
  std::optional<std::string> version_id;
  Catalog::OpenedObject object;
  std::unique_ptr<BodyReader> body;  // the source's plaintext
};

// Parses x-amz-copy-source ("bucket/key" or "/bucket/key", URL-encoded, with an
// optional "?versionId="), checks the caller may read it, opens it and applies the
// x-amz-copy-source-if-* conditions.
std::variant<CopySource, S3Error> OpenCopySource(S3Context& ctx) {
  std::string raw = ctx.Header("x-amz-copy-source");
  std::optional<std::string> version;
  if (auto q = raw.find('?'); q != std::string::npos) {
    std::string query = raw.substr(q + 1);
    raw = raw.substr(0, q);
    for (const auto& [name, value] : SplitQuery(query)) {
      if (name == "versionId") version = UriDecode(value).value_or("");
    }
  }
  auto path = UriDecode(raw);
  const S3Error bad = S3Error::InvalidArgument(
      "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
      "x-amz-copy-source", raw);
  if (!path) return bad;
  std::string_view p = *path;
  if (!p.empty() && p.front() == '/') p.remove_prefix(1);
  size_t slash = p.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == p.size()) return bad;
  CopySource src;
  src.bucket = std::string(p.substr(0, slash));
  src.key = std::string(p.substr(slash + 1));
  src.version_id = version;
  if (version && *version != "null" && (version->size() != 32 || !HexDecode(*version)))
    return S3Error::InvalidVersionId(*version);

  if (!IsAddressableBucketName(src.bucket)) return S3Error::InvalidBucketName(src.bucket);
  auto bucket = ctx.catalog.GetBucket(src.bucket);
  if (!bucket.ok()) return FromStatus(bucket.status());
  if (!bucket->has_value()) return S3Error::NoSuchBucket(src.bucket);

  auto opened = ctx.catalog.OpenObject(src.bucket, src.key, version);
  if (opened.status().code() == absl::StatusCode::kNotFound)
    return version ? S3Error::NoSuchVersion(*version) : S3Error::NoSuchKey(src.key);
  if (!opened.ok()) return FromStatus(opened.status());
  if (opened->info.delete_marker) {
    if (version)
      return S3Error::InvalidRequest("The source of a copy request may not specifically refer "
                                     "to a delete marker by version id.");
    return S3Error::NoSuchKey(src.key);
  }
  if (auto err = AuthorizeObject(ctx, **bucket, src.key,
                                 version ? "s3:GetObjectVersion" : "s3:GetObject",
                                 &opened->info, Permission::kRead))
    return *err;
  src.object = *std::move(opened);

  ReadConditions c;
  for (auto [name, field] :
       {std::pair{"x-amz-copy-source-if-match", &c.if_match},
        std::pair{"x-amz-copy-source-if-none-match", &c.if_none_match},
        std::pair{"x-amz-copy-source-if-modified-since", &c.if_modified_since},
        std::pair{"x-amz-copy-source-if-unmodified-since", &c.if_unmodified_since}}) {
    if (ctx.HasHeader(name)) *field = ctx.Header(name);
  }
  auto verdict = EvaluateConditions(c, src.object.info.etag, src.object.info.last_modified);
  // For copies every failed condition is a 412, If-None-Match included.
  if (verdict.outcome != ConditionOutcome::kProceed) {
    return S3Error::PreconditionFailed(verdict.outcome == ConditionOutcome::kNotModified
                                           ? "x-amz-copy-source-If-None-Match"
                                           : "x-amz-copy-source-" + verdict.failed_condition);
  }
  // An SSE-C source needs its key in x-amz-copy-source-server-side-encryption-customer-*.
  auto keys = OpenObjectKeys(ctx, src.object.info, src.bucket, src.key,
                             src.object.info.size > 0, kCopySourceCustomerPrefix);
  if (auto* err = std::get_if<S3Error>(&keys)) return *err;
  src.body = std::make_unique<BodyReader>(std::move(src.object.body),
                                          std::move(std::get<std::optional<sse::BodyKeys>>(keys)));
  return src;
}

// Copies [first, first+length) of the source's plaintext into a new blob, encrypted
// under `keys` as part `part`; its MD5 only when `want_md5` (the ETag is the MD5).
http::Task<std::variant<ReceivedBody, S3Error>> CopyBytes(
    S3Context& ctx, BodyReader* reader, uint64_t first, uint64_t length,
    std::optional<crypto::ChecksumAlgorithm> algorithm, const sse::BodyKeys* keys,
    uint32_t part, bool want_md5) {
  ReceivedBody out;
  out.checksum_algorithm = algorithm;
  std::optional<crypto::Digest> md5;
  if (want_md5) md5.emplace(crypto::Digest::Algorithm::kMd5);
  std::optional<crypto::Checksum> checksum;
  if (algorithm) checksum.emplace(*algorithm);
  if (length > 0) {
    auto w = ctx.catalog.NewBody(length);
    if (!w.ok()) co_return FromStatus(w.status());
    out.blob = *std::move(w);
    if (keys) out.blob = std::make_unique<sse::SegmentWriter>(*keys, part, std::move(out.blob));
  }
  std::string buf(kCopyBlock, '\0');
  for (uint64_t offset = first, end = first + length; offset < end;) {
    auto n = reader->ReadAt(offset, buf.data(), std::min<uint64_t>(buf.size(), end - offset));
    if (!n.ok()) co_return FromStatus(n.status());
    if (*n == 0) co_return S3Error::InternalError();
    std::string_view piece(buf.data(), *n);
    if (md5) md5->Update(piece);
    if (checksum) checksum->Update(piece);
    if (auto s = out.blob->Append(piece); !s.ok()) co_return FromStatus(s);
    offset += *n;
    out.size += *n;
  }
  if (md5) out.md5_hex = HexLower(md5->Final());
  if (checksum) out.checksum = Base64(checksum->Final());
  co_return out;
}

std::string ChecksumElement(const std::string& algorithm) { return "Checksum" + algorithm; }

}  // namespace

http::Task<OpResult> CopyObject(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:PutObject", Permission::kWrite, true});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  if (ctx.key.size() > kMaxKeyBytes) co_return S3Error::KeyTooLong();
  auto source_or = OpenCopySource(ctx);
  if (auto* err = std::get_if<S3Error>(&source_or)) co_return *err;
  CopySource& src = std::get<CopySource>(source_or);
  const ObjectInfo& from = src.object.info;
  if (from.size > kMaxPutSize) {
    co_return S3Error::InvalidRequest("The specified copy source is larger than the maximum "
                                      "allowable size for a copy source: 5368709120");
  }

  std::string metadata_directive = ctx.Header("x-amz-metadata-directive");
  std::string tagging_directive = ctx.Header("x-amz-tagging-directive");
  if (metadata_directive.empty()) metadata_directive = "COPY";
  if (tagging_directive.empty()) tagging_directive = "COPY";
  if (metadata_directive != "COPY" && metadata_directive != "REPLACE")
    co_return S3Error::InvalidArgument("Unknown metadata directive.", "x-amz-metadata-directive",
                                       metadata_directive);
  if (tagging_directive != "COPY" && tagging_directive != "REPLACE")
    co_return S3Error::InvalidArgument("Unknown tagging directive.", "x-amz-tagging-directive",
                                       tagging_directive);

  ObjectInfo object;
  object.key = ctx.key;
  if (auto err = AssignOwnerAndAcl(ctx, ctx.request.signable, std::get<BucketInfo>(bucket), object)) co_return *err;
  if (auto err = CollectMetadata(ctx.request.signable, object)) co_return *err;
  if (metadata_directive == "COPY") {
    object.content_type = from.content_type;
    object.content_headers = from.content_headers;
    object.user_metadata = from.user_metadata;
  }
  if (tagging_directive == "COPY") object.tags = from.tags;

  const bool onto_itself = src.bucket == ctx.bucket && src.key == ctx.key &&
                           (!src.version_id || *src.version_id == from.version_id);
  if (onto_itself && metadata_directive == "COPY" && !ctx.HasHeader("x-amz-storage-class") &&
      !ctx.HasHeader("x-amz-website-redirect-location") &&
      !ctx.HasHeader("x-amz-checksum-algorithm") &&
      !ctx.HasHeader("x-amz-server-side-encryption") &&
      !ctx.HasHeader("x-amz-server-side-encryption-customer-algorithm") &&
      !ctx.HasHeader("x-amz-server-side-encryption-bucket-key-enabled")) {
    co_return S3Error::InvalidRequest(
        "This copy request is illegal because it is trying to copy an object to itself without "
        "changing the object's metadata, storage class, website redirect location or "
        "encryption attributes.");
  }

  std::optional<crypto::ChecksumAlgorithm> algorithm;
  if (ctx.HasHeader("x-amz-checksum-algorithm")) {
    algorithm = crypto::ParseChecksumAlgorithm(ctx.Header("x-amz-checksum-algorithm"));
    if (!algorithm) co_return S3Error::InvalidRequest("Checksum algorithm provided is unsupported.");
  } else if (!from.checksum_algorithm.empty()) {
    algorithm = crypto::ParseChecksumAlgorithm(from.checksum_algorithm);
  }
  // The copy is encrypted as the request says, else by the destination bucket's default.
  auto made = KeysForWrite(ctx, ctx.request.signable, ctx.bucket, ctx.key);
  if (auto* err = std::get_if<S3Error>(&made)) co_return *err;
  auto& [keys, sse_record] = std::get<std::pair<sse::BodyKeys, sse::SseRecord>>(made);
  object.sse = sse_record;
  auto copied = co_await CopyBytes(ctx, src.body.get(), 0, from.size, algorithm, &keys, 0,
                                   EtagIsMd5(object.sse));
  if (auto* err = std::get_if<S3Error>(&copied)) co_return *err;
  ReceivedBody& body = std::get<ReceivedBody>(copied);
  object.etag = EtagFor(object.sse, &keys, body.md5_hex, body.blob.get());
  object.size = body.size;
  object.last_modified = absl::Now();
  if (algorithm) {
    object.checksum_algorithm = std::string(crypto::ChecksumName(*algorithm));
    object.checksum_type = "FULL_OBJECT";
    object.checksum = StoredChecksum(&keys, 0, body.checksum);
  }
  src.body.reset();  // release the source before committing (it may be replaced)

  auto stored = co_await CommitObject(ctx, std::move(object), std::move(body.blob));
  if (!stored.ok()) co_return FromWriteStatus(stored.status(), ctx);

  XmlWriter w;
  w.Open("CopyObjectResult", true);
  w.Element("LastModified", FormatIso8601(stored->last_modified));
  w.Element("ETag", Quoted(stored->etag));
  if (!stored->checksum.empty()) {
    w.Element("ChecksumType", stored->checksum_type);
    w.Element(ChecksumElement(stored->checksum_algorithm), body.checksum);
  }
  w.Close("CopyObjectResult");
  http::ResponseHeader head;
  head.result(http::bhttp::status::ok);
  head.set(http::bhttp::field::content_type, "application/xml");
  AddVersionHeader(head, std::get<BucketInfo>(bucket), stored->version_id);
  AddEncryptionHeaders(head, stored->sse, SseAnswer::kCreate);
  if (src.version_id || from.version_id != "null")
    head.set("x-amz-copy-source-version-id", from.version_id);
  co_await ctx.exchange().Respond(std::move(head), w.Finish());
  co_return std::nullopt;
}

http::Task<OpResult> UploadPartCopy(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:PutObject", Permission::kWrite, true});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto part_number = PartNumberParam(ctx);
  if (auto* err = std::get_if<S3Error>(&part_number)) co_return *err;
  const uint32_t number = std::get<uint32_t>(part_number);
  std::string upload_id = ctx.Param("uploadId").value_or("");
  auto upload = ctx.catalog.GetUpload(ctx.bucket, ctx.key, upload_id);
  if (upload.status().code() == absl::StatusCode::kNotFound || (upload.ok() && upload->completed))
    co_return S3Error::NoSuchUpload(upload_id);
  if (!upload.ok()) co_return FromStatus(upload.status());

  auto source_or = OpenCopySource(ctx);
  if (auto* err = std::get_if<S3Error>(&source_or)) co_return *err;
  CopySource& src = std::get<CopySource>(source_or);
  const uint64_t size = src.object.info.size;
  uint64_t first = 0, length = size;
  if (ctx.HasHeader("x-amz-copy-source-range")) {
    // Only "bytes=first-last", inside the object.
    std::string range = ctx.Header("x-amz-copy-source-range");
    uint64_t a = 0, b = 0;
    size_t dash = range.find('-');
    bool ok = range.starts_with("bytes=") && dash != std::string::npos &&
              absl::SimpleAtoi(range.substr(6, dash - 6), &a) &&
              absl::SimpleAtoi(range.substr(dash + 1), &b) && a <= b && b < size;
    if (!ok) {
      co_return S3Error::InvalidArgument("Range specified is not valid for source object of "
                                         "size: " + std::to_string(size),
                                         "x-amz-copy-source-range", range);
    }
    first = a;
    length = b - a + 1;
  }
  if (length > kMaxPutSize) co_return S3Error::EntityTooLarge(length, kMaxPutSize);

  std::optional<crypto::ChecksumAlgorithm> algorithm;
  if (!upload->object.checksum_algorithm.empty())
    algorithm = crypto::ParseChecksumAlgorithm(upload->object.checksum_algorithm);
  auto keys_or = OpenObjectKeys(ctx, upload->object, ctx.bucket, ctx.key, /*need_keys=*/true);
  if (auto* err = std::get_if<S3Error>(&keys_or)) co_return *err;
  const auto& opened = std::get<std::optional<sse::BodyKeys>>(keys_or);
  const sse::BodyKeys* keys = opened ? &*opened : nullptr;  // null: not encrypted
  auto copied = co_await CopyBytes(ctx, src.body.get(), first, length, algorithm, keys, number,
                                   EtagIsMd5(upload->object.sse));
  if (auto* err = std::get_if<S3Error>(&copied)) co_return *err;
  ReceivedBody& body = std::get<ReceivedBody>(copied);
  src.body.reset();

  UploadedPart part;
  part.number = number;
  part.size = body.size;
  part.etag = EtagFor(upload->object.sse, keys, body.md5_hex, body.blob.get());
  part.last_modified = absl::Now();
  part.checksum = StoredChecksum(keys, number, body.checksum);
  auto s = co_await http::RunBlocking([&] {
    return ctx.catalog.PutPart(ctx.bucket, ctx.key, upload_id, part, std::move(body.blob));
  });
  if (s.code() == absl::StatusCode::kNotFound) co_return S3Error::NoSuchUpload(upload_id);
  if (!s.ok()) co_return FromStatus(s);

  XmlWriter w;
  w.Open("CopyPartResult", true);
  w.Element("LastModified", FormatIso8601(part.last_modified));
  w.Element("ETag", Quoted(part.etag));
  if (algorithm) w.Element(ChecksumElement(upload->object.checksum_algorithm), body.checksum);
  w.Close("CopyPartResult");
  http::ResponseHeader head;
  head.result(http::bhttp::status::ok);
  head.set(http::bhttp::field::content_type, "application/xml");
  AddEncryptionHeaders(head, upload->object.sse, SseAnswer::kOther);
  if (src.version_id || src.object.info.version_id != "null")
    head.set("x-amz-copy-source-version-id", src.object.info.version_id);
  co_await ctx.exchange().Respond(std::move(head), w.Finish());
  co_return std::nullopt;
}

}  // namespace coffer::s3
