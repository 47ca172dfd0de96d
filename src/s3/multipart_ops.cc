// Multipart uploads: Create, UploadPart, Complete, Abort, ListParts,
// ListMultipartUploads.
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "base/encoding.h"
#include "base/time.h"
#include "crypto/hash.h"
#include "http/blocking.h"
#include "iam/principal.h"
#include "s3/encryption.h"
#include "s3/object_input.h"
#include "s3/ops.h"
#include "base/xml.h"
#include "sse/checksum_seal.h"

namespace coffer::s3 {
namespace {

constexpr uint64_t kMinPartSize = 5ull << 20;
constexpr uint64_t kMaxObjectSize = 5ull << 40;

std::string Unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

std::optional<crypto::ChecksumAlgorithm> UploadAlgorithm(const UploadInfo& u) {
  if (u.object.checksum_algorithm.empty()) return std::nullopt;
  return crypto::ParseChecksumAlgorithm(u.object.checksum_algorithm);
}

std::string ChecksumElement(const std::string& algorithm) {
  std::string name = "Checksum" + algorithm;  // ChecksumCRC32, ChecksumSHA256, ...
  return name;
}

// Loads the upload named by ?uploadId for ctx.key: NoSuchUpload when absent, or when
// completed unless `completed_ok`.
std::variant<UploadInfo, S3Error> LoadUpload(S3Context& ctx, bool completed_ok = false) {
  std::string id = ctx.Param("uploadId").value_or("");
  auto u = ctx.catalog.GetUpload(ctx.bucket, ctx.key, id);
  if (u.status().code() == absl::StatusCode::kNotFound) return S3Error::NoSuchUpload(id);
  if (!u.ok()) return FromStatus(u.status());
  if (u->completed && !completed_ok) return S3Error::NoSuchUpload(id);
  return *std::move(u);
}

http::Task<void> ReplyCompleted(S3Context& ctx, const BucketInfo& bucket, const UploadInfo& upload,
                                const std::string& etag, const std::string& checksum,
                                const std::string& version_id) {
  XmlWriter w;
  w.Open("CompleteMultipartUploadResult", true);
  std::string scheme = ctx.exchange().secure() ? "https://" : "http://";
  w.Element("Location", scheme + std::string(ctx.header()[http::bhttp::field::host]) + "/" +
                            ctx.bucket + "/" + UriEncode(ctx.key, false));
  w.Element("Bucket", ctx.bucket).Element("Key", ctx.key).Element("ETag", Quoted(etag));
  if (!upload.object.checksum_algorithm.empty()) {
    w.Element(ChecksumElement(upload.object.checksum_algorithm), checksum);
    w.Element("ChecksumType", upload.object.checksum_type);
  }
  w.Close("CompleteMultipartUploadResult");
  http::ResponseHeader head;
  head.result(http::bhttp::status::ok);
  head.set(http::bhttp::field::content_type, "application/xml");
  AddVersionHeader(head, bucket, version_id);
  AddEncryptionHeaders(head, upload.object.sse, SseAnswer::kComplete);
  co_await ctx.exchange().Respond(std::move(head), w.Finish());
}

// The upload's keys when reading its stored checksums needs them (the parts' checksums
// are sealed under them), else nullopt. For SSE-C this is when AWS, too, wants the
// customer key on ListParts and CompleteMultipartUpload.
std::variant<std::optional<sse::BodyKeys>, S3Error> KeysForChecksums(
    const S3Context& ctx, const UploadInfo& upload, const std::vector<UploadedPart>& parts) {
  bool sealed = sse::IsSealedChecksum(upload.object.checksum);
  for (const auto& p : parts) sealed = sealed || sse::IsSealedChecksum(p.checksum);
  if (!sealed) return std::optional<sse::BodyKeys>();
  return OpenObjectKeys(ctx, upload.object, ctx.bucket, ctx.key, /*need_keys=*/true);
}

void WriteOwner(XmlWriter& w, const char* element, const std::string& account) {
  w.Open(element).Element("ID", iam::CanonicalUserIdOf(account));
  w.Element("DisplayName", account).Close(element);
}

}  // namespace

std::variant<uint32_t, S3Error> PartNumberParam(const S3Context& ctx) {
  std::string pn = ctx.Param("partNumber").value_or("");
  int number = 0;
  if (!absl::SimpleAtoi(pn, &number) || number < 1 || number > 10000)
    return S3Error::InvalidArgument("Part number must be an integer between 1 and 10000, "
                                    "inclusive", "partNumber", pn);
  return static_cast<uint32_t>(number);
}

http::Task<OpResult> CreateMultipartUpload(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:PutObject", Permission::kWrite, true});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  if (ctx.key.size() > kMaxKeyBytes) co_return S3Error::KeyTooLong();
  UploadInfo upload;
  upload.key = ctx.key;
  upload.initiated = absl::Now();
  upload.initiator_arn = ctx.request.principal ? ctx.request.principal->Arn() : "anonymous";
  if (auto err = AssignOwnerAndAcl(ctx, ctx.request.signable, std::get<BucketInfo>(bucket), upload.object))
    co_return *err;
  upload.owner_account = upload.object.owner_account;
  if (auto err = CollectMetadata(ctx.request.signable, upload.object)) co_return *err;
  // The upload's keys are made now; every part is encrypted under them.
  auto made = KeysForWrite(ctx, ctx.request.signable, ctx.bucket, ctx.key);
  if (auto* err = std::get_if<S3Error>(&made)) co_return *err;
  upload.object.sse = std::get<std::pair<sse::BodyKeys, sse::SseRecord>>(made).second;

  if (ctx.HasHeader("x-amz-checksum-algorithm")) {
    auto a = crypto::ParseChecksumAlgorithm(ctx.Header("x-amz-checksum-algorithm"));
    if (!a) co_return S3Error::InvalidRequest("Checksum algorithm provided is unsupported.");
    std::string type = absl::AsciiStrToUpper(ctx.Header("x-amz-checksum-type"));
    bool crc = *a != crypto::ChecksumAlgorithm::kSha1 && *a != crypto::ChecksumAlgorithm::kSha256;
    if (type.empty()) type = *a == crypto::ChecksumAlgorithm::kCrc64Nvme ? "FULL_OBJECT" : "COMPOSITE";
    if ((type != "FULL_OBJECT" && type != "COMPOSITE") || (type == "FULL_OBJECT" && !crc) ||
        (type == "COMPOSITE" && *a == crypto::ChecksumAlgorithm::kCrc64Nvme)) {
      co_return S3Error::InvalidRequest("The " + type + " checksum type cannot be used with the " +
                                        absl::AsciiStrToLower(std::string(
                                            crypto::ChecksumName(*a))) +
                                        " checksum algorithm.");
    }
    upload.object.checksum_algorithm = std::string(crypto::ChecksumName(*a));
    upload.object.checksum_type = type;
  }

  auto created = ctx.catalog.CreateUpload(ctx.bucket, upload);
  if (!created.ok()) co_return FromWriteStatus(created.status(), ctx);

  XmlWriter w;
  w.Open("InitiateMultipartUploadResult", true);
  w.Element("Bucket", ctx.bucket).Element("Key", ctx.key).Element("UploadId", created->upload_id);
  w.Close("InitiateMultipartUploadResult");
  http::ResponseHeader head;
  head.set(http::bhttp::field::content_type, "application/xml");
  AddEncryptionHeaders(head, upload.object.sse, SseAnswer::kCreate);
  if (!upload.object.checksum_algorithm.empty()) {
    head.set("x-amz-checksum-algorithm", upload.object.checksum_algorithm);
    head.set("x-amz-checksum-type", upload.object.checksum_type);
  }
  head.result(http::bhttp::status::ok);
  co_await ctx.exchange().Respond(std::move(head), w.Finish());
  co_return std::nullopt;
}

http::Task<OpResult> UploadPart(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:PutObject", Permission::kWrite, true});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto part_number = PartNumberParam(ctx);
  if (auto* err = std::get_if<S3Error>(&part_number)) co_return *err;
  const uint32_t number = std::get<uint32_t>(part_number);
  auto upload_or = LoadUpload(ctx);
  if (auto* err = std::get_if<S3Error>(&upload_or)) co_return *err;
  const UploadInfo& upload = std::get<UploadInfo>(upload_or);

  // Parts use the upload's keys: SSE-C parts carry the upload's key again, SSE-KMS
  // parts need kms:Decrypt (as on AWS).
  auto keys_or = OpenObjectKeys(ctx, upload.object, ctx.bucket, ctx.key, /*need_keys=*/true);
  if (auto* err = std::get_if<S3Error>(&keys_or)) co_return *err;
  const auto& opened = std::get<std::optional<sse::BodyKeys>>(keys_or);
  const sse::BodyKeys* keys = opened ? &*opened : nullptr;  // null: not encrypted
  auto received = co_await ReceiveBody(ctx, UploadAlgorithm(upload), keys, number,
                                       EtagIsMd5(upload.object.sse));
  if (auto* err = std::get_if<S3Error>(&received)) co_return *err;
  ReceivedBody& body = std::get<ReceivedBody>(received);
  UploadedPart part;
  part.number = number;
  part.size = body.size;
  part.etag = EtagFor(upload.object.sse, keys, body.md5_hex, body.blob.get());
  part.last_modified = absl::Now();
  part.checksum = StoredChecksum(keys, number, body.checksum);
  auto s = co_await http::RunBlocking([&] {
    return ctx.catalog.PutPart(ctx.bucket, ctx.key, upload.upload_id, part, std::move(body.blob));
  });
  if (s.code() == absl::StatusCode::kNotFound) co_return S3Error::NoSuchUpload(upload.upload_id);
  if (!s.ok()) co_return FromStatus(s);

  http::ResponseHeader head;
  head.set(http::bhttp::field::etag, Quoted(part.etag));
  AddEncryptionHeaders(head, upload.object.sse, SseAnswer::kOther);
  if (body.checksum_algorithm)
    head.set(crypto::ChecksumHeader(*body.checksum_algorithm), body.checksum);
  co_await ctx.ReplyEmpty(200, std::move(head));
  co_return std::nullopt;
}

http::Task<OpResult> CompleteMultipartUpload(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:PutObject", Permission::kWrite, true});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto upload_or = LoadUpload(ctx, /*completed_ok=*/true);
  if (auto* err = std::get_if<S3Error>(&upload_or)) co_return *err;
  const UploadInfo& upload = std::get<UploadInfo>(upload_or);

  auto body = co_await ctx.ReadSmallBody(4 << 20);
  if (auto* err = std::get_if<S3Error>(&body)) co_return *err;
  auto doc = ParseXml(std::get<std::string>(body));
  if (!doc || doc->name != "CompleteMultipartUpload") co_return S3Error::MalformedXML();
  auto listed = doc->Children("Part");
  if (listed.empty() || listed.size() > 10000) co_return S3Error::MalformedXML();

  if (upload.completed) {
    // A retry of a completion that already happened: the same parts give the same
    // answer; anything else finds no upload.
    std::string md5s;
    for (const XmlNode* part : listed) {
      auto md5 = HexDecode(Unquote(part->ChildText("ETag").value_or("")));
      if (!md5 || md5->size() != 16) co_return S3Error::NoSuchUpload(upload.upload_id);
      md5s += *md5;
    }
    if (HexLower(crypto::Md5(md5s)) + "-" + std::to_string(listed.size()) != upload.object.etag)
      co_return S3Error::NoSuchUpload(upload.upload_id);
    auto keys = KeysForChecksums(ctx, upload, {});
    if (auto* err = std::get_if<S3Error>(&keys)) co_return *err;
    const auto& k = std::get<std::optional<sse::BodyKeys>>(keys);
    auto checksum = ClearChecksum(k ? &*k : nullptr, 0, upload.object.checksum);
    if (auto* err = std::get_if<S3Error>(&checksum)) co_return *err;
    co_await ReplyCompleted(ctx, std::get<BucketInfo>(bucket), upload, upload.object.etag,
                            std::get<std::string>(checksum), upload.completed_version);
    co_return std::nullopt;
  }

  auto stored = ctx.catalog.ListParts(upload.upload_id, 0, -1, nullptr);
  if (!stored.ok()) co_return FromStatus(stored.status());
  std::map<uint32_t, const UploadedPart*> by_number;
  for (const auto& p : *stored) by_number[p.number] = &p;
  auto keys_or = KeysForChecksums(ctx, upload, *stored);
  if (auto* err = std::get_if<S3Error>(&keys_or)) co_return *err;
  const auto& checksum_keys = std::get<std::optional<sse::BodyKeys>>(keys_or);
  const sse::BodyKeys* key_ptr = checksum_keys ? &*checksum_keys : nullptr;

  const auto algorithm = UploadAlgorithm(upload);
  const std::string checksum_element = ChecksumElement(upload.object.checksum_algorithm);
  const S3Error invalid_part = S3Error::InvalidPart(
      "One or more of the specified parts could not be found.  The part may not have been "
      "uploaded, or the specified entity tag may not have matched the part's entity tag.");
  // First the list itself (order, existence, ETags, checksums), then the sizes.
  std::vector<PartRef> parts;
  std::vector<std::string> part_checksums;  // in the clear, for the object's checksum
  std::string md5s;
  uint64_t total = 0;
  int previous = 0;
  for (const XmlNode* entry : listed) {
    int number = 0;
    if (!absl::SimpleAtoi(entry->ChildText("PartNumber").value_or(""), &number))
      co_return S3Error::MalformedXML();
    if (number <= previous) co_return S3Error::InvalidPartOrder();
    previous = number;
    auto it = by_number.find(static_cast<uint32_t>(number));
    if (it == by_number.end()) co_return invalid_part;
    const UploadedPart& p = *it->second;
    if (Unquote(entry->ChildText("ETag").value_or("")) != p.etag) co_return invalid_part;
    if (algorithm) {
      auto clear = ClearChecksum(key_ptr, p.number, p.checksum);
      if (auto* err = std::get_if<S3Error>(&clear)) co_return *err;
      part_checksums.push_back(std::get<std::string>(clear));
      if (auto given = entry->ChildText(checksum_element);
          given && *given != part_checksums.back())
        co_return invalid_part;
    }
    md5s += *HexDecode(p.etag);
    total += p.size;
    parts.push_back(PartRef{p.number, p.size, p.blob_id, p.etag, p.checksum});
  }
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i].size >= kMinPartSize) continue;
    S3Error e = S3Error::EntityTooSmall();
    e.With("ProposedSize", std::to_string(parts[i].size))
        .With("MinSizeAllowed", std::to_string(kMinPartSize))
        .With("PartNumber", std::to_string(parts[i].number))
        .With("ETag", parts[i].etag);
    co_return e;
  }
  if (total > kMaxObjectSize) co_return S3Error::EntityTooLarge(total, kMaxObjectSize);
  std::string etag = HexLower(crypto::Md5(md5s)) + "-" + std::to_string(parts.size());

  // The object's checksum: of the part checksums (COMPOSITE, "value-N"), or the CRC of
  // the whole object combined from the parts' CRCs (FULL_OBJECT).
  std::string checksum;
  if (algorithm) {
    if (upload.object.checksum_type == "COMPOSITE") {
      crypto::Checksum c(*algorithm);
      for (const auto& p : part_checksums) c.Update(Base64Decode(p).value_or(""));
      checksum = Base64(c.Final()) + "-" + std::to_string(parts.size());
    } else {
      std::string crc;
      for (size_t i = 0; i < parts.size(); ++i) {
        const PartRef& p = parts[i];
        std::string part_crc = Base64Decode(part_checksums[i]).value_or("");
        if (crc.empty()) {
          crc = part_crc;
        } else if (auto combined = crypto::CombineCrc(*algorithm, crc, part_crc, p.size)) {
          crc = *combined;
        } else {
          co_return S3Error::InternalError();
        }
      }
      checksum = Base64(crc);
    }
    std::string header = crypto::ChecksumHeader(*algorithm);
    if (ctx.HasHeader(header) && ctx.Header(header) != checksum) co_return S3Error::BadDigest();
  }

  WriteConditions conditions;
  if (ctx.HasHeader("if-none-match")) {
    if (ctx.Header("if-none-match") != "*") co_return S3Error::NotImplemented();
    conditions.if_none_match = "*";
  }
  if (ctx.HasHeader("if-match")) conditions.if_match = Unquote(ctx.Header("if-match"));

  auto object = co_await http::RunBlocking([&] {
    return ctx.catalog.CompleteUpload(ctx.bucket, upload, parts, etag,
                                      StoredChecksum(key_ptr, 0, checksum), conditions);
  });
  if (object.status().code() == absl::StatusCode::kNotFound &&
      object.status().message() == "no such upload")
    co_return S3Error::NoSuchUpload(upload.upload_id);
  if (!object.ok()) co_return FromWriteStatus(object.status(), ctx);

  co_await ReplyCompleted(ctx, std::get<BucketInfo>(bucket), upload, etag, checksum,
                          object->version_id);
  co_return std::nullopt;
}

http::Task<OpResult> AbortMultipartUpload(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:AbortMultipartUpload", Permission::kWrite, true});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  std::string id = ctx.Param("uploadId").value_or("");
  auto s = co_await http::RunBlocking(
      [&] { return ctx.catalog.AbortUpload(ctx.bucket, ctx.key, id); });
  if (s.code() == absl::StatusCode::kNotFound) co_return S3Error::NoSuchUpload(id);
  if (!s.ok()) co_return FromStatus(s);
  co_await ctx.ReplyEmpty(204);
  co_return std::nullopt;
}

http::Task<OpResult> ListParts(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:ListMultipartUploadParts", Permission::kRead, true});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  auto upload_or = LoadUpload(ctx);
  if (auto* err = std::get_if<S3Error>(&upload_or)) co_return *err;
  const UploadInfo& upload = std::get<UploadInfo>(upload_or);
  int max_parts = 1000;
  if (auto v = ctx.Param("max-parts")) {
    if (!absl::SimpleAtoi(*v, &max_parts) || max_parts < 0)
      co_return S3Error::InvalidArgument("Argument max-parts must be an integer between 0 and "
                                         "2147483647", "max-parts", *v);
    max_parts = std::min(max_parts, 1000);
  }
  uint32_t marker = 0;
  if (auto v = ctx.Param("part-number-marker")) {
    if (!absl::SimpleAtoi(*v, &marker))
      co_return S3Error::InvalidArgument("Argument part-number-marker must be an integer "
                                         "between 0 and 2147483647", "part-number-marker", *v);
  }
  bool truncated = false;
  auto parts = ctx.catalog.ListParts(upload.upload_id, marker, max_parts, &truncated);
  if (!parts.ok()) co_return FromStatus(parts.status());
  auto keys_or = KeysForChecksums(ctx, upload, *parts);
  if (auto* err = std::get_if<S3Error>(&keys_or)) co_return *err;
  const auto& keys = std::get<std::optional<sse::BodyKeys>>(keys_or);

  XmlWriter w;
  w.Open("ListPartsResult", true);
  w.Element("Bucket", ctx.bucket).Element("Key", ctx.key).Element("UploadId", upload.upload_id);
  w.Open("Initiator").Element("ID", upload.initiator_arn).Element("DisplayName", upload.owner_account);
  w.Close("Initiator");
  WriteOwner(w, "Owner", upload.owner_account);
  w.Element("StorageClass", upload.object.storage_class);
  w.Element("PartNumberMarker", std::to_string(marker));
  if (!parts->empty()) w.Element("NextPartNumberMarker", std::to_string(parts->back().number));
  w.Element("MaxParts", std::to_string(max_parts));
  w.Element("IsTruncated", truncated ? "true" : "false");
  if (!upload.object.checksum_algorithm.empty()) {
    w.Element("ChecksumAlgorithm", upload.object.checksum_algorithm);
    w.Element("ChecksumType", upload.object.checksum_type);
  }
  for (const auto& p : *parts) {
    w.Open("Part").Element("PartNumber", std::to_string(p.number));
    w.Element("LastModified", FormatIso8601(p.last_modified));
    w.Element("ETag", Quoted(p.etag)).Element("Size", std::to_string(p.size));
    if (!p.checksum.empty()) {
      auto clear = ClearChecksum(keys ? &*keys : nullptr, p.number, p.checksum);
      if (auto* err = std::get_if<S3Error>(&clear)) co_return *err;
      w.Element(ChecksumElement(upload.object.checksum_algorithm), std::get<std::string>(clear));
    }
    w.Close("Part");
  }
  w.Close("ListPartsResult");
  co_await ctx.ReplyXml(w.Finish());
  co_return std::nullopt;
}

http::Task<OpResult> ListMultipartUploads(S3Context& ctx) {
  auto bucket = co_await LoadBucket(ctx, Access{"s3:ListBucketMultipartUploads", Permission::kRead});
  if (auto* err = std::get_if<S3Error>(&bucket)) co_return *err;
  UploadListQuery q;
  q.prefix = ctx.Param("prefix").value_or("");
  q.delimiter = ctx.Param("delimiter").value_or("");
  q.key_marker = ctx.Param("key-marker").value_or("");
  q.upload_id_marker = q.key_marker.empty() ? "" : ctx.Param("upload-id-marker").value_or("");
  if (auto v = ctx.Param("max-uploads")) {
    if (!absl::SimpleAtoi(*v, &q.max_uploads) || q.max_uploads < 0)
      co_return S3Error::InvalidArgument("Argument max-uploads must be an integer between 0 and "
                                         "2147483647", "max-uploads", *v);
    q.max_uploads = std::min(q.max_uploads, 1000);
  }
  auto encoding = ctx.Param("encoding-type");
  if (encoding && *encoding != "url")
    co_return S3Error::InvalidArgument("Invalid Encoding Method specified in Request",
                                       "encoding-type", *encoding);
  auto enc = [url = encoding.has_value()](const std::string& s) {
    return url ? UriEncode(s, false) : s;
  };
  auto result = ctx.catalog.ListUploads(ctx.bucket, q);
  if (!result.ok()) co_return FromStatus(result.status());

  XmlWriter w;
  w.Open("ListMultipartUploadsResult", true);
  w.Element("Bucket", ctx.bucket);
  w.Element("KeyMarker", enc(q.key_marker)).Element("UploadIdMarker", q.upload_id_marker);
  if (result->truncated) {
    w.Element("NextKeyMarker", enc(result->next_key_marker));
    w.Element("NextUploadIdMarker", result->next_upload_id_marker);
  }
  if (!q.prefix.empty()) w.Element("Prefix", enc(q.prefix));
  if (!q.delimiter.empty()) w.Element("Delimiter", enc(q.delimiter));
  if (encoding) w.Element("EncodingType", "url");
  w.Element("MaxUploads", std::to_string(q.max_uploads));
  w.Element("IsTruncated", result->truncated ? "true" : "false");
  for (const auto& u : result->uploads) {
    w.Open("Upload").Element("Key", enc(u.key)).Element("UploadId", u.upload_id);
    w.Open("Initiator").Element("ID", u.initiator_arn).Element("DisplayName", u.owner_account);
    w.Close("Initiator");
    WriteOwner(w, "Owner", u.owner_account);
    w.Element("StorageClass", u.object.storage_class);
    w.Element("Initiated", FormatIso8601(u.initiated));
    if (!u.object.checksum_algorithm.empty()) {
      w.Element("ChecksumAlgorithm", u.object.checksum_algorithm);
      w.Element("ChecksumType", u.object.checksum_type);
    }
    w.Close("Upload");
  }
  for (const auto& p : result->common_prefixes)
    w.Open("CommonPrefixes").Element("Prefix", enc(p)).Close("CommonPrefixes");
  w.Close("ListMultipartUploadsResult");
  co_await ctx.ReplyXml(w.Finish());
  co_return std::nullopt;
}

}  // namespace coffer::s3
