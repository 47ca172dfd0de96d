#include "sse/record.h"

#include "base/codec.h"

namespace coffer::sse {
namespace {
constexpr uint8_t kRecordVersion = 1;
}

const char* ModeName(Algorithm a, bool bucket_key) {
  switch (a) {
    case Algorithm::kNone: return "none";
    case Algorithm::kAes256: return "sse-s3";
    case Algorithm::kKms: return bucket_key ? "sse-kms-bucket-key" : "sse-kms";
    case Algorithm::kDsse: return "dsse-kms";
    case Algorithm::kCustomer: return "sse-c";
  }
  return "unknown";
}

const char* HeaderValue(Algorithm a) {
  switch (a) {
    case Algorithm::kAes256: return "AES256";
    case Algorithm::kKms: return "aws:kms";
    case Algorithm::kDsse: return "aws:kms:dsse";
    case Algorithm::kCustomer: return "AES256";
    case Algorithm::kNone: break;
  }
  return "";
}

std::string SseRecord::Encode() const {
  return Encoder()
      .U8(kRecordVersion)
      .U8(static_cast<uint8_t>(algorithm))
      .Str(kms_key_arn)
      .Str(context)
      .Bool(bucket_key)
      .Str(customer_key_md5)
      .Str(data_id)
      .Str(sealed_keys)
      .Str(kms_blob)
      .Str(salt)
      .Take();
}

absl::StatusOr<SseRecord> SseRecord::Decode(std::string_view in) {
  SseRecord r;
  uint8_t algorithm = 0;
  RecordReader rd(in);
  rd.Version(kRecordVersion).U8(algorithm).Str(r.kms_key_arn).Str(r.context).Bool(r.bucket_key);
  rd.Str(r.customer_key_md5).Str(r.data_id).Str(r.sealed_keys).Str(r.kms_blob).Str(r.salt);
  if (!rd.status().ok()) return rd.status();
  if (algorithm > 4) return absl::DataLossError("bad encryption record");
  r.algorithm = static_cast<Algorithm>(algorithm);
  return r;
}

}  // namespace coffer::sse
