#include "iam/identity_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/ids.h"

namespace coffer::iam {
namespace {

class IdentityStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / ("coffer-iam-" + NewUniqueId())).string();
    meta_ = *storage::OpenRocksMetaStore(dir_);
    ids_ = std::make_unique<IdentityStore>(meta_.get(), root_key_);
  }
  void TearDown() override {
    ids_.reset();
    meta_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  SecretBytes root_key_{RandomBytes(32)};
  std::unique_ptr<storage::MetaStore> meta_;
  std::unique_ptr<IdentityStore> ids_;
};

TEST_F(IdentityStoreTest, AccountsUsersAndKeys) {
  auto acct = ids_->CreateAccount("team");
  ASSERT_TRUE(acct.ok());
  EXPECT_EQ(acct->id.size(), 12u);
  auto user = ids_->CreateUser(acct->id, "alice");
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->Arn(), "arn:aws:iam::" + acct->id + ":user/alice");
  EXPECT_EQ(ids_->CreateUser(acct->id, "alice").status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ids_->CreateUser("000000000000", "bob").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ids_->CreateUser(acct->id, "bad name").status().code(),
            absl::StatusCode::kInvalidArgument);

  auto key = ids_->CreateAccessKey(acct->id, "alice");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->first.access_key_id.substr(0, 4), "AKIA");
  EXPECT_EQ(key->first.access_key_id.size(), 20u);
  EXPECT_EQ(key->second.size(), 40u);

  auto grant = ids_->LookupAccessKey(key->first.access_key_id);
  ASSERT_TRUE(grant.ok());
  EXPECT_EQ(grant->secret.view(), key->second.view());
  EXPECT_EQ(grant->principal.Arn(), user->Arn());
  EXPECT_EQ(grant->principal.user_id, user->user_id);
  EXPECT_EQ(ids_->LookupAccessKey("AKIANOSUCHKEY0000000").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ids_->ListAccessKeys(acct->id)->size(), 1u);
}

TEST_F(IdentityStoreTest, GivenRootCredentialsAndSealing) {
  auto acct = ids_->CreateAccount("");
  SecretBytes secret(std::string_view("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
  auto key = ids_->CreateAccessKey(acct->id, "", "AKIAIOSFODNN7EXAMPLE", &secret);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(ids_->CreateAccessKey(acct->id, "", "AKIAIOSFODNN7EXAMPLE", &secret).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ids_->CreateAccessKey(acct->id, "", "short", &secret).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto grant = ids_->LookupAccessKey("AKIAIOSFODNN7EXAMPLE");
  ASSERT_TRUE(grant.ok());
  EXPECT_TRUE(grant->principal.is_root());
  EXPECT_EQ(grant->principal.Arn(), "arn:aws:iam::" + acct->id + ":root");

  // The secret is not stored in the clear.
  auto raw = meta_->Get(storage::Table::kIam, "k/AKIAIOSFODNN7EXAMPLE");
  ASSERT_TRUE(raw.ok() && raw->has_value());
  EXPECT_EQ((*raw)->find("wJalrXUtnFEMI"), std::string::npos);

  // Another root key cannot unseal it.
  IdentityStore other(meta_.get(), SecretBytes(RandomBytes(32)));
  EXPECT_EQ(other.LookupAccessKey("AKIAIOSFODNN7EXAMPLE").status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace coffer::iam
