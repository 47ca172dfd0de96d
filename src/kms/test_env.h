// For tests: a real metadata store in a temporary folder with the IAM stores, a key
// store and a Kms engine over it, two accounts (a_ with user alice, b_ with user bob)
// and helpers to make callers.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "base/ids.h"
#include "kms/errors.h"
#include "kms/kms.h"

namespace coffer::kms {

class KmsTestEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / ("coffer-kms-" + NewUniqueId())).string();
    meta_ = *storage::OpenRocksMetaStore(dir_);
    ids_ = std::make_unique<iam::IdentityStore>(meta_.get(), root_key_);
    policies_ = std::make_unique<iam::PolicyStore>(meta_.get(), ids_.get());
    authorizer_ = std::make_unique<iam::Authorizer>(policies_.get());
    keys_ = std::make_unique<KeyStore>(meta_.get(), root_key_);
    kms_ = std::make_unique<Kms>(keys_.get(), authorizer_.get(), "us-east-1");
    a_ = ids_->CreateAccount("a")->id;
    b_ = ids_->CreateAccount("b")->id;
    ASSERT_TRUE(ids_->CreateUser(a_, "alice").ok());
    ASSERT_TRUE(ids_->CreateUser(b_, "bob").ok());
  }
  void TearDown() override {
    kms_.reset();
    keys_.reset();
    authorizer_.reset();
    policies_.reset();
    ids_.reset();
    meta_.reset();
    std::filesystem::remove_all(dir_);
  }
  Caller Root(const std::string& account) {
    Caller c;
    c.principal.account_id = account;
    c.principal.user_id = account;
    c.now = now_;
    return c;
  }
  Caller User(const std::string& account, const std::string& name) {
    Caller c = Root(account);
    c.principal.user_name = name;
    c.principal.user_id = "AIDA" + name;
    return c;
  }
  // Gives a user an identity policy allowing `actions` (a JSON string or list) on "*".
  void AllowUser(const std::string& account, const std::string& user, const std::string& actions) {
    ASSERT_TRUE(policies_
                    ->PutInlinePolicy(account, iam::EntityKind::kUser, user, "kms",
                                      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":)" +
                                          actions + R"(,"Resource":"*"}]})")
                    .ok());
  }
  Key NewKey(const Caller& c) {
    auto k = kms_->CreateKey(c, CreateKeyInput{});
    EXPECT_TRUE(k.ok()) << k.status();
    return *k;
  }
  static std::string Code(const absl::Status& s) { return KmsCodeOf(s); }

  std::string dir_, a_, b_;
  absl::Time now_ = absl::FromUnixSeconds(1790000000);
  SecretBytes root_key_{RandomBytes(32)};
  std::unique_ptr<storage::MetaStore> meta_;
  std::unique_ptr<iam::IdentityStore> ids_;
  std::unique_ptr<iam::PolicyStore> policies_;
  std::unique_ptr<iam::Authorizer> authorizer_;
  std::unique_ptr<KeyStore> keys_;
  std::unique_ptr<Kms> kms_;
};

}  // namespace coffer::kms
