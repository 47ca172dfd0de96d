#include "base/ids.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "base/encoding.h"

namespace coffer {

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    std::abort();  // the CSPRNG failing is not recoverable
  }
  return out;
}

SecretBytes RandomSecret(size_t n) {
  SecretBytes out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) std::abort();
  return out;
}

std::string NewRequestId() { return absl::AsciiStrToUpper(HexLower(RandomBytes(8))); }
std::string NewHostId() { return Base64(RandomBytes(32)); }
std::string NewUniqueId() { return HexLower(RandomBytes(16)); }

std::string NewUuid() {
  std::string b = RandomBytes(16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[(b[i] >> 4) & 0xf];
    out += kHex[b[i] & 0xf];
  }
  return out;
}

}  // namespace coffer
