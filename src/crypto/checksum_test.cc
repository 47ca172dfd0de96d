#include "crypto/checksum.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace coffer::crypto {
namespace {

std::string Of(ChecksumAlgorithm a, std::string_view data, bool split = false) {
  Checksum c(a);
  if (split) {
    c.Update(data.substr(0, 4));
    c.Update(data.substr(4));
  } else {
    c.Update(data);
  }
  return HexLower(c.Final());
}

TEST(Checksum, CheckValues) {
  // The standard "123456789" check values of each CRC.
  EXPECT_EQ(Of(ChecksumAlgorithm::kCrc32, "123456789"), "cbf43926");
  EXPECT_EQ(Of(ChecksumAlgorithm::kCrc32c, "123456789"), "e3069283");
  EXPECT_EQ(Of(ChecksumAlgorithm::kCrc64Nvme, "123456789"), "ae8b14860a799888");
  EXPECT_EQ(Of(ChecksumAlgorithm::kCrc64Nvme, "123456789", true), "ae8b14860a799888");
  EXPECT_EQ(Of(ChecksumAlgorithm::kCrc32c, "123456789", true), "e3069283");
  EXPECT_EQ(Of(ChecksumAlgorithm::kSha1, "abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(Checksum, S3HeaderForm) {
  // S3 documents x-amz-checksum-crc32 of "Hello World" (no newline) as "ShexVg==".
  Checksum c(ChecksumAlgorithm::kCrc32);
  c.Update("Hello World");
  EXPECT_EQ(Base64(c.Final()), "ShexVg==");
}

TEST(Checksum, CombineMatchesWholeData) {
  std::string a = "The quick brown fox ", b = "jumps over the lazy dog, twice over.";
  for (auto alg : {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c,
                   ChecksumAlgorithm::kCrc64Nvme}) {
    Checksum ca(alg), cb(alg), whole(alg);
    ca.Update(a);
    cb.Update(b);
    whole.Update(a + b);
    auto combined = CombineCrc(alg, ca.Final(), cb.Final(), b.size());
    ASSERT_TRUE(combined);
    EXPECT_EQ(HexLower(*combined), HexLower(whole.Final())) << ChecksumName(alg);
  }
  EXPECT_FALSE(CombineCrc(ChecksumAlgorithm::kSha256, "", "", 0));
}

TEST(Checksum, Names) {
  EXPECT_EQ(*ParseChecksumAlgorithm("crc64nvme"), ChecksumAlgorithm::kCrc64Nvme);
  EXPECT_FALSE(ParseChecksumAlgorithm("md5"));
  EXPECT_EQ(ChecksumHeader(ChecksumAlgorithm::kCrc32c), "x-amz-checksum-crc32c");
}

}  // namespace
}  // namespace coffer::crypto
