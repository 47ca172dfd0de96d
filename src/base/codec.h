// A small binary codec for records stored in the metadata store.
//
// Encoder appends fixed-width big-endian integers, varints and length-prefixed
// strings to a std::string; Decoder reads them back with bounds checks and reports
// truncated or malformed input as absl::DataLossError, never by crashing. A record
// starts with its own format version so fields can be added later.
//
// BigEndian64 keys sort numerically in byte order (used inside store keys).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace coffer {

class Encoder {
 public:
  Encoder& U8(uint8_t v);
  Encoder& U64(uint64_t v);  // fixed 8 bytes, big-endian
  Encoder& Varint(uint64_t v);
  Encoder& Bool(bool v) { return U8(v ? 1 : 0); }
  Encoder& Str(std::string_view v);  // varint length + bytes
  Encoder& Time(absl::Time t);       // microseconds since the epoch, as a varint
  Encoder& Pairs(const std::vector<std::pair<std::string, std::string>>& pairs);
  const std::string& data() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  absl::Status U8(uint8_t& v);
  absl::Status U64(uint64_t& v);
  absl::Status Varint(uint64_t& v);
  absl::Status Bool(bool& v);
  absl::Status Str(std::string& v);
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

// Reads a record's fields in order, remembering the first error so that a whole
// record decodes in one chain: r.Version(1).Str(a).Varint(b); then check r.status().
class RecordReader {
 public:
  explicit RecordReader(std::string_view in) : d_(in) {}
  RecordReader& Version(uint8_t expected);  // DataLoss on another version
  // For records that gained fields: accepts versions lo..hi and tells which it was.
  RecordReader& Version(uint8_t lo, uint8_t hi, uint8_t& got);
  RecordReader& U8(uint8_t& v) { return Do(d_.U8(v)); }
  RecordReader& Varint(uint64_t& v) { return Do(d_.Varint(v)); }
  RecordReader& Bool(bool& v) { return Do(d_.Bool(v)); }
  RecordReader& Str(std::string& v) { return Do(d_.Str(v)); }
  RecordReader& Time(absl::Time& t);
  RecordReader& Pairs(std::vector<std::pair<std::string, std::string>>& pairs);
  const absl::Status& status() const { return status_; }
  void Fail(absl::Status s) { Do(std::move(s)); }

 private:
  RecordReader& Do(absl::Status s) {
    if (status_.ok()) status_ = std::move(s);
    return *this;
  }
  Decoder d_;
  absl::Status status_;
};

std::string BigEndian64(uint64_t v);

}  // namespace coffer
