#include "sse/checksum_seal.h"

#include "base/codec.h"
#include "crypto/aead.h"
#include "crypto/hash.h"

namespace coffer::sse {
namespace {

constexpr char kSealed = '\x01';  // never the first byte of a base64 checksum

SecretBytes ChecksumKey(const BodyKeys& keys) {
  std::string k = crypto::HkdfSha256(keys.dek.view(), "", "coffer sse checksum v1" + keys.data_id,
                                     crypto::kAeadKeySize);
  SecretBytes key(k);
  WipeString(k);
  return key;
}

std::string Aad(const BodyKeys& keys, uint32_t part) {
  return "coffer checksum|" + keys.data_id + BigEndian64(part);
}

}  // namespace

std::string SealChecksum(const BodyKeys& keys, uint32_t part, std::string_view checksum) {
  if (checksum.empty()) return "";
  return kSealed + crypto::Seal(ChecksumKey(keys), checksum, Aad(keys, part));
}

bool IsSealedChecksum(std::string_view stored) {
  return !stored.empty() && stored[0] == kSealed;
}

absl::StatusOr<std::string> OpenChecksum(const BodyKeys& keys, uint32_t part,
                                         std::string_view stored) {
  if (!IsSealedChecksum(stored)) return std::string(stored);
  auto opened = crypto::Open(ChecksumKey(keys), stored.substr(1), Aad(keys, part));
  if (!opened.ok()) return absl::DataLossError("stored checksum does not authenticate");
  return std::string(opened->view());
}

}  // namespace coffer::sse
