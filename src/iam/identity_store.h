// IdentityStore: accounts, IAM users and access keys, persisted in the MetaStore.
//
// Secret access keys are stored sealed (AES-256-GCM) under a key derived from the
// server's root key, bound to their access key id; they are only ever unsealed to
// verify a signature. Account ids are 12 random digits; access key ids are "AKIA" + 16
// characters; secrets are 40 characters. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/secret.h"
#include "iam/principal.h"
#include "storage/meta_store.h"

namespace coffer::iam {

struct Account {
  std::string id;
  std::string name;
  absl::Time created;
};

struct User {
  std::string account_id;
  std::string name;
  std::string user_id;
  absl::Time created;
  std::string Arn() const { return "arn:aws:iam::" + account_id + ":user/" + name; }
};

struct AccessKey {
  std::string access_key_id;
  std::string account_id;
  std::string user_name;  // empty: the account root
  bool active = true;
  absl::Time created;
};

// What a signature check needs: the principal and its secret.
struct KeyGrant {
  Principal principal;
  SecretBytes secret;
};

class IdentityStore {
 public:
  // `root_key` (32 bytes) protects the stored secrets.
  IdentityStore(storage::MetaStore* store, const SecretBytes& root_key);

  absl::StatusOr<Account> CreateAccount(const std::string& name);
  absl::StatusOr<std::optional<Account>> GetAccount(const std::string& id);
  absl::StatusOr<std::vector<Account>> ListAccounts();

  // AlreadyExists if the user exists; NotFound if the account does not.
  absl::StatusOr<User> CreateUser(const std::string& account_id, const std::string& name);
  absl::StatusOr<std::optional<User>> GetUser(const std::string& account_id,
                                              const std::string& name);

  // Creates a key for the account root (user_name empty) or a user. When `given_id`
  // and `given_secret` are set they are used instead of random ones (first-start root
  // credentials from the environment); InvalidArgument if malformed, AlreadyExists if
  // the id is taken.
  absl::StatusOr<std::pair<AccessKey, SecretBytes>> CreateAccessKey(
      const std::string& account_id, const std::string& user_name,
      const std::string& given_id = "", const SecretBytes* given_secret = nullptr);
  absl::StatusOr<std::vector<AccessKey>> ListAccessKeys(const std::string& account_id);

  // NotFound for unknown or inactive keys.
  absl::StatusOr<KeyGrant> LookupAccessKey(const std::string& access_key_id);

 private:
  storage::MetaStore* store_;
  SecretBytes seal_key_;
};

}  // namespace coffer::iam
