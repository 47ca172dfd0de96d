#include "crypto/checksum.h"

#include <zlib.h>

#include <array>

#include "absl/strings/ascii.h"

namespace coffer::crypto {
namespace {

// Reflected table-driven CRCs (non-cryptographic; no OpenSSL equivalent exists).
template <typename T, T kPoly>
struct CrcTable {
  std::array<T, 256> t{};
  constexpr CrcTable() {
    for (unsigned i = 0; i < 256; ++i) {
      T c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t[i] = c;
    }
  }
};
constexpr CrcTable<uint32_t, 0x82F63B78u> kCrc32c;
constexpr CrcTable<uint64_t, 0x9A6C9329AC4BC9B5ull> kCrc64Nvme;

template <typename T, size_t N>
T Reflected(const std::array<T, N>& table, T crc, std::string_view data) {
  for (unsigned char b : data) crc = table[(crc ^ b) & 0xff] ^ (crc >> 8);
  return crc;
}

std::string BigEndian(uint64_t v, int bytes) {
  std::string out(bytes, '\0');
  for (int i = bytes - 1; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
  return out;
}
// zlib's crc32_combine method, for any reflected CRC of `width` bits whose initial
// value and final xor are all ones: advance crc(A) over len(B) zero bytes with
// repeated squaring of the one-zero-bit operator, then xor crc(B).
uint64_t GfTimes(const uint64_t* mat, uint64_t vec) {
  uint64_t sum = 0;
  for (int i = 0; vec; ++i, vec >>= 1)
    if (vec & 1) sum ^= mat[i];
  return sum;
}

void GfSquare(uint64_t* square, const uint64_t* mat, int width) {
  for (int n = 0; n < width; ++n) square[n] = GfTimes(mat, mat[n]);
}

uint64_t CombineReflected(uint64_t crc1, uint64_t crc2, uint64_t len2, uint64_t poly, int width) {
  if (len2 == 0) return crc1;
  uint64_t even[64], odd[64];
  odd[0] = poly;
  uint64_t row = 1;
  for (int n = 1; n < width; ++n, row <<= 1) odd[n] = row;
  GfSquare(even, odd, width);  // two zero bits
  GfSquare(odd, even, width);  // four zero bits
  do {
    GfSquare(even, odd, width);  // first pass: one zero byte
    if (len2 & 1) crc1 = GfTimes(even, crc1);
    len2 >>= 1;
    if (len2 == 0) break;
    GfSquare(odd, even, width);
    if (len2 & 1) crc1 = GfTimes(odd, crc1);
    len2 >>= 1;
  } while (len2 != 0);
  return crc1 ^ crc2;
}

uint64_t FromBigEndian(std::string_view b) {
  uint64_t v = 0;
  for (unsigned char c : b) v = (v << 8) | c;
  return v;
}

}  // namespace

std::optional<std::string> CombineCrc(ChecksumAlgorithm a, std::string_view first,
                                      std::string_view second, uint64_t second_length) {
  uint64_t poly;
  int width;
  switch (a) {
    case ChecksumAlgorithm::kCrc32: poly = 0xEDB88320u; width = 32; break;
    case ChecksumAlgorithm::kCrc32c: poly = 0x82F63B78u; width = 32; break;
    case ChecksumAlgorithm::kCrc64Nvme: poly = 0x9A6C9329AC4BC9B5ull; width = 64; break;
    default: return std::nullopt;
  }
  size_t bytes = static_cast<size_t>(width / 8);
  if (first.size() != bytes || second.size() != bytes) return std::nullopt;
  uint64_t crc = CombineReflected(FromBigEndian(first), FromBigEndian(second), second_length,
                                  poly, width);
  return BigEndian(crc, static_cast<int>(bytes));
}

std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name) {
  std::string n = absl::AsciiStrToUpper(std::string(name));
  if (n == "CRC32") return ChecksumAlgorithm::kCrc32;
  if (n == "CRC32C") return ChecksumAlgorithm::kCrc32c;
  if (n == "CRC64NVME") return ChecksumAlgorithm::kCrc64Nvme;
  if (n == "SHA1") return ChecksumAlgorithm::kSha1;
  if (n == "SHA256") return ChecksumAlgorithm::kSha256;
  return std::nullopt;
}

std::string_view ChecksumName(ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::kCrc32: return "CRC32";
    case ChecksumAlgorithm::kCrc32c: return "CRC32C";
    case ChecksumAlgorithm::kCrc64Nvme: return "CRC64NVME";
    case ChecksumAlgorithm::kSha1: return "SHA1";
    case ChecksumAlgorithm::kSha256: return "SHA256";
  }
  return "";
}

std::string ChecksumHeader(ChecksumAlgorithm a) {
  return "x-amz-checksum-" + absl::AsciiStrToLower(std::string(ChecksumName(a)));
}

Checksum::Checksum(ChecksumAlgorithm a) : algorithm_(a) {
  switch (a) {
    case ChecksumAlgorithm::kSha1: digest_.emplace(Digest::Algorithm::kSha1); break;
    case ChecksumAlgorithm::kSha256: digest_.emplace(Digest::Algorithm::kSha256); break;
    case ChecksumAlgorithm::kCrc32c: crc_ = 0xFFFFFFFFu; break;
    case ChecksumAlgorithm::kCrc64Nvme: crc_ = ~0ull; break;
    case ChecksumAlgorithm::kCrc32: crc_ = 0; break;
  }
}

void Checksum::Update(std::string_view data) {
  switch (algorithm_) {
    case ChecksumAlgorithm::kCrc32:
      // zlib's crc32 takes a uInt length; feed large buffers in pieces.
      while (!data.empty()) {
        size_t n = std::min<size_t>(data.size(), 1u << 30);
        crc_ = ::crc32(static_cast<uLong>(crc_), reinterpret_cast<const Bytef*>(data.data()),
                       static_cast<uInt>(n));
        data.remove_prefix(n);
      }
      break;
    case ChecksumAlgorithm::kCrc32c:
      crc_ = Reflected<uint32_t>(kCrc32c.t, static_cast<uint32_t>(crc_), data);
      break;
    case ChecksumAlgorithm::kCrc64Nvme: crc_ = Reflected<uint64_t>(kCrc64Nvme.t, crc_, data); break;
    default: digest_->Update(data);
  }
}

std::string Checksum::Final() {
  switch (algorithm_) {
    case ChecksumAlgorithm::kCrc32: return BigEndian(crc_, 4);
    case ChecksumAlgorithm::kCrc32c: return BigEndian(crc_ ^ 0xFFFFFFFFu, 4);
    case ChecksumAlgorithm::kCrc64Nvme: return BigEndian(~crc_, 8);
    default: return digest_->Final();
  }
}

}  // namespace coffer::crypto
