// Server-side encryption as S3 speaks it: the x-amz-server-side-encryption* request
// headers and their errors, the bucket default encryption, the checks on reads, and
// the response headers. The keys themselves are made and opened by sse::ObjectKeys.
//
// Every new object is encrypted: with what the request names, else the bucket's default
// encryption, else SSE-S3 (as AWS does since 2023).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "s3/catalog.h"
#include "s3/request.h"
#include "sse/object_keys.h"

namespace coffer::s3 {

inline constexpr std::string_view kCustomerPrefix = "x-amz-server-side-encryption-customer-";
inline constexpr std::string_view kCopySourceCustomerPrefix =
    "x-amz-copy-source-server-side-encryption-customer-";

// A bucket's default encryption (PutBucketEncryption), as stored.
struct BucketEncryption {
  sse::Algorithm algorithm = sse::Algorithm::kAes256;
  std::string kms_key_id;
  bool bucket_key = false;
  bool block_customer_keys = false;  // BlockedEncryptionTypes: SSE-C
};
// Parses a ServerSideEncryptionConfiguration document (MalformedXML, InvalidArgument).
std::variant<BucketEncryption, S3Error> ParseBucketEncryption(std::string_view xml);
std::string BucketEncryptionXml(const BucketEncryption& e);
// The bucket's default (SSE-S3 when none was set).
std::variant<BucketEncryption, S3Error> LoadBucketEncryption(const S3Context& ctx,
                                                             const std::string& bucket);

// What a write will use.
struct WriteEncryption {
  sse::SseChoice choice;
  std::unique_ptr<sse::CustomerKey> customer;  // choice.customer points here
};

// The SSE-C key a request carries under `prefix` (nullptr when it carries none), with
// AWS's checks: algorithm AES256, a 32-byte key, its MD5, and a secure connection.
std::variant<std::unique_ptr<sse::CustomerKey>, S3Error> CustomerKeyOf(
    const S3Context& ctx, const auth::SignableRequest& fields, std::string_view prefix);

// The encryption a write asks for in `fields` (request headers or POST form fields),
// or the bucket's default. Checks TLS, SigV4 and BlockedEncryptionTypes.
std::variant<WriteEncryption, S3Error> ChooseEncryption(const S3Context& ctx,
                                                        const auth::SignableRequest& fields,
                                                        const std::string& bucket);

// Makes the keys of a new object (or upload) `key` in `bucket`.
std::variant<std::pair<sse::BodyKeys, sse::SseRecord>, S3Error> CreateObjectKeys(
    const S3Context& ctx, const WriteEncryption& w, const std::string& bucket,
    const std::string& key);

// ChooseEncryption then CreateObjectKeys: the keys of a new object as `fields` ask.
std::variant<std::pair<sse::BodyKeys, sse::SseRecord>, S3Error> KeysForWrite(
    const S3Context& ctx, const auth::SignableRequest& fields, const std::string& bucket,
    const std::string& key);

// Checks the SSE headers of a request that reads `object` (GET, HEAD, a copy source,
// UploadPart into an upload) and, when `need_keys`, opens its keys. `prefix` is where
// the SSE-C key is looked for. nullopt for an object stored without encryption.
std::variant<std::optional<sse::BodyKeys>, S3Error> OpenObjectKeys(
    const S3Context& ctx, const ObjectInfo& object, const std::string& bucket,
    const std::string& key, bool need_keys, std::string_view prefix = kCustomerPrefix);

// x-amz-server-side-encryption, -aws-kms-key-id, -bucket-key-enabled, or the SSE-C
// algorithm and key MD5, as AWS's API model has them for each kind of answer: the
// encryption context only on writes that create (PutObject, CopyObject, POST,
// CreateMultipartUpload), and nothing of SSE-C on CompleteMultipartUpload.
enum class SseAnswer { kCreate, kOther, kComplete };
void AddEncryptionHeaders(http::ResponseHeader& head, const sse::SseRecord& record,
                          SseAnswer answer);

// Whether an object's ETag is its plaintext's MD5: unencrypted and SSE-S3 objects. An
// SSE-KMS, DSSE-KMS or SSE-C object's is not, on AWS as here, and needs no MD5 at all.
bool EtagIsMd5(const sse::SseRecord& record);
// The ETag of a body: its MD5 where EtagIsMd5; otherwise derived under the body's data
// key from its MD5 when one was computed (`md5_hex`, e.g. for Content-MD5), else from
// the stored body's id (`blob`, null for an empty body), so it never reveals the
// plaintext's MD5 and still differs from one upload to the next. `keys` may be null
// only for a body that is not encrypted.
std::string EtagFor(const sse::SseRecord& record, const sse::BodyKeys* keys,
                    const std::string& md5_hex, const storage::BlobWriter* blob);

// Checksums are stored sealed under the object's keys (sse/checksum_seal.h): the
// stored form of `checksum` of part `part` (0: the whole object), and back. `keys` is
// null for an object stored without encryption. A stored checksum that does not open
// is an InternalError (the record was altered).
std::string StoredChecksum(const sse::BodyKeys* keys, uint32_t part, const std::string& checksum);
std::variant<std::string, S3Error> ClearChecksum(const sse::BodyKeys* keys, uint32_t part,
                                                 const std::string& stored);
// True when reading `object`'s checksums (whole or parts) needs its keys.
bool ChecksumsSealed(const ObjectInfo& object);

// A KMS failure as S3 reports it (AccessDenied, KMS.DisabledException, ...).
S3Error FromKeyStatus(const absl::Status& s);

}  // namespace coffer::s3
