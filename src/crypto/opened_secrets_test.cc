#include "crypto/opened_secrets.h"

#include <gtest/gtest.h>

#include "base/ids.h"
#include "crypto/aead.h"

namespace coffer::crypto {
namespace {

TEST(OpenedSecrets, OpensAsOpenDoesAndRemembers) {
  SecretBytes key(RandomBytes(32));
  const std::string a = Seal(key, "first", "aad-a"), b = Seal(key, "second", "aad-b");
  OpenedSecrets cache;
  for (int round = 0; round < 2; ++round) {  // the second round answers from memory
    auto x = cache.Open(key, "owner", a, "aad-a");
    auto y = cache.Open(key, "owner", b, "aad-b");
    ASSERT_TRUE(x.ok() && y.ok());
    EXPECT_EQ(x->view(), "first");
    EXPECT_EQ(y->view(), "second");
  }
  EXPECT_EQ(cache.Owners(), 1u);
}

TEST(OpenedSecrets, AnEntryAnswersOnlyForItsBytesAndAad) {
  SecretBytes key(RandomBytes(32));
  const std::string sealed = Seal(key, "secret", "aad");
  OpenedSecrets cache;
  ASSERT_TRUE(cache.Open(key, "owner", sealed, "aad").ok());
  EXPECT_EQ(cache.Open(key, "owner", sealed, "other aad").status().code(),
            absl::StatusCode::kDataLoss);
  std::string flipped = sealed;
  flipped.back() ^= 1;
  EXPECT_EQ(cache.Open(key, "owner", flipped, "aad").status().code(),
            absl::StatusCode::kDataLoss);
  // Another owner's name does not reach this owner's entry, and opens for itself.
  auto other = cache.Open(key, "someone else", sealed, "aad");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->view(), "secret");
}

TEST(OpenedSecrets, ForgetDropsTheOwnersSecrets) {
  SecretBytes key(RandomBytes(32));
  OpenedSecrets cache;
  ASSERT_TRUE(cache.Open(key, "k1", Seal(key, "one", ""), "").ok());
  ASSERT_TRUE(cache.Open(key, "k2", Seal(key, "two", ""), "").ok());
  cache.Forget("k1");
  EXPECT_EQ(cache.Owners(), 1u);
  cache.Forget("k2");
  EXPECT_EQ(cache.Owners(), 0u);
}

TEST(OpenedSecrets, StaysWithinItsBound) {
  SecretBytes key(RandomBytes(32));
  OpenedSecrets cache(8);
  for (int i = 0; i < 20; ++i) {
    const std::string value = "v" + std::to_string(i);
    auto opened = cache.Open(key, "owner" + std::to_string(i), Seal(key, value, ""), "");
    ASSERT_TRUE(opened.ok());
    EXPECT_EQ(opened->view(), value);
    EXPECT_LE(cache.Owners(), 8u);
  }
}

}  // namespace
}  // namespace coffer::crypto
