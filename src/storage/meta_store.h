// MetaStore: Coffer's metadata, an ordered key-value store with atomic batches.
//
// Data lives in named tables (RocksDB column families). Keys sort bytewise, so a
// table scan from a prefix lists keys in S3's order. Write() applies a whole batch
// atomically; with sync=true it returns only once the batch is durable (synced WAL),
// which is what an acknowledged S3 write needs. All methods are thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace coffer::storage {

enum class Table : int {
  kSystem = 0,  // format version and other store-wide records
  kBuckets,     // bucket name -> bucket record
  kObjects,     // bucket '/' key -> the current version's record
  kBlobs,       // blob id -> owner (object) / garbage marks
  kIam,         // accounts, users, access keys
  kVersions,    // bucket '/' key '\0' inverted sequence -> a version's record
  kUploads,     // bucket '/' key '\0' upload id -> multipart upload record
  kParts,       // upload id, part number -> uploaded part record
  kBucketConfig,  // bucket '/' name -> a bucket configuration document
  kKms,         // KMS keys, aliases and grants (key material sealed)
  kAudit,       // audit events by account and time (the index LookupEvents reads)
  kBlobData,    // blob id -> a small object body (see BlobStore)
  kCount
};

class WriteBatch {
 public:
  struct Op {
    Table table;
    std::string key;
    std::optional<std::string> value;  // nullopt: delete
  };
  void Put(Table t, std::string_view key, std::string_view value) {
    ops_.push_back({t, std::string(key), std::string(value)});
  }
  void Delete(Table t, std::string_view key) { ops_.push_back({t, std::string(key), {}}); }
  // Moves `other`'s operations to the end of this batch.
  void Append(WriteBatch&& other) {
    if (ops_.empty()) ops_.swap(other.ops_);
    else for (auto& op : other.ops_) ops_.push_back(std::move(op));
    other.ops_.clear();
  }
  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }

 private:
  std::vector<Op> ops_;
};

// Iterates one table in ascending key order. Not thread-safe; one per scan.
class MetaIterator {
 public:
  virtual ~MetaIterator() = default;
  virtual bool Valid() const = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual void Next() = 0;
  virtual void Seek(std::string_view target) = 0;  // first key >= target
  virtual absl::Status status() const = 0;
};

class MetaStore {
 public:
  virtual ~MetaStore() = default;
  virtual absl::StatusOr<std::optional<std::string>> Get(Table t, std::string_view key) = 0;
  virtual absl::Status Write(const WriteBatch& batch, bool sync = true) = 0;
  // Positioned at the first key >= start.
  virtual std::unique_ptr<MetaIterator> Scan(Table t, std::string_view start) = 0;
};

// Opens (creating if needed) a RocksDB-backed store in `dir`. Fails with
// FailedPrecondition if another process holds the database.
absl::StatusOr<std::unique_ptr<MetaStore>> OpenRocksMetaStore(const std::string& dir);

}  // namespace coffer::storage
