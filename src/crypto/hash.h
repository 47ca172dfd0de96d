// Digests and MACs over OpenSSL 3 EVP. Digests are incremental (Update many times,
// then Final once) and return raw bytes; use HexLower/Base64 to print them.
// A Digest object is not thread-safe; create one per stream.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "base/secret.h"

namespace coffer::crypto {

class Digest {
 public:
  enum class Algorithm { kMd5, kSha1, kSha256 };
  explicit Digest(Algorithm a);
  ~Digest();
  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;

  void Update(std::string_view data);
  std::string Final();  // the Digest cannot be updated afterwards

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

std::string Sha256(std::string_view data);
// The SHA-256 of a whole file, read in blocks (any size). NotFound when absent.
absl::StatusOr<std::string> Sha256File(const std::string& path);
std::string Md5(std::string_view data);
std::string Sha1(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);
// An HMAC-SHA256 key set up once (its padded states hashed) for many MACs, such as a
// SigV4 signing key that signs every request of a connection. It holds the key's
// state until destroyed (cleansed then). Not thread-safe.
class HmacSha256Key {
 public:
  explicit HmacSha256Key(std::string_view key);
  ~HmacSha256Key();
  HmacSha256Key(const HmacSha256Key&) = delete;
  HmacSha256Key& operator=(const HmacSha256Key&) = delete;

  std::string Mac(std::string_view data);

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};
// Only for AWS Signature Version 2 (legacy clients and POST forms).
std::string HmacSha1(std::string_view key, std::string_view data);
// HKDF-SHA256 (RFC 5869) producing `length` bytes.
std::string HkdfSha256(std::string_view key, std::string_view salt, std::string_view info,
                       size_t length);
// scrypt (RFC 7914) with N=2^15, r=8, p=1: a 32-byte key from a passphrase.
SecretBytes ScryptKey(std::string_view passphrase, std::string_view salt);
// Compares in time independent of where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace coffer::crypto
