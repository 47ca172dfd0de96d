// Object versions: put, get, open for reading, delete, update in place.
#include "s3/catalog.h"

#include <future>

#include <boost/asio/post.hpp>

#include "base/blocking_pool.h"
#include "s3/catalog_keys.h"
#include "s3/records.h"

namespace coffer::s3 {

using storage::Table;
using namespace catalog_keys;

namespace {

absl::Status CheckConditions(const WriteConditions& c, const std::optional<ObjectInfo>& current) {
  bool exists = current && !current->delete_marker;
  if (c.if_none_match && *c.if_none_match == "*" && exists)
    return absl::FailedPreconditionError("If-None-Match");
  if (c.if_match) {
    if (!exists) return absl::NotFoundError("If-Match on a missing key");
    if (*c.if_match != "*" && *c.if_match != current->etag)
      return absl::FailedPreconditionError("If-Match");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::optional<ObjectInfo>> Catalog::GetObject(
    const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id) {
  if (version_id) {
    auto found = FindVersion(bucket, key, *version_id);
    if (!found.ok()) return found.status();
    if (!found->has_value()) return std::optional<ObjectInfo>();
    return std::optional<ObjectInfo>(std::move((*found)->second));
  }
  auto v = meta_->Get(Table::kObjects, ObjectKey(bucket, key));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<ObjectInfo>();
  auto o = DecodeObject(key, **v);
  if (!o.ok()) return o.status();
  return std::optional<ObjectInfo>(*std::move(o));
}

absl::StatusOr<std::optional<std::pair<std::string, ObjectInfo>>> Catalog::FindVersion(
    const std::string& bucket, const std::string& key, const std::string& version_id) {
  using Found = std::optional<std::pair<std::string, ObjectInfo>>;
  if (version_id == "null") {
    // The null version sits wherever it was written in the key's history.
    const std::string prefix = VersionPrefix(bucket, key);
    auto it = meta_->Scan(Table::kVersions, prefix);
    for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
      auto o = DecodeObject(key, it->value());
      if (!o.ok()) return o.status();
      if (o->version_id == "null") return Found(std::make_pair(std::string(it->key()), *std::move(o)));
    }
    if (auto s = it->status(); !s.ok()) return s;
    return Found();
  }
  auto seq = IdSequence(version_id);
  if (!seq) return Found();
  std::string vkey = VersionKey(bucket, key, *seq);
  auto v = meta_->Get(Table::kVersions, vkey);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return Found();
  auto o = DecodeObject(key, **v);
  if (!o.ok()) return o.status();
  if (o->version_id != version_id) return Found();
  return Found(std::make_pair(std::move(vkey), *std::move(o)));
}

absl::StatusOr<std::optional<std::pair<std::string, ObjectInfo>>> Catalog::NullVersion(
    const std::string& bucket, Versioning versioning, const std::string& key) {
  using Found = std::optional<std::pair<std::string, ObjectInfo>>;
  // In a bucket that never had versioning a key's only version is its current one,
  // found with a point read; otherwise the null version may sit anywhere in the
  // key's history.
  if (versioning != Versioning::kUnversioned) return FindVersion(bucket, key, "null");
  auto current = GetObject(bucket, key);
  if (!current.ok()) return current.status();
  if (!current->has_value()) return Found();
  std::string vkey = VersionKey(bucket, key, (*current)->sequence);
  return Found(std::make_pair(std::move(vkey), **std::move(current)));
}

absl::StatusOr<std::optional<ObjectInfo>> Catalog::LatestVersion(const std::string& bucket,
                                                                 const std::string& key) {
  const std::string prefix = VersionPrefix(bucket, key);
  auto it = meta_->Scan(Table::kVersions, prefix);
  if (it->Valid() && it->key().starts_with(prefix)) {
    auto o = DecodeObject(key, it->value());
    if (!o.ok()) return o.status();
    return std::optional<ObjectInfo>(*std::move(o));
  }
  if (auto s = it->status(); !s.ok()) return s;
  return std::optional<ObjectInfo>();
}

absl::StatusOr<std::vector<std::string>> Catalog::StageVersion(const std::string& bucket,
                                                               const BucketInfo& info,
                                                               ObjectInfo& object,
                                                               storage::WriteBatch& batch) {
  std::vector<std::string> garbage;
  object.sequence = NextSequence();
  if (info.versioning == Versioning::kEnabled) {
    object.version_id = MakeId(object.sequence);
  } else {
    // Unversioned and suspended buckets keep one null version per key: the new one
    // replaces it.
    object.version_id = "null";
    auto old = NullVersion(bucket, info.versioning, object.key);
    if (!old.ok()) return old.status();
    if (old->has_value()) {
      batch.Delete(Table::kVersions, (*old)->first);
      Garbage(batch, (*old)->second.parts, garbage);
    }
  }
  const std::string okey = ObjectKey(bucket, object.key);
  const std::string encoded = EncodeObject(object);
  batch.Put(Table::kVersions, VersionKey(bucket, object.key, object.sequence), encoded);
  batch.Put(Table::kObjects, okey, encoded);
  for (const auto& p : object.parts) {
    if (!p.blob_id.empty() && !p.held) batch.Put(Table::kBlobs, RefKey(p.blob_id), okey);
  }
  return garbage;
}

absl::StatusOr<ObjectInfo> Catalog::PutObject(const std::string& bucket, ObjectInfo object,
                                              std::unique_ptr<storage::BlobWriter> body,
                                              const WriteConditions& conditions) {
  std::promise<absl::StatusOr<ObjectInfo>> outcome;
  std::vector<std::string> garbage;
  SubmitPut(bucket, std::move(object), std::move(body), conditions,
            [&](absl::StatusOr<ObjectInfo> stored, std::vector<std::string> replaced) {
              garbage = std::move(replaced);
              outcome.set_value(std::move(stored));
            });
  auto stored = outcome.get_future().get();
  CollectGarbage(garbage);
  return stored;
}

void Catalog::PutObjectAsync(const std::string& bucket, ObjectInfo object,
                             std::unique_ptr<storage::BlobWriter> body,
                             WriteConditions conditions, PutDone done) {
  Committed committed = [this, done = std::move(done)](absl::StatusOr<ObjectInfo> stored,
                                                       std::vector<std::string> garbage) mutable {
    CollectGarbageInBackground(garbage);
    done(std::move(stored));
  };
  if (body && !body->in_memory()) {
    boost::asio::post(base::BlockingPool(),
                      [this, bucket, object = std::move(object), body = std::move(body),
                       conditions = std::move(conditions),
                       committed = std::move(committed)]() mutable {
                        SubmitPut(bucket, std::move(object), std::move(body),
                                  std::move(conditions), std::move(committed));
                      });
    return;
  }
  SubmitPut(bucket, std::move(object), std::move(body), std::move(conditions),
            std::move(committed));
}

void Catalog::SubmitPut(const std::string& bucket, ObjectInfo object,
                        std::unique_ptr<storage::BlobWriter> body, WriteConditions conditions,
                        Committed done) {
  struct Put {
    std::string bucket;
    ObjectInfo object;
    WriteConditions conditions;
    Committed done;
    std::vector<std::string> garbage;  // blobs the new version replaces
    // The body is a staged file, to publish once committed (not held with the version).
    bool in_file() const { return !object.parts.empty() && !object.parts[0].held; }
  };
  storage::CommitQueue::Job job;
  object.parts.clear();
  if (body) {  // a small body joins the version's metadata in the job's batch
    const bool held = body->in_memory();
    if (auto s = body->Commit(job.batch); !s.ok()) return done(s, {});
    object.parts.push_back(PartRef{0, body->size(), body->id(), "", "", held});
  }
  job.key = ObjectKey(bucket, object.key);
  job.lock = &KeyLock(bucket, object.key);
  auto put = std::make_shared<Put>(
      Put{bucket, std::move(object), std::move(conditions), std::move(done), {}});
  // Runs on the commit thread under the key lock, with buckets_mu_ held shared.
  job.stage = [this, put](storage::WriteBatch& batch) -> absl::Status {
    auto info = GetBucket(put->bucket);
    if (!info.ok()) return info.status();
    if (!info->has_value()) return absl::NotFoundError("no such bucket");
    if (put->conditions.if_match || put->conditions.if_none_match) {
      auto current = GetObject(put->bucket, put->object.key);
      if (!current.ok()) return current.status();
      if (auto s = CheckConditions(put->conditions, *current); !s.ok()) return s;
    }
    auto garbage = StageVersion(put->bucket, **info, put->object, batch);
    if (!garbage.ok()) return garbage.status();
    put->garbage = *std::move(garbage);
    return absl::OkStatus();
  };
  job.done = [this, put](const absl::Status& written) {
    if (!written.ok()) {
      // Nothing references the body: remove its file now rather than at the next start
      // (a body held in memory went nowhere: its batch was not written).
      if (put->in_file()) (void)blobs_->Delete(put->object.parts[0].blob_id);
      return put->done(written, {});
    }
    // The version is durable from here on; what follows is tidying Recover() redoes.
    if (put->in_file()) (void)blobs_->Publish(put->object.parts[0].blob_id);
    put->done(std::move(put->object), std::move(put->garbage));
  };
  commits_->Submit(std::move(job));
}

absl::StatusOr<Catalog::OpenedObject> Catalog::OpenObject(
    const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id) {
  // Pin the version's blobs, then check the version still stands: any later removal
  // of those blobs happens after a commit that this second read would have seen. A
  // held body is read whole instead: it leaves in the very write that replaces or
  // deletes its version, so finding it means the version stood when it was read.
  for (int attempt = 0; attempt < 10; ++attempt) {
    auto first = GetObject(bucket, key, version_id);
    if (!first.ok()) return first.status();
    if (!first->has_value()) return absl::NotFoundError("no such key");
    ObjectInfo info = **std::move(first);
    if (info.delete_marker) return OpenedObject{std::move(info), nullptr};
    auto reader = std::unique_ptr<ObjectReader>(new ObjectReader());
    reader->catalog_ = this;
    reader->parts_ = info.parts;
    for (const auto& p : info.parts) {
      reader->starts_.push_back(reader->size_);
      reader->size_ += p.size;
    }
    if (info.parts.size() == 1 && info.parts[0].held) {
      if (info.parts[0].size == 0) return OpenedObject{std::move(info), std::move(reader)};
      auto body = blobs_->OpenBlob(info.parts[0].blob_id);
      if (body.ok()) {
        reader->open_ = *std::move(body);
        reader->open_index_ = 0;
        return OpenedObject{std::move(info), std::move(reader)};
      }
      if (!absl::IsNotFound(body.status())) return body.status();
      auto again = GetObject(bucket, key, version_id);
      if (!again.ok()) return again.status();
      if (again->has_value() && (*again)->sequence == info.sequence)
        return absl::DataLossError("the body of " + key + " is missing");
      continue;  // replaced or deleted meanwhile: look again
    }
    Pin(info.parts);
    auto again = GetObject(bucket, key, version_id);
    if (again.ok() && again->has_value() && (*again)->sequence == info.sequence)
      return OpenedObject{std::move(info), std::move(reader)};
    reader->parts_.clear();  // its destructor must not unpin: this loop does
    Unpin(info.parts);
    if (!again.ok()) return again.status();
  }
  return absl::UnavailableError("object changed too often while being opened");
}

absl::StatusOr<Catalog::DeleteResult> Catalog::DeleteObject(
    const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id) {
  std::vector<std::string> garbage;
  DeleteResult result;
  {
    std::shared_lock buckets(buckets_mu_);
    std::lock_guard lock(KeyLock(bucket, key));
    auto info = GetBucket(bucket);
    if (!info.ok()) return info.status();
    if (!info->has_value()) return absl::NotFoundError("no such bucket");
    storage::WriteBatch batch;
    const std::string okey = ObjectKey(bucket, key);

    if (!version_id && (*info)->versioning != Versioning::kUnversioned) {
      // Versioned buckets keep history: a delete adds a marker as the newest version.
      ObjectInfo marker;
      marker.key = key;
      marker.delete_marker = true;
      marker.last_modified = absl::Now();
      marker.owner_account = (*info)->owner_account;
      auto staged = StageVersion(bucket, **info, marker, batch);
      if (!staged.ok()) return staged.status();
      garbage = *std::move(staged);
      result = {true, marker.version_id, true};
    } else {
      auto found = !version_id || *version_id == "null"
                       ? NullVersion(bucket, (*info)->versioning, key)
                       : FindVersion(bucket, key, *version_id);
      if (!found.ok()) return found.status();
      if (!found->has_value()) return result;  // nothing to delete: still a success
      const auto& [vkey, old] = **found;
      batch.Delete(Table::kVersions, vkey);
      Garbage(batch, old.parts, garbage);
      result = {true, old.version_id, old.delete_marker};
      // If that was the current version, the next newest takes its place (there is
      // none in a bucket that never had versioning: it holds one version per key).
      if ((*info)->versioning == Versioning::kUnversioned) {
        batch.Delete(Table::kObjects, okey);
      } else {
        auto current = GetObject(bucket, key);
        if (!current.ok()) return current.status();
        if (*current && (*current)->sequence == old.sequence) {
          const std::string prefix = VersionPrefix(bucket, key);
          auto it = meta_->Scan(Table::kVersions, prefix);
          if (it->Valid() && it->key() == vkey) it->Next();
          if (it->Valid() && it->key().starts_with(prefix)) batch.Put(Table::kObjects, okey, it->value());
          else batch.Delete(Table::kObjects, okey);
          if (auto s = it->status(); !s.ok()) return s;
        }
      }
    }
    if (auto s = meta_->Write(batch); !s.ok()) return s;
  }
  CollectGarbage(garbage);
  return result;
}

absl::StatusOr<ObjectInfo> Catalog::UpdateObject(const std::string& bucket, const std::string& key,
                                                 const std::optional<std::string>& version_id,
                                                 const std::function<void(ObjectInfo&)>& change) {
  std::lock_guard lock(KeyLock(bucket, key));
  auto current = GetObject(bucket, key);
  if (!current.ok()) return current.status();
  std::optional<std::pair<std::string, ObjectInfo>> target;
  if (version_id) {
    auto found = FindVersion(bucket, key, *version_id);
    if (!found.ok()) return found.status();
    target = *std::move(found);
  } else if (*current) {
    target.emplace(VersionKey(bucket, key, (*current)->sequence), **current);
  }
  if (!target || target->second.delete_marker) return absl::NotFoundError("no such version");
  ObjectInfo& o = target->second;
  change(o);
  std::string encoded = EncodeObject(o);
  storage::WriteBatch batch;
  batch.Put(Table::kVersions, target->first, encoded);
  if (*current && (*current)->sequence == o.sequence)
    batch.Put(Table::kObjects, ObjectKey(bucket, key), encoded);
  if (auto s = meta_->Write(batch); !s.ok()) return s;
  return o;
}

}  // namespace coffer::s3
