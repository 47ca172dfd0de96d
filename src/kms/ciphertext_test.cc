#include "kms/ciphertext.h"

#include <gtest/gtest.h>

#include "base/ids.h"
#include "kms/errors.h"

namespace coffer::kms {
namespace {

const BlobHeader kHeader{"1234abcd-12ab-34cd-56ef-1234567890ab", std::string(32, 'm')};

TEST(Ciphertext, RoundTripAndHeader) {
  SecretBytes material = RandomSecret(32);
  EncryptionContext ctx{{"aws:s3:arn", "arn:aws:s3:::b/k"}, {"app", "x"}};
  std::string blob = SealBlob(kHeader, material, "secret data", ctx);
  auto header = ParseBlobHeader(blob);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->key_id, kHeader.key_id);
  EXPECT_EQ(header->material_id, kHeader.material_id);
  auto plain = OpenBlob(blob, material, ctx);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->view(), "secret data");
  // Each message has its own salt and nonce.
  EXPECT_NE(SealBlob(kHeader, material, "secret data", ctx), blob);
  EXPECT_EQ(blob.find("secret data"), std::string::npos);
}

TEST(Ciphertext, EveryFlippedBitIsDetected) {
  SecretBytes material = RandomSecret(32);
  std::string blob = SealBlob(kHeader, material, "abc", {{"k", "v"}});
  for (size_t i = 0; i < blob.size(); ++i) {
    for (int bit = 0; bit < 8; bit += 3) {
      std::string bad = blob;
      bad[i] ^= static_cast<char>(1 << bit);
      auto r = OpenBlob(bad, material, {{"k", "v"}});
      ASSERT_FALSE(r.ok()) << "byte " << i;
      EXPECT_EQ(KmsCodeOf(r.status()), "InvalidCiphertextException");
    }
  }
  for (size_t n : {0, 1, 68, 100, 113}) {
    EXPECT_EQ(KmsCodeOf(OpenBlob(blob.substr(0, n), material, {{"k", "v"}}).status()),
              "InvalidCiphertextException");
  }
}

TEST(Ciphertext, ContextMustMatchExactly) {
  SecretBytes material = RandomSecret(32);
  EncryptionContext ctx{{"Department", "10"}, {"Project", "x"}};
  std::string blob = SealBlob(kHeader, material, "p", ctx);
  // Order of pairs is irrelevant (a map), case and every pair matter.
  EXPECT_TRUE(OpenBlob(blob, material, {{"Project", "x"}, {"Department", "10"}}).ok());
  EXPECT_FALSE(OpenBlob(blob, material, {{"department", "10"}, {"Project", "x"}}).ok());
  EXPECT_FALSE(OpenBlob(blob, material, {{"Department", "10"}}).ok());
  EXPECT_FALSE(OpenBlob(blob, material, {}).ok());
  EXPECT_FALSE(
      OpenBlob(blob, material, {{"Department", "10"}, {"Project", "x"}, {"extra", ""}}).ok());
  EXPECT_FALSE(OpenBlob(blob, RandomSecret(32), ctx).ok());
}

TEST(Ciphertext, CanonicalEncodingIsUnambiguous) {
  const EncryptionContext cases[] = {
      {},
      {{"", ""}},
      {{"a", "bc"}},
      {{"ab", "c"}},
      {{"a", "b"}, {"c", ""}},
      {{"a", "b"}},
      {{"a", std::string("b\0c", 3)}},
      {{"a", "b"}, {"c", "d"}},
      {{"a", "bcd"}},
  };
  for (size_t i = 0; i < std::size(cases); ++i)
    for (size_t j = i + 1; j < std::size(cases); ++j)
      EXPECT_NE(Canonical(cases[i]), Canonical(cases[j])) << i << " vs " << j;
}

TEST(Ciphertext, Contains) {
  EXPECT_TRUE(Contains({{"a", "1"}, {"b", "2"}}, {{"a", "1"}}));
  EXPECT_TRUE(Contains({{"a", "1"}}, {}));
  EXPECT_FALSE(Contains({{"a", "1"}}, {{"a", "2"}}));
  EXPECT_FALSE(Contains({{"a", "1"}}, {{"A", "1"}}));
}

}  // namespace
}  // namespace coffer::kms
