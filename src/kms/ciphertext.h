// The ciphertext blob of KMS Encrypt and GenerateDataKey, format 1:
//
//   0x01 | key id (36 ASCII bytes) | key material id (32 bytes) | salt (16 bytes) |
//   nonce (12) | AES-256-GCM ciphertext | tag (16)
//
// The message key is HKDF-SHA256(key material, salt, "coffer kms ciphertext v1"), so
// every message has its own key. The authenticated data is the header (format, key id,
// material id) followed by the canonical encoding of the encryption context: a flipped
// bit anywhere, another context, or a header pointing at other material fails to open.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "base/secret.h"
#include "kms/context.h"

namespace coffer::kms {

inline constexpr size_t kKeyIdSize = 36;
inline constexpr size_t kMaterialIdSize = 32;

struct BlobHeader {
  std::string key_id;       // the KMS key's id (a UUID)
  std::string material_id;  // raw 32 bytes naming one version of its key material
};

// Reads the header; InvalidCiphertextException when the blob is not one of ours.
absl::StatusOr<BlobHeader> ParseBlobHeader(std::string_view blob);

std::string SealBlob(const BlobHeader& header, const SecretBytes& material,
                     std::string_view plaintext, const EncryptionContext& context);
// InvalidCiphertextException on any mismatch.
absl::StatusOr<SecretBytes> OpenBlob(std::string_view blob, const SecretBytes& material,
                                     const EncryptionContext& context);

}  // namespace coffer::kms
