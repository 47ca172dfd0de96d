#include "s3/catalog.h"

#include <functional>

#include "base/codec.h"

namespace coffer::s3 {
namespace {

using storage::Table;
constexpr uint8_t kBucketVersion = 1;
constexpr uint8_t kObjectVersion = 1;

std::string ObjectKey(const std::string& bucket, std::string_view key) {
  std::string out;
  out.reserve(bucket.size() + 1 + key.size());
  out.append(bucket).push_back('/');
  out.append(key);
  return out;
}
std::string RefKey(const std::string& blob) { return "r/" + blob; }
std::string GarbageKey(const std::string& blob) { return "g/" + blob; }

// The smallest string greater than every string starting with `prefix`.
std::string PrefixSuccessor(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

std::string EncodeBucket(const BucketInfo& b) {
  return Encoder().U8(kBucketVersion).Str(b.owner_account).Str(b.region)
      .Varint(absl::ToUnixMicros(b.created)).Take();
}

absl::StatusOr<BucketInfo> DecodeBucket(std::string name, std::string_view v) {
  Decoder d(v);
  uint8_t ver;
  uint64_t created;
  BucketInfo b{std::move(name), "", "", {}};
  if (auto s = d.U8(ver); !s.ok()) return s;
  if (auto s = d.Str(b.owner_account); !s.ok()) return s;
  if (auto s = d.Str(b.region); !s.ok()) return s;
  if (auto s = d.Varint(created); !s.ok()) return s;
  b.created = absl::FromUnixMicros(static_cast<int64_t>(created));
  return b;
}

void EncodeHeaders(Encoder& e, const HeaderList& h) {
  e.Varint(h.size());
  for (const auto& [k, v] : h) e.Str(k).Str(v);
}

absl::Status DecodeHeaders(Decoder& d, HeaderList& h) {
  uint64_t n;
  if (auto s = d.Varint(n); !s.ok()) return s;
  if (n > 10000) return absl::DataLossError("bad header count");
  for (uint64_t i = 0; i < n; ++i) {
    std::string k, v;
    if (auto s = d.Str(k); !s.ok()) return s;
    if (auto s = d.Str(v); !s.ok()) return s;
    h.emplace_back(std::move(k), std::move(v));
  }
  return absl::OkStatus();
}

std::string EncodeObject(const ObjectInfo& o) {
  Encoder e;
  e.U8(kObjectVersion).Varint(o.size).Str(o.etag).Varint(absl::ToUnixMicros(o.last_modified))
      .Str(o.owner_account).Str(o.storage_class).Str(o.content_type);
  EncodeHeaders(e, o.content_headers);
  EncodeHeaders(e, o.user_metadata);
  e.Str(o.blob_id);
  return e.Take();
}

absl::StatusOr<ObjectInfo> DecodeObject(std::string key, std::string_view v) {
  Decoder d(v);
  ObjectInfo o;
  o.key = std::move(key);
  uint8_t ver;
  uint64_t modified;
  absl::Status s;
  if (!(s = d.U8(ver)).ok() || !(s = d.Varint(o.size)).ok() || !(s = d.Str(o.etag)).ok() ||
      !(s = d.Varint(modified)).ok() || !(s = d.Str(o.owner_account)).ok() ||
      !(s = d.Str(o.storage_class)).ok() || !(s = d.Str(o.content_type)).ok() ||
      !(s = DecodeHeaders(d, o.content_headers)).ok() ||
      !(s = DecodeHeaders(d, o.user_metadata)).ok() || !(s = d.Str(o.blob_id)).ok()) {
    return s;
  }
  if (ver != kObjectVersion) return absl::DataLossError("unknown object record version");
  o.last_modified = absl::FromUnixMicros(static_cast<int64_t>(modified));
  return o;
}

}  // namespace

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
  for (const auto& id : garbage) CollectGarbage(id);
  return absl::OkStatus();
}

void Catalog::CollectGarbage(const std::string& blob_id) {
  if (!blobs_->Delete(blob_id).ok()) return;  // retried at the next start
  storage::WriteBatch b;
  b.Delete(Table::kBlobs, GarbageKey(blob_id));
  (void)meta_->Write(b, /*sync=*/false);
}

std::mutex& Catalog::KeyLock(const std::string& bucket, const std::string& key) {
  size_t h = std::hash<std::string>()(bucket) * 31 + std::hash<std::string>()(key);
  return key_locks_[h % key_locks_.size()];
}

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

absl::Status Catalog::DeleteBucket(const std::string& name) {
  std::unique_lock lock(buckets_mu_);
  auto current = GetBucket(name);
  if (!current.ok()) return current.status();
  if (!current->has_value()) return absl::NotFoundError("no such bucket");
  std::string prefix = name + "/";
  auto it = meta_->Scan(Table::kObjects, prefix);
  if (it->Valid() && it->key().starts_with(prefix))
    return absl::FailedPreconditionError("bucket not empty");
  if (auto s = it->status(); !s.ok()) return s;
  storage::WriteBatch b;
  b.Delete(Table::kBuckets, name);
  return meta_->Write(b);
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

absl::StatusOr<std::unique_ptr<storage::BlobWriter>> Catalog::NewBody() {
  return blobs_->NewBlob();
}

absl::Status Catalog::CommitObject(const std::string& bucket, ObjectInfo object,
                                   std::unique_ptr<storage::BlobWriter> body) {
  if (body) {
    if (auto s = body->Commit(); !s.ok()) return s;
    object.blob_id = body->id();
  }
  std::string replaced;
  {
    std::shared_lock buckets(buckets_mu_);
    std::lock_guard key(KeyLock(bucket, object.key));
    auto b = meta_->Get(Table::kBuckets, bucket);
    if (!b.ok()) return b.status();
    if (!b->has_value()) return absl::NotFoundError("no such bucket");
    auto old = GetObject(bucket, object.key);
    if (!old.ok()) return old.status();
    storage::WriteBatch batch;
    std::string okey = ObjectKey(bucket, object.key);
    batch.Put(Table::kObjects, okey, EncodeObject(object));
    if (!object.blob_id.empty()) batch.Put(Table::kBlobs, RefKey(object.blob_id), okey);
    if (old->has_value() && !(*old)->blob_id.empty()) {
      replaced = (*old)->blob_id;
      batch.Delete(Table::kBlobs, RefKey(replaced));
      batch.Put(Table::kBlobs, GarbageKey(replaced), "");
    }
    if (auto s = meta_->Write(batch); !s.ok()) return s;
  }
  // The object is durable from here on; what follows is tidying that Recover() redoes.
  if (!object.blob_id.empty()) (void)blobs_->Publish(object.blob_id);
  if (!replaced.empty()) CollectGarbage(replaced);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ObjectInfo>> Catalog::GetObject(const std::string& bucket,
                                                             const std::string& key) {
  auto v = meta_->Get(Table::kObjects, ObjectKey(bucket, key));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<ObjectInfo>();
  auto o = DecodeObject(key, **v);
  if (!o.ok()) return o.status();
  return std::optional<ObjectInfo>(*std::move(o));
}

absl::StatusOr<Catalog::OpenedObject> Catalog::OpenObject(const std::string& bucket,
                                                          const std::string& key) {
  // A concurrent overwrite may delete the body between reading the record and opening
  // the file; the record is then re-read and names the new body.
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto info = GetObject(bucket, key);
    if (!info.ok()) return info.status();
    if (!info->has_value()) return absl::NotFoundError("no such key");
    OpenedObject out{**std::move(info), nullptr};
    if (out.info.blob_id.empty()) return out;
    auto body = blobs_->OpenBlob(out.info.blob_id);
    if (body.ok()) {
      out.body = *std::move(body);
      return out;
    }
    if (body.status().code() != absl::StatusCode::kNotFound) return body.status();
  }
  return absl::UnavailableError("object changed too often while being opened");
}

absl::StatusOr<bool> Catalog::DeleteObject(const std::string& bucket, const std::string& key) {
  std::string removed;
  {
    std::lock_guard lock(KeyLock(bucket, key));
    auto old = GetObject(bucket, key);
    if (!old.ok()) return old.status();
    if (!old->has_value()) return false;
    storage::WriteBatch batch;
    batch.Delete(Table::kObjects, ObjectKey(bucket, key));
    if (!(*old)->blob_id.empty()) {
      removed = (*old)->blob_id;
      batch.Delete(Table::kBlobs, RefKey(removed));
      batch.Put(Table::kBlobs, GarbageKey(removed), "");
    }
    if (auto s = meta_->Write(batch); !s.ok()) return s;
  }
  if (!removed.empty()) CollectGarbage(removed);
  return true;
}

absl::StatusOr<ListResult> Catalog::List(const std::string& bucket, const ListQuery& q) {
  ListResult out;
  if (q.max_keys <= 0) return out;
  const std::string base = bucket + "/";
  const std::string& delim = q.delimiter;
  std::string start = base + q.prefix;
  if (!q.start_after.empty() && q.start_after >= q.prefix) {
    start = std::max(start, base + q.start_after + std::string(1, '\0'));
  }
  auto it = meta_->Scan(Table::kObjects, start);
  int count = 0;
  while (it->Valid()) {
    std::string_view full = it->key();
    if (!full.starts_with(base)) break;
    std::string_view key = full.substr(base.size());
    if (!key.starts_with(q.prefix)) break;
    if (!delim.empty()) {
      size_t pos = key.find(delim, q.prefix.size());
      if (pos != std::string_view::npos) {
        std::string cp(key.substr(0, pos + delim.size()));
        // A common prefix at or before the marker was returned on an earlier page.
        bool seen = !q.start_after.empty() && q.start_after.starts_with(cp);
        if (!seen) {
          if (count == q.max_keys) {
            out.truncated = true;
            break;
          }
          out.common_prefixes.push_back(cp);
          out.last = cp;
          ++count;
        }
        it->Seek(PrefixSuccessor(base + cp));
        continue;
      }
    }
    if (count == q.max_keys) {
      out.truncated = true;
      break;
    }
    auto o = DecodeObject(std::string(key), it->value());
    if (!o.ok()) return o.status();
    out.last = o->key;
    out.objects.push_back(*std::move(o));
    ++count;
    it->Next();
  }
  if (auto s = it->status(); !s.ok()) return s;
  return out;
}

}  // namespace coffer::s3
