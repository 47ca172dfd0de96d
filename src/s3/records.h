// The stored form of the catalog's records. Each starts with a format version byte;
// decoders reject unknown versions and truncated input (absl::DataLossError).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "s3/catalog.h"

namespace coffer::s3 {

std::string EncodeBucket(const BucketInfo& b);
absl::StatusOr<BucketInfo> DecodeBucket(std::string name, std::string_view v);

std::string EncodeObject(const ObjectInfo& o);
absl::StatusOr<ObjectInfo> DecodeObject(std::string key, std::string_view v);

std::string EncodeUpload(const UploadInfo& u);
absl::StatusOr<UploadInfo> DecodeUpload(std::string_view v);

std::string EncodePart(const UploadedPart& p);
absl::StatusOr<UploadedPart> DecodePart(std::string_view v);

}  // namespace coffer::s3
