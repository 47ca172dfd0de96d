// Kms: Coffer's key service, the engine behind the KMS JSON API and S3 encryption.
//
// Every call names who asks (Caller) and is authorized as AWS KMS does: the key policy
// must allow (directly, or by naming the account, which delegates to IAM policies),
// or a grant must cover the operation and its encryption context; an explicit Deny in
// any policy wins. Key references accept the forms AWS accepts for the operation (key
// id, key ARN, and for cryptographic operations and DescribeKey also alias name and
// alias ARN). Key states follow AWS's key state table. Time-driven changes (deletion
// when due, automatic rotation) happen on the caller's clock (Caller::now) whenever a
// key is touched, and in Sweep().
//
// Errors are KMS exceptions (kms/errors.h). Plaintexts are SecretBytes. Thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/secret.h"
#include "iam/authorizer.h"
#include "iam/principal.h"
#include "kms/ciphertext.h"
#include "kms/context.h"
#include "kms/key_store.h"

namespace coffer::kms {

struct Caller {
  iam::Principal principal;
  absl::Time now = absl::Now();
  std::string source_ip;
  bool secure = true;
  // "s3.REGION.amazonaws.com" when S3 calls on the principal's behalf (kms:ViaService).
  std::string via_service;
  std::vector<std::string> grant_tokens;
  bool dry_run = false;
};

struct CreateKeyInput {
  std::string description;
  std::optional<std::string> policy;
  bool bypass_lockout_check = false;
  std::string origin = "AWS_KMS";
  std::string usage = "ENCRYPT_DECRYPT";
  std::string spec = "SYMMETRIC_DEFAULT";
  std::vector<std::pair<std::string, std::string>> tags;
};

struct CryptoResult {
  std::string key_arn;
  std::string ciphertext;   // blob (empty when not produced)
  SecretBytes plaintext;    // (empty when not produced)
  std::string source_key_arn;  // ReEncrypt
};

struct GrantInput {
  std::string name;
  std::string grantee;
  std::string retiring;
  std::vector<std::string> operations;
  std::optional<EncryptionContext> context_equals;
  std::optional<EncryptionContext> context_subset;
};

struct RotationStatus {
  std::string key_arn;
  bool enabled = false;
  int period_days = 0;
  absl::Time next = absl::InfinitePast();
};

class Kms {
 public:
  Kms(KeyStore* keys, iam::Authorizer* authorizer, std::string region);

  const std::string& region() const { return region_; }

  // --- Keys ---
  absl::StatusOr<Key> CreateKey(const Caller& c, const CreateKeyInput& in);
  absl::StatusOr<Key> DescribeKey(const Caller& c, const std::string& ref);
  absl::StatusOr<std::vector<Key>> ListKeys(const Caller& c);
  absl::Status EnableKey(const Caller& c, const std::string& ref) {
    return SetEnabled(c, ref, true);
  }
  absl::Status DisableKey(const Caller& c, const std::string& ref) {
    return SetEnabled(c, ref, false);
  }
  absl::StatusOr<Key> ScheduleKeyDeletion(const Caller& c, const std::string& ref, int days);
  absl::StatusOr<Key> CancelKeyDeletion(const Caller& c, const std::string& ref);
  absl::Status UpdateKeyDescription(const Caller& c, const std::string& ref,
                                    const std::string& description);
  // Deletes keys whose deletion date has passed; returns how many.
  absl::StatusOr<int> Sweep(absl::Time now);

  // --- Aliases ---
  absl::Status CreateAlias(const Caller& c, const std::string& name, const std::string& target);
  absl::Status UpdateAlias(const Caller& c, const std::string& name, const std::string& target);
  absl::Status DeleteAlias(const Caller& c, const std::string& name);
  // All aliases of the caller's account (AWS managed ones included), or of one key.
  absl::StatusOr<std::vector<Alias>> ListAliases(const Caller& c,
                                                 const std::optional<std::string>& key_ref);
  std::string AliasArn(const Alias& a) const;

  // --- Tags ---
  absl::Status TagResource(const Caller& c, const std::string& ref,
                           const std::vector<std::pair<std::string, std::string>>& tags);
  absl::Status UntagResource(const Caller& c, const std::string& ref,
                             const std::vector<std::string>& keys);
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ListResourceTags(
      const Caller& c, const std::string& ref);

  // --- Cryptography ---
  absl::StatusOr<CryptoResult> Encrypt(const Caller& c, const std::string& ref,
                                       std::string_view plaintext, const EncryptionContext& ctx);
  // `ref` optional: the blob names its key; when given it must be that key.
  absl::StatusOr<CryptoResult> Decrypt(const Caller& c, const std::optional<std::string>& ref,
                                       std::string_view blob, const EncryptionContext& ctx);
  absl::StatusOr<CryptoResult> ReEncrypt(const Caller& c, std::string_view blob,
                                         const std::optional<std::string>& source_ref,
                                         const EncryptionContext& source_ctx,
                                         const std::string& dest_ref,
                                         const EncryptionContext& dest_ctx);
  absl::StatusOr<CryptoResult> GenerateDataKey(const Caller& c, const std::string& ref,
                                               size_t bytes, const EncryptionContext& ctx,
                                               bool with_plaintext);

  absl::StatusOr<std::string> GenerateRandom(const Caller& c, size_t bytes);

  // --- Rotation ---
  absl::Status EnableKeyRotation(const Caller& c, const std::string& ref, int period_days);
  absl::Status DisableKeyRotation(const Caller& c, const std::string& ref);
  absl::StatusOr<RotationStatus> GetKeyRotationStatus(const Caller& c, const std::string& ref);
  absl::StatusOr<Key> RotateKeyOnDemand(const Caller& c, const std::string& ref);
  // The key with its materials (rotations are materials after the first).
  absl::StatusOr<Key> ListKeyRotations(const Caller& c, const std::string& ref);

  // --- Key policies ---
  absl::StatusOr<std::string> GetKeyPolicy(const Caller& c, const std::string& ref);
  absl::Status PutKeyPolicy(const Caller& c, const std::string& ref, const std::string& policy,
                            bool bypass_lockout_check);
  absl::Status ListKeyPolicies(const Caller& c, const std::string& ref);

  // --- Grants ---
  // Returns the grant (new, or the existing one with the same name and settings).
  absl::StatusOr<Grant> CreateGrant(const Caller& c, const std::string& ref, GrantInput in);
  absl::StatusOr<std::vector<Grant>> ListGrants(const Caller& c, const std::string& ref);
  absl::StatusOr<std::vector<Grant>> ListRetirableGrants(const Caller& c,
                                                         const std::string& retiring);
  // Either a grant token or (key ref, grant id).
  absl::Status RetireGrant(const Caller& c, const std::optional<std::string>& token,
                           const std::optional<std::string>& ref,
                           const std::optional<std::string>& grant_id);
  absl::Status RevokeGrant(const Caller& c, const std::string& ref, const std::string& grant_id);
  static std::string GrantToken(const Grant& g);

  // The default key policy AWS gives a new key: the account (root) may do everything,
  // which delegates to IAM policies.
  static std::string DefaultPolicy(const std::string& account);

 private:
  enum class Refs { kKeyOnly, kAliasToo };
  // Finds the key `ref` names, as seen by the caller; NotFoundException otherwise.
  // Applies due deletion and automatic rotation first.
  // The crypto operations read the shared record (KeyRef); the others take a copy.
  absl::StatusOr<KeyRef> ResolveRef(const Caller& c, const std::string& ref, Refs refs);
  absl::StatusOr<KeyRef> LoadRef(const std::string& id, absl::Time now);
  absl::StatusOr<Key> Resolve(const Caller& c, const std::string& ref, Refs refs);
  absl::StatusOr<Key> Load(const std::string& id, absl::Time now);
  absl::StatusOr<Alias> ExistingAlias(const Caller& c, const std::string& name);
  absl::Status SetEnabled(const Caller& c, const std::string& ref, bool enabled);
  // The key a ciphertext blob names: `ref` when given (IncorrectKeyException if the
  // blob is another key's), else the blob's own key, in any account.
  absl::StatusOr<KeyRef> KeyOfBlob(const Caller& c, const BlobHeader& header,
                                const std::optional<std::string>& ref);
  absl::StatusOr<KeyRef> AwsManagedKey(const Caller& c, const std::string& service);
  // kms:ACTION on `key`, by key policy, IAM policies and grants.
  // Returns the grant that allowed it, or nullopt when policies did.
  using Fill = std::function<void(iam::ConditionContext&)>;
  absl::StatusOr<std::optional<Grant>> Authorize(const Caller& c, const Key& key,
                                                 const std::string& action,
                                                 const EncryptionContext* ctx = nullptr,
                                                 const Fill& fill = {});
  // For actions without a key resource (CreateKey, ListKeys, ListAliases, ...).
  absl::Status AuthorizeAccount(const Caller& c, const std::string& action,
                                const Fill& fill = {});
  absl::Status CheckLockout(const Caller& c, const Key& key, const std::string& policy);
  iam::AuthzRequest Request(const Caller& c, const std::string& action,
                            const std::string& resource) const;
  absl::StatusOr<std::optional<Grant>> GrantFor(const Caller& c, const Key& key,
                                                const std::string& operation,
                                                const EncryptionContext* ctx);
  absl::Status CheckGrantTokens(const Caller& c) const;
  absl::StatusOr<SecretBytes> MaterialFor(const Key& key, const std::string& material_id);
  absl::StatusOr<Key> Modify(const Caller& c, const std::string& ref, Refs refs,
                             const std::string& action,
                             const std::function<absl::Status(Key&)>& change);

  KeyStore* keys_;
  iam::Authorizer* authorizer_;
  std::string region_;
};

}  // namespace coffer::kms
