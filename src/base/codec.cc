#include "base/codec.h"

namespace coffer {
namespace {
absl::Status Truncated() { return absl::DataLossError("truncated record"); }
}  // namespace

Encoder& Encoder::U8(uint8_t v) {
  out_.push_back(static_cast<char>(v));
  return *this;
}

Encoder& Encoder::U64(uint64_t v) {
  out_ += BigEndian64(v);
  return *this;
}

Encoder& Encoder::Varint(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
  return *this;
}

Encoder& Encoder::Str(std::string_view v) {
  Varint(v.size());
  out_.append(v);
  return *this;
}

absl::Status Decoder::U8(uint8_t& v) {
  if (in_.empty()) return Truncated();
  v = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  return absl::OkStatus();
}

absl::Status Decoder::U64(uint64_t& v) {
  if (in_.size() < 8) return Truncated();
  v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in_[i]);
  in_.remove_prefix(8);
  return absl::OkStatus();
}

absl::Status Decoder::Varint(uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in_.empty()) return Truncated();
    uint8_t b = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return absl::OkStatus();
  }
  return absl::DataLossError("varint too long");
}

absl::Status Decoder::Bool(bool& v) {
  uint8_t b = 0;
  if (auto s = U8(b); !s.ok()) return s;
  if (b > 1) return absl::DataLossError("bad bool");
  v = b == 1;
  return absl::OkStatus();
}

absl::Status Decoder::Str(std::string& v) {
  uint64_t n;
  if (auto s = Varint(n); !s.ok()) return s;
  if (n > in_.size()) return Truncated();
  v.assign(in_.substr(0, n));
  in_.remove_prefix(n);
  return absl::OkStatus();
}

Encoder& Encoder::Time(absl::Time t) {
  return Varint(static_cast<uint64_t>(absl::ToUnixMicros(t)));
}

Encoder& Encoder::Pairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
  Varint(pairs.size());
  for (const auto& [k, v] : pairs) Str(k).Str(v);
  return *this;
}

RecordReader& RecordReader::Version(uint8_t expected) {
  uint8_t v = 0;
  U8(v);
  if (status_.ok() && v != expected) status_ = absl::DataLossError("unknown record version");
  return *this;
}

RecordReader& RecordReader::Version(uint8_t lo, uint8_t hi, uint8_t& got) {
  got = 0;
  U8(got);
  if (status_.ok() && (got < lo || got > hi))
    status_ = absl::DataLossError("unknown record version");
  return *this;
}

RecordReader& RecordReader::Time(absl::Time& t) {
  uint64_t micros = 0;
  Varint(micros);
  t = absl::FromUnixMicros(static_cast<int64_t>(micros));
  return *this;
}

RecordReader& RecordReader::Pairs(std::vector<std::pair<std::string, std::string>>& pairs) {
  uint64_t n = 0;
  Varint(n);
  if (status_.ok() && n > 100000) status_ = absl::DataLossError("bad pair count");
  for (uint64_t i = 0; status_.ok() && i < n; ++i) {
    std::string k, v;
    Str(k).Str(v);
    pairs.emplace_back(std::move(k), std::move(v));
  }
  return *this;
}

std::string BigEndian64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

}  // namespace coffer
