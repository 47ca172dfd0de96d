#include "s3/catalog.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "base/ids.h"
#include "s3/records.h"

namespace coffer::s3 {
namespace {

BucketInfo Bucket(const std::string& name, const std::string& owner) {
  BucketInfo b;
  b.name = name;
  b.owner_account = owner;
  b.region = "us-east-1";
  b.created = absl::Now();
  return b;
}

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / ("coffer-cat-" + NewUniqueId())).string();
    std::filesystem::create_directories(dir_);
    Reopen();
    ASSERT_TRUE(catalog_->CreateBucket(Bucket("b", "111111111111")).ok());
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
    // Bodies up to 8 bytes are kept in the metadata store: the tests use both kinds.
    blobs_ = *storage::BlobStore::Open(dir_ + "/blobs", meta_.get(), 8);
    auto c = Catalog::Open(meta_.get(), blobs_.get());
    ASSERT_TRUE(c.ok()) << c.status();
    catalog_ = *std::move(c);
  }
  std::unique_ptr<storage::BlobWriter> Body(const std::string& data) {
    auto w = catalog_->NewBody(data.size());
    EXPECT_TRUE(w.ok());
    EXPECT_TRUE((*w)->Append(data).ok());
    return *std::move(w);
  }
  std::string Put(const std::string& key, const std::string& body) {
    ObjectInfo o;
    o.key = key;
    o.size = body.size();
    auto stored = catalog_->PutObject("b", o, Body(body));
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.ok() ? stored->version_id : "";
  }
  std::string Read(const std::string& key, std::optional<std::string> version = std::nullopt) {
    auto o = catalog_->OpenObject("b", key, version);
    EXPECT_TRUE(o.ok()) << o.status();
    if (!o.ok() || !o->body) return "";
    std::string out;
    char buf[7];  // small reads cross part boundaries
    for (uint64_t off = 0; off < o->body->size();) {
      auto n = o->body->ReadAt(off, buf, sizeof(buf));
      EXPECT_TRUE(n.ok());
      if (!n.ok() || *n == 0) break;
      out.append(buf, *n);
      off += *n;
    }
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
  EXPECT_TRUE(catalog_->DeleteObject("b", "k")->existed);
  EXPECT_FALSE(catalog_->DeleteObject("b", "k")->existed);
  EXPECT_EQ(*blobs_->CountLive(), 0u);
  EXPECT_EQ(catalog_->OpenObject("b", "k").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(CatalogTest, BucketRules) {
  BucketInfo existing;
  EXPECT_EQ(catalog_->CreateBucket(Bucket("b", "222222222222"), &existing)
                .code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(existing.owner_account, "111111111111");
  Put("x", "1");
  EXPECT_EQ(catalog_->DeleteBucket("b").code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(catalog_->DeleteObject("b", "x")->existed);
  EXPECT_TRUE(catalog_->DeleteBucket("b").ok());
  EXPECT_EQ(catalog_->DeleteBucket("b").code(), absl::StatusCode::kNotFound);
  ObjectInfo o;
  o.key = "late";
  EXPECT_EQ(catalog_->PutObject("b", o, nullptr).status().code(), absl::StatusCode::kNotFound);
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
  // Orphans: a staged body whose metadata never committed, and a small body whose
  // batch was never written (it leaves nothing behind).
  for (std::string body : {"orphan body", "orphan"}) {
    auto w = catalog_->NewBody(body.size());
    ASSERT_TRUE((*w)->Append(body).ok());
    storage::WriteBatch never_written;
    ASSERT_TRUE((*w)->Commit(never_written).ok());
    EXPECT_EQ(never_written.empty(), body.size() > 8);
  }
  ASSERT_EQ(blobs_->ListStaged()->size(), 1u);
  Put("kept", "data");
  Reopen();
  EXPECT_TRUE(blobs_->ListStaged()->empty());
  EXPECT_EQ(*blobs_->CountLive(), 1u);
  EXPECT_EQ(Read("kept"), "data");
}

TEST_F(CatalogTest, VersioningKeepsHistoryAndDeleteMarkers) {
  std::string null_v = Put("k", "unversioned");
  EXPECT_EQ(null_v, "null");
  ASSERT_TRUE(catalog_->UpdateBucket("b", [](BucketInfo& b) { b.versioning = Versioning::kEnabled; }).ok());
  std::string v1 = Put("k", "one");
  std::string v2 = Put("k", "two");
  EXPECT_EQ(v1.size(), 32u);
  EXPECT_NE(v1, v2);
  EXPECT_EQ(Read("k"), "two");
  EXPECT_EQ(Read("k", v1), "one");
  EXPECT_EQ(Read("k", "null"), "unversioned");

  auto del = catalog_->DeleteObject("b", "k");
  ASSERT_TRUE(del.ok());
  EXPECT_TRUE(del->delete_marker);
  auto current = catalog_->GetObject("b", "k");
  ASSERT_TRUE(current.ok() && current->has_value());
  EXPECT_TRUE((*current)->delete_marker);
  EXPECT_TRUE(catalog_->List("b", ListQuery{})->objects.empty());

  VersionListQuery q;
  auto versions = catalog_->ListVersions("b", q);
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->versions.size(), 4u);
  EXPECT_TRUE(versions->versions[0].first.delete_marker);
  EXPECT_TRUE(versions->versions[0].second);  // latest
  EXPECT_EQ(versions->versions[1].first.version_id, v2);
  EXPECT_FALSE(versions->versions[1].second);
  EXPECT_EQ(versions->versions[3].first.version_id, "null");

  // Removing the marker brings v2 back; removing v2 makes v1 current.
  ASSERT_TRUE(catalog_->DeleteObject("b", "k", del->version_id)->existed);
  EXPECT_EQ(Read("k"), "two");
  ASSERT_TRUE(catalog_->DeleteObject("b", "k", v2)->existed);
  EXPECT_EQ(Read("k"), "one");

  // Paging through versions with markers.
  q.max_keys = 1;
  versions = catalog_->ListVersions("b", q);
  EXPECT_TRUE(versions->truncated);
  q.key_marker = versions->next_key_marker;
  q.version_id_marker = versions->next_version_id_marker;
  versions = catalog_->ListVersions("b", q);
  ASSERT_EQ(versions->versions.size(), 1u);
  EXPECT_EQ(versions->versions[0].first.version_id, "null");
  EXPECT_FALSE(versions->versions[0].second);

  // Suspended: writes replace the null version only.
  ASSERT_TRUE(catalog_->UpdateBucket("b", [](BucketInfo& b) { b.versioning = Versioning::kSuspended; }).ok());
  EXPECT_EQ(Put("k", "suspended"), "null");
  EXPECT_EQ(Read("k", v1), "one");
  EXPECT_EQ(Read("k", "null"), "suspended");
  EXPECT_EQ(catalog_->DeleteBucket("b").code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(CatalogTest, ConditionalWrites) {
  WriteConditions none;
  none.if_none_match = "*";
  ObjectInfo o;
  o.key = "c";
  o.etag = "e1";
  ASSERT_TRUE(catalog_->PutObject("b", o, Body("1"), none).ok());
  EXPECT_EQ(catalog_->PutObject("b", o, Body("2"), none).status().code(),
            absl::StatusCode::kFailedPrecondition);
  WriteConditions match;
  match.if_match = "other";
  EXPECT_EQ(catalog_->PutObject("b", o, Body("3"), match).status().code(),
            absl::StatusCode::kFailedPrecondition);
  match.if_match = "e1";
  EXPECT_TRUE(catalog_->PutObject("b", o, Body("4"), match).ok());
  o.key = "missing";
  EXPECT_EQ(catalog_->PutObject("b", o, Body("5"), match).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Read("c"), "4");
  EXPECT_TRUE(blobs_->ListStaged()->empty());
}

TEST_F(CatalogTest, MultipartUploadLifecycle) {
  UploadInfo u;
  u.key = "mp";
  auto created = catalog_->CreateUpload("b", u);
  ASSERT_TRUE(created.ok());
  for (uint32_t n : {1u, 2u, 3u}) {
    UploadedPart p;
    p.number = n;
    p.size = 10;
    p.etag = "e" + std::to_string(n);
    ASSERT_TRUE(catalog_->PutPart("b", "mp", created->upload_id, p,
                                  Body(std::string(10, static_cast<char>('0' + n))))
                    .ok());
  }
  // Re-uploading part 2 replaces it.
  UploadedPart again;
  again.number = 2;
  again.size = 10;
  again.etag = "e2b";
  ASSERT_TRUE(catalog_->PutPart("b", "mp", created->upload_id, again, Body("BBBBBBBBBB")).ok());
  bool truncated = false;
  auto parts = catalog_->ListParts(created->upload_id, 0, 2, &truncated);
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_TRUE(truncated);
  EXPECT_EQ((*parts)[1].etag, "e2b");
  auto uploads = catalog_->ListUploads("b", UploadListQuery{});
  ASSERT_EQ(uploads->uploads.size(), 1u);

  // Complete with parts 1 and 2 only: part 3 becomes garbage.
  auto all = catalog_->ListParts(created->upload_id, 0, -1, nullptr);
  std::vector<PartRef> chosen;
  for (const auto& p : *all)
    if (p.number != 3) chosen.push_back(PartRef{p.number, p.size, p.blob_id, p.etag, ""});
  auto object = catalog_->CompleteUpload("b", *created, chosen, "x-2", "");
  ASSERT_TRUE(object.ok()) << object.status();
  EXPECT_EQ(object->size, 20u);
  EXPECT_EQ(Read("mp"), "1111111111BBBBBBBBBB");
  EXPECT_EQ(*blobs_->CountLive(), 2u);
  auto done = catalog_->GetUpload("b", "mp", created->upload_id);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->completed);
  EXPECT_EQ(done->object.etag, "x-2");
  EXPECT_EQ(catalog_->CompleteUpload("b", *created, chosen, "x-2", "").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(catalog_->PutPart("b", "mp", created->upload_id, again, Body("late")).code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(blobs_->ListStaged()->empty());
  EXPECT_TRUE(catalog_->ListUploads("b", UploadListQuery{})->uploads.empty());

  // Abort removes parts.
  auto second = catalog_->CreateUpload("b", u);
  UploadedPart p;
  p.number = 1;
  ASSERT_TRUE(catalog_->PutPart("b", "mp", second->upload_id, p, Body("zz")).ok());
  EXPECT_TRUE(catalog_->AbortUpload("b", "mp", second->upload_id).ok());
  EXPECT_EQ(*blobs_->CountLive(), 2u);
  EXPECT_EQ(catalog_->AbortUpload("b", "mp", second->upload_id).code(),
            absl::StatusCode::kNotFound);

  // A bucket holding only an unfinished upload can be deleted; the parts go with it.
  ASSERT_TRUE(catalog_->DeleteObject("b", "mp")->existed);
  auto third = catalog_->CreateUpload("b", u);
  ASSERT_TRUE(catalog_->PutPart("b", "mp", third->upload_id, p, Body("yy")).ok());
  EXPECT_TRUE(catalog_->DeleteBucket("b").ok());
  EXPECT_EQ(*blobs_->CountLive(), 0u);
}

TEST_F(CatalogTest, ReadersKeepReplacedBodiesUntilDone) {
  Put("pinned", "old body, a file");
  auto reader = catalog_->OpenObject("b", "pinned");
  ASSERT_TRUE(reader.ok());
  Put("pinned", "new body, a file!");  // replaces the blob the reader holds
  std::string buf(16, '\0');
  EXPECT_EQ(*reader->body->ReadAt(0, buf.data(), 16), 16u);
  EXPECT_EQ(buf, "old body, a file");
  EXPECT_EQ(*blobs_->CountLive(), 2u);
  reader->body.reset();
  EXPECT_EQ(*blobs_->CountLive(), 1u);
  EXPECT_EQ(Read("pinned"), "new body, a file!");
}

// Counts the records of the kBlobs table under `prefix` ("r/" references, "g/" garbage).
size_t CountBlobRecords(storage::MetaStore& meta, const std::string& prefix) {
  size_t n = 0;
  for (auto it = meta.Scan(storage::Table::kBlobs, prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next())
    ++n;
  return n;
}

TEST_F(CatalogTest, HeldBodiesLeaveInTheWriteThatDropsTheirVersion) {
  Put("h", "old");  // small enough to be held in the metadata store
  auto reader = catalog_->OpenObject("b", "h");
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(reader->info.parts[0].held);
  Put("h", "new");
  // Gone at once, with no reference or garbage records, while the reader keeps its copy.
  EXPECT_EQ(*blobs_->CountLive(), 1u);
  EXPECT_EQ(CountBlobRecords(*meta_, "r/"), 0u);
  EXPECT_EQ(CountBlobRecords(*meta_, "g/"), 0u);
  std::string buf(3, '\0');
  EXPECT_EQ(*reader->body->ReadAt(0, buf.data(), 3), 3u);
  EXPECT_EQ(buf, "old");
  reader->body.reset();
  EXPECT_EQ(Read("h"), "new");
  ASSERT_TRUE(catalog_->DeleteObject("b", "h")->existed);
  EXPECT_EQ(*blobs_->CountLive(), 0u);

  // In a versioned bucket each version owns its body until that version is deleted.
  ASSERT_TRUE(catalog_->UpdateBucket("b", [](BucketInfo& b) { b.versioning = Versioning::kEnabled; }).ok());
  std::string v1 = Put("v", "one"), v2 = Put("v", "two");
  EXPECT_EQ(*blobs_->CountLive(), 2u);
  ASSERT_TRUE(catalog_->DeleteObject("b", "v", v1).ok());
  EXPECT_EQ(*blobs_->CountLive(), 1u);
  EXPECT_EQ(Read("v", v2), "two");
  Reopen();  // nothing for recovery to find
  EXPECT_EQ(*blobs_->CountLive(), 1u);
  EXPECT_EQ(Read("v"), "two");
}

TEST_F(CatalogTest, ReadersOfHeldBodiesRacingOverwritesSeeWholeBodies) {
  std::atomic<bool> stop = false;
  Put("hot", std::string(8, 'a'));
  std::thread reader([&] {
    while (!stop) {
      std::string body = Read("hot");
      ASSERT_EQ(body.size(), 8u);
      EXPECT_EQ(body, std::string(8, body[0]));
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([this, t] {
      for (int i = 0; i < 200; ++i) Put("hot", std::string(8, static_cast<char>('a' + t)));
    });
  }
  for (auto& th : writers) th.join();
  stop = true;
  reader.join();
  EXPECT_EQ(*blobs_->CountLive(), 1u);
}

TEST(RecordsTest, ObjectsFromBeforeTheHeldFlagStillDecode) {
  ObjectInfo o;
  o.key = "k";
  o.parts.push_back(PartRef{0, 5, std::string(32, 'a'), "", "", true});
  auto now = DecodeObject("k", EncodeObject(o));
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_TRUE(now->parts[0].held);
  // Version 2 had no flag: the same record without its byte (the last before the
  // empty encryption record) and with the old version number.
  std::string v2 = EncodeObject(o);
  v2[0] = 2;
  v2.erase(v2.size() - 2, 1);
  auto old = DecodeObject("k", v2);
  ASSERT_TRUE(old.ok()) << old.status();
  ASSERT_EQ(old->parts.size(), 1u);
  EXPECT_EQ(old->parts[0].blob_id, std::string(32, 'a'));
  EXPECT_FALSE(old->parts[0].held);
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

TEST_F(CatalogTest, GarbageOfConcurrentOverwritesIsAllCollected) {
  // Threads overwrite their own keys; whichever commit collects garbage does it for the
  // others too. Afterwards one body per key is left, small (in the metadata store) and
  // large (files) alike, and nothing is still marked as garbage.
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 25; ++i) {
        Put("small-" + std::to_string(t), std::to_string(i));
        Put("large-" + std::to_string(t), std::string(100 + i, static_cast<char>('a' + t)));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(*blobs_->CountLive(), 16u);  // files and bodies held in the store
  size_t inline_bodies = 0, garbage = 0;
  for (auto it = meta_->Scan(storage::Table::kBlobData, ""); it->Valid(); it->Next()) ++inline_bodies;
  for (auto it = meta_->Scan(storage::Table::kBlobs, "g/"); it->Valid() && it->key().starts_with("g/");
       it->Next())
    ++garbage;
  EXPECT_EQ(inline_bodies, 8u);
  EXPECT_EQ(garbage, 0u);
  for (int t = 0; t < 8; ++t) {
    EXPECT_EQ(Read("small-" + std::to_string(t)), "24");
    EXPECT_EQ(Read("large-" + std::to_string(t)), std::string(124, static_cast<char>('a' + t)));
  }
}

}  // namespace
}  // namespace coffer::s3
