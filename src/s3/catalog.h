// Catalog: S3 buckets, object versions and multipart uploads on top of the MetaStore
// and BlobStore. It knows S3's data model, not its HTTP API.
//
// Every object write creates a version: "null" in unversioned and suspended buckets
// (replacing the previous null version), a fresh id when versioning is enabled. The
// current version of each key is kept beside its history so that GET and listing are
// one lookup or one scan.
//
// Write protocol for bodies (see storage/blob_store.h): bytes go to staged blobs, the
// blob is made durable, then one synced metadata batch commits {records, blob
// references, garbage marks for replaced bodies}, then blobs are published and garbage
// is removed. A crash at any point leaves the old state or the new one, never a mix;
// Open() finishes or undoes whatever was in flight.
//
// Readers pin the blobs of the version they read, so a concurrent overwrite or delete
// never pulls bytes from under a GET; the replaced blobs are removed when the last
// reader lets go. Writes to one key are serialised; the last commit wins.
// Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sse/record.h"
#include "storage/blob_store.h"
#include "storage/commit_queue.h"
#include "storage/meta_store.h"

namespace coffer::s3 {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

enum class Versioning : uint8_t { kUnversioned = 0, kEnabled = 1, kSuspended = 2 };

struct BucketInfo {
  std::string name;
  std::string owner_account;
  std::string region;
  absl::Time created;
  Versioning versioning = Versioning::kUnversioned;
  // Object Ownership: BucketOwnerEnforced (ACLs disabled, AWS's default for new
  // buckets), BucketOwnerPreferred or ObjectWriter.
  std::string ownership = "BucketOwnerEnforced";
  std::string acl;  // the bucket's ACL document (s3/acl.h); empty: private
};

// One stored piece of an object's body: a whole single-part upload, or one part of a
// multipart upload.
struct PartRef {
  uint32_t number = 0;  // 0 for a single-part object
  uint64_t size = 0;
  std::string blob_id;  // empty for an empty part
  std::string etag;     // hex MD5 of the part (multipart only)
  std::string checksum;  // base64 checksum of the part in the object's algorithm, if any
  // The body is held in the metadata store (a small body, see storage/blob_store.h),
  // written in the same batch as the version that owns it. It needs no reference or
  // garbage records: the batch that replaces or deletes that version deletes it too.
  // Readers copy it whole when they open the object, so they never pin it. Set for
  // single-part objects only; a multipart upload's parts keep their references.
  bool held = false;
};

struct ObjectInfo {
  std::string key;
  std::string version_id = "null";
  bool delete_marker = false;
  uint64_t size = 0;
  std::string etag;  // without quotes; "md5-N" for multipart objects
  absl::Time last_modified;
  std::string owner_account;
  std::string storage_class = "STANDARD";
  std::string content_type;
  HeaderList content_headers;  // cache-control, content-disposition, ... (lower-case names)
  HeaderList user_metadata;    // x-amz-meta-* (lower-case names, values as sent)
  HeaderList tags;             // object tagging, in the order given
  std::string checksum_algorithm;  // "CRC32", ... or empty
  std::string checksum_type;       // "FULL_OBJECT" or "COMPOSITE"
  std::string checksum;            // base64 (COMPOSITE: "value-N")
  std::string acl;                 // the object's ACL document (s3/acl.h), empty: private
  std::vector<PartRef> parts;  // part sizes count plaintext bytes
  sse::SseRecord sse;          // how the body is encrypted (algorithm kNone: it is not)
  uint64_t sequence = 0;  // orders versions of a key; internal
  bool is_multipart() const { return !parts.empty() && parts.front().number > 0; }
};

struct UploadInfo {
  std::string key;
  std::string upload_id;
  absl::Time initiated;
  std::string owner_account;
  std::string initiator_arn;
  ObjectInfo object;  // the metadata the completed object will carry (no parts)
  // A completed upload is remembered so that a retried CompleteMultipartUpload (whose
  // answer was lost) succeeds again instead of failing with NoSuchUpload.
  bool completed = false;
  std::string completed_version;
};

struct UploadedPart {
  uint32_t number = 0;
  uint64_t size = 0;
  std::string etag;  // hex MD5
  absl::Time last_modified;
  std::string blob_id;
  std::string checksum;  // base64, in the upload's algorithm
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

struct VersionListQuery {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  std::string version_id_marker;  // with key_marker: continue after this version
  int max_keys = 1000;
};

struct VersionListResult {
  std::vector<std::pair<ObjectInfo, bool>> versions;  // (version, is_latest), delete markers too
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker, next_version_id_marker;
};

struct UploadListQuery {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  std::string upload_id_marker;
  int max_uploads = 1000;
};

struct UploadListResult {
  std::vector<UploadInfo> uploads;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker, next_upload_id_marker;
};

// Conditions on a write, checked atomically with it (If-Match / If-None-Match).
struct WriteConditions {
  std::optional<std::string> if_match;       // an ETag (unquoted) or "*"
  std::optional<std::string> if_none_match;  // only "*" is meaningful for writes
};

// Reads an object version's body across its parts. Holds pins on its blobs (a held
// body is copied instead, when the object is opened).
class ObjectReader {
 public:
  ~ObjectReader();
  uint64_t size() const { return size_; }
  // Reads up to `n` bytes at `offset` (never across a part boundary); 0 at the end.
  // For bodies stored as they are (not encrypted).
  absl::StatusOr<size_t> ReadAt(uint64_t offset, char* out, size_t n);
  // The parts, and the bytes stored for part `index` (an encrypted part's stored form).
  const std::vector<PartRef>& parts() const { return parts_; }
  const std::vector<uint64_t>& starts() const { return starts_; }
  absl::StatusOr<size_t> ReadStored(size_t index, uint64_t offset, char* out, size_t n);

 private:
  friend class Catalog;
  class Catalog* catalog_ = nullptr;
  std::vector<PartRef> parts_;
  std::vector<uint64_t> starts_;  // offset of each part
  uint64_t size_ = 0;
  size_t open_index_ = SIZE_MAX;
  std::unique_ptr<storage::BlobReader> open_;
};

class Catalog {
 public:
  // Opens the catalog and recovers from an interrupted run.
  static absl::StatusOr<std::unique_ptr<Catalog>> Open(storage::MetaStore* meta,
                                                       storage::BlobStore* blobs);
  // Waits for the commits submitted and the garbage collection they started.
  ~Catalog();

  // --- Buckets ---
  // AlreadyExists if the name is taken (the existing bucket is returned through
  // `existing` when given).
  absl::Status CreateBucket(const BucketInfo& bucket, BucketInfo* existing = nullptr);
  absl::StatusOr<std::optional<BucketInfo>> GetBucket(const std::string& name);
  // NotFound, or FailedPrecondition when the bucket still holds versions or uploads.
  absl::Status DeleteBucket(const std::string& name);
  absl::StatusOr<std::vector<BucketInfo>> ListBuckets(const std::string& owner_account);
  // Changes a bucket's record (versioning, ownership, ACL) under the bucket lock.
  absl::Status UpdateBucket(const std::string& bucket,
                            const std::function<void(BucketInfo&)>& change);
  // Bucket configuration documents (cors, tagging, acl, ...); nullopt when unset.
  absl::StatusOr<std::optional<std::string>> GetBucketConfig(const std::string& bucket,
                                                             const std::string& name);
  absl::Status PutBucketConfig(const std::string& bucket, const std::string& name,
                               const std::optional<std::string>& value);

  // --- Objects ---
  // A new body of `size` bytes (0: not known yet); ResourceExhausted when the data disk
  // has no room for it beyond its free-space reserve (BlobStore::CheckRoom).
  absl::StatusOr<std::unique_ptr<storage::BlobWriter>> NewBody(uint64_t size);
  // Commits a new version whose body is `body` (null for an empty object): assigns its
  // version id (returned in the result) by the bucket's versioning state.
  // NotFound if the bucket vanished; FailedPrecondition if `conditions` fail.
  absl::StatusOr<ObjectInfo> PutObject(const std::string& bucket, ObjectInfo object,
                                       std::unique_ptr<storage::BlobWriter> body,
                                       const WriteConditions& conditions = {});
  // The same without blocking the caller: `done` gets the outcome, on a catalog thread,
  // once the version is durable. Commits waiting together share one synced write. A
  // body not held in memory is made durable on the BlockingPool first.
  using PutDone = absl::AnyInvocable<void(absl::StatusOr<ObjectInfo>)>;
  void PutObjectAsync(const std::string& bucket, ObjectInfo object,
                      std::unique_ptr<storage::BlobWriter> body, WriteConditions conditions,
                      PutDone done);
  // The current version (which may be a delete marker), or a given version.
  // nullopt when there is no such key or version.
  absl::StatusOr<std::optional<ObjectInfo>> GetObject(
      const std::string& bucket, const std::string& key,
      const std::optional<std::string>& version_id = std::nullopt);
  struct OpenedObject {
    ObjectInfo info;
    std::unique_ptr<ObjectReader> body;
  };
  // NotFound when the key, or the given version, does not exist. A delete marker is
  // returned as such (info.delete_marker) without a body.
  absl::StatusOr<OpenedObject> OpenObject(
      const std::string& bucket, const std::string& key,
      const std::optional<std::string>& version_id = std::nullopt);

  struct DeleteResult {
    bool existed = false;           // something was removed or a marker was added
    std::string version_id;         // the version removed, or the marker created
    bool delete_marker = false;     // the removed version / the created version is a marker
  };
  // Without a version: removes the null version (unversioned), or adds a delete marker
  // (enabled: new id; suspended: replacing the null version). With a version: removes
  // exactly that version, which may be a delete marker.
  absl::StatusOr<DeleteResult> DeleteObject(const std::string& bucket, const std::string& key,
                                            const std::optional<std::string>& version_id =
                                                std::nullopt);
  // Changes a version's metadata in place (tags, ACL): `change` edits the record under
  // the key lock. The current version when `version_id` is nullopt. NotFound if absent.
  absl::StatusOr<ObjectInfo> UpdateObject(
      const std::string& bucket, const std::string& key,
      const std::optional<std::string>& version_id,
      const std::function<void(ObjectInfo&)>& change);

  absl::StatusOr<ListResult> List(const std::string& bucket, const ListQuery& query);
  absl::StatusOr<VersionListResult> ListVersions(const std::string& bucket,
                                                 const VersionListQuery& query);

  // --- Multipart uploads ---
  absl::StatusOr<UploadInfo> CreateUpload(const std::string& bucket, UploadInfo upload);
  // NotFound when there is no such upload (in this bucket, for this key). A completed
  // upload is returned with `completed` set; parts cannot be added to it.
  absl::StatusOr<UploadInfo> GetUpload(const std::string& bucket, const std::string& key,
                                       const std::string& upload_id);
  absl::Status PutPart(const std::string& bucket, const std::string& key,
                       const std::string& upload_id, UploadedPart part,
                       std::unique_ptr<storage::BlobWriter> body);
  absl::StatusOr<std::vector<UploadedPart>> ListParts(const std::string& upload_id,
                                                      uint32_t after_part, int max_parts,
                                                      bool* truncated);
  // Completes with the chosen parts (already validated by the caller, in order).
  absl::StatusOr<ObjectInfo> CompleteUpload(const std::string& bucket, const UploadInfo& upload,
                                            std::vector<PartRef> parts, std::string etag,
                                            std::string checksum,
                                            const WriteConditions& conditions = {});
  absl::Status AbortUpload(const std::string& bucket, const std::string& key,
                           const std::string& upload_id);
  absl::StatusOr<UploadListResult> ListUploads(const std::string& bucket,
                                               const UploadListQuery& query);

 private:
  friend class ObjectReader;
  Catalog(storage::MetaStore* meta, storage::BlobStore* blobs);
  absl::Status Recover();
  // PutObjectAsync once the body may be committed on the calling thread; `done` also
  // gets the blobs the new version replaced, to collect.
  using Committed =
      absl::AnyInvocable<void(absl::StatusOr<ObjectInfo>, std::vector<std::string> garbage)>;
  void SubmitPut(const std::string& bucket, ObjectInfo object,
                 std::unique_ptr<storage::BlobWriter> body, WriteConditions conditions,
                 Committed done);
  std::mutex& KeyLock(const std::string& bucket, const std::string& key);
  uint64_t NextSequence();
  // Adds `object` as the newest version under the key lock, filling the batch with the
  // records and the garbage the write creates. Returns the blobs to delete afterwards.
  absl::StatusOr<std::vector<std::string>> StageVersion(const std::string& bucket,
                                                        const BucketInfo& info,
                                                        ObjectInfo& object,
                                                        storage::WriteBatch& batch);
  absl::StatusOr<std::optional<std::pair<std::string, ObjectInfo>>> FindVersion(
      const std::string& bucket, const std::string& key, const std::string& version_id);
  // FindVersion(bucket, key, "null") for a bucket with this versioning state.
  absl::StatusOr<std::optional<std::pair<std::string, ObjectInfo>>> NullVersion(
      const std::string& bucket, Versioning versioning, const std::string& key);
  absl::StatusOr<std::optional<ObjectInfo>> LatestVersion(const std::string& bucket,
                                                          const std::string& key);
  // Adds to `batch` the removal of `parts` that a version no longer referenced by
  // `batch` owned: a held body directly, the others as garbage marks, their blob ids
  // appended to `out` for deletion once `batch` is written.
  void Garbage(storage::WriteBatch& batch, const std::vector<PartRef>& parts,
               std::vector<std::string>& out);
  // Deletes unpinned `blob_ids` now, on this thread, unless a collection is running
  // already (it takes them over). InBackground leaves them to a BlockingPool thread.
  void CollectGarbage(const std::vector<std::string>& blob_ids);
  void CollectGarbageInBackground(const std::vector<std::string>& blob_ids);
  bool QueueGarbage(const std::vector<std::string>& blob_ids);  // true: caller drains
  void DrainGarbage();
  void Pin(const std::vector<PartRef>& parts);
  void Unpin(const std::vector<PartRef>& parts);

  storage::MetaStore* meta_;
  storage::BlobStore* blobs_;
  // Object commits hold it shared; bucket creation and deletion hold it exclusively,
  // so an object can never be committed into a bucket being deleted.
  std::shared_mutex buckets_mu_;
  std::array<std::mutex, 256> key_locks_;
  std::atomic<uint64_t> last_sequence_{0};
  std::mutex pins_mu_;
  std::map<std::string, int> pins_;          // blob id -> readers
  std::set<std::string> deferred_garbage_;   // pinned blobs to delete once released
  std::mutex gc_mu_;
  std::vector<std::string> gc_pending_;      // unpinned garbage waiting for a collector
  bool gc_running_ = false;
  std::condition_variable gc_idle_;           // gc_running_ turned false
  // Last, so that it stops (finishing what was submitted) before the rest goes.
  std::unique_ptr<storage::CommitQueue> commits_;
};

}  // namespace coffer::s3
