#include "s3/catalog.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "base/ids.h"

namespace coffer::s3 {
namespace {

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / ("coffer-cat-" + NewUniqueId())).string();
    std::filesystem::create_directories(dir_);
    Reopen();
    ASSERT_TRUE(catalog_->CreateBucket({"b", "111111111111", "us-east-1", absl::Now()}).ok());
  }
  void TearDown() override {
    Close();
    std::filesystem::remove_all(dir_);
  }
  void Close() {
    catalog_.reset();
    blobs_.reset();
    meta_.reset();
  }
  void Reopen() {
    Close();
    meta_ = *storage::OpenRocksMetaStore(dir_ + "/meta");
    blobs_ = *storage::BlobStore::Open(dir_ + "/blobs");
    auto c = Catalog::Open(meta_.get(), blobs_.get());
    ASSERT_TRUE(c.ok()) << c.status();
    catalog_ = *std::move(c);
  }
  void Put(const std::string& key, const std::string& body) {
    auto w = catalog_->NewBody();
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(body).ok());
    ObjectInfo o;
    o.key = key;
    o.size = body.size();
    ASSERT_TRUE(catalog_->CommitObject("b", o, *std::move(w)).ok());
  }
  std::string Read(const std::string& key) {
    auto o = catalog_->OpenObject("b", key);
    EXPECT_TRUE(o.ok());
    if (!o.ok() || !o->body) return "";
    std::string out(o->info.size, '\0');
    EXPECT_EQ(*o->body->ReadAt(0, out.data(), out.size()), out.size());
    return out;
  }
  std::vector<std::string> Keys(const ListResult& r) {
    std::vector<std::string> out;
    for (const auto& o : r.objects) out.push_back(o.key);
    return out;
  }

  std::string dir_;
  std::unique_ptr<storage::MetaStore> meta_;
  std::unique_ptr<storage::BlobStore> blobs_;
  std::unique_ptr<Catalog> catalog_;
};

TEST_F(CatalogTest, OverwriteKeepsOneBody) {
  Put("k", "first");
  Put("k", "second body");
  EXPECT_EQ(Read("k"), "second body");
  EXPECT_EQ(*blobs_->CountLive(), 1u);
  EXPECT_TRUE(*catalog_->DeleteObject("b", "k"));
  EXPECT_FALSE(*catalog_->DeleteObject("b", "k"));
  EXPECT_EQ(*blobs_->CountLive(), 0u);
  EXPECT_EQ(catalog_->OpenObject("b", "k").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(CatalogTest, BucketRules) {
  BucketInfo existing;
  EXPECT_EQ(catalog_->CreateBucket({"b", "222222222222", "us-east-1", absl::Now()}, &existing)
                .code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(existing.owner_account, "111111111111");
  Put("x", "1");
  EXPECT_EQ(catalog_->DeleteBucket("b").code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(*catalog_->DeleteObject("b", "x"));
  EXPECT_TRUE(catalog_->DeleteBucket("b").ok());
  EXPECT_EQ(catalog_->DeleteBucket("b").code(), absl::StatusCode::kNotFound);
  ObjectInfo o;
  o.key = "late";
  EXPECT_EQ(catalog_->CommitObject("b", o, nullptr).code(), absl::StatusCode::kNotFound);
}

TEST_F(CatalogTest, ListingWithDelimiterAndPages) {
  for (const char* k : {"a/1", "a/2", "b", "c/x/1", "c/y", "d"}) Put(k, "v");
  ListQuery q;
  q.delimiter = "/";
  auto r = catalog_->List("b", q);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Keys(*r), (std::vector<std::string>{"b", "d"}));
  EXPECT_EQ(r->common_prefixes, (std::vector<std::string>{"a/", "c/"}));
  EXPECT_FALSE(r->truncated);

  // Page through two at a time; a common prefix marker skips its subtree.
  q.max_keys = 2;
  r = catalog_->List("b", q);
  EXPECT_EQ(r->common_prefixes, (std::vector<std::string>{"a/"}));
  EXPECT_EQ(Keys(*r), (std::vector<std::string>{"b"}));
  EXPECT_TRUE(r->truncated);
  EXPECT_EQ(r->last, "b");
  q.start_after = "a/";
  r = catalog_->List("b", q);
  EXPECT_EQ(Keys(*r), (std::vector<std::string>{"b"}));
  EXPECT_EQ(r->common_prefixes, (std::vector<std::string>{"c/"}));
  q.start_after = "c/";
  r = catalog_->List("b", q);
  EXPECT_EQ(Keys(*r), (std::vector<std::string>{"d"}));
  EXPECT_FALSE(r->truncated);

  ListQuery p;
  p.prefix = "c/";
  p.delimiter = "/";
  r = catalog_->List("b", p);
  EXPECT_EQ(Keys(*r), (std::vector<std::string>{"c/y"}));
  EXPECT_EQ(r->common_prefixes, (std::vector<std::string>{"c/x/"}));

  ListQuery zero;
  zero.max_keys = 0;
  r = catalog_->List("b", zero);
  EXPECT_TRUE(r->objects.empty());
  EXPECT_FALSE(r->truncated);
}

TEST_F(CatalogTest, RecoveryPublishesCommittedAndDropsOrphans) {
  // An orphan: a staged body whose metadata never committed.
  {
    auto w = catalog_->NewBody();
    ASSERT_TRUE((*w)->Append("orphan").ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  ASSERT_EQ(blobs_->ListStaged()->size(), 1u);
  Put("kept", "data");
  Reopen();
  EXPECT_TRUE(blobs_->ListStaged()->empty());
  EXPECT_EQ(*blobs_->CountLive(), 1u);
  EXPECT_EQ(Read("kept"), "data");
}

TEST_F(CatalogTest, ConcurrentOverwritesNeverTear) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 20; ++i) Put("hot", std::string(1000, static_cast<char>('a' + t)));
    });
  }
  for (auto& th : threads) th.join();
  std::string body = Read("hot");
  ASSERT_EQ(body.size(), 1000u);
  EXPECT_EQ(body, std::string(1000, body[0]));
  EXPECT_EQ(*blobs_->CountLive(), 1u);
}

}  // namespace
}  // namespace coffer::s3
