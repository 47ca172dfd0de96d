#include "s3/records.h"

#include "base/codec.h"

namespace coffer::s3 {
namespace {

constexpr uint8_t kBucketVersion = 1;
// Version 2 added the encryption record, version 3 each part's `held` flag. Uploads
// carry an object record too (without parts), at their own version with the same steps.
constexpr uint8_t kObjectVersion = 3;
constexpr uint8_t kUploadVersion = 3;
constexpr uint8_t kPartVersion = 1;

void PutObjectFields(Encoder& e, const ObjectInfo& o) {
  e.Varint(o.sequence).Str(o.version_id).Bool(o.delete_marker).Varint(o.size).Str(o.etag);
  e.Time(o.last_modified);
  e.Str(o.owner_account).Str(o.storage_class).Str(o.content_type);
  e.Pairs(o.content_headers).Pairs(o.user_metadata).Pairs(o.tags);
  e.Str(o.checksum_algorithm).Str(o.checksum_type).Str(o.checksum).Str(o.acl);
  e.Varint(o.parts.size());
  for (const auto& p : o.parts) {
    e.Varint(p.number).Varint(p.size).Str(p.blob_id).Str(p.etag).Str(p.checksum).Bool(p.held);
  }
  e.Str(o.sse.encrypted() ? o.sse.Encode() : std::string());
}

void ReadObjectFields(RecordReader& r, ObjectInfo& o, uint8_t version) {
  r.Varint(o.sequence).Str(o.version_id).Bool(o.delete_marker).Varint(o.size).Str(o.etag).Time(o.last_modified);
  r.Str(o.owner_account).Str(o.storage_class).Str(o.content_type);
  r.Pairs(o.content_headers).Pairs(o.user_metadata).Pairs(o.tags);
  r.Str(o.checksum_algorithm).Str(o.checksum_type).Str(o.checksum).Str(o.acl);
  uint64_t n = 0;
  r.Varint(n);
  for (uint64_t i = 0; r.status().ok() && i < n && i <= 10000; ++i) {
    PartRef p;
    uint64_t number = 0;
    r.Varint(number).Varint(p.size).Str(p.blob_id).Str(p.etag).Str(p.checksum);
    if (version >= 3) r.Bool(p.held);
    p.number = static_cast<uint32_t>(number);
    o.parts.push_back(std::move(p));
  }
  if (version < 2) return;
  std::string sse;
  r.Str(sse);
  if (!r.status().ok() || sse.empty()) return;
  auto record = sse::SseRecord::Decode(sse);
  if (record.ok()) o.sse = *std::move(record);
  else r.Fail(record.status());
}

}  // namespace

std::string EncodeBucket(const BucketInfo& b) {
  Encoder e;
  e.U8(kBucketVersion).Str(b.owner_account).Str(b.region);
  e.Time(b.created);
  e.U8(static_cast<uint8_t>(b.versioning)).Str(b.ownership).Str(b.acl);
  return e.Take();
}

absl::StatusOr<BucketInfo> DecodeBucket(std::string name, std::string_view v) {
  BucketInfo b;
  b.name = std::move(name);
  uint8_t versioning = 0;
  RecordReader r(v);
  r.Version(kBucketVersion).Str(b.owner_account).Str(b.region).Time(b.created).U8(versioning);
  r.Str(b.ownership).Str(b.acl);
  if (!r.status().ok()) return r.status();
  if (versioning > 2) return absl::DataLossError("bad versioning state");
  b.versioning = static_cast<Versioning>(versioning);
  return b;
}

std::string EncodeObject(const ObjectInfo& o) {
  Encoder e;
  e.U8(kObjectVersion);
  PutObjectFields(e, o);
  return e.Take();
}

absl::StatusOr<ObjectInfo> DecodeObject(std::string key, std::string_view v) {
  ObjectInfo o;
  o.key = std::move(key);
  RecordReader r(v);
  uint8_t version = 0;
  r.Version(1, kObjectVersion, version);
  ReadObjectFields(r, o, version);
  if (!r.status().ok()) return r.status();
  return o;
}

std::string EncodeUpload(const UploadInfo& u) {
  Encoder e;
  e.U8(kUploadVersion).Str(u.key).Str(u.upload_id);
  e.Time(u.initiated);
  e.Str(u.owner_account).Str(u.initiator_arn);
  PutObjectFields(e, u.object);
  e.Bool(u.completed).Str(u.completed_version);
  return e.Take();
}

absl::StatusOr<UploadInfo> DecodeUpload(std::string_view v) {
  UploadInfo u;
  RecordReader r(v);
  uint8_t version = 0;
  r.Version(1, kUploadVersion, version).Str(u.key).Str(u.upload_id).Time(u.initiated);
  r.Str(u.owner_account).Str(u.initiator_arn);
  ReadObjectFields(r, u.object, version);
  r.Bool(u.completed).Str(u.completed_version);
  if (!r.status().ok()) return r.status();
  u.object.key = u.key;
  return u;
}

std::string EncodePart(const UploadedPart& p) {
  Encoder e;
  e.U8(kPartVersion).Varint(p.number).Varint(p.size).Str(p.etag);
  e.Time(p.last_modified);
  e.Str(p.blob_id).Str(p.checksum);
  return e.Take();
}

absl::StatusOr<UploadedPart> DecodePart(std::string_view v) {
  UploadedPart p;
  uint64_t number = 0;
  RecordReader r(v);
  r.Version(kPartVersion).Varint(number).Varint(p.size).Str(p.etag).Time(p.last_modified);
  r.Str(p.blob_id).Str(p.checksum);
  if (!r.status().ok()) return r.status();
  p.number = static_cast<uint32_t>(number);
  return p;
}

}  // namespace coffer::s3
