// Buckets, recovery, blob garbage and reader pins. Object versions are in
// catalog_objects.cc, listings in catalog_list.cc, multipart uploads in
// catalog_uploads.cc.
#include "s3/catalog.h"

#include <boost/asio/post.hpp>

#include "base/blocking_pool.h"

#include <functional>

#include "s3/catalog_keys.h"
#include "s3/records.h"

namespace coffer::s3 {

using storage::Table;
using namespace catalog_keys;

Catalog::Catalog(storage::MetaStore* meta, storage::BlobStore* blobs)
    : meta_(meta), blobs_(blobs),
      commits_(std::make_unique<storage::CommitQueue>(meta, &buckets_mu_)) {}

Catalog::~Catalog() {
  commits_.reset();  // finishes the commits submitted, which may leave garbage behind
  std::unique_lock lock(gc_mu_);
  gc_idle_.wait(lock, [this] { return !gc_running_; });
}

absl::StatusOr<std::unique_ptr<Catalog>> Catalog::Open(storage::MetaStore* meta,
                                                       storage::BlobStore* blobs) {
  std::unique_ptr<Catalog> c(new Catalog(meta, blobs));
  if (auto s = c->Recover(); !s.ok()) return s;
  return c;
}

absl::Status Catalog::Recover() {
  auto staged = blobs_->ListStaged();
  if (!staged.ok()) return staged.status();
  for (const auto& id : *staged) {
    auto ref = meta_->Get(Table::kBlobs, RefKey(id));
    if (!ref.ok()) return ref.status();
    auto s = ref->has_value() ? blobs_->Publish(id) : blobs_->Delete(id);
    if (!s.ok()) return s;
  }
  std::vector<std::string> garbage;
  auto it = meta_->Scan(Table::kBlobs, "g/");
  for (; it->Valid() && it->key().starts_with("g/"); it->Next())
    garbage.emplace_back(it->key().substr(2));
  if (auto s = it->status(); !s.ok()) return s;
  CollectGarbage(garbage);
  return absl::OkStatus();
}

uint64_t Catalog::NextSequence() {
  uint64_t now = static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()));
  uint64_t last = last_sequence_.load();
  while (true) {
    uint64_t next = std::max(now, last + 1);
    if (last_sequence_.compare_exchange_weak(last, next)) return next;
  }
}

std::mutex& Catalog::KeyLock(const std::string& bucket, const std::string& key) {
  size_t h = std::hash<std::string>()(bucket) * 31 + std::hash<std::string>()(key);
  return key_locks_[h % key_locks_.size()];
}

// --- Garbage and pins ---

void Catalog::Garbage(storage::WriteBatch& batch, const std::vector<PartRef>& parts,
                      std::vector<std::string>& out) {
  for (const auto& p : parts) {
    if (p.blob_id.empty()) continue;
    if (p.held) {  // readers hold their own copy: it goes with this batch
      blobs_->DeleteHeld(p.blob_id, batch);
      continue;
    }
    batch.Delete(Table::kBlobs, RefKey(p.blob_id));
    batch.Put(Table::kBlobs, GarbageKey(p.blob_id), "");
    out.push_back(p.blob_id);
  }
}

void Catalog::CollectGarbage(const std::vector<std::string>& blob_ids) {
  if (QueueGarbage(blob_ids)) DrainGarbage();
}

void Catalog::CollectGarbageInBackground(const std::vector<std::string>& blob_ids) {
  if (QueueGarbage(blob_ids)) boost::asio::post(base::BlockingPool(), [this] { DrainGarbage(); });
}

// Under load many commits end at once: whoever finds no collection running deletes
// for all of them, one write per round until nothing is left, while the others return
// at once. Their blobs stay marked as garbage until then (Recover() finishes the job
// after a crash).
bool Catalog::QueueGarbage(const std::vector<std::string>& blob_ids) {
  std::vector<std::string> ready;
  {
    std::lock_guard lock(pins_mu_);
    for (const auto& id : blob_ids) {
      if (pins_.count(id)) deferred_garbage_.insert(id);  // the last reader deletes it
      else ready.push_back(id);
    }
  }
  std::lock_guard lock(gc_mu_);
  gc_pending_.insert(gc_pending_.end(), ready.begin(), ready.end());
  if (gc_running_ || gc_pending_.empty()) return false;
  gc_running_ = true;
  return true;
}

void Catalog::DrainGarbage() {
  while (true) {
    std::vector<std::string> ids;
    {
      std::lock_guard lock(gc_mu_);
      if (gc_pending_.empty()) {
        gc_running_ = false;
        gc_idle_.notify_all();
        return;
      }
      ids.swap(gc_pending_);
    }
    storage::WriteBatch done;
    for (const auto& id : ids) {
      if (!blobs_->Delete(id, done).ok()) continue;  // retried at the next start
      done.Delete(Table::kBlobs, GarbageKey(id));
    }
    if (!done.empty()) (void)meta_->Write(done, /*sync=*/false);
  }
}

void Catalog::Pin(const std::vector<PartRef>& parts) {
  std::lock_guard lock(pins_mu_);
  for (const auto& p : parts)
    if (!p.blob_id.empty() && !p.held) ++pins_[p.blob_id];
}

void Catalog::Unpin(const std::vector<PartRef>& parts) {
  std::vector<std::string> release;
  {
    std::lock_guard lock(pins_mu_);
    for (const auto& p : parts) {
      if (p.blob_id.empty() || p.held) continue;
      auto it = pins_.find(p.blob_id);
      if (it == pins_.end() || --it->second > 0) continue;
      pins_.erase(it);
      if (deferred_garbage_.erase(p.blob_id)) release.push_back(p.blob_id);
    }
  }
  if (!release.empty()) CollectGarbage(release);
}

ObjectReader::~ObjectReader() {
  open_.reset();
  if (catalog_) catalog_->Unpin(parts_);
}

absl::StatusOr<size_t> ObjectReader::ReadStored(size_t index, uint64_t offset, char* out,
                                                size_t n) {
  if (index >= parts_.size() || parts_[index].blob_id.empty()) return 0;
  if (open_index_ != index) {
    open_.reset();
    auto r = catalog_->blobs_->OpenBlob(parts_[index].blob_id);
    if (!r.ok()) return r.status();
    open_ = *std::move(r);
    open_index_ = index;
  }
  return open_->ReadAt(offset, out, n);
}

absl::StatusOr<size_t> ObjectReader::ReadAt(uint64_t offset, char* out, size_t n) {
  if (offset >= size_) return 0;
  // The part holding `offset`: the last one starting at or before it.
  size_t i = std::upper_bound(starts_.begin(), starts_.end(), offset) - starts_.begin() - 1;
  while (i < parts_.size() && parts_[i].size == 0) ++i;
  if (i >= parts_.size()) return 0;
  uint64_t within = offset - starts_[i];
  size_t want = static_cast<size_t>(std::min<uint64_t>(n, parts_[i].size - within));
  return ReadStored(i, within, out, want);
}

// --- Buckets ---

absl::Status Catalog::CreateBucket(const BucketInfo& bucket, BucketInfo* existing) {
  std::unique_lock lock(buckets_mu_);
  auto current = GetBucket(bucket.name);
  if (!current.ok()) return current.status();
  if (current->has_value()) {
    if (existing) *existing = **current;
    return absl::AlreadyExistsError("bucket exists");
  }
  storage::WriteBatch b;
  b.Put(Table::kBuckets, bucket.name, EncodeBucket(bucket));
  return meta_->Write(b);
}

absl::StatusOr<std::optional<BucketInfo>> Catalog::GetBucket(const std::string& name) {
  auto v = meta_->Get(Table::kBuckets, name);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<BucketInfo>();
  auto b = DecodeBucket(name, **v);
  if (!b.ok()) return b.status();
  return std::optional<BucketInfo>(*std::move(b));
}

absl::Status Catalog::UpdateBucket(const std::string& bucket,
                                   const std::function<void(BucketInfo&)>& change) {
  std::unique_lock lock(buckets_mu_);
  auto current = GetBucket(bucket);
  if (!current.ok()) return current.status();
  if (!current->has_value()) return absl::NotFoundError("no such bucket");
  BucketInfo info = **current;
  change(info);
  storage::WriteBatch b;
  b.Put(Table::kBuckets, bucket, EncodeBucket(info));
  return meta_->Write(b);
}

absl::StatusOr<std::optional<std::string>> Catalog::GetBucketConfig(const std::string& bucket,
                                                                    const std::string& name) {
  return meta_->Get(Table::kBucketConfig, ConfigKey(bucket, name));
}

absl::Status Catalog::PutBucketConfig(const std::string& bucket, const std::string& name,
                                      const std::optional<std::string>& value) {
  std::shared_lock lock(buckets_mu_);
  auto current = GetBucket(bucket);
  if (!current.ok()) return current.status();
  if (!current->has_value()) return absl::NotFoundError("no such bucket");
  storage::WriteBatch b;
  if (value) b.Put(Table::kBucketConfig, ConfigKey(bucket, name), *value);
  else b.Delete(Table::kBucketConfig, ConfigKey(bucket, name));
  return meta_->Write(b);
}

absl::Status Catalog::DeleteBucket(const std::string& name) {
  std::unique_lock lock(buckets_mu_);
  auto current = GetBucket(name);
  if (!current.ok()) return current.status();
  if (!current->has_value()) return absl::NotFoundError("no such bucket");
  const std::string prefix = name + "/";
  // Versions, delete markers included, keep a bucket non-empty.
  auto versions = meta_->Scan(Table::kVersions, prefix);
  if (versions->Valid() && versions->key().starts_with(prefix))
    return absl::FailedPreconditionError("bucket not empty");
  if (auto s = versions->status(); !s.ok()) return s;

  // Unfinished multipart uploads do not: they go with the bucket, as on AWS.
  storage::WriteBatch b;
  std::vector<std::string> garbage;
  auto uploads = meta_->Scan(Table::kUploads, prefix);
  for (; uploads->Valid() && uploads->key().starts_with(prefix); uploads->Next()) {
    auto upload = DecodeUpload(uploads->value());
    if (!upload.ok()) return upload.status();
    auto parts = ListParts(upload->upload_id, 0, -1, nullptr);
    if (!parts.ok()) return parts.status();
    for (const auto& p : *parts) {
      b.Delete(Table::kParts, PartKey(upload->upload_id, p.number));
      Garbage(b, {PartRef{p.number, p.size, p.blob_id, "", ""}}, garbage);
    }
    b.Delete(Table::kUploads, uploads->key());
  }
  if (auto s = uploads->status(); !s.ok()) return s;
  b.Delete(Table::kBuckets, name);
  auto it = meta_->Scan(Table::kBucketConfig, prefix);
  for (; it->Valid() && it->key().starts_with(prefix); it->Next())
    b.Delete(Table::kBucketConfig, it->key());
  if (auto s = it->status(); !s.ok()) return s;
  if (auto s = meta_->Write(b); !s.ok()) return s;
  CollectGarbage(garbage);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<BucketInfo>> Catalog::ListBuckets(const std::string& owner) {
  std::vector<BucketInfo> out;
  auto it = meta_->Scan(Table::kBuckets, "");
  for (; it->Valid(); it->Next()) {
    auto b = DecodeBucket(std::string(it->key()), it->value());
    if (!b.ok()) return b.status();
    if (b->owner_account == owner) out.push_back(*std::move(b));
  }
  if (auto s = it->status(); !s.ok()) return s;
  return out;
}

absl::StatusOr<std::unique_ptr<storage::BlobWriter>> Catalog::NewBody(uint64_t size) {
  if (auto s = blobs_->CheckRoom(size); !s.ok()) return s;
  return blobs_->NewBlob();
}

}  // namespace coffer::s3
