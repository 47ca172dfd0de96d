#include "crypto/signing.h"

#include <gtest/gtest.h>

namespace coffer::crypto {
namespace {

TEST(Signing, SignVerifyAndReject) {
  auto pair = GenerateRsaKey(2048);
  ASSERT_TRUE(pair.ok()) << pair.status();
  EXPECT_EQ(*RsaPublicKeyOf(pair->private_pem), pair->public_pem);
  auto sig = SignSha256Rsa(pair->private_pem, "digest text");
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->size(), 256u);
  EXPECT_TRUE(VerifySha256Rsa(pair->public_pem, "digest text", *sig));
  EXPECT_FALSE(VerifySha256Rsa(pair->public_pem, "digest texT", *sig));
  std::string bad = *sig;
  bad[10] ^= 1;
  EXPECT_FALSE(VerifySha256Rsa(pair->public_pem, "digest text", bad));
  auto other = GenerateRsaKey(2048);
  EXPECT_FALSE(VerifySha256Rsa(other->public_pem, "digest text", *sig));
  EXPECT_FALSE(VerifySha256Rsa("not a key", "digest text", *sig));
}

}  // namespace
}  // namespace coffer::crypto
