// Listings: current objects (ListObjects) and every version (ListObjectVersions).
#include "s3/catalog.h"
#include "s3/catalog_keys.h"
#include "s3/records.h"

namespace coffer::s3 {

using storage::Table;
using namespace catalog_keys;

absl::StatusOr<ListResult> Catalog::List(const std::string& bucket, const ListQuery& q) {
  ListResult out;
  if (q.max_keys <= 0) return out;
  const std::string base = bucket + "/";
  std::string start = base + q.prefix;
  if (!q.start_after.empty() && q.start_after >= q.prefix) {
    start = std::max(start, base + q.start_after + std::string(1, '\0'));
  }
  auto it = meta_->Scan(Table::kObjects, start);
  Rollup rollup(q.prefix, q.delimiter, q.start_after, q.max_keys);
  std::string cp;
  while (it->Valid()) {
    std::string_view full = it->key();
    if (!full.starts_with(base)) break;
    std::string_view key = full.substr(base.size());
    if (!key.starts_with(q.prefix)) break;
    auto o = DecodeObject(std::string(key), it->value());
    if (!o.ok()) return o.status();
    if (o->delete_marker) {  // a deleted key lists as nothing, not even its prefix
      it->Next();
      continue;
    }
    Rollup::Step step = rollup.Next(key, cp);
    if (step == Rollup::Step::kFull) {
      out.truncated = true;
      break;
    }
    if (step != Rollup::Step::kEntry) {
      if (step == Rollup::Step::kPrefix) {
        out.common_prefixes.push_back(cp);
        out.last = cp;
      }
      it->Seek(PrefixSuccessor(base + cp));
      continue;
    }
    out.last = o->key;
    out.objects.push_back(*std::move(o));
    it->Next();
  }
  if (auto s = it->status(); !s.ok()) return s;
  return out;
}

absl::StatusOr<VersionListResult> Catalog::ListVersions(const std::string& bucket,
                                                        const VersionListQuery& q) {
  VersionListResult out;
  if (q.max_keys <= 0) return out;
  const std::string base = bucket + "/";

  // Where to start: after the marker key's versions, or after one of its versions.
  std::string start = base + q.prefix;
  bool resumed_mid_key = false;
  if (!q.key_marker.empty()) {
    std::string after = PrefixSuccessor(VersionPrefix(bucket, q.key_marker));
    if (!q.version_id_marker.empty()) {
      auto found = FindVersion(bucket, q.key_marker, q.version_id_marker);
      if (!found.ok()) return found.status();
      if (found->has_value()) {
        after = (*found)->first + std::string(1, '\0');
        resumed_mid_key = true;
      }
    }
    start = std::max(start, after);
  }

  auto it = meta_->Scan(Table::kVersions, start);
  Rollup rollup(q.prefix, q.delimiter, q.key_marker, q.max_keys);
  std::string cp;
  // The newest version of each key is its latest; a page that resumes inside a key's
  // history starts below it.
  std::string previous_key = resumed_mid_key ? q.key_marker : "";
  while (it->Valid()) {
    std::string_view full = it->key();
    if (!full.starts_with(base)) break;
    std::string_view key;
    uint64_t seq;
    if (!ParseVersionKey(full, base.size(), key, seq)) {
      it->Next();
      continue;
    }
    if (!key.starts_with(q.prefix)) break;
    Rollup::Step step = rollup.Next(key, cp);
    if (step == Rollup::Step::kFull) {
      out.truncated = true;
      break;
    }
    if (step != Rollup::Step::kEntry) {
      if (step == Rollup::Step::kPrefix) {
        out.common_prefixes.push_back(cp);
        out.next_key_marker = cp;
        out.next_version_id_marker.clear();
      }
      it->Seek(PrefixSuccessor(base + cp));
      continue;
    }
    auto o = DecodeObject(std::string(key), it->value());
    if (!o.ok()) return o.status();
    bool latest = key != previous_key;
    previous_key = std::string(key);
    out.next_key_marker = o->key;
    out.next_version_id_marker = o->version_id;
    out.versions.emplace_back(*std::move(o), latest);
    it->Next();
  }
  if (auto s = it->status(); !s.ok()) return s;
  if (!out.truncated) {
    out.next_key_marker.clear();
    out.next_version_id_marker.clear();
  }
  return out;
}

}  // namespace coffer::s3
