// ObjectKeys: the keys of encrypted objects in the four SSE modes.
//
// Every object (or multipart upload) gets a random data key (DEK) and data id
// (sse/segments.h). What differs by mode is what seals the DEK, kept in SseRecord:
//   SSE-S3    a service key derived from the root key (never leaves Coffer);
//   SSE-KMS   a KMS data key made by GenerateDataKey on the requester's behalf
//             (kms:ViaService = s3.REGION.amazonaws.com, encryption context
//             aws:s3:arn = the object's ARN plus the client's pairs); reading calls
//             KMS Decrypt as the requester;
//             with a Bucket Key, a bucket-level KMS data key (context: the bucket ARN)
//             from which per-object keys are derived locally; it is cached per bucket,
//             KMS key, context and requester for `bucket_key_ttl`;
//   DSSE-KMS  as SSE-KMS for the inner layer, plus an outer layer whose key is sealed
//             under the service key;
//   SSE-C     a key derived from the customer's key; only its MD5 is stored, and a
//             wrong key fails to open the seal.
// Seals bind bucket, object key, algorithm, KMS key and data id, so records swapped
// between objects do not open. Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "audit/trail.h"
#include "base/secret.h"
#include "kms/kms.h"
#include "sse/record.h"
#include "sse/segments.h"
#include "sse/usage.h"

namespace coffer::sse {

// Decodes x-amz-server-side-encryption-context: base64 of a JSON object of strings.
absl::StatusOr<kms::EncryptionContext> ParseContextHeader(std::string_view base64);

struct CustomerKey {
  SecretBytes key;  // 32 bytes
  std::string md5;  // base64
};

// What a write asks for, once headers and the bucket default are resolved.
struct SseChoice {
  Algorithm algorithm = Algorithm::kAes256;
  std::string kms_key_id;         // as given ("" = alias/aws/s3)
  std::string context_header;     // base64 JSON as given, or ""
  kms::EncryptionContext context; // its pairs
  bool bucket_key = false;
  const CustomerKey* customer = nullptr;  // SSE-C
};

struct ObjectName {
  std::string region;
  std::string bucket;
  std::string key;
  std::string Arn() const { return "arn:aws:s3:::" + bucket + "/" + key; }
  std::string BucketArn() const { return "arn:aws:s3:::" + bucket; }
};

class ObjectKeys {
 public:
  ObjectKeys(kms::Kms* kms, const SecretBytes& root_key, absl::Duration bucket_key_ttl);

  // Keys for an object about to be written by `caller` (caller.via_service is set here).
  // Errors: KMS's (kms/errors.h), e.g. AccessDeniedException, DisabledException.
  absl::StatusOr<std::pair<BodyKeys, SseRecord>> Create(kms::Caller caller,
                                                        const ObjectName& name,
                                                        const SseChoice& choice);
  // The keys of a stored object for `caller`. SSE-C needs `customer`; a wrong one is
  // PermissionDenied. KMS errors as KMS gives them; DataLoss when the record was altered.
  absl::StatusOr<BodyKeys> Open(kms::Caller caller, const ObjectName& name,
                                const SseRecord& record, const CustomerKey* customer);
  // KMS requests made (GenerateDataKey and Decrypt), for metrics and tests.
  uint64_t kms_calls() const { return kms_calls_.load(); }
  // KMS calls made for S3 are recorded there, as CloudTrail shows them (invokedBy
  // s3.amazonaws.com). nullptr: no audit. Set before use.
  void set_trail(audit::Trail* trail) { trail_ = trail; }
  // Objects written and read per mode, bucket and account are counted there.
  void set_usage(Usage* usage) { usage_ = usage; }
  void set_bucket_key_ttl(absl::Duration ttl);

 private:
  struct CachedKey {
    SecretBytes plain;
    std::string blob;
    std::string key_arn;
    absl::Time expires;
  };
  absl::StatusOr<SseRecord> Seal(kms::Caller& caller, const ObjectName& name,
                                 const SseChoice& choice, const BodyKeys& keys);
  // The bucket key for a write (cached), or the plaintext of a stored one (cached).
  absl::StatusOr<SecretBytes> BucketKeyForWrite(kms::Caller& caller, const ObjectName& name,
                                                const SseChoice& choice, std::string& blob,
                                                std::string& key_arn);
  absl::StatusOr<SecretBytes> BucketKeyForRead(kms::Caller& caller, const ObjectName& name,
                                               const SseRecord& record);

  kms::Kms* kms_;
  SecretBytes service_key_;
  std::mutex mu_;
  absl::Duration ttl_;
  std::map<std::string, CachedKey> write_cache_;  // bucket|key arn|context|requester
  std::map<std::string, CachedKey> read_cache_;   // blob|requester
  // KMS calls on the requester's behalf: counted, and recorded in the audit trail.
  absl::StatusOr<kms::CryptoResult> GenerateDataKey(const kms::Caller& caller,
                                                    const std::string& key_id,
                                                    const kms::EncryptionContext& ctx,
                                                    const std::string& region);
  absl::StatusOr<kms::CryptoResult> Decrypt(const kms::Caller& caller, const SseRecord& record,
                                            const kms::EncryptionContext& ctx,
                                            const std::string& region);
  void Audit(const kms::Caller& caller, const char* operation, const std::string& key_id,
             const kms::EncryptionContext& ctx, const std::string& region,
             const std::string& key_arn, const absl::Status& status);
  void CountKmsCall(const char* operation);
  void CountBucketKey(bool hit);
  void CountRequest(const kms::Caller& caller, const ObjectName& name, Algorithm algorithm,
                    bool bucket_key, const char* direction);
  std::atomic<uint64_t> kms_calls_{0};
  audit::Trail* trail_ = nullptr;
  Usage* usage_ = nullptr;
};

}  // namespace coffer::sse
