// EventSelectors: which events each account's trail records, as CloudTrail's
// PutEventSelectors sets them. Management events are recorded unless an account turns
// them off; S3 data events (object-level operations) only for the buckets and key
// prefixes an account names ("arn:aws:s3:::bucket/prefix", or "arn:aws:s3" for all),
// with ReadWriteType All, ReadOnly or WriteOnly. Each account has one trail (Coffer's),
// named by the first PutEventSelectors. Persisted in the metadata store; thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "storage/meta_store.h"

namespace coffer::audit {

class EventSelectors {
 public:
  static absl::StatusOr<std::unique_ptr<EventSelectors>> Load(storage::MetaStore* meta);

  // Validates and stores `selectors` (CloudTrail's EventSelectors array) for the
  // account's trail. InvalidArgument (InvalidEventSelectorsException) when malformed.
  absl::Status Put(const std::string& account, const std::string& trail_name,
                   const nlohmann::json& selectors);
  // {"TrailName":..., "EventSelectors": [...]}, or nullopt when never set.
  std::optional<nlohmann::json> Get(const std::string& account) const;

  bool LogsManagement(const std::string& account, bool read_only) const;
  bool LogsData(const std::string& account, const std::string& bucket, const std::string& key,
                bool read_only) const;
  // False when no account logs any data events (the S3 fast path).
  bool AnyData() const { return any_data_.load(); }

 private:
  explicit EventSelectors(storage::MetaStore* meta) : meta_(meta) {}
  storage::MetaStore* meta_;
  mutable std::mutex mu_;
  std::map<std::string, nlohmann::json> by_account_;
  std::atomic<bool> any_data_{false};
  void Recount();
};

}  // namespace coffer::audit
