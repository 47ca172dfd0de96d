// The encrypted body format: each stored part (a single-part object's body, or one
// part of a multipart upload) is
//
//   salt (16 bytes) | segment 0 | segment 1 | ... | segment n-1
//
// where every segment holds up to 64 KiB of plaintext, AES-256-GCM encrypted with a
// 16-byte tag (DSSE-KMS: encrypted twice, under two independent keys, 32 bytes of
// tags). The part key is HKDF-SHA256(DEK, salt, "coffer sse part v1" | data id | part
// number): the salt is fresh for every upload attempt, so a re-uploaded part never
// repeats a key and nonce. The nonce is the segment index and a final flag; the
// associated data is format, data id, part number, segment index and final flag, so
// segments cannot be reordered, dropped, truncated, or moved to another part or object.
// Only the segments a read needs are decrypted.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "base/secret.h"
#include "crypto/aead.h"
#include "storage/blob_store.h"

namespace coffer::sse {

inline constexpr size_t kSegmentSize = 64 * 1024;
inline constexpr size_t kTagSize = 16;
inline constexpr size_t kSaltSize = 16;
inline constexpr size_t kDataIdSize = 16;

// The secrets of one object's body. Wiped when destroyed.
struct BodyKeys {
  SecretBytes dek;        // 32 bytes
  SecretBytes outer_dek;  // DSSE-KMS's second, independent layer; empty otherwise
  std::string data_id;    // 16 random bytes naming the body (not secret)
  int layers() const { return outer_dek.empty() ? 1 : 2; }
  static BodyKeys Random(bool two_layers);
  BodyKeys Copy() const;
};

// Bytes on disk for a part of `plain` plaintext bytes.
uint64_t StoredSize(uint64_t plain, int layers);

// Encrypts a part as it is appended and writes it to `inner`. size() counts plaintext.
class SegmentWriter : public storage::BlobWriter {
 public:
  SegmentWriter(const BodyKeys& keys, uint32_t part, std::unique_ptr<storage::BlobWriter> inner);
  ~SegmentWriter() override;
  const std::string& id() const override { return inner_->id(); }
  absl::Status Append(std::string_view data) override;
  absl::Status Commit(storage::WriteBatch& batch) override;  // final segment, then `inner`
  uint64_t size() const override { return plain_size_; }
  bool in_memory() const override { return inner_->in_memory(); }

 private:
  absl::Status Flush(bool final);
  struct Layer;
  std::unique_ptr<Layer> inner_layer_, outer_layer_;
  std::string data_id_;
  uint32_t part_;
  std::unique_ptr<storage::BlobWriter> inner_;
  std::string buffer_;
  std::string out_;
  uint64_t segment_ = 0;
  uint64_t plain_size_ = 0;
};

// Reads plaintext from a stored part of `plain_size` bytes; `read_raw` reads stored
// bytes at an offset (as BlobReader::ReadAt). DataLoss when anything was altered.
class SegmentReader {
 public:
  using RawRead = std::function<absl::StatusOr<size_t>(uint64_t offset, char* out, size_t n)>;
  SegmentReader(const BodyKeys& keys, uint32_t part, uint64_t plain_size, RawRead read_raw);
  ~SegmentReader();
  // Reads up to `n` bytes at `offset`, within one segment; 0 at the end.
  absl::StatusOr<size_t> ReadAt(uint64_t offset, char* out, size_t n);

 private:
  absl::Status Load(uint64_t segment);
  const BodyKeys& keys_;
  uint32_t part_;
  uint64_t plain_size_;
  RawRead read_raw_;
  struct Layer;
  std::unique_ptr<Layer> inner_layer_, outer_layer_;
  bool salt_read_ = false;
  uint64_t loaded_ = UINT64_MAX;
  std::string plain_;  // the loaded segment (wiped on destruction)
  std::string raw_;
};

}  // namespace coffer::sse
