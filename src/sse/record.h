// SseRecord: what is stored with an object about its encryption (sse/object_keys.h
// makes and reads it). Nothing in it is secret: keys appear only sealed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace coffer::sse {

enum class Algorithm : uint8_t { kNone = 0, kAes256 = 1, kKms = 2, kDsse = 3, kCustomer = 4 };

// The x-amz-server-side-encryption value of an algorithm ("AES256", "aws:kms",
// "aws:kms:dsse"; SSE-C objects answer with the customer-algorithm header instead).
const char* HeaderValue(Algorithm a);
// A short name of the mode for metrics and statistics: "none", "sse-s3", "sse-kms",
// "sse-kms-bucket-key", "dsse-kms", "sse-c".
const char* ModeName(Algorithm a, bool bucket_key);

// What is stored with an object about its encryption; nothing in it is secret.
struct SseRecord {
  Algorithm algorithm = Algorithm::kNone;
  std::string kms_key_arn;       // SSE-KMS, DSSE-KMS
  std::string context;           // x-amz-server-side-encryption-context as given, or ""
  bool bucket_key = false;
  std::string customer_key_md5;  // SSE-C: base64 MD5 of the customer's key
  std::string data_id;
  std::string sealed_keys;       // the DEK (and DSSE's outer DEK), sealed
  std::string kms_blob;          // KMS ciphertext of the data key or of the bucket key
  std::string salt;              // Bucket Key and SSE-C derivation salt

  bool encrypted() const { return algorithm != Algorithm::kNone; }
  std::string Encode() const;
  static absl::StatusOr<SseRecord> Decode(std::string_view in);
};

}  // namespace coffer::sse
