// AES-256-GCM sealing of small values (wrapped secrets, sealed keys).
//
// Seal output layout: 12-byte random nonce || ciphertext || 16-byte tag.
// Open fails (absl::DataLossError, no detail about why) when the key, the AAD or any
// byte of the sealed value differs. Keys are exactly 32 bytes. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "base/secret.h"

namespace coffer::crypto {

inline constexpr size_t kAeadKeySize = 32;
inline constexpr size_t kAeadOverhead = 12 + 16;

std::string Seal(const SecretBytes& key, std::string_view plaintext, std::string_view aad);
absl::StatusOr<SecretBytes> Open(const SecretBytes& key, std::string_view sealed,
                                 std::string_view aad);

}  // namespace coffer::crypto
