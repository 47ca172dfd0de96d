#include "sse/segments.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/ids.h"

namespace coffer::sse {
namespace {

class SegmentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / ("coffer-seg-" + NewUniqueId())).string();
    blobs_ = *storage::BlobStore::Open(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Encrypts `plain` as part `part` in chunks of `chunk` bytes; returns the blob id.
  std::string Write(const BodyKeys& keys, uint32_t part, const std::string& plain,
                    size_t chunk = 10000) {
    SegmentWriter w(keys, part, *blobs_->NewBlob());
    for (size_t i = 0; i < plain.size(); i += chunk)
      EXPECT_TRUE(w.Append(std::string_view(plain).substr(i, chunk)).ok());
    EXPECT_EQ(w.size(), plain.size());
    storage::WriteBatch batch;
    EXPECT_TRUE(w.Commit(batch).ok());
    EXPECT_TRUE(batch.empty());  // no metadata store: every body is a file
    std::string id = w.id();
    EXPECT_TRUE(blobs_->Publish(id).ok());
    return id;
  }
  std::string Raw(const std::string& id) {
    auto r = *blobs_->OpenBlob(id);
    std::string out(r->size(), '\0');
    EXPECT_EQ(*r->ReadAt(0, out.data(), out.size()), out.size());
    return out;
  }
  // A reader over stored bytes held in memory (to read tampered copies).
  static SegmentReader::RawRead Over(std::shared_ptr<std::string> raw) {
    return [raw](uint64_t off, char* out, size_t n) -> absl::StatusOr<size_t> {
      if (off >= raw->size()) return size_t{0};
      size_t take = std::min<uint64_t>(n, raw->size() - off);
      std::memcpy(out, raw->data() + off, take);
      return take;
    };
  }
  static absl::StatusOr<std::string> ReadAll(const BodyKeys& keys, uint32_t part,
                                             uint64_t size, SegmentReader::RawRead raw,
                                             uint64_t from = 0, uint64_t to = UINT64_MAX) {
    SegmentReader r(keys, part, size, std::move(raw));
    std::string out;
    char buf[7000];
    for (uint64_t at = from; at < std::min(to, size);) {
      auto n = r.ReadAt(at, buf, std::min<uint64_t>(sizeof buf, std::min(to, size) - at));
      if (!n.ok()) return n.status();
      if (*n == 0) return absl::DataLossError("short");
      out.append(buf, *n);
      at += *n;
    }
    return out;
  }

  std::string dir_;
  std::unique_ptr<storage::BlobStore> blobs_;
};

TEST_F(SegmentsTest, RoundTripsAtEverySizeBoundary) {
  for (int layers : {1, 2}) {
    BodyKeys keys = BodyKeys::Random(layers == 2);
    for (size_t size : {size_t{0}, size_t{1}, kSegmentSize - 1, kSegmentSize, kSegmentSize + 1,
                        3 * kSegmentSize, size_t{200000 + 17}}) {
      std::string plain = RandomBytes(size);
      std::string id = Write(keys, 3, plain);
      auto raw = std::make_shared<std::string>(Raw(id));
      EXPECT_EQ(raw->size(), StoredSize(size, layers)) << size;
      if (size >= 16) {
        EXPECT_EQ(raw->find(plain.substr(0, 16)), std::string::npos);
      }
      auto back = ReadAll(keys, 3, size, Over(raw));
      ASSERT_TRUE(back.ok()) << size << ": " << back.status();
      EXPECT_EQ(*back, plain) << size;
    }
  }
}

TEST_F(SegmentsTest, RangesDecryptOnlyWhatTheyNeed) {
  BodyKeys keys = BodyKeys::Random(false);
  std::string plain = RandomBytes(5 * kSegmentSize + 123);
  auto raw = std::make_shared<std::string>(Raw(Write(keys, 1, plain)));
  int reads = 0;
  auto counting = [raw, &reads](uint64_t off, char* out, size_t n) -> absl::StatusOr<size_t> {
    ++reads;
    return Over(raw)(off, out, n);
  };
  for (auto [from, to] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 1}, {kSegmentSize - 5, kSegmentSize + 5}, {3 * kSegmentSize + 7, plain.size()},
           {plain.size() - 1, plain.size()}}) {
    auto got = ReadAll(keys, 1, plain.size(), counting, from, to);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, plain.substr(from, to - from));
  }
  // A one-byte read in the last segment touched the salt, that segment and the end check.
  reads = 0;
  ASSERT_TRUE(ReadAll(keys, 1, plain.size(), counting, plain.size() - 1, plain.size()).ok());
  EXPECT_LE(reads, 3);
}

TEST_F(SegmentsTest, TamperingIsDetected) {
  BodyKeys keys = BodyKeys::Random(false);
  std::string plain = RandomBytes(3 * kSegmentSize + 500);
  const std::string stored = Raw(Write(keys, 2, plain));
  const size_t stride = kSegmentSize + kTagSize;
  auto fails = [&](std::string raw, uint32_t part = 2, uint64_t size = 0) {
    auto r = ReadAll(keys, part, size ? size : plain.size(),
                     Over(std::make_shared<std::string>(std::move(raw))));
    return !r.ok() && r.status().code() == absl::StatusCode::kDataLoss;
  };
  for (size_t at : {size_t{0}, size_t{15}, size_t{16}, kSaltSize + kSegmentSize + 3,
                    kSaltSize + stride - 1, stored.size() - 1}) {
    std::string bad = stored;
    bad[at] ^= 0x20;
    EXPECT_TRUE(fails(bad)) << "flip at " << at;
  }
  EXPECT_TRUE(fails(stored.substr(0, stored.size() - 1)));                 // truncated
  EXPECT_TRUE(fails(stored + "x"));                                        // extended
  EXPECT_TRUE(fails(stored.substr(0, kSaltSize + 3 * stride)));            // last dropped
  std::string swapped = stored;                                             // reordered
  std::swap_ranges(swapped.begin() + kSaltSize, swapped.begin() + kSaltSize + stride,
                   swapped.begin() + kSaltSize + stride);
  EXPECT_TRUE(fails(swapped));
  EXPECT_TRUE(fails(stored, /*part=*/3));                                  // another part
  // Claiming it ends at a segment boundary: the last full segment is not final.
  EXPECT_TRUE(fails(stored.substr(0, kSaltSize + 3 * stride), 2, 3 * kSegmentSize));
  BodyKeys other = keys.Copy();
  other.data_id = RandomBytes(kDataIdSize);                                 // another object
  EXPECT_FALSE(
      ReadAll(other, 2, plain.size(), Over(std::make_shared<std::string>(stored))).ok());
}

TEST_F(SegmentsTest, TwoLayersNeedBothKeys) {
  BodyKeys keys = BodyKeys::Random(true);
  std::string plain = RandomBytes(100000);
  auto raw = std::make_shared<std::string>(Raw(Write(keys, 1, plain)));
  EXPECT_EQ(*ReadAll(keys, 1, plain.size(), Over(raw)), plain);
  BodyKeys wrong_outer = keys.Copy();
  wrong_outer.outer_dek = RandomSecret(32);
  EXPECT_FALSE(ReadAll(wrong_outer, 1, plain.size(), Over(raw)).ok());
  BodyKeys wrong_inner = keys.Copy();
  wrong_inner.dek = RandomSecret(32);
  EXPECT_FALSE(ReadAll(wrong_inner, 1, plain.size(), Over(raw)).ok());
}

TEST_F(SegmentsTest, ReuploadedPartsNeverRepeatKeystream) {
  BodyKeys keys = BodyKeys::Random(false);
  std::string plain(1000, 'a');
  std::string a = Raw(Write(keys, 1, plain)), b = Raw(Write(keys, 1, plain));
  EXPECT_NE(a.substr(0, kSaltSize), b.substr(0, kSaltSize));
  EXPECT_NE(a.substr(kSaltSize), b.substr(kSaltSize));
}

}  // namespace
}  // namespace coffer::sse
