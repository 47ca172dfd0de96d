// AES-256-GCM sealing of small values (wrapped secrets, sealed keys).
//
// Seal output layout: 12-byte random nonce || ciphertext || 16-byte tag.
// Open fails (absl::DataLossError, no detail about why) when the key, the AAD or any
// byte of the sealed value differs. Keys are exactly 32 bytes. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "base/secret.h"

namespace coffer::crypto {

inline constexpr size_t kAeadKeySize = 32;
inline constexpr size_t kAeadOverhead = 12 + 16;

std::string Seal(const SecretBytes& key, std::string_view plaintext, std::string_view aad);
absl::StatusOr<SecretBytes> Open(const SecretBytes& key, std::string_view sealed,
                                 std::string_view aad);

// AES-256-GCM with caller-chosen 12-byte nonces, for streams of many messages under one
// key (the segments of an object body). The key schedule is made once per direction, at
// its first use (a stream usually only encrypts or only decrypts). The caller must
// never use a nonce twice with one key. Not thread-safe; one per stream.
class AesGcm {
 public:
  explicit AesGcm(const SecretBytes& key);  // 32 bytes
  ~AesGcm();
  AesGcm(const AesGcm&) = delete;
  AesGcm& operator=(const AesGcm&) = delete;

  // Writes in.size() bytes of ciphertext and then the 16-byte tag to `out`.
  void Encrypt(std::string_view nonce, std::string_view aad, std::string_view in, char* out);
  // `in` is ciphertext followed by its tag; writes in.size() - 16 bytes to `out`.
  // False (and `out` unspecified) when the tag does not verify.
  bool Decrypt(std::string_view nonce, std::string_view aad, std::string_view in, char* out);

 private:
  struct Ctx;
  SecretBytes key_;       // until both directions are set up
  Ctx* enc_ = nullptr;    // set up at the first Encrypt
  Ctx* dec_ = nullptr;    // set up at the first Decrypt
};

}  // namespace coffer::crypto
