// BlobStore: object bodies as files, with a two-phase commit around the metadata.
//
//   1. NewBlob() creates DIR/staging/<id>; Append() streams bytes into it.
//   2. Commit() makes the bytes and the file name durable (fdatasync + directory fsync).
//   3. The caller commits metadata that references <id> (MetaStore::Write, sync).
//   4. Publish(id) moves the file to DIR/live/<id[0:2]>/<id>.
// Open() finds a blob in either place, so readers never see a gap between 3 and 4.
// After a crash, every file left in staging is either referenced by metadata (publish
// it) or not (delete it): the caller decides with ListStaged(). A BlobWriter destroyed
// without Commit() removes its file. Blob ids are 32 lower-case hex characters.
// BlobStore is thread-safe; writers and readers are not (one per stream).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace coffer::storage {

class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  virtual const std::string& id() const = 0;
  virtual absl::Status Append(std::string_view data) = 0;
  virtual absl::Status Commit() = 0;
  virtual uint64_t size() const = 0;
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
  // Creates DIR/staging and DIR/live with its 256 fan-out folders if missing.
  static absl::StatusOr<std::unique_ptr<BlobStore>> Open(const std::string& dir);

  absl::StatusOr<std::unique_ptr<BlobWriter>> NewBlob();
  absl::Status Publish(const std::string& id);
  absl::StatusOr<std::unique_ptr<BlobReader>> OpenBlob(const std::string& id);  // NotFound
  absl::Status Delete(const std::string& id);  // OK if already gone
  absl::StatusOr<std::vector<std::string>> ListStaged();
  // Number of published blobs (walks the live tree; for tests and admin tools).
  absl::StatusOr<uint64_t> CountLive();

 private:
  explicit BlobStore(std::string dir) : dir_(std::move(dir)) {}
  std::string StagingPath(const std::string& id) const;
  std::string LivePath(const std::string& id) const;
  std::string dir_;
};

}  // namespace coffer::storage
