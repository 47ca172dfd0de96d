#include "crypto/aead.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <cstring>

#include "base/ids.h"

namespace coffer::crypto {
namespace {
constexpr size_t kNonce = 12, kTag = 16;

struct CipherCtx {
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(c); }
};
// Fetched once (see hash.cc): EVP_aes_256_gcm() is looked up again at every init.
const EVP_CIPHER* Aes256Gcm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  if (!cipher) std::abort();
  return cipher;
}
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
  bool ok = EVP_EncryptInit_ex(ctx.c, Aes256Gcm(), nullptr, key.data(), o) == 1 &&
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
  bool ok = EVP_DecryptInit_ex(ctx.c, Aes256Gcm(), nullptr, key.data(), U(sealed)) == 1 &&
            (aad.empty() ||
             EVP_DecryptUpdate(ctx.c, nullptr, &n, U(aad), static_cast<int>(aad.size())) == 1) &&
            EVP_DecryptUpdate(ctx.c, out.data(), &n, U(sealed.substr(kNonce)),
                              static_cast<int>(len)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.c, EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx.c, out.data() + n, &n) == 1;
  if (!ok) return absl::DataLossError("sealed value does not open");
  return out;
}

struct AesGcm::Ctx {
  // One direction's context with the key schedule made.
  Ctx(const SecretBytes& key, bool encrypt) {
    const int ok = encrypt ? EVP_EncryptInit_ex(c, Aes256Gcm(), nullptr, key.data(), nullptr)
                           : EVP_DecryptInit_ex(c, Aes256Gcm(), nullptr, key.data(), nullptr);
    if (ok != 1) std::abort();
  }
  ~Ctx() { EVP_CIPHER_CTX_free(c); }
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
};

AesGcm::AesGcm(const SecretBytes& key) : key_(key.Copy()) {
  if (key.size() != kAeadKeySize) std::abort();
}

AesGcm::~AesGcm() {
  delete enc_;
  delete dec_;
}

void AesGcm::Encrypt(std::string_view nonce, std::string_view aad, std::string_view in,
                     char* out) {
  if (!enc_) {
    enc_ = new Ctx(key_, /*encrypt=*/true);
    if (dec_) key_ = SecretBytes();
  }
  auto* o = reinterpret_cast<unsigned char*>(out);
  int n = 0, m = 0;
  bool ok = nonce.size() == kNonce &&
            EVP_EncryptInit_ex(enc_->c, nullptr, nullptr, nullptr, U(nonce)) == 1 &&
            (aad.empty() ||
             EVP_EncryptUpdate(enc_->c, nullptr, &n, U(aad), static_cast<int>(aad.size())) == 1) &&
            EVP_EncryptUpdate(enc_->c, o, &n, U(in), static_cast<int>(in.size())) == 1 &&
            EVP_EncryptFinal_ex(enc_->c, o + n, &m) == 1 &&
            EVP_CIPHER_CTX_ctrl(enc_->c, EVP_CTRL_GCM_GET_TAG, kTag, o + in.size()) == 1;
  if (!ok) std::abort();
}

bool AesGcm::Decrypt(std::string_view nonce, std::string_view aad, std::string_view in,
                     char* out) {
  if (nonce.size() != kNonce || in.size() < kTag) return false;
  if (!dec_) {
    dec_ = new Ctx(key_, /*encrypt=*/false);
    if (enc_) key_ = SecretBytes();
  }
  size_t len = in.size() - kTag;
  auto* o = reinterpret_cast<unsigned char*>(out);
  unsigned char tag[kTag];
  std::memcpy(tag, in.data() + len, kTag);
  int n = 0, m = 0;
  return EVP_DecryptInit_ex(dec_->c, nullptr, nullptr, nullptr, U(nonce)) == 1 &&
         (aad.empty() ||
          EVP_DecryptUpdate(dec_->c, nullptr, &n, U(aad), static_cast<int>(aad.size())) == 1) &&
         EVP_DecryptUpdate(dec_->c, o, &n, U(in.substr(0, len)), static_cast<int>(len)) == 1 &&
         EVP_CIPHER_CTX_ctrl(dec_->c, EVP_CTRL_GCM_SET_TAG, kTag, tag) == 1 &&
         EVP_DecryptFinal_ex(dec_->c, o + n, &m) == 1;
}

}  // namespace coffer::crypto
