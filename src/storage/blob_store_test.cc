#include <sys/statvfs.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/ids.h"
#include "storage/blob_store.h"

namespace coffer::storage {
namespace {

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / ("coffer-blobs-" + NewUniqueId())).string();
    auto s = BlobStore::Open(dir_);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string ReadAll(const std::string& id) {
    auto r = store_->OpenBlob(id);
    EXPECT_TRUE(r.ok());
    std::string out((*r)->size(), '\0');
    auto n = (*r)->ReadAt(0, out.data(), out.size());
    EXPECT_TRUE(n.ok());
    out.resize(*n);
    return out;
  }

  std::string dir_;
  std::unique_ptr<BlobStore> store_;
};

TEST_F(BlobStoreTest, WriteCommitPublishRead) {
  auto w = store_->NewBlob();
  ASSERT_TRUE(w.ok());
  std::string id = (*w)->id();
  ASSERT_TRUE((*w)->Append("hello ").ok());
  ASSERT_TRUE((*w)->Append("world").ok());
  WriteBatch batch;
  ASSERT_TRUE((*w)->Commit(batch).ok());
  EXPECT_TRUE(batch.empty());  // without a metadata store, every body is a file
  EXPECT_EQ((*w)->size(), 11u);
  w->reset();
  EXPECT_EQ(*store_->ListStaged(), std::vector<std::string>{id});
  EXPECT_EQ(ReadAll(id), "hello world");  // readable while still staged
  ASSERT_TRUE(store_->Publish(id).ok());
  EXPECT_TRUE(store_->ListStaged()->empty());
  EXPECT_EQ(ReadAll(id), "hello world");
  EXPECT_EQ(*store_->CountLive(), 1u);

  auto r = store_->OpenBlob(id);
  char buf[5];
  EXPECT_EQ(*(*r)->ReadAt(6, buf, 5), 5u);
  EXPECT_EQ(std::string(buf, 5), "world");
  EXPECT_EQ(*(*r)->ReadAt(11, buf, 5), 0u);

  ASSERT_TRUE(store_->Delete(id).ok());
  EXPECT_EQ(store_->OpenBlob(id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->Delete(id).ok());
}

// Files are written direct in 1 MiB blocks, a ring of them in flight, with a tail
// through the page cache: every size around those boundaries reads back exactly, on
// the disk and on tmpfs (which may refuse O_DIRECT, for the plain-write fallback).
TEST_F(BlobStoreTest, FilesOfEverySizeReadBackExactly) {
  std::vector<std::string> dirs = {dir_};
  const std::string shm = "/dev/shm/coffer-blobs-" + NewUniqueId();
  std::error_code made;
  if (std::filesystem::create_directory(shm, made)) dirs.push_back(shm);  // where there is one
  for (const std::string& dir : dirs) {
    auto store = BlobStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    for (size_t size : {(64u << 10) + 1, (1u << 20) - 1, 1u << 20, (1u << 20) + 1,
                        (3u << 20) + 4097, (9u << 20) + 100}) {
      std::string body(size, '\0');
      for (size_t i = 0; i < size; ++i) body[i] = static_cast<char>((i * 131 + size) >> 3);
      auto w = (*store)->NewBlob();
      ASSERT_TRUE(w.ok());
      for (size_t off = 0; off < size; off += 70001)
        ASSERT_TRUE((*w)->Append(std::string_view(body).substr(off, 70001)).ok());
      WriteBatch batch;
      ASSERT_TRUE((*w)->Commit(batch).ok());
      std::string id = (*w)->id();
      w->reset();
      ASSERT_TRUE((*store)->Publish(id).ok());
      auto r = (*store)->OpenBlob(id);
      ASSERT_TRUE(r.ok());
      ASSERT_EQ((*r)->size(), size);
      std::string back(size, '\0');
      size_t got = 0;
      while (got < size) {
        auto n = (*r)->ReadAt(got, back.data() + got, size - got);
        ASSERT_TRUE(n.ok());
        ASSERT_GT(*n, 0u);
        got += *n;
      }
      EXPECT_TRUE(back == body) << "size " << size << " in " << dir;
    }
    store->reset();
    if (dir != dir_) std::filesystem::remove_all(dir);
  }
}

// The reserve: a body is refused when it would leave less than min_free on the disk.
TEST_F(BlobStoreTest, CheckRoomKeepsTheReserveFree) {
  EXPECT_GT(store_->min_free(), 0u);  // min(1 GiB, 5% of the disk)
  EXPECT_TRUE(store_->CheckRoom(4096).ok());
  store_->set_min_free(UINT64_MAX / 2);
  EXPECT_EQ(store_->CheckRoom(0).code(), absl::StatusCode::kResourceExhausted);
  store_->set_min_free(0);
  EXPECT_TRUE(store_->CheckRoom(0).ok());
  EXPECT_EQ(store_->CheckRoom(UINT64_MAX).code(), absl::StatusCode::kResourceExhausted);
}

// A recent reading of the disk answers only far from the reserve: close to it, the
// disk is asked again, so a reserve raised (or space taken) since is seen at once.
TEST_F(BlobStoreTest, CheckRoomAsksTheDiskNearTheReserve) {
  store_->set_min_free(0);
  ASSERT_TRUE(store_->CheckRoom(4096).ok());  // a reading far from the reserve
  struct statvfs fs;
  ASSERT_EQ(statvfs(dir_.c_str(), &fs), 0);
  const uint64_t free = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  ASSERT_GT(free, uint64_t{64} << 20);
  store_->set_min_free(free - (8 << 20));  // 8 MiB above the reserve
  EXPECT_TRUE(store_->CheckRoom(1 << 20).ok());
  EXPECT_EQ(store_->CheckRoom(32 << 20).code(), absl::StatusCode::kResourceExhausted);
  // Far from the reserve, bodies admitted since the reading are counted against it.
  store_->set_min_free(0);
  EXPECT_TRUE(store_->CheckRoom(4096).ok());
  EXPECT_EQ(store_->CheckRoom(free * 2).code(), absl::StatusCode::kResourceExhausted);
}

TEST_F(BlobStoreTest, UncommittedWriterLeavesNothing) {
  {
    auto w = store_->NewBlob();
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append("partial").ok());
  }
  EXPECT_TRUE(store_->ListStaged()->empty());
  EXPECT_EQ(*store_->CountLive(), 0u);
}

// With a metadata store, a body up to the limit travels in the caller's batch and a
// larger one spills to a staging file, even when it crossed the limit mid-append.
TEST_F(BlobStoreTest, SmallBodiesJoinTheMetadataBatch) {
  auto meta = OpenRocksMetaStore(dir_ + "/meta");
  ASSERT_TRUE(meta.ok()) << meta.status();
  auto store = BlobStore::Open(dir_ + "/mixed", meta->get(), 10);
  ASSERT_TRUE(store.ok());
  auto write = [&](std::vector<std::string> pieces, WriteBatch& batch) {
    auto w = (*store)->NewBlob();
    for (const auto& p : pieces) EXPECT_TRUE((*w)->Append(p).ok());
    EXPECT_TRUE((*w)->Commit(batch).ok());
    return (*w)->id();
  };
  WriteBatch small_batch, big_batch, lost_batch;
  std::string small = write({"tiny ", "body"}, small_batch);
  std::string big = write({"eight by", "tes and more"}, big_batch);
  write({"lost"}, lost_batch);
  EXPECT_EQ(small_batch.ops().size(), 1u);
  EXPECT_TRUE(big_batch.empty());
  EXPECT_EQ(*(*store)->ListStaged(), std::vector<std::string>{big});
  // Until the batch is written, the small body does not exist.
  EXPECT_EQ((*store)->OpenBlob(small).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE((*meta)->Write(small_batch).ok());
  ASSERT_TRUE((*store)->Publish(small).ok());  // nothing to move
  ASSERT_TRUE((*store)->Publish(big).ok());
  EXPECT_EQ(*(*store)->CountLive(), 2u);  // the lost batch left nothing

  auto r = (*store)->OpenBlob(small);
  ASSERT_TRUE(r.ok());
  char buf[16];
  EXPECT_EQ((*r)->size(), 9u);
  EXPECT_EQ(*(*r)->ReadAt(5, buf, sizeof(buf)), 4u);
  EXPECT_EQ(std::string(buf, 4), "body");
  EXPECT_EQ(*(*r)->ReadAt(9, buf, sizeof(buf)), 0u);
  auto rb = (*store)->OpenBlob(big);
  ASSERT_TRUE(rb.ok());
  EXPECT_EQ((*rb)->size(), 20u);

  ASSERT_TRUE((*store)->Delete(small).ok());
  ASSERT_TRUE((*store)->Delete(big).ok());
  EXPECT_EQ((*store)->OpenBlob(small).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*(*store)->CountLive(), 0u);
}

TEST_F(BlobStoreTest, RejectsBadIds) {
  EXPECT_EQ(store_->OpenBlob("../../etc/passwd").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(BlobStoreTest, DeletedFilesGoThroughTheTrash) {
  auto write = [&](const std::string& body) {
    auto w = store_->NewBlob();
    EXPECT_TRUE(w.ok());
    std::string id = (*w)->id();
    WriteBatch batch;
    EXPECT_TRUE((*w)->Append(body).ok() && (*w)->Commit(batch).ok());
    EXPECT_TRUE(store_->Publish(id).ok());
    return id;
  };
  const auto trash = std::filesystem::path(dir_) / "trash";
  auto trash_count = [&] {
    return std::distance(std::filesystem::directory_iterator(trash),
                         std::filesystem::directory_iterator());
  };
  std::string id = write("doomed");
  ASSERT_TRUE(store_->Delete(id).ok());
  EXPECT_EQ(store_->OpenBlob(id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*store_->CountLive(), 0u);
  for (int i = 0; i < 500 && trash_count() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(trash_count(), 0);  // the reaper unlinked it

  // Trash left by a process that stopped is emptied by the next one.
  store_.reset();
  { std::ofstream(trash / "0123456789abcdef0123456789abcdef") << "left over"; }
  ASSERT_EQ(trash_count(), 1);
  store_ = *BlobStore::Open(dir_);
  for (int i = 0; i < 500 && trash_count() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(trash_count(), 0);
}

}  // namespace
}  // namespace coffer::storage
