// Catalog: S3 buckets and objects on top of the MetaStore and BlobStore.
//
// Write protocol for an object body (see storage/blob_store.h):
//   NewBody() -> append bytes -> CommitObject(): fsync the body, then one synced
//   metadata batch {object record, blob reference, garbage mark for the replaced
//   body}, then publish the body and delete the replaced one.
// A crash at any point leaves either the old object or the new one, never a mix, and
// Open() finishes or undoes whatever was in flight (staged bodies without a reference
// are deleted; bodies marked as garbage are removed).
// Concurrent commits to one key are serialised; the last one wins. Thread-safe.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/blob_store.h"
#include "storage/meta_store.h"

namespace coffer::s3 {

struct BucketInfo {
  std::string name;
  std::string owner_account;
  std::string region;
  absl::Time created;
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string etag;  // without quotes
  absl::Time last_modified;
  std::string owner_account;
  std::string storage_class = "STANDARD";
  std::string content_type;
  HeaderList content_headers;  // cache-control, content-disposition, ... (lower-case names)
  HeaderList user_metadata;    // x-amz-meta-* (lower-case names, values as sent)
  std::string blob_id;         // empty for a 0-byte object
};

struct ListQuery {
  std::string prefix;
  std::string delimiter;
  std::string start_after;  // exclusive; a common prefix here skips its whole subtree
  int max_keys = 1000;
};

struct ListResult {
  std::vector<ObjectInfo> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string last;  // the last key or common prefix returned (the next marker)
};

class Catalog {
 public:
  // Opens the catalog and recovers from an interrupted run.
  static absl::StatusOr<std::unique_ptr<Catalog>> Open(storage::MetaStore* meta,
                                                       storage::BlobStore* blobs);

  // AlreadyExists if the name is taken (the existing bucket is returned through
  // `existing` when given).
  absl::Status CreateBucket(const BucketInfo& bucket, BucketInfo* existing = nullptr);
  absl::StatusOr<std::optional<BucketInfo>> GetBucket(const std::string& name);
  // NotFound, or FailedPrecondition when the bucket still holds objects.
  absl::Status DeleteBucket(const std::string& name);
  absl::StatusOr<std::vector<BucketInfo>> ListBuckets(const std::string& owner_account);

  absl::StatusOr<std::unique_ptr<storage::BlobWriter>> NewBody();
  // `body` may be null for a 0-byte object. NotFound if the bucket vanished meanwhile.
  absl::Status CommitObject(const std::string& bucket, ObjectInfo object,
                            std::unique_ptr<storage::BlobWriter> body);
  absl::StatusOr<std::optional<ObjectInfo>> GetObject(const std::string& bucket,
                                                      const std::string& key);
  struct OpenedObject {
    ObjectInfo info;
    std::unique_ptr<storage::BlobReader> body;  // null for a 0-byte object
  };
  // NotFound when the key does not exist.
  absl::StatusOr<OpenedObject> OpenObject(const std::string& bucket, const std::string& key);
  // Returns whether something was deleted.
  absl::StatusOr<bool> DeleteObject(const std::string& bucket, const std::string& key);
  absl::StatusOr<ListResult> List(const std::string& bucket, const ListQuery& query);

 private:
  Catalog(storage::MetaStore* meta, storage::BlobStore* blobs) : meta_(meta), blobs_(blobs) {}
  absl::Status Recover();
  std::mutex& KeyLock(const std::string& bucket, const std::string& key);
  void CollectGarbage(const std::string& blob_id);

  storage::MetaStore* meta_;
  storage::BlobStore* blobs_;
  // Object commits hold it shared; bucket creation and deletion hold it exclusively,
  // so an object can never be committed into a bucket being deleted.
  std::shared_mutex buckets_mu_;
  std::array<std::mutex, 256> key_locks_;
};

}  // namespace coffer::s3
