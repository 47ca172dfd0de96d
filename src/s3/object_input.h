// What a client sends with an object, read the same way by PutObject, UploadPart,
// CreateMultipartUpload, CopyObject and POST uploads: metadata headers, tags, and the
// body streamed into a blob while its integrity headers are checked.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "crypto/checksum.h"
#include "s3/catalog.h"
#include "s3/request.h"

namespace coffer::s3 {

inline constexpr uint64_t kMaxPutSize = 5ull << 30;  // one PUT or one part
inline constexpr size_t kMaxKeyBytes = 1024;

// Content-Type, the standard content headers, x-amz-meta-*, x-amz-storage-class and
// x-amz-tagging from a request's headers (or a POST form's fields) into `o`.
// MetadataTooLarge, InvalidStorageClass, InvalidTag.
std::optional<S3Error> CollectMetadata(const auth::SignableRequest& fields, ObjectInfo& o);

// Parses a tag set given as a URL query string ("k1=v1&k2=v2"), as x-amz-tagging and
// POST forms carry it, and checks S3's limits (InvalidTag).
std::variant<HeaderList, S3Error> ParseTagQuery(std::string_view query);
// Parses a <Tagging><TagSet> document (MalformedXML), as PutObjectTagging and POST
// forms carry it; limits are checked by ValidateTags.
std::variant<HeaderList, S3Error> ParseTaggingXml(std::string_view xml);
// Checks S3's tag limits: at most `max` tags (10 on objects, 50 on buckets), keys 1-128
// and values 0-256 characters, no duplicate keys, no "aws:" prefix.
std::optional<S3Error> ValidateTags(const HeaderList& tags, size_t max = 10);

// The checksum algorithm a request uses, from x-amz-checksum-<alg>, x-amz-trailer or
// x-amz-sdk-checksum-algorithm; nullopt when none. InvalidRequest when they disagree.
std::variant<std::optional<crypto::ChecksumAlgorithm>, S3Error> RequestChecksumAlgorithm(
    const S3Context& ctx);

struct ReceivedBody {
  std::unique_ptr<storage::BlobWriter> blob;  // null when the body was empty
  uint64_t size = 0;
  std::string md5_hex;  // empty unless the ETag needs it or Content-MD5 was sent
  std::optional<crypto::ChecksumAlgorithm> checksum_algorithm;
  std::string checksum;  // base64, when an algorithm applies
};

// Streams the request body into a new blob, checking its length against what the
// client declared, Content-MD5 and any x-amz-checksum-* value (header or trailer).
// `algorithm`, when set (a multipart upload's), is computed even if the request names
// none, and a request naming another is refused. With `keys`, the body is stored
// encrypted as part `part` (sse/segments.h). The MD5 (the slowest of the digests) is
// computed only when `md5_etag` (the ETag will be it) or for Content-MD5. Nothing is
// committed: the caller hands the blob to the catalog.
http::Task<std::variant<ReceivedBody, S3Error>> ReceiveBody(
    S3Context& ctx, std::optional<crypto::ChecksumAlgorithm> algorithm = std::nullopt,
    const sse::BodyKeys* keys = nullptr, uint32_t part = 0, bool md5_etag = true);

std::string Quoted(const std::string& etag);


}  // namespace coffer::s3
