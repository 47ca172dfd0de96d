#include "crypto/opened_secrets.h"

#include "crypto/aead.h"

namespace coffer::crypto {

// A KMS key holds one material per rotation; the most used are the newest.
constexpr size_t kMaxPerOwner = 64;

const OpenedSecrets::Entry* OpenedSecrets::Match(const std::vector<Entry>& entries,
                                                 std::string_view sealed, std::string_view aad) {
  for (const Entry& e : entries)
    if (e.sealed == sealed && e.aad == aad) return &e;
  return nullptr;
}

absl::StatusOr<SecretBytes> OpenedSecrets::Open(const SecretBytes& key, const std::string& owner,
                                                std::string_view sealed, std::string_view aad) {
  {
    std::lock_guard lock(mu_);
    if (auto it = by_owner_.find(owner); it != by_owner_.end()) {
      if (const Entry* e = Match(it->second, sealed, aad)) return e->secret.Copy();
    }
  }
  auto secret = crypto::Open(key, sealed, aad);
  if (!secret.ok()) return secret.status();
  std::lock_guard lock(mu_);
  // Past the bound, start over rather than track use: owners in use come back at once.
  if (by_owner_.size() >= max_owners_ && !by_owner_.count(owner)) by_owner_.clear();
  std::vector<Entry>& entries = by_owner_[owner];
  if (Match(entries, sealed, aad)) return secret;  // another thread was first
  if (entries.size() >= kMaxPerOwner) entries.clear();
  entries.push_back({std::string(sealed), std::string(aad), secret->Copy()});
  return secret;
}

void OpenedSecrets::Forget(const std::string& owner) {
  std::lock_guard lock(mu_);
  by_owner_.erase(owner);
}

size_t OpenedSecrets::Owners() const {
  std::lock_guard lock(mu_);
  return by_owner_.size();
}

}  // namespace coffer::crypto
