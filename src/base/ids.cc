#include "base/ids.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "base/codec.h"
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

namespace {
// Request and host ids label answers: they must not repeat, but nothing rests on
// their being unguessable, and a CSPRNG call costs a getpid() syscall in OpenSSL 3.
// So: SplitMix64 over a counter that starts, per thread, at a random point.
uint64_t NextLabel() {
  thread_local uint64_t state = [] {
    uint64_t seed = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&seed), sizeof(seed)) != 1) std::abort();
    return seed;
  }();
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::string LabelBytes(size_t words) {
  std::string out;
  for (size_t i = 0; i < words; ++i) out += BigEndian64(NextLabel());
  return out;
}
}  // namespace

std::string NewRequestId() { return absl::AsciiStrToUpper(HexLower(LabelBytes(1))); }
std::string NewHostId() { return Base64(LabelBytes(4)); }
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
