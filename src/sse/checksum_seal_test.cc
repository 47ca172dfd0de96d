#include "sse/checksum_seal.h"

#include <gtest/gtest.h>

namespace coffer::sse {
namespace {

TEST(ChecksumSeal, RoundTripsAndHidesTheValue) {
  BodyKeys keys = BodyKeys::Random(false);
  std::string sealed = SealChecksum(keys, 0, "2Lr5OA==");
  EXPECT_TRUE(IsSealedChecksum(sealed));
  EXPECT_EQ(sealed.find("2Lr5OA=="), std::string::npos);
  EXPECT_NE(SealChecksum(keys, 0, "2Lr5OA=="), sealed);  // fresh nonce every time
  EXPECT_EQ(*OpenChecksum(keys, 0, sealed), "2Lr5OA==");
  EXPECT_EQ(SealChecksum(keys, 0, ""), "");
}

TEST(ChecksumSeal, BoundToObjectPartAndBytes) {
  BodyKeys keys = BodyKeys::Random(false);
  std::string sealed = SealChecksum(keys, 3, "AAAAAA==");
  EXPECT_EQ(OpenChecksum(keys, 4, sealed).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(OpenChecksum(BodyKeys::Random(false), 3, sealed).status().code(),
            absl::StatusCode::kDataLoss);
  BodyKeys same_key_other_object = keys.Copy();
  same_key_other_object.data_id[0] ^= 1;
  EXPECT_EQ(OpenChecksum(same_key_other_object, 3, sealed).status().code(),
            absl::StatusCode::kDataLoss);
  for (size_t i = 1; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] ^= 0x20;
    EXPECT_EQ(OpenChecksum(keys, 3, bad).status().code(), absl::StatusCode::kDataLoss) << i;
  }
}

TEST(ChecksumSeal, ValuesStoredBeforeSealingReadAsTheyAre) {
  EXPECT_FALSE(IsSealedChecksum("AAAAAA=="));
  EXPECT_EQ(*OpenChecksum(BodyKeys::Random(false), 0, "AAAAAA=="), "AAAAAA==");
}

}  // namespace
}  // namespace coffer::sse
