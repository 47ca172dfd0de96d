#include "base/ids.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "base/codec.h"
#include "base/encoding.h"

namespace coffer {

namespace {

std::atomic<uint64_t> g_forks{0};

// OpenSSL 3's CSPRNG makes a getpid() syscall on every call (its fork check); on a VM
// that costs more than the bytes (three calls per KMS request were ~4% of its CPU).
// So each thread draws 1 KiB at a time from it and hands the bytes out in order,
// wiping each one as it goes and the rest when the thread ends. A fork empties the
// buffers (pthread_atfork), so a child never hands out bytes its parent also has.
class RandomPool {
 public:
  using Source = int (*)(unsigned char*, int);
  explicit RandomPool(Source source) : source_(source) {
    static const int registered =
        pthread_atfork(nullptr, nullptr, [] { g_forks.fetch_add(1, std::memory_order_relaxed); });
    (void)registered;
  }
  ~RandomPool() { OPENSSL_cleanse(bytes_, sizeof(bytes_)); }

  void Fill(uint8_t* out, size_t n) {
    if (n > kSize / 4) return Draw(out, n);
    if (const uint64_t forks = g_forks.load(std::memory_order_relaxed); forks != forks_) {
      OPENSSL_cleanse(bytes_, sizeof(bytes_));
      used_ = kSize;
      forks_ = forks;
    }
    while (n > 0) {
      if (used_ == kSize) {
        Draw(bytes_, kSize);
        used_ = 0;
      }
      const size_t take = std::min(n, kSize - used_);
      memcpy(out, bytes_ + used_, take);
      OPENSSL_cleanse(bytes_ + used_, take);
      used_ += take;
      out += take;
      n -= take;
    }
  }

 private:
  static constexpr size_t kSize = 1024;
  void Draw(uint8_t* out, size_t n) {
    if (source_(out, static_cast<int>(n)) != 1) std::abort();  // not recoverable
  }
  Source source_;
  uint8_t bytes_[kSize];
  size_t used_ = kSize;
  uint64_t forks_ = 0;
};

}  // namespace

std::string RandomBytes(size_t n) {
  thread_local RandomPool pool(RAND_bytes);
  std::string out(n, '\0');
  pool.Fill(reinterpret_cast<uint8_t*>(out.data()), n);
  return out;
}

SecretBytes RandomSecret(size_t n) {
  // Keys come from OpenSSL's private generator, apart from what is made public.
  thread_local RandomPool pool(RAND_priv_bytes);
  SecretBytes out(n);
  pool.Fill(out.data(), n);
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
  std::string out = HexLower(b);  // 8-4-4-4-12
  for (size_t at : {20, 16, 12, 8}) out.insert(at, 1, '-');
  return out;
}

}  // namespace coffer
