// ObjectKeys with the real KMS engine: each mode's keys come back for the right
// requester and key, and only then; Bucket Keys cut KMS calls and survive a restart.
#include "sse/object_keys.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/hash.h"
#include "kms/test_env.h"

namespace coffer::sse {
namespace {

class ObjectKeysTest : public kms::KmsTestEnv {
 protected:
  void SetUp() override {
    KmsTestEnv::SetUp();
    keys_for_objects_ = std::make_unique<ObjectKeys>(kms_.get(), root_key_, absl::Minutes(10));
  }
  void TearDown() override {
    keys_for_objects_.reset();
    KmsTestEnv::TearDown();
  }
  ObjectName Name(const std::string& key) { return {"us-east-1", "photos", key}; }

  std::unique_ptr<ObjectKeys> keys_for_objects_;
};

TEST_F(ObjectKeysTest, EveryModeRoundTrips) {
  kms::Caller root = Root(a_);
  kms::Key key = NewKey(root);
  CustomerKey customer{RandomSecret(32), ""};
  customer.md5 = Base64(crypto::Md5(customer.key.view()));
  for (int i = 0; i < 5; ++i) {
    SseChoice choice;
    switch (i) {
      case 0: choice.algorithm = Algorithm::kAes256; break;
      case 1: choice.algorithm = Algorithm::kKms; choice.kms_key_id = key.id; break;
      case 2: choice.algorithm = Algorithm::kKms; break;  // aws/s3
      case 3: choice.algorithm = Algorithm::kDsse; choice.kms_key_id = key.Arn(); break;
      case 4: choice.algorithm = Algorithm::kCustomer; choice.customer = &customer; break;
    }
    auto made = keys_for_objects_->Create(root, Name("k"), choice);
    ASSERT_TRUE(made.ok()) << i << ": " << made.status();
    auto& [body, record] = *made;
    EXPECT_EQ(body.layers(), i == 3 ? 2 : 1);
    // The record survives encoding, holds no key in clear, and opens to the same keys.
    auto decoded = SseRecord::Decode(record.Encode());
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(record.Encode().find(body.dek.view()), std::string::npos);
    auto opened = keys_for_objects_->Open(root, Name("k"), *decoded, &customer);
    ASSERT_TRUE(opened.ok()) << i << ": " << opened.status();
    EXPECT_EQ(opened->dek.view(), body.dek.view());
    EXPECT_EQ(opened->outer_dek.view(), body.outer_dek.view());
    if (i == 1 || i == 3) {
      EXPECT_EQ(record.kms_key_arn, key.Arn());
    }
    if (i == 2) {
      EXPECT_EQ(record.kms_key_arn, kms_->DescribeKey(root, "alias/aws/s3")->Arn());
    }
    // Moved to another object's name, the record does not open.
    auto moved = keys_for_objects_->Open(root, Name("other"), record, &customer);
    EXPECT_FALSE(moved.ok()) << i;
  }
}

TEST_F(ObjectKeysTest, CustomerKeyMustMatch) {
  kms::Caller root = Root(a_);
  CustomerKey customer{RandomSecret(32), "md5"}, wrong{RandomSecret(32), "md5"};
  SseChoice choice;
  choice.algorithm = Algorithm::kCustomer;
  choice.customer = &customer;
  auto made = keys_for_objects_->Create(root, Name("k"), choice);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(keys_for_objects_->Open(root, Name("k"), made->second, &wrong).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_FALSE(keys_for_objects_->Open(root, Name("k"), made->second, nullptr).ok());
}

TEST_F(ObjectKeysTest, KmsDecidesWhoReadsAndWhenTheKeyIsUsable) {
  kms::Caller root = Root(a_), alice = User(a_, "alice");
  kms::Key key = NewKey(root);
  SseChoice choice;
  choice.algorithm = Algorithm::kKms;
  choice.kms_key_id = key.id;
  choice.context = {{"project", "x"}};
  choice.context_header = Base64(R"({"project":"x"})");
  auto made = keys_for_objects_->Create(root, Name("k"), choice);
  ASSERT_TRUE(made.ok()) << made.status();
  // Alice may use S3 but has no kms:Decrypt.
  EXPECT_EQ(Code(keys_for_objects_->Open(alice, Name("k"), made->second, nullptr).status()),
            "AccessDeniedException");
  EXPECT_EQ(Code(keys_for_objects_->Create(alice, Name("k2"), choice).status()),
            "AccessDeniedException");
  AllowUser(a_, "alice", R"(["kms:Decrypt","kms:GenerateDataKey"])");
  EXPECT_TRUE(keys_for_objects_->Open(alice, Name("k"), made->second, nullptr).ok());
  // A disabled key stops reads and writes; enabling it again restores them.
  ASSERT_TRUE(kms_->DisableKey(root, key.id).ok());
  EXPECT_EQ(Code(keys_for_objects_->Open(root, Name("k"), made->second, nullptr).status()),
            "DisabledException");
  EXPECT_EQ(Code(keys_for_objects_->Create(root, Name("k3"), choice).status()),
            "DisabledException");
  ASSERT_TRUE(kms_->EnableKey(root, key.id).ok());
  EXPECT_TRUE(keys_for_objects_->Open(root, Name("k"), made->second, nullptr).ok());
  // The stored context is part of what KMS authenticates.
  SseRecord altered = made->second;
  altered.context = Base64(R"({"project":"y"})");
  EXPECT_EQ(Code(keys_for_objects_->Open(root, Name("k"), altered, nullptr).status()),
            "InvalidCiphertextException");
  // A key policy can insist on S3: the calls ObjectKeys makes carry kms:ViaService.
  const std::string via_s3_only =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::)" +
      a_ + R"(:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Deny","Principal":"*",
      "Action":"kms:Decrypt","Resource":"*","Condition":{"StringNotEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}]})";
  ASSERT_TRUE(kms_->PutKeyPolicy(root, key.id, via_s3_only, false).ok());
  EXPECT_TRUE(keys_for_objects_->Open(root, Name("k"), made->second, nullptr).ok());
}

TEST_F(ObjectKeysTest, BucketKeysCutKmsCallsAndStayReadable) {
  kms::Caller root = Root(a_);
  kms::Key key = NewKey(root);
  SseChoice choice;
  choice.algorithm = Algorithm::kKms;
  choice.kms_key_id = key.id;
  choice.bucket_key = true;
  std::vector<SseRecord> records;
  std::vector<std::string> deks;
  for (int i = 0; i < 1000; ++i) {
    auto made = keys_for_objects_->Create(root, Name("k" + std::to_string(i)), choice);
    ASSERT_TRUE(made.ok()) << made.status();
    EXPECT_TRUE(made->second.bucket_key);
    EXPECT_EQ(made->second.kms_key_arn, key.Arn());
    deks.emplace_back(made->first.dek.view());
    records.push_back(made->second);
  }
  EXPECT_EQ(keys_for_objects_->kms_calls(), 1u);  // one GenerateDataKey for 1000 objects
  for (int i = 0; i < 1000; ++i) {
    auto opened = keys_for_objects_->Open(root, Name("k" + std::to_string(i)), records[i], nullptr);
    ASSERT_TRUE(opened.ok());
    EXPECT_EQ(opened->dek.view(), deks[i]);
  }
  EXPECT_EQ(keys_for_objects_->kms_calls(), 1u);  // reads hit the cache
  EXPECT_NE(deks[0], deks[1]);                    // per-object keys all the same

  // Another requester is checked by KMS once.
  kms::Caller alice = User(a_, "alice");
  AllowUser(a_, "alice", R"("kms:Decrypt")");
  ASSERT_TRUE(keys_for_objects_->Open(alice, Name("k0"), records[0], nullptr).ok());
  ASSERT_TRUE(keys_for_objects_->Open(alice, Name("k1"), records[1], nullptr).ok());
  EXPECT_EQ(keys_for_objects_->kms_calls(), 2u);

  // After the cache expires, and after a restart, objects still read.
  kms::Caller later = root;
  later.now = now_ + absl::Minutes(11);
  ASSERT_TRUE(keys_for_objects_->Open(later, Name("k5"), records[5], nullptr).ok());
  EXPECT_EQ(keys_for_objects_->kms_calls(), 3u);
  ObjectKeys restarted(kms_.get(), root_key_, absl::Minutes(10));
  auto opened = restarted.Open(root, Name("k7"), records[7], nullptr);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->dek.view(), deks[7]);
}

}  // namespace
}  // namespace coffer::sse
