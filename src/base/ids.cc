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

}  // namespace coffer
