#include "crypto/aead.h"

#include <gtest/gtest.h>

#include "base/ids.h"

namespace coffer::crypto {
namespace {

TEST(Aead, RoundTripAndTamper) {
  SecretBytes key(RandomBytes(32));
  std::string sealed = Seal(key, "secret value", "aad");
  EXPECT_EQ(sealed.size(), 12 + 12 + 16u);
  auto opened = Open(key, sealed, "aad");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->view(), "secret value");

  EXPECT_EQ(Open(key, sealed, "other").status().code(), absl::StatusCode::kDataLoss);
  std::string flipped = sealed;
  flipped[14] ^= 1;
  EXPECT_EQ(Open(key, flipped, "aad").status().code(), absl::StatusCode::kDataLoss);
  SecretBytes other(RandomBytes(32));
  EXPECT_EQ(Open(other, sealed, "aad").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Open(key, sealed.substr(0, 20), "aad").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(Aead, NoncesDiffer) {
  SecretBytes key(RandomBytes(32));
  EXPECT_NE(Seal(key, "x", ""), Seal(key, "x", ""));
}

}  // namespace
}  // namespace coffer::crypto
