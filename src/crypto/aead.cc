#include "crypto/aead.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "base/ids.h"

namespace coffer::crypto {
namespace {
constexpr size_t kNonce = 12, kTag = 16;

struct CipherCtx {
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(c); }
};
const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
}  // namespace

std::string Seal(const SecretBytes& key, std::string_view plaintext, std::string_view aad) {
  if (key.size() != kAeadKeySize) std::abort();
  std::string out = RandomBytes(kNonce);
  out.resize(kNonce + plaintext.size() + kTag);
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  CipherCtx ctx;
  int n = 0;
  bool ok = EVP_EncryptInit_ex(ctx.c, EVP_aes_256_gcm(), nullptr, key.data(), o) == 1 &&
            (aad.empty() ||
             EVP_EncryptUpdate(ctx.c, nullptr, &n, U(aad), static_cast<int>(aad.size())) == 1) &&
            EVP_EncryptUpdate(ctx.c, o + kNonce, &n, U(plaintext),
                              static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx.c, o + kNonce + n, &n) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.c, EVP_CTRL_GCM_GET_TAG, kTag,
                                o + kNonce + plaintext.size()) == 1;
  if (!ok) std::abort();
  return out;
}

absl::StatusOr<SecretBytes> Open(const SecretBytes& key, std::string_view sealed,
                                 std::string_view aad) {
  if (key.size() != kAeadKeySize) return absl::InvalidArgumentError("bad key size");
  if (sealed.size() < kNonce + kTag) return absl::DataLossError("sealed value too short");
  size_t len = sealed.size() - kNonce - kTag;
  SecretBytes out(len);
  CipherCtx ctx;
  int n = 0;
  std::string tag(sealed.substr(kNonce + len));
  bool ok = EVP_DecryptInit_ex(ctx.c, EVP_aes_256_gcm(), nullptr, key.data(), U(sealed)) == 1 &&
            (aad.empty() ||
             EVP_DecryptUpdate(ctx.c, nullptr, &n, U(aad), static_cast<int>(aad.size())) == 1) &&
            EVP_DecryptUpdate(ctx.c, out.data(), &n, U(sealed.substr(kNonce)),
                              static_cast<int>(len)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.c, EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx.c, out.data() + n, &n) == 1;
  if (!ok) return absl::DataLossError("sealed value does not open");
  return out;
}

}  // namespace coffer::crypto
