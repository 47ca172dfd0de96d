#include "iam/identity_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/ids.h"
#include "iam/errors.h"

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

TEST_F(IdentityStoreTest, KeyLifecycleAndLimits) {
  auto acct = ids_->CreateAccount("a");
  ASSERT_TRUE(ids_->CreateUser(acct->id, "u").ok());
  auto k1 = ids_->CreateAccessKey(acct->id, "u");
  auto k2 = ids_->CreateAccessKey(acct->id, "u");
  ASSERT_TRUE(k1.ok() && k2.ok());
  auto k3 = ids_->CreateAccessKey(acct->id, "u");
  EXPECT_EQ(k3.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(IamCodeOf(k3.status()), "LimitExceeded");

  const std::string id = k1->first.access_key_id;
  ASSERT_TRUE(ids_->UpdateAccessKey(acct->id, "u", id, false).ok());
  EXPECT_EQ(ids_->LookupAccessKey(id).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(ids_->UpdateAccessKey(acct->id, "u", id, true).ok());
  EXPECT_TRUE(ids_->LookupAccessKey(id).ok());
  EXPECT_EQ(IamCodeOf(ids_->UpdateAccessKey(acct->id, "other", id, false)), "NoSuchEntity");

  EXPECT_EQ(IamCodeOf(ids_->DeleteUser(acct->id, "u")), "DeleteConflict");
  ASSERT_TRUE(ids_->DeleteAccessKey(acct->id, "u", id).ok());
  ASSERT_TRUE(ids_->DeleteAccessKey(acct->id, "u", k2->first.access_key_id).ok());
  EXPECT_EQ(ids_->LookupAccessKey(id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(ids_->DeleteUser(acct->id, "u").ok());
  EXPECT_EQ(IamCodeOf(ids_->DeleteUser(acct->id, "u")), "NoSuchEntity");
}

TEST_F(IdentityStoreTest, SessionsNeedTheirTokenAndExpire) {
  auto acct = ids_->CreateAccount("a");
  Session s;
  s.account_id = acct->id;
  s.role_name = "reader";
  s.role_id = "AROAEXAMPLE";
  s.session_name = "sess";
  s.expires = absl::Now() + absl::Minutes(15);
  auto issued = ids_->CreateSession(s);
  ASSERT_TRUE(issued.ok());
  const std::string akid = issued->session.access_key_id;
  EXPECT_EQ(akid.substr(0, 4), "ASIA");
  auto grant = ids_->LookupAccessKey(akid, issued->token);
  ASSERT_TRUE(grant.ok());
  EXPECT_EQ(grant->secret.view(), issued->secret.view());
  EXPECT_EQ(grant->principal.Arn(), "arn:aws:sts::" + acct->id + ":assumed-role/reader/sess");
  EXPECT_EQ(grant->principal.RoleArn(), "arn:aws:iam::" + acct->id + ":role/reader");
  EXPECT_EQ(ids_->LookupAccessKey(akid, "wrong").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ids_->LookupAccessKey(akid, "").status().code(), absl::StatusCode::kPermissionDenied);
  auto expired = ids_->LookupAccessKey(akid, issued->token, absl::Now() + absl::Minutes(16));
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(IamCodeOf(expired.status()), "ExpiredToken");
  // The token is stored only as a hash.
  auto raw = meta_->Get(storage::Table::kIam, "s/" + akid);
  ASSERT_TRUE(raw.ok() && raw->has_value());
  EXPECT_EQ((*raw)->find(issued->token), std::string::npos);
}

}  // namespace
}  // namespace coffer::iam
