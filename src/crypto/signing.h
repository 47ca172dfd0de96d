// RSA signatures (RSASSA-PKCS1-v1_5 with SHA-256, "SHA256withRSA" as CloudTrail names
// it) for the audit trail's digest files. Private keys travel as PEM in SecretBytes.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "base/secret.h"

namespace coffer::crypto {

struct RsaKeyPair {
  SecretBytes private_pem;
  std::string public_pem;
};

absl::StatusOr<RsaKeyPair> GenerateRsaKey(int bits = 2048);
// The public key (PEM) of a private key (PEM).
absl::StatusOr<std::string> RsaPublicKeyOf(const SecretBytes& private_pem);
// The raw signature bytes.
absl::StatusOr<std::string> SignSha256Rsa(const SecretBytes& private_pem, std::string_view data);
// False for a bad signature or an unreadable key.
bool VerifySha256Rsa(std::string_view public_pem, std::string_view data,
                     std::string_view signature);

}  // namespace coffer::crypto
