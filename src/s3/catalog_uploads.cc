// Multipart uploads: create, parts, complete, abort, list.
#include "s3/catalog.h"
#include "s3/catalog_keys.h"
#include "s3/records.h"

namespace coffer::s3 {

using storage::Table;
using namespace catalog_keys;

absl::StatusOr<UploadInfo> Catalog::CreateUpload(const std::string& bucket, UploadInfo upload) {
  std::shared_lock buckets(buckets_mu_);
  auto info = GetBucket(bucket);
  if (!info.ok()) return info.status();
  if (!info->has_value()) return absl::NotFoundError("no such bucket");
  upload.upload_id = MakeId(NextSequence());
  upload.object.key = upload.key;
  storage::WriteBatch batch;
  batch.Put(Table::kUploads, UploadKey(bucket, upload.key, upload.upload_id), EncodeUpload(upload));
  if (auto s = meta_->Write(batch); !s.ok()) return s;
  return upload;
}

absl::StatusOr<UploadInfo> Catalog::GetUpload(const std::string& bucket, const std::string& key,
                                              const std::string& upload_id) {
  auto v = meta_->Get(Table::kUploads, UploadKey(bucket, key, upload_id));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return absl::NotFoundError("no such upload");
  return DecodeUpload(**v);
}

absl::Status Catalog::PutPart(const std::string& bucket, const std::string& key,
                              const std::string& upload_id, UploadedPart part,
                              std::unique_ptr<storage::BlobWriter> body) {
  storage::WriteBatch batch;  // a small body joins the part's metadata here
  const bool in_file = body && !body->in_memory();  // else there is no file to handle
  if (body) {
    if (auto s = body->Commit(batch); !s.ok()) return s;
    part.blob_id = body->id();
  }
  std::vector<std::string> garbage;
  auto committed = [&]() -> absl::Status {
    std::lock_guard lock(KeyLock(bucket, key));
    auto upload = GetUpload(bucket, key, upload_id);
    if (!upload.ok()) return upload.status();  // aborted meanwhile
    if (upload->completed) return absl::NotFoundError("no such upload");
    const std::string pkey = PartKey(upload_id, part.number);
    auto old = meta_->Get(Table::kParts, pkey);
    if (!old.ok()) return old.status();
    if (old->has_value()) {
      auto previous = DecodePart(**old);
      if (!previous.ok()) return previous.status();
      Garbage(batch, {PartRef{previous->number, previous->size, previous->blob_id, "", ""}},
              garbage);
    }
    batch.Put(Table::kParts, pkey, EncodePart(part));
    if (!part.blob_id.empty()) batch.Put(Table::kBlobs, RefKey(part.blob_id), pkey);
    return meta_->Write(batch);
  }();
  if (!committed.ok()) {
    // A body held in memory went nowhere: its batch was not written.
    if (in_file) (void)blobs_->Delete(part.blob_id);
    return committed;
  }
  if (in_file) (void)blobs_->Publish(part.blob_id);
  CollectGarbage(garbage);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<UploadedPart>> Catalog::ListParts(const std::string& upload_id,
                                                             uint32_t after_part, int max_parts,
                                                             bool* truncated) {
  std::vector<UploadedPart> out;
  if (truncated) *truncated = false;
  auto it = meta_->Scan(Table::kParts, PartKey(upload_id, after_part + 1));
  for (; it->Valid() && it->key().starts_with(upload_id); it->Next()) {
    if (max_parts >= 0 && static_cast<int>(out.size()) == max_parts) {
      if (truncated) *truncated = true;
      break;
    }
    auto p = DecodePart(it->value());
    if (!p.ok()) return p.status();
    out.push_back(*std::move(p));
  }
  if (auto s = it->status(); !s.ok()) return s;
  return out;
}

absl::StatusOr<ObjectInfo> Catalog::CompleteUpload(const std::string& bucket,
                                                   const UploadInfo& upload,
                                                   std::vector<PartRef> parts, std::string etag,
                                                   std::string checksum,
                                                   const WriteConditions& conditions) {
  ObjectInfo object = upload.object;
  object.key = upload.key;
  object.etag = std::move(etag);
  object.checksum = std::move(checksum);
  object.parts = std::move(parts);
  object.size = 0;
  for (const auto& p : object.parts) object.size += p.size;
  object.last_modified = absl::Now();

  std::vector<std::string> garbage;
  {
    std::shared_lock buckets(buckets_mu_);
    std::lock_guard lock(KeyLock(bucket, upload.key));
    auto info = GetBucket(bucket);
    if (!info.ok()) return info.status();
    if (!info->has_value()) return absl::NotFoundError("no such bucket");
    auto still = GetUpload(bucket, upload.key, upload.upload_id);
    if (!still.ok()) return still.status();
    if (still->completed) return absl::NotFoundError("no such upload");
    if (conditions.if_match || conditions.if_none_match) {
      auto current = GetObject(bucket, upload.key);
      if (!current.ok()) return current.status();
      if (conditions.if_none_match && *conditions.if_none_match == "*" && *current &&
          !(*current)->delete_marker)
        return absl::FailedPreconditionError("If-None-Match");
      if (conditions.if_match) {
        if (!*current || (*current)->delete_marker)
          return absl::NotFoundError("If-Match on a missing key");
        if (*conditions.if_match != "*" && *conditions.if_match != (*current)->etag)
          return absl::FailedPreconditionError("If-Match");
      }
    }
    storage::WriteBatch batch;
    // Parts uploaded but not chosen become garbage; the chosen ones now belong to
    // the object.
    std::set<std::string> chosen;
    for (const auto& p : object.parts) chosen.insert(p.blob_id);
    auto all = ListParts(upload.upload_id, 0, -1, nullptr);
    if (!all.ok()) return all.status();
    for (const auto& p : *all) {
      batch.Delete(Table::kParts, PartKey(upload.upload_id, p.number));
      if (!p.blob_id.empty() && !chosen.count(p.blob_id))
        Garbage(batch, {PartRef{p.number, p.size, p.blob_id, "", ""}}, garbage);
    }
    auto staged = StageVersion(bucket, **info, object, batch);
    if (!staged.ok()) return staged.status();
    UploadInfo done = upload;
    done.completed = true;
    done.completed_version = object.version_id;
    done.object.etag = object.etag;
    done.object.checksum = object.checksum;
    batch.Put(Table::kUploads, UploadKey(bucket, upload.key, upload.upload_id), EncodeUpload(done));
    garbage.insert(garbage.end(), staged->begin(), staged->end());
    if (auto s = meta_->Write(batch); !s.ok()) return s;
  }
  CollectGarbage(garbage);
  return object;
}

absl::Status Catalog::AbortUpload(const std::string& bucket, const std::string& key,
                                  const std::string& upload_id) {
  std::vector<std::string> garbage;
  {
    std::lock_guard lock(KeyLock(bucket, key));
    auto upload = GetUpload(bucket, key, upload_id);
    if (!upload.ok()) return upload.status();
    if (upload->completed) return absl::NotFoundError("no such upload");
    storage::WriteBatch batch;
    auto all = ListParts(upload_id, 0, -1, nullptr);
    if (!all.ok()) return all.status();
    for (const auto& p : *all) {
      batch.Delete(Table::kParts, PartKey(upload_id, p.number));
      Garbage(batch, {PartRef{p.number, p.size, p.blob_id, "", ""}}, garbage);
    }
    batch.Delete(Table::kUploads, UploadKey(bucket, key, upload_id));
    if (auto s = meta_->Write(batch); !s.ok()) return s;
  }
  CollectGarbage(garbage);
  return absl::OkStatus();
}

absl::StatusOr<UploadListResult> Catalog::ListUploads(const std::string& bucket,
                                                      const UploadListQuery& q) {
  UploadListResult out;
  if (q.max_uploads <= 0) return out;
  const std::string base = bucket + "/";
  std::string start = base + q.prefix;
  if (!q.key_marker.empty()) {
    std::string after = q.upload_id_marker.empty()
                            ? PrefixSuccessor(VersionPrefix(bucket, q.key_marker))
                            : UploadKey(bucket, q.key_marker, q.upload_id_marker) + '\0';
    start = std::max(start, after);
  }
  auto it = meta_->Scan(Table::kUploads, start);
  Rollup rollup(q.prefix, q.delimiter, q.key_marker, q.max_uploads);
  std::string cp;
  while (it->Valid()) {
    if (!it->key().starts_with(base)) break;
    auto upload = DecodeUpload(it->value());
    if (!upload.ok()) return upload.status();
    if (upload->completed) {
      it->Next();
      continue;
    }
    if (!upload->key.starts_with(q.prefix)) break;
    Rollup::Step step = rollup.Next(upload->key, cp);
    if (step == Rollup::Step::kFull) {
      out.truncated = true;
      break;
    }
    if (step != Rollup::Step::kEntry) {
      if (step == Rollup::Step::kPrefix) {
        out.common_prefixes.push_back(cp);
        out.next_key_marker = cp;
        out.next_upload_id_marker.clear();
      }
      it->Seek(PrefixSuccessor(base + cp));
      continue;
    }
    out.next_key_marker = upload->key;
    out.next_upload_id_marker = upload->upload_id;
    out.uploads.push_back(*std::move(upload));
    it->Next();
  }
  if (auto s = it->status(); !s.ok()) return s;
  return out;
}

}  // namespace coffer::s3
