#include "sse/segments.h"

#include <cstring>

#include "base/codec.h"
#include "base/ids.h"
#include "crypto/hash.h"

namespace coffer::sse {
namespace {

constexpr char kFormat = 1;

SecretBytes PartKey(const SecretBytes& dek, std::string_view salt, std::string_view data_id,
                    uint32_t part, bool outer) {
  std::string info = outer ? "coffer sse outer part v1" : "coffer sse part v1";
  info += data_id;
  info += BigEndian64(part);
  std::string k = crypto::HkdfSha256(dek.view(), salt, info, crypto::kAeadKeySize);
  SecretBytes key(k);
  WipeString(k);
  return key;
}

std::string Nonce(uint64_t segment, bool final) {
  std::string n = BigEndian64(segment);
  n += std::string(3, '\0');
  n += final ? '\1' : '\0';
  return n;
}

std::string Aad(std::string_view data_id, uint32_t part, uint64_t segment, bool final) {
  std::string a(1, kFormat);
  a += data_id;
  a += BigEndian64(part);
  a += BigEndian64(segment);
  a += final ? '\1' : '\0';
  return a;
}

uint64_t Segments(uint64_t plain) { return plain == 0 ? 1 : (plain + kSegmentSize - 1) / kSegmentSize; }

}  // namespace

struct SegmentWriter::Layer {
  explicit Layer(const SecretBytes& key) : gcm(key) {}
  crypto::AesGcm gcm;
};
struct SegmentReader::Layer {
  explicit Layer(const SecretBytes& key) : gcm(key) {}
  crypto::AesGcm gcm;
};

BodyKeys BodyKeys::Random(bool two_layers) {
  BodyKeys k;
  k.dek = RandomSecret(32);
  if (two_layers) k.outer_dek = RandomSecret(32);
  k.data_id = RandomBytes(kDataIdSize);
  return k;
}

BodyKeys BodyKeys::Copy() const {
  BodyKeys k;
  k.dek = dek.Copy();
  k.outer_dek = outer_dek.Copy();
  k.data_id = data_id;
  return k;
}

uint64_t StoredSize(uint64_t plain, int layers) {
  return kSaltSize + plain + Segments(plain) * kTagSize * static_cast<uint64_t>(layers);
}

SegmentWriter::SegmentWriter(const BodyKeys& keys, uint32_t part,
                             std::unique_ptr<storage::BlobWriter> inner)
    : data_id_(keys.data_id), part_(part), inner_(std::move(inner)) {
  std::string salt = RandomBytes(kSaltSize);
  inner_layer_ = std::make_unique<Layer>(PartKey(keys.dek, salt, data_id_, part, false));
  if (keys.layers() == 2)
    outer_layer_ = std::make_unique<Layer>(PartKey(keys.outer_dek, salt, data_id_, part, true));
  out_ = salt;
  buffer_.reserve(kSegmentSize);
}

SegmentWriter::~SegmentWriter() { WipeString(buffer_); }

absl::Status SegmentWriter::Flush(bool final) {
  const std::string aad = Aad(data_id_, part_, segment_, final);
  const std::string nonce = Nonce(segment_, final);
  size_t at = out_.size();
  out_.resize(at + buffer_.size() + kTagSize);
  inner_layer_->gcm.Encrypt(nonce, aad, buffer_, out_.data() + at);
  if (outer_layer_) {
    std::string once = out_.substr(at);
    out_.resize(at + once.size() + kTagSize);
    outer_layer_->gcm.Encrypt(nonce, aad, once, out_.data() + at);
  }
  ++segment_;
  OPENSSL_cleanse(buffer_.data(), buffer_.size());
  buffer_.clear();
  auto s = inner_->Append(out_);
  out_.clear();
  return s;
}

absl::Status SegmentWriter::Append(std::string_view data) {
  plain_size_ += data.size();
  while (!data.empty()) {
    // A full segment is only written once more data follows: the last one is final.
    if (buffer_.size() == kSegmentSize) {
      if (auto s = Flush(false); !s.ok()) return s;
    }
    size_t take = std::min(data.size(), kSegmentSize - buffer_.size());
    buffer_.append(data.substr(0, take));
    data.remove_prefix(take);
  }
  return absl::OkStatus();
}

absl::Status SegmentWriter::Commit(storage::WriteBatch& batch) {
  if (auto s = Flush(true); !s.ok()) return s;
  return inner_->Commit(batch);
}

SegmentReader::SegmentReader(const BodyKeys& keys, uint32_t part, uint64_t plain_size,
                             RawRead read_raw)
    : keys_(keys), part_(part), plain_size_(plain_size), read_raw_(std::move(read_raw)) {}

SegmentReader::~SegmentReader() { WipeString(plain_); }

absl::Status SegmentReader::Load(uint64_t segment) {
  if (!salt_read_) {
    std::string salt(kSaltSize, '\0');
    auto n = read_raw_(0, salt.data(), kSaltSize);
    if (!n.ok()) return n.status();
    if (*n != kSaltSize) return absl::DataLossError("encrypted body is truncated");
    inner_layer_ = std::make_unique<Layer>(PartKey(keys_.dek, salt, keys_.data_id, part_, false));
    if (keys_.layers() == 2)
      outer_layer_ =
          std::make_unique<Layer>(PartKey(keys_.outer_dek, salt, keys_.data_id, part_, true));
    salt_read_ = true;
  }
  const uint64_t count = Segments(plain_size_);
  const bool final = segment + 1 == count;
  const size_t plain_len =
      final ? static_cast<size_t>(plain_size_ - segment * kSegmentSize) : kSegmentSize;
  const size_t tags = kTagSize * static_cast<size_t>(keys_.layers());
  const uint64_t stride = kSegmentSize + tags;
  raw_.resize(plain_len + tags);
  size_t got = 0;
  while (got < raw_.size()) {
    auto n = read_raw_(kSaltSize + segment * stride + got, raw_.data() + got, raw_.size() - got);
    if (!n.ok()) return n.status();
    if (*n == 0) return absl::DataLossError("encrypted body is truncated");
    got += *n;
  }
  // A stored part longer than its plaintext size says has been tampered with.
  if (final) {
    char extra;
    auto n = read_raw_(kSaltSize + segment * stride + raw_.size(), &extra, 1);
    if (!n.ok()) return n.status();
    if (*n != 0) return absl::DataLossError("encrypted body has trailing bytes");
  }
  const std::string aad = Aad(keys_.data_id, part_, segment, final);
  const std::string nonce = Nonce(segment, final);
  std::string_view in = raw_;
  std::string once;
  if (outer_layer_) {
    once.resize(in.size() - kTagSize);
    if (!outer_layer_->gcm.Decrypt(nonce, aad, in, once.data()))
      return absl::DataLossError("encrypted body failed authentication");
    in = once;
  }
  plain_.resize(plain_len);
  if (!inner_layer_->gcm.Decrypt(nonce, aad, in, plain_.data())) {
    loaded_ = UINT64_MAX;
    return absl::DataLossError("encrypted body failed authentication");
  }
  WipeString(once);
  loaded_ = segment;
  return absl::OkStatus();
}

absl::StatusOr<size_t> SegmentReader::ReadAt(uint64_t offset, char* out, size_t n) {
  if (offset >= plain_size_ || n == 0) return 0;
  const uint64_t segment = offset / kSegmentSize;
  if (loaded_ != segment) {
    if (auto s = Load(segment); !s.ok()) return s;
  }
  size_t within = static_cast<size_t>(offset - segment * kSegmentSize);
  size_t take = std::min(n, plain_.size() - within);
  std::memcpy(out, plain_.data() + within, take);
  return take;
}

}  // namespace coffer::sse
