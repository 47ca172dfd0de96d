#include <gtest/gtest.h>

#include <filesystem>

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
  ASSERT_TRUE((*w)->Commit().ok());
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

TEST_F(BlobStoreTest, UncommittedWriterLeavesNothing) {
  {
    auto w = store_->NewBlob();
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append("partial").ok());
  }
  EXPECT_TRUE(store_->ListStaged()->empty());
  EXPECT_EQ(*store_->CountLive(), 0u);
}

TEST_F(BlobStoreTest, RejectsBadIds) {
  EXPECT_EQ(store_->OpenBlob("../../etc/passwd").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace coffer::storage
