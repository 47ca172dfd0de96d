#include "s3/body_reader.h"

#include <algorithm>

namespace coffer::s3 {

BodyReader::BodyReader(std::unique_ptr<ObjectReader> stored, std::optional<sse::BodyKeys> keys)
    : stored_(std::move(stored)), keys_(std::move(keys)) {}

absl::StatusOr<size_t> BodyReader::ReadAt(uint64_t offset, char* out, size_t n) {
  // Whole blocks, not a segment at a time: each read becomes one socket write.
  size_t done = 0;
  while (done < n) {
    auto got = ReadSome(offset + done, out + done, n - done);
    if (!got.ok()) {
      if (done > 0) break;  // what was read is verified; the error comes on the next call
      return got.status();
    }
    if (*got == 0) break;
    done += *got;
  }
  return done;
}

absl::StatusOr<size_t> BodyReader::ReadSome(uint64_t offset, char* out, size_t n) {
  if (!keys_) return stored_->ReadAt(offset, out, n);
  if (offset >= stored_->size()) return 0;
  const auto& starts = stored_->starts();
  const auto& parts = stored_->parts();
  size_t i = std::upper_bound(starts.begin(), starts.end(), offset) - starts.begin() - 1;
  while (i < parts.size() && parts[i].size == 0) ++i;
  if (i >= parts.size()) return 0;
  if (part_ != i) {
    segments_ = std::make_unique<sse::SegmentReader>(
        *keys_, parts[i].number, parts[i].size,
        [this, i](uint64_t off, char* dst, size_t len) { return stored_->ReadStored(i, off, dst, len); });
    part_ = i;
  }
  return segments_->ReadAt(offset - starts[i], out, n);
}

}  // namespace coffer::s3
