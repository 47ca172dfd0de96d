// IdentityStore: accounts, IAM users, access keys and temporary (STS) credentials,
// persisted in the MetaStore.
//
// Secret access keys are stored sealed (AES-256-GCM) under a key derived from the
// server's root key, bound to their access key id; they are only ever unsealed to
// verify a signature. Session tokens are stored as SHA-256 hashes only. Account ids are
// 12 random digits; long-term key ids start "AKIA", temporary ones "ASIA"; secrets are
// 40 characters. Errors carry IAM's codes (iam/errors.h). Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/secret.h"
#include "crypto/opened_secrets.h"
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
  std::string path = "/";
  std::string user_id;
  absl::Time created;
  std::string Arn() const;
};

struct AccessKey {
  std::string access_key_id;
  std::string account_id;
  std::string user_name;  // empty: the account root
  bool active = true;
  absl::Time created;
};

// Temporary credentials issued by AssumeRole.
struct Session {
  std::string access_key_id;
  std::string account_id;
  std::string role_name;
  std::string role_id;
  std::string session_name;
  std::string session_policy;  // JSON, may be empty
  absl::Time expires;
};

struct IssuedSession {
  Session session;
  SecretBytes secret;
  std::string token;
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

  absl::StatusOr<User> CreateUser(const std::string& account_id, const std::string& name,
                                  const std::string& path = "/");
  absl::StatusOr<std::optional<User>> GetUser(const std::string& account_id,
                                              const std::string& name);
  absl::StatusOr<std::vector<User>> ListUsers(const std::string& account_id,
                                              const std::string& path_prefix = "/");
  // DeleteConflict while the user still has access keys (policies and groups are the
  // PolicyStore's to check before calling this).
  absl::Status DeleteUser(const std::string& account_id, const std::string& name);

  // Creates a key for the account root (user_name empty) or a user (at most two per
  // user: LimitExceeded). When `given_id` and `given_secret` are set they are used
  // instead of random ones (first-start root credentials from the environment).
  absl::StatusOr<std::pair<AccessKey, SecretBytes>> CreateAccessKey(
      const std::string& account_id, const std::string& user_name,
      const std::string& given_id = "", const SecretBytes* given_secret = nullptr);
  // Keys of the account (`user_name` nullopt), of its root (""), or of one user.
  absl::StatusOr<std::vector<AccessKey>> ListAccessKeys(
      const std::string& account_id, const std::optional<std::string>& user_name = std::nullopt);
  absl::Status UpdateAccessKey(const std::string& account_id, const std::string& user_name,
                               const std::string& access_key_id, bool active);
  absl::Status DeleteAccessKey(const std::string& account_id, const std::string& user_name,
                               const std::string& access_key_id);

  absl::StatusOr<IssuedSession> CreateSession(Session session);

  // The principal behind an access key and its secret. NotFound for unknown or inactive
  // keys; for temporary keys the token must match (PermissionDenied: InvalidToken) and
  // be unexpired (DeadlineExceeded: ExpiredToken).
  absl::StatusOr<KeyGrant> LookupAccessKey(const std::string& access_key_id,
                                           const std::string& security_token = "",
                                           absl::Time now = absl::Now());

 private:
  absl::StatusOr<KeyGrant> LookupSession(const std::string& access_key_id,
                                         const std::string& token, absl::Time now);
  storage::MetaStore* store_;
  SecretBytes seal_key_;
  // Secrets of access keys in use, opened; a key's goes whenever its record is written
  // or deleted. (Session secrets expire, so they are opened each time, not kept.)
  crypto::OpenedSecrets opened_;
};

}  // namespace coffer::iam
