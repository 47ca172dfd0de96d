#include "kms/ciphertext.h"

#include "absl/strings/ascii.h"
#include "base/ids.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "kms/errors.h"

namespace coffer::kms {
namespace {

constexpr char kFormat = 0x01;
constexpr size_t kHeaderSize = 1 + kKeyIdSize + kMaterialIdSize;
constexpr size_t kSaltSize = 16;
constexpr char kInfo[] = "coffer kms ciphertext v1";

SecretBytes MessageKey(const SecretBytes& material, std::string_view salt) {
  std::string k = crypto::HkdfSha256(material.view(), salt, kInfo, crypto::kAeadKeySize);
  SecretBytes key(k);
  WipeString(k);
  return key;
}

}  // namespace

absl::StatusOr<BlobHeader> ParseBlobHeader(std::string_view blob) {
  if (blob.size() < kHeaderSize + kSaltSize + crypto::kAeadOverhead || blob[0] != kFormat)
    return InvalidCiphertext();
  // The key id is a UUID; anything else is a damaged blob, never a key to look up.
  for (size_t i = 0; i < kKeyIdSize; ++i) {
    char c = blob[1 + i];
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !absl::ascii_isxdigit(static_cast<unsigned char>(c)))
      return InvalidCiphertext();
  }
  return BlobHeader{std::string(blob.substr(1, kKeyIdSize)),
                    std::string(blob.substr(1 + kKeyIdSize, kMaterialIdSize))};
}

std::string SealBlob(const BlobHeader& header, const SecretBytes& material,
                     std::string_view plaintext, const EncryptionContext& context) {
  std::string out(1, kFormat);
  out += header.key_id;
  out += header.material_id;
  std::string aad = out + Canonical(context);
  std::string salt = RandomBytes(kSaltSize);
  out += salt;
  out += crypto::Seal(MessageKey(material, salt), plaintext, aad);
  return out;
}

absl::StatusOr<SecretBytes> OpenBlob(std::string_view blob, const SecretBytes& material,
                                     const EncryptionContext& context) {
  if (!ParseBlobHeader(blob).ok()) return InvalidCiphertext();
  std::string aad = std::string(blob.substr(0, kHeaderSize)) + Canonical(context);
  std::string_view salt = blob.substr(kHeaderSize, kSaltSize);
  auto plain = crypto::Open(MessageKey(material, salt), blob.substr(kHeaderSize + kSaltSize), aad);
  if (!plain.ok()) return InvalidCiphertext();
  return plain;
}

}  // namespace coffer::kms
