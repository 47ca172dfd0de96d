#include "crypto/hash.h"

#include <fstream>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <optional>

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

// An HMAC context with its digest set and a placeholder key.
EVP_MAC_CTX* HmacContext(const char* digest) {
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

// Keys `ctx` (with `key`, or without one again with the key it holds), MACs the
// concatenation of `parts` into `out` (EVP_MAX_MD_SIZE bytes) and returns its length.
size_t MacInto(EVP_MAC_CTX* ctx, std::optional<std::string_view> key,
               std::initializer_list<std::string_view> parts, unsigned char* out) {
  size_t n = 0;
  bool ok = EVP_MAC_init(ctx, key ? reinterpret_cast<const unsigned char*>(key->data()) : nullptr,
                         key ? key->size() : 0, nullptr) == 1;
  for (std::string_view p : parts)
    ok = ok && EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(p.data()), p.size()) == 1;
  ok = ok && EVP_MAC_final(ctx, out, &n, EVP_MAX_MD_SIZE) == 1;
  if (!ok) std::abort();
  return n;
}

// Each thread keeps one HMAC context per digest and keys it for each MAC. Copying a
// template context for each MAC allocated and freed four OpenSSL objects, which was
// most of the cost of the three MACs of a GenerateDataKey. After each MAC the context
// is keyed with the placeholder again, so it keeps nothing of the key; it is freed,
// and cleansed, when the thread ends.
class ThreadHmac {
 public:
  explicit ThreadHmac(const char* digest) : ctx_(HmacContext(digest)) {}
  ~ThreadHmac() { EVP_MAC_CTX_free(ctx_); }
  ThreadHmac(const ThreadHmac&) = delete;
  ThreadHmac& operator=(const ThreadHmac&) = delete;

  // One MAC over the concatenation of `parts`, written to `out` (EVP_MAX_MD_SIZE
  // bytes); returns its length.
  size_t Mac(std::string_view key, std::initializer_list<std::string_view> parts,
             unsigned char* out) {
    const size_t n = MacInto(ctx_, key, parts, out);
    const unsigned char placeholder = 0;
    if (EVP_MAC_init(ctx_, &placeholder, 1, nullptr) != 1) std::abort();
    return n;
  }

 private:
  EVP_MAC_CTX* ctx_;
};

ThreadHmac& HmacSha256Context() {
  thread_local ThreadHmac hmac("SHA256");
  return hmac;
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

// One context per thread and algorithm, set up again for each digest: a Digest object
// allocates three and frees them, and every signed request takes two or three of these.
static std::string OneShot(Digest::Algorithm a, std::string_view data) {
  struct Contexts {
    EVP_MD_CTX* by_algorithm[3] = {EVP_MD_CTX_new(), EVP_MD_CTX_new(), EVP_MD_CTX_new()};
    ~Contexts() {
      for (EVP_MD_CTX* c : by_algorithm) EVP_MD_CTX_free(c);
    }
  };
  thread_local Contexts contexts;
  EVP_MD_CTX* ctx = contexts.by_algorithm[static_cast<int>(a)];
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!ctx || EVP_DigestInit_ex(ctx, Md(a), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, out, &n) != 1)
    std::abort();
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string Sha256(std::string_view data) { return OneShot(Digest::Algorithm::kSha256, data); }
std::string Md5(std::string_view data) { return OneShot(Digest::Algorithm::kMd5, data); }
std::string Sha1(std::string_view data) { return OneShot(Digest::Algorithm::kSha1, data); }

static std::string Hmac(ThreadHmac& hmac, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t n = hmac.Mac(key, {data}, out);
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  return Hmac(HmacSha256Context(), key, data);
}

struct HmacSha256Key::Ctx {
  EVP_MAC_CTX* mac = HmacContext("SHA256");
  ~Ctx() { EVP_MAC_CTX_free(mac); }
};

HmacSha256Key::HmacSha256Key(std::string_view key) : ctx_(std::make_unique<Ctx>()) {
  if (EVP_MAC_init(ctx_->mac, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   nullptr) != 1)
    std::abort();
}
HmacSha256Key::~HmacSha256Key() = default;

std::string HmacSha256Key::Mac(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  // No key: OpenSSL starts again from the key's hashed inner pad.
  const size_t n = MacInto(ctx_->mac, std::nullopt, {data}, out);
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string HmacSha1(std::string_view key, std::string_view data) {
  thread_local ThreadHmac hmac("SHA1");
  return Hmac(hmac, key, data);
}

// RFC 5869, extract then expand, over the HMAC above. OpenSSL 3.0's own HKDF (EVP_KDF
// "HKDF") looks HMAC and SHA-256 up by name, under a lock, at every call: 3.2 us against
// 1.1 us for these HMACs, and every KMS ciphertext and SSE object key derives one.
// hash_test checks this against OpenSSL's HKDF.
std::string HkdfSha256(std::string_view key, std::string_view salt, std::string_view info,
                       size_t length) {
  constexpr size_t kHash = 32;
  if (length > 255 * kHash) std::abort();
  ThreadHmac& hmac = HmacSha256Context();
  const char zeros[kHash] = {};  // the salt when none is given (RFC 5869 section 2.2)
  unsigned char prk[EVP_MAX_MD_SIZE], t[EVP_MAX_MD_SIZE];
  hmac.Mac(salt.empty() ? std::string_view(zeros, kHash) : salt, {key}, prk);
  const std::string_view prk_view(reinterpret_cast<const char*>(prk), kHash);
  std::string out;
  out.reserve(length);  // one buffer, so no copy of the key is left behind by a regrowth
  std::string_view previous;
  for (unsigned char i = 1; out.size() < length; ++i) {
    hmac.Mac(prk_view, {previous, info, std::string_view(reinterpret_cast<char*>(&i), 1)}, t);
    previous = std::string_view(reinterpret_cast<const char*>(t), kHash);
    out.append(previous.substr(0, std::min(kHash, length - out.size())));
  }
  OPENSSL_cleanse(prk, sizeof(prk));
  OPENSSL_cleanse(t, sizeof(t));
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
