// BodyReader: an object version's plaintext, whether stored as is or encrypted
// (sse/segments.h), read at any offset. Encrypted parts are decrypted a segment at a
// time, and only the segments a read covers. Not thread-safe; one per response.
#pragma once

#include <memory>
#include <optional>

#include "s3/catalog.h"
#include "sse/segments.h"

namespace coffer::s3 {

class BodyReader {
 public:
  // `keys` are the object's keys when it is encrypted, nullopt when it is not.
  BodyReader(std::unique_ptr<ObjectReader> stored, std::optional<sse::BodyKeys> keys);
  uint64_t size() const { return stored_->size(); }
  // Reads `n` bytes at `offset`, fewer only at the end (0 past it). DataLoss when stored
  // bytes were altered (the caller must not send what it has not verified).
  absl::StatusOr<size_t> ReadAt(uint64_t offset, char* out, size_t n);

 private:
  // Up to `n` bytes, within one part and one segment.
  absl::StatusOr<size_t> ReadSome(uint64_t offset, char* out, size_t n);
  std::unique_ptr<ObjectReader> stored_;
  std::optional<sse::BodyKeys> keys_;
  size_t part_ = SIZE_MAX;
  std::unique_ptr<sse::SegmentReader> segments_;
};

}  // namespace coffer::s3
