#include "crypto/aead.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
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

// NIST GCM test cases 13 and 14 (AES-256, zero key and IV).
TEST(AesGcm, KnownAnswers) {
  SecretBytes zero(std::string(32, '\0'));
  AesGcm gcm(zero);
  std::string nonce(12, '\0');
  char tag_only[16];
  gcm.Encrypt(nonce, "", "", tag_only);
  EXPECT_EQ(HexLower(std::string_view(tag_only, 16)), "530f8afbc74536b9a963b4f1c4cb738b");
  char out[32];
  gcm.Encrypt(nonce, "", std::string(16, '\0'), out);
  EXPECT_EQ(HexLower(std::string_view(out, 32)),
            "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");
  char back[16];
  ASSERT_TRUE(gcm.Decrypt(nonce, "", std::string_view(out, 32), back));
  EXPECT_EQ(std::string_view(back, 16), std::string(16, '\0'));
}

TEST(AesGcm, InteroperatesWithSealAndDetectsTampering) {
  SecretBytes key(RandomBytes(32));
  std::string sealed = Seal(key, "segment data", "aad");
  AesGcm gcm(key);
  std::string plain(12, '\0');
  ASSERT_TRUE(gcm.Decrypt(sealed.substr(0, 12), "aad", sealed.substr(12), plain.data()));
  EXPECT_EQ(plain, "segment data");
  EXPECT_FALSE(gcm.Decrypt(sealed.substr(0, 12), "aaX", sealed.substr(12), plain.data()));
  std::string bad = sealed;
  bad[20] ^= 4;
  EXPECT_FALSE(gcm.Decrypt(bad.substr(0, 12), "aad", bad.substr(12), plain.data()));
  // Many messages through one context stay independent.
  for (int i = 0; i < 100; ++i) {
    std::string nonce = std::string(11, '\0') + static_cast<char>(i);
    std::string msg = "message " + std::to_string(i);
    std::string ct(msg.size() + 16, '\0');
    gcm.Encrypt(nonce, "x", msg, ct.data());
    std::string pt(msg.size(), '\0');
    ASSERT_TRUE(gcm.Decrypt(nonce, "x", ct, pt.data()));
    EXPECT_EQ(pt, msg);
  }
}

TEST(Aead, NoncesDiffer) {
  SecretBytes key(RandomBytes(32));
  EXPECT_NE(Seal(key, "x", ""), Seal(key, "x", ""));
}

}  // namespace
}  // namespace coffer::crypto
