#include "storage/cached_meta_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "base/ids.h"

namespace coffer::storage {
namespace {

// Counts the reads that reach the RocksDB store underneath.
class Counting : public MetaStore {
 public:
  explicit Counting(std::unique_ptr<MetaStore> inner, std::atomic<int>* gets)
      : inner_(std::move(inner)), gets_(gets) {}
  absl::StatusOr<std::optional<std::string>> Get(Table t, std::string_view key) override {
    ++*gets_;
    return inner_->Get(t, key);
  }
  absl::Status Write(const WriteBatch& b, bool sync) override { return inner_->Write(b, sync); }
  std::unique_ptr<MetaIterator> Scan(Table t, std::string_view start) override {
    return inner_->Scan(t, start);
  }

 private:
  std::unique_ptr<MetaStore> inner_;
  std::atomic<int>* gets_;
};

class CachedMetaStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / ("coffer-cache-" + NewUniqueId())).string();
    auto rocks = OpenRocksMetaStore(dir_);
    ASSERT_TRUE(rocks.ok()) << rocks.status();
    store_ = NewCachedMetaStore(std::make_unique<Counting>(*std::move(rocks), &gets_),
                                {Table::kBuckets}, /*per_key=*/{Table::kObjects});
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Put(Table t, const std::string& k, const std::string& v) {
    WriteBatch b;
    b.Put(t, k, v);
    ASSERT_TRUE(store_->Write(b).ok());
  }
  std::optional<std::string> Get(Table t, const std::string& k) { return *store_->Get(t, k); }

  std::string dir_;
  std::atomic<int> gets_{0};
  std::unique_ptr<MetaStore> store_;
};

TEST_F(CachedMetaStoreTest, ServesRepeatedReadsAndSeesEveryWrite) {
  EXPECT_EQ(Get(Table::kBuckets, "b"), std::nullopt);  // a miss is remembered too
  EXPECT_EQ(Get(Table::kBuckets, "b"), std::nullopt);
  EXPECT_EQ(gets_, 1);
  Put(Table::kBuckets, "b", "one");
  EXPECT_EQ(Get(Table::kBuckets, "b"), "one");
  EXPECT_EQ(Get(Table::kBuckets, "b"), "one");
  EXPECT_EQ(gets_, 2);
  Put(Table::kBuckets, "other", "x");  // any write to the table invalidates it
  EXPECT_EQ(Get(Table::kBuckets, "b"), "one");
  EXPECT_EQ(gets_, 3);
  WriteBatch gone;
  gone.Delete(Table::kBuckets, "b");
  ASSERT_TRUE(store_->Write(gone).ok());
  EXPECT_EQ(Get(Table::kBuckets, "b"), std::nullopt);
}

TEST_F(CachedMetaStoreTest, OtherTablesAreNotCached) {
  Put(Table::kVersions, "k", "v");
  EXPECT_EQ(Get(Table::kVersions, "k"), "v");
  EXPECT_EQ(Get(Table::kVersions, "k"), "v");
  EXPECT_EQ(gets_, 2);
}

// A table cached per key keeps serving the keys a write did not touch.
TEST_F(CachedMetaStoreTest, PerKeyTablesDropOnlyTheKeysWritten) {
  Put(Table::kObjects, "a", "1");
  Put(Table::kObjects, "b", "1");
  EXPECT_EQ(Get(Table::kObjects, "a"), "1");
  EXPECT_EQ(Get(Table::kObjects, "b"), "1");
  EXPECT_EQ(Get(Table::kObjects, "missing"), std::nullopt);
  EXPECT_EQ(gets_, 3);
  Put(Table::kObjects, "b", "2");
  EXPECT_EQ(Get(Table::kObjects, "a"), "1");  // still cached
  EXPECT_EQ(Get(Table::kObjects, "missing"), std::nullopt);
  EXPECT_EQ(gets_, 3);
  EXPECT_EQ(Get(Table::kObjects, "b"), "2");  // read again
  EXPECT_EQ(gets_, 4);
  WriteBatch gone;
  gone.Delete(Table::kObjects, "a");
  gone.Put(Table::kObjects, "missing", "here");
  ASSERT_TRUE(store_->Write(gone).ok());
  EXPECT_EQ(Get(Table::kObjects, "a"), std::nullopt);
  EXPECT_EQ(Get(Table::kObjects, "missing"), "here");
  EXPECT_EQ(Get(Table::kObjects, "b"), "2");
  EXPECT_EQ(gets_, 6);
}

// Readers racing a writer never see a value older than the last completed write, in a
// table cached whole and in one cached per key (where a second writer keeps writing
// another key of the same table).
TEST_F(CachedMetaStoreTest, ReadersNeverSeeAnOlderValueThanTheLastWrite) {
  for (Table t : {Table::kBuckets, Table::kObjects}) {
    Put(t, "n", "0");
    std::atomic<int> written{0};
    std::atomic<bool> stale{false};
    std::thread writer([&] {
      for (int i = 1; i <= 2000; ++i) {
        WriteBatch b;
        b.Put(t, "n", std::to_string(i));
        ASSERT_TRUE(store_->Write(b, /*sync=*/false).ok());
        written = i;
      }
    });
    std::thread other([&] {
      for (int i = 0; written < 2000; ++i) {
        WriteBatch b;
        b.Put(t, "other", std::to_string(i));
        ASSERT_TRUE(store_->Write(b, /*sync=*/false).ok());
      }
    });
    std::thread reader([&] {
      while (written < 2000) {
        int before = written;
        int seen = std::stoi(*Get(t, "n"));
        if (seen < before) stale = true;
      }
    });
    writer.join();
    other.join();
    reader.join();
    EXPECT_FALSE(stale);
    EXPECT_EQ(Get(t, "n"), "2000");
  }
}

}  // namespace
}  // namespace coffer::storage
