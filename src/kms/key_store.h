// KeyStore: KMS keys, aliases and grants in the metadata store (table kKms).
//
// Key material is only ever stored sealed (AES-256-GCM) under a wrapping key derived
// from the data folder's root key, with the key id and material id as authenticated
// data, so sealed material cannot be moved between keys. Unsealed material lives in
// SecretBytes and is wiped when dropped.
//
// Layout: "k/ID" key record; "ak/ACCOUNT/ID" account index; "a/ACCOUNT/NAME" alias;
// "g/KEYID/GRANTID" grant; "gi/GRANTID" grant -> key id.
// Reads are thread-safe; callers serialize read-modify-write cycles with Lock().
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/secret.h"
#include "crypto/opened_secrets.h"
#include "kms/context.h"
#include "storage/meta_store.h"

namespace coffer::kms {

enum class KeyState { kEnabled, kDisabled, kPendingDeletion, kPendingImport };
const char* StateName(KeyState s);

// One version of a key's backing material.
struct Material {
  std::string id;          // 32 random bytes; hex in APIs (KeyMaterialId)
  std::string sealed;      // the material, sealed
  absl::Time created;
  std::string rotation;    // "" for the first material, else "AUTOMATIC" or "ON_DEMAND"
};

struct Key {
  std::string id;  // UUID
  std::string account;
  std::string region;
  std::string description;
  KeyState state = KeyState::kEnabled;
  std::string origin = "AWS_KMS";    // AWS_KMS or EXTERNAL
  std::string manager = "CUSTOMER";  // CUSTOMER or AWS
  std::string usage = "ENCRYPT_DECRYPT";
  std::string spec = "SYMMETRIC_DEFAULT";
  absl::Time created;
  absl::Time deletion_date = absl::InfinitePast();  // set while PendingDeletion
  int pending_window_days = 0;
  bool rotation_enabled = false;
  int rotation_period_days = 365;
  absl::Time next_rotation = absl::InfinitePast();
  std::string policy;  // the key policy ("default" is its only name)
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<Material> materials;  // oldest first; back() encrypts

  std::string Arn() const;
};

// A key as read: shared and immutable. A change works on a copy and writes it back.
using KeyRef = std::shared_ptr<const Key>;

struct Alias {
  std::string account;
  std::string name;  // "alias/..."
  std::string key_id;
  absl::Time created;
  absl::Time updated;
};

struct Grant {
  std::string key_id;
  std::string grant_id;  // 64 hex characters
  std::string name;
  std::string grantee;
  std::string retiring;  // may be empty
  std::string issuing_account;
  std::vector<std::string> operations;
  std::optional<EncryptionContext> context_equals;
  std::optional<EncryptionContext> context_subset;
  absl::Time created;
};

class KeyStore {
 public:
  KeyStore(storage::MetaStore* store, const SecretBytes& root_key);

  std::unique_lock<std::recursive_mutex> Lock() {
    return std::unique_lock<std::recursive_mutex>(mu_);
  }

  absl::Status PutKey(const Key& key);
  // The key's record, decoded once and then shared until the next key write; nullptr
  // if there is none.
  absl::StatusOr<KeyRef> GetKey(const std::string& id);
  // Removes the key with its aliases and grants.
  absl::Status DeleteKey(const Key& key);
  absl::StatusOr<std::vector<std::string>> KeyIds(const std::string& account);

  // New random material for `key_id`, sealed; the plaintext never leaves this call.
  Material NewMaterial(const std::string& key_id, std::string rotation, absl::Time now);
  absl::StatusOr<SecretBytes> Unseal(const std::string& key_id, const Material& m) const;

  absl::StatusOr<std::optional<Alias>> GetAlias(const std::string& account,
                                                const std::string& name);
  absl::Status PutAlias(const Alias& alias);
  absl::Status DeleteAlias(const std::string& account, const std::string& name);
  absl::StatusOr<std::vector<Alias>> Aliases(const std::string& account);

  absl::Status PutGrant(const Grant& grant);
  absl::StatusOr<std::optional<Grant>> GetGrant(const std::string& grant_id);
  absl::Status DeleteGrant(const Grant& grant);
  absl::StatusOr<std::vector<Grant>> Grants(const std::string& key_id);
  // Every key id in the store (for sweeps) and every grant (ListRetirableGrants).
  absl::StatusOr<std::vector<std::string>> AllKeyIds();
  absl::StatusOr<std::vector<Grant>> AllGrants();

 private:
  storage::MetaStore* store_;
  SecretBytes wrap_key_;
  // Materials in use, opened; a key's go whenever the key is written or deleted.
  mutable crypto::OpenedSecrets opened_;
  // Decoded records. An entry stands while `keys_written_` is what it was before the
  // record was read: every key write or deletion bumps it after writing, so a record
  // read before a write is never kept past it.
  struct Decoded {
    uint64_t written;
    KeyRef key;
  };
  static constexpr size_t kMaxDecoded = 10000;
  std::atomic<uint64_t> keys_written_{0};
  std::mutex decoded_mu_;
  absl::flat_hash_map<std::string, Decoded> decoded_;
  std::recursive_mutex mu_;
};

}  // namespace coffer::kms
