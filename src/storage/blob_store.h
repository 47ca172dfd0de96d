// BlobStore: object bodies, as files or (small ones) inside the metadata store, with a
// two-phase commit around the metadata.
//
//   1. NewBlob() starts a body; Append() streams bytes into it. The first
//      `inline_max` bytes are held in memory; past that they go to DIR/staging/<id>,
//      written with O_DIRECT by BlockingPool threads (see SpillingBlobWriter).
//      Files are read through the page cache, where repeated GETs find them.
//   2. Commit(batch) makes the body durable together with `batch`:
//      - a small body (at most `inline_max` bytes, with a metadata store given to
//        Open) is added to `batch` (table kBlobData), so the body and the metadata
//        that references it reach the disk in the same synced write: one WAL sync,
//        shared with concurrent writers, and no file, fdatasync or folder fsync;
//      - a larger body is made durable now (fdatasync + directory fsync).
//   3. The caller adds the metadata that references <id> to `batch` and writes it
//      with sync (MetaStore::Write).
//   4. Publish(id) moves a file body to DIR/live/<id[0:2]>/<id> (nothing to do for
//      a body kept in the metadata store).
// OpenBlob() finds a body in any of the three places, so readers never see a gap
// between 3 and 4. After a crash, every file left in staging is either referenced by
// metadata (publish it) or not (delete it): the caller decides with ListStaged(). A
// small body can never be orphaned: it is written with its reference or not at all.
// A BlobWriter destroyed without Commit() removes its file. Blob ids are 32 lower-case
// hex characters. BlobStore is thread-safe; writers and readers are not (one per stream).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/meta_store.h"

namespace coffer::storage {

class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  virtual const std::string& id() const = 0;
  virtual absl::Status Append(std::string_view data) = 0;
  // Step 2 above. `batch` must then be written with sync before the body is used.
  virtual absl::Status Commit(WriteBatch& batch) = 0;
  virtual uint64_t size() const = 0;
  // True while every byte is still in memory: Commit() then only adds the body to the
  // batch and never waits on the disk.
  virtual bool in_memory() const = 0;
};

class BlobReader {
 public:
  virtual ~BlobReader() = default;
  virtual uint64_t size() const = 0;
  // Reads up to `n` bytes at `offset` into `out`; returns the count (0 at the end).
  virtual absl::StatusOr<size_t> ReadAt(uint64_t offset, char* out, size_t n) = 0;
};

class BlobStore {
 public:
  // Bodies up to this size are kept in the metadata store by default: small enough
  // for the memtable and the WAL, large enough to hold most "small object" traffic.
  static constexpr size_t kDefaultInlineMax = 64 * 1024;

  // Creates DIR/staging, DIR/trash and DIR/live with its 256 fan-out folders if
  // missing. With `meta`, bodies up to `inline_max` bytes are kept there; without,
  // all are files.
  static absl::StatusOr<std::unique_ptr<BlobStore>> Open(const std::string& dir,
                                                         MetaStore* meta = nullptr,
                                                         size_t inline_max = kDefaultInlineMax);
  ~BlobStore();

  absl::StatusOr<std::unique_ptr<BlobWriter>> NewBlob();
  // Whether a body of `size` more bytes (0: not known) fits while the file system that
  // holds the store keeps `min_free` bytes free; ResourceExhausted if not. The reserve
  // is room for what must work on a full disk: deletes (metadata writes) that free
  // space again, and the metadata store's flushes. A body past its declared size is
  // still stopped by the disk itself (ResourceExhausted from Append or Commit).
  // The file system is asked (statvfs) at most every 50 ms while far from the reserve,
  // the bodies admitted since then counted against that reading; within kRoomMargin
  // of the reserve (and past 50 ms) it is asked at every call.
  absl::Status CheckRoom(uint64_t size);
  static constexpr int64_t kRoomRecheckNanos = 50'000'000;
  static constexpr uint64_t kRoomMargin = uint64_t{64} << 20;
  // By default the smaller of 1 GiB and 5% of the file system.
  void set_min_free(uint64_t bytes) { min_free_ = bytes; }
  uint64_t min_free() const { return min_free_; }
  absl::Status Publish(const std::string& id);
  absl::StatusOr<std::unique_ptr<BlobReader>> OpenBlob(const std::string& id);  // NotFound
  // OK if already gone. A published file moves to DIR/trash at once and is unlinked
  // there by a background thread (freeing a GiB's extents takes ~0.5 s here); trash
  // left by a stop or a crash is emptied at the next Open.
  absl::Status Delete(const std::string& id);
  // The same, with the removal from the metadata store added to `batch` (written
  // by the caller, unsynced is enough) instead of a write of its own.
  absl::Status Delete(const std::string& id, WriteBatch& batch);
  // For a body known to be held in the metadata store (its writer was in_memory() at
  // Commit): only adds its removal to `batch`, without looking for files.
  void DeleteHeld(const std::string& id, WriteBatch& batch);
  absl::StatusOr<std::vector<std::string>> ListStaged();
  // Number of committed bodies (published files and bodies in the metadata store;
  // walks both; for tests and admin tools).
  absl::StatusOr<uint64_t> CountLive();

 private:
  friend class SpillingBlobWriter;
  BlobStore(std::string dir, MetaStore* meta, size_t inline_max);
  std::string StagingPath(const std::string& id) const;
  std::string LivePath(const std::string& id) const;
  std::string dir_;
  MetaStore* meta_;
  size_t inline_max_;
  std::atomic<uint64_t> min_free_ = 0;
  // CheckRoom's last reading of the file system and what it admitted since.
  std::mutex room_mu_;
  int64_t room_read_at_ = 0;  // steady clock, ns; 0: never read
  uint64_t room_free_ = 0;
  uint64_t room_admitted_ = 0;
  class Reaper;
  std::unique_ptr<Reaper> reaper_;
};

}  // namespace coffer::storage
