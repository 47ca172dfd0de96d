// Checksums of encrypted objects are stored sealed: a plaintext's CRC or SHA says
// something about it, so on disk it is AES-256-GCM encrypted under a key derived from
// the object's data key and bound to the object's data id and the part number (0 for
// the whole object). Reading one back needs the object's keys, so for SSE-KMS it needs
// kms:Decrypt, as on AWS. Values stored before sealing existed read back unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "sse/segments.h"

namespace coffer::sse {

// The stored form of `checksum` (base64 text) for part `part`; "" stays "".
std::string SealChecksum(const BodyKeys& keys, uint32_t part, std::string_view checksum);
// True when `stored` came from SealChecksum.
bool IsSealedChecksum(std::string_view stored);
// The checksum back; DataLoss when `stored` was altered or belongs to another object
// or part. A value that is not sealed is returned as it is.
absl::StatusOr<std::string> OpenChecksum(const BodyKeys& keys, uint32_t part,
                                         std::string_view stored);

}  // namespace coffer::sse
