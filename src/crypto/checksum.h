// The checksums S3 accepts in x-amz-checksum-*: CRC32, CRC32C, CRC64NVME, SHA1, SHA256.
//
// Incremental: Update() any number of times, then Final() once, which returns the raw
// big-endian digest bytes; S3 headers carry Base64(Final()). Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "crypto/hash.h"

namespace coffer::crypto {

enum class ChecksumAlgorithm { kCrc32, kCrc32c, kCrc64Nvme, kSha1, kSha256 };

// "CRC32" <-> kCrc32 etc., case-insensitive, as in x-amz-sdk-checksum-algorithm.
std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name);
std::string_view ChecksumName(ChecksumAlgorithm a);  // "CRC32", "CRC64NVME", ...
// The header that carries it: "x-amz-checksum-crc32", ...
std::string ChecksumHeader(ChecksumAlgorithm a);

// The CRC of A||B from crc(A), crc(B) and len(B), for the CRC algorithms (raw
// big-endian values as Final() returns them): how S3 builds a multipart object's
// full-object CRC from its parts. nullopt for SHA algorithms or malformed input.
std::optional<std::string> CombineCrc(ChecksumAlgorithm a, std::string_view first,
                                      std::string_view second, uint64_t second_length);

class Checksum {
 public:
  explicit Checksum(ChecksumAlgorithm a);
  ChecksumAlgorithm algorithm() const { return algorithm_; }
  void Update(std::string_view data);
  std::string Final();

 private:
  ChecksumAlgorithm algorithm_;
  uint64_t crc_ = 0;
  std::optional<Digest> digest_;
};

}  // namespace coffer::crypto
