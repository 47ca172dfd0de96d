#include "iam/policy_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/ids.h"
#include "iam/errors.h"

namespace coffer::iam {
namespace {

constexpr char kAllowList[] =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]})";
constexpr char kAllowGet[] =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]})";
constexpr char kTrust[] =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]})";

class PolicyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / ("coffer-ps-" + NewUniqueId())).string();
    meta_ = *storage::OpenRocksMetaStore(dir_);
    ids_ = std::make_unique<IdentityStore>(meta_.get(), root_key_);
    store_ = std::make_unique<PolicyStore>(meta_.get(), ids_.get());
    account_ = ids_->CreateAccount("a")->id;
    ASSERT_TRUE(ids_->CreateUser(account_, "alice").ok());
  }
  void TearDown() override {
    store_.reset();
    ids_.reset();
    meta_.reset();
    std::filesystem::remove_all(dir_);
  }
  Principal Alice() {
    Principal p;
    p.account_id = account_;
    p.user_name = "alice";
    return p;
  }
  std::string dir_, account_;
  SecretBytes root_key_{RandomBytes(32)};
  std::unique_ptr<storage::MetaStore> meta_;
  std::unique_ptr<IdentityStore> ids_;
  std::unique_ptr<PolicyStore> store_;
};

TEST_F(PolicyStoreTest, InlineManagedAndGroupPoliciesApply) {
  EXPECT_TRUE(store_->IdentityPolicies(Alice())->identity.empty());
  ASSERT_TRUE(store_->PutInlinePolicy(account_, EntityKind::kUser, "alice", "list", kAllowList).ok());
  EXPECT_EQ(store_->IdentityPolicies(Alice())->identity.size(), 1u);

  auto managed = store_->CreatePolicy(account_, "get", "/", kAllowGet, "");
  ASSERT_TRUE(managed.ok());
  EXPECT_EQ(managed->arn, "arn:aws:iam::" + account_ + ":policy/get");
  EXPECT_EQ(IamCodeOf(store_->CreatePolicy(account_, "get", "/", kAllowGet, "").status()),
            "EntityAlreadyExists");
  ASSERT_TRUE(store_->CreateGroup(account_, "staff", "/").ok());
  ASSERT_TRUE(store_->AddUserToGroup(account_, "staff", "alice").ok());
  ASSERT_TRUE(store_->AttachPolicy(account_, EntityKind::kGroup, "staff", managed->arn).ok());
  ASSERT_TRUE(store_->AttachPolicy(account_, EntityKind::kUser, "alice",
                                   "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
                  .ok());
  EXPECT_EQ(store_->IdentityPolicies(Alice())->identity.size(), 3u);

  EXPECT_EQ(IamCodeOf(store_->DeletePolicy(account_, managed->arn)), "DeleteConflict");
  EXPECT_EQ(IamCodeOf(store_->DeleteGroup(account_, "staff")), "DeleteConflict");
  EXPECT_TRUE(*store_->UserHasAttachments(account_, "alice"));
  ASSERT_TRUE(store_->DetachPolicy(account_, EntityKind::kGroup, "staff", managed->arn).ok());
  ASSERT_TRUE(store_->RemoveUserFromGroup(account_, "staff", "alice").ok());
  EXPECT_TRUE(store_->DeleteGroup(account_, "staff").ok());
  EXPECT_TRUE(store_->DeletePolicy(account_, managed->arn).ok());
  EXPECT_EQ(store_->IdentityPolicies(Alice())->identity.size(), 2u);
}

TEST_F(PolicyStoreTest, ValidationAndMissingEntities) {
  auto bad = store_->PutInlinePolicy(account_, EntityKind::kUser, "alice", "p", "{not json");
  EXPECT_EQ(IamCodeOf(bad), "MalformedPolicyDocument");
  EXPECT_EQ(IamCodeOf(store_->PutInlinePolicy(account_, EntityKind::kUser, "nobody", "p",
                                              kAllowList)),
            "NoSuchEntity");
  EXPECT_EQ(IamCodeOf(store_->PutInlinePolicy(account_, EntityKind::kUser, "alice", "p", kTrust)),
            "MalformedPolicyDocument");  // a Principal has no place in an identity policy
  EXPECT_EQ(IamCodeOf(store_->GetPolicy("arn:aws:iam::" + account_ + ":policy/none").status()),
            "NoSuchEntity");
}

TEST_F(PolicyStoreTest, RolesAndSessions) {
  auto role = store_->CreateRole(account_, "reader", "/", kTrust, "", 3600);
  ASSERT_TRUE(role.ok());
  EXPECT_EQ(role->Arn(), "arn:aws:iam::" + account_ + ":role/reader");
  EXPECT_EQ(IamCodeOf(store_->CreateRole(account_, "r2", "/", kAllowList, "", 3600).status()),
            "MalformedPolicyDocument");  // a trust policy names principals
  EXPECT_EQ(IamCodeOf(store_->CreateRole(account_, "r3", "/", kTrust, "", 100).status()),
            "ValidationError");
  ASSERT_TRUE(store_->PutInlinePolicy(account_, EntityKind::kRole, "reader", "get", kAllowGet).ok());
  Principal session;
  session.account_id = account_;
  session.role_name = "reader";
  session.session_name = "s";
  session.session_policy = kAllowList;
  auto applicable = store_->IdentityPolicies(session);
  ASSERT_TRUE(applicable.ok());
  EXPECT_EQ(applicable->identity.size(), 1u);
  EXPECT_NE(applicable->session, nullptr);
  EXPECT_EQ(IamCodeOf(store_->DeleteRole(account_, "reader")), "DeleteConflict");
}

}  // namespace
}  // namespace coffer::iam
