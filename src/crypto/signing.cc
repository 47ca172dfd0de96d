#include "crypto/signing.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>

namespace coffer::crypto {
namespace {

struct Free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  void operator()(BIO* b) const { BIO_free(b); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Bio = std::unique_ptr<BIO, Free>;

Key ReadPrivate(const SecretBytes& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

Key ReadPublic(std::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Key(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

std::string Drain(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
}

absl::StatusOr<std::string> PublicPem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1)
    return absl::InternalError("cannot write the public key");
  return Drain(bio.get());
}

}  // namespace

absl::StatusOr<RsaKeyPair> GenerateRsaKey(int bits) {
  Key key(EVP_RSA_gen(static_cast<unsigned>(bits)));
  if (!key) return absl::InternalError("RSA key generation failed");
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1)
    return absl::InternalError("cannot write the private key");
  std::string pem = Drain(bio.get());
  RsaKeyPair pair{SecretBytes(pem), ""};
  WipeString(pem);
  auto pub = PublicPem(key.get());
  if (!pub.ok()) return pub.status();
  pair.public_pem = *std::move(pub);
  return pair;
}

absl::StatusOr<std::string> RsaPublicKeyOf(const SecretBytes& private_pem) {
  Key key = ReadPrivate(private_pem);
  if (!key) return absl::InvalidArgumentError("unreadable private key");
  return PublicPem(key.get());
}

absl::StatusOr<std::string> SignSha256Rsa(const SecretBytes& private_pem, std::string_view data) {
  Key key = ReadPrivate(private_pem);
  if (!key) return absl::InvalidArgumentError("unreadable private key");
  std::unique_ptr<EVP_MD_CTX, Free> ctx(EVP_MD_CTX_new());
  size_t n = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &n,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    return absl::InternalError("signing failed");
  std::string sig(n, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &n,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    return absl::InternalError("signing failed");
  sig.resize(n);
  return sig;
}

bool VerifySha256Rsa(std::string_view public_pem, std::string_view data,
                     std::string_view signature) {
  Key key = ReadPublic(public_pem);
  if (!key) return false;
  std::unique_ptr<EVP_MD_CTX, Free> ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                          data.size()) == 1;
}

}  // namespace coffer::crypto
