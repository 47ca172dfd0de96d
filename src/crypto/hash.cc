#include "crypto/hash.h"

#include <fstream>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include <cstdlib>

namespace coffer::crypto {
namespace {
const EVP_MD* Md(Digest::Algorithm a) {
  switch (a) {
    case Digest::Algorithm::kMd5: return EVP_md5();
    case Digest::Algorithm::kSha1: return EVP_sha1();
    case Digest::Algorithm::kSha256: return EVP_sha256();
  }
  std::abort();
}
}  // namespace

struct Digest::Ctx {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Digest::Digest(Algorithm a) : ctx_(std::make_unique<Ctx>()) {
  if (!ctx_->md || EVP_DigestInit_ex(ctx_->md, Md(a), nullptr) != 1) std::abort();
}
Digest::~Digest() = default;
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;

void Digest::Update(std::string_view data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_->md, data.data(), data.size());
}

std::string Digest::Final() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx_->md, out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

static std::string OneShot(Digest::Algorithm a, std::string_view data) {
  Digest d(a);
  d.Update(data);
  return d.Final();
}

std::string Sha256(std::string_view data) { return OneShot(Digest::Algorithm::kSha256, data); }
std::string Md5(std::string_view data) { return OneShot(Digest::Algorithm::kMd5, data); }
std::string Sha1(std::string_view data) { return OneShot(Digest::Algorithm::kSha1, data); }

static std::string Hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!HMAC(md, key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n)) {
    std::abort();
  }
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  return Hmac(EVP_sha256(), key, data);
}

std::string HmacSha1(std::string_view key, std::string_view data) {
  return Hmac(EVP_sha1(), key, data);
}

std::string HkdfSha256(std::string_view key, std::string_view salt, std::string_view info,
                       size_t length) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr);
  std::string out(length, '\0');
  size_t n = length;
  bool ok = ctx && EVP_PKEY_derive_init(ctx) == 1 &&
            EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) == 1 &&
            EVP_PKEY_CTX_set1_hkdf_salt(ctx, reinterpret_cast<const unsigned char*>(salt.data()),
                                        static_cast<int>(salt.size())) == 1 &&
            EVP_PKEY_CTX_set1_hkdf_key(ctx, reinterpret_cast<const unsigned char*>(key.data()),
                                       static_cast<int>(key.size())) == 1 &&
            EVP_PKEY_CTX_add1_hkdf_info(ctx, reinterpret_cast<const unsigned char*>(info.data()),
                                        static_cast<int>(info.size())) == 1 &&
            EVP_PKEY_derive(ctx, reinterpret_cast<unsigned char*>(out.data()), &n) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (!ok || n != length) std::abort();
  return out;
}

SecretBytes ScryptKey(std::string_view passphrase, std::string_view salt) {
  SecretBytes key(32);
  if (EVP_PBE_scrypt(passphrase.data(), passphrase.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size(),
                     uint64_t{1} << 15, 8, 1, uint64_t{64} << 20, key.data(), key.size()) != 1)
    std::abort();
  return key;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

absl::StatusOr<std::string> Sha256File(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(path + " cannot be opened");
  Digest d(Digest::Algorithm::kSha256);
  std::string buf(1 << 20, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    d.Update(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) return absl::DataLossError(path + ": read failed");
  return d.Final();
}

}  // namespace coffer::crypto
