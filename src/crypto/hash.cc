#include "crypto/hash.h"

#include <fstream>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include <cstdlib>

namespace coffer::crypto {
namespace {
// Algorithms are fetched from the provider once: OpenSSL 3 fetches again, under a
// lock and by name, whenever it is handed EVP_sha256() and the like, and that was a
// visible share of a small request's cost.
EVP_MD* FetchMd(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (!md) std::abort();
  return md;
}

const EVP_MD* Md(Digest::Algorithm a) {
  static EVP_MD* const md5 = FetchMd("MD5");
  static EVP_MD* const sha1 = FetchMd("SHA1");
  static EVP_MD* const sha256 = FetchMd("SHA256");
  switch (a) {
    case Digest::Algorithm::kMd5: return md5;
    case Digest::Algorithm::kSha1: return sha1;
    case Digest::Algorithm::kSha256: return sha256;
  }
  std::abort();
}

// An HMAC context with its digest set and a placeholder key, copied for each MAC so
// the digest is not looked up again.
EVP_MAC_CTX* HmacTemplate(const char* digest) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = mac ? EVP_MAC_CTX_new(mac) : nullptr;
  EVP_MAC_free(mac);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_end()};
  const unsigned char placeholder = 0;
  if (!ctx || EVP_MAC_init(ctx, &placeholder, 1, params) != 1) std::abort();
  return ctx;
}

EVP_KDF* Hkdf() {
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (!kdf) std::abort();
  return kdf;
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

static std::string Hmac(const EVP_MAC_CTX* tmpl, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t n = 0;
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(tmpl);  // freed with its key state cleansed
  bool ok = ctx &&
            EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                         nullptr) == 1 &&
            EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()),
                           data.size()) == 1 &&
            EVP_MAC_final(ctx, out, &n, sizeof(out)) == 1;
  EVP_MAC_CTX_free(ctx);
  if (!ok) std::abort();
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  static const EVP_MAC_CTX* const tmpl = HmacTemplate("SHA256");
  return Hmac(tmpl, key, data);
}

std::string HmacSha1(std::string_view key, std::string_view data) {
  static const EVP_MAC_CTX* const tmpl = HmacTemplate("SHA1");
  return Hmac(tmpl, key, data);
}

std::string HkdfSha256(std::string_view key, std::string_view salt, std::string_view info,
                       size_t length) {
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(Hkdf());
  std::string out(length, '\0');
  auto octets = [](const char* name, std::string_view v) {
    return OSSL_PARAM_construct_octet_string(name, const_cast<char*>(v.data()), v.size());
  };
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      octets(OSSL_KDF_PARAM_KEY, key), octets(OSSL_KDF_PARAM_SALT, salt),
      octets(OSSL_KDF_PARAM_INFO, info), OSSL_PARAM_construct_end()};
  bool ok = ctx && EVP_KDF_derive(ctx, reinterpret_cast<unsigned char*>(out.data()), length,
                                  params) == 1;
  EVP_KDF_CTX_free(ctx);
  if (!ok) std::abort();
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
