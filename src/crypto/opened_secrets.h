// OpenedSecrets: what sealed secrets opened to, so a hot one (a KMS key's material, an
// access key's secret) is not opened again on every request; an AES-GCM open costs
// about 1 us, mostly setting the key up.
//
// An entry answers only for the exact sealed bytes and additional data it was opened
// from, under its owner's name (a key id, an access key id). Forget(owner) drops an
// owner's entries: call it whenever the owner's record is written or deleted, so a
// secret that is replaced or deleted leaves memory with it. Thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "base/secret.h"

namespace coffer::crypto {

class OpenedSecrets {
 public:
  explicit OpenedSecrets(size_t max_owners = 4096) : max_owners_(max_owners) {}

  // crypto::Open(key, sealed, aad), remembered under `owner`. `key` must be the same
  // for every call on one object.
  absl::StatusOr<SecretBytes> Open(const SecretBytes& key, const std::string& owner,
                                   std::string_view sealed, std::string_view aad);
  void Forget(const std::string& owner);
  size_t Owners() const;

 private:
  struct Entry {
    std::string sealed;
    std::string aad;
    SecretBytes secret;
  };
  static const Entry* Match(const std::vector<Entry>& entries, std::string_view sealed,
                            std::string_view aad);
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::vector<Entry>> by_owner_;
  size_t max_owners_;
};

}  // namespace coffer::crypto
