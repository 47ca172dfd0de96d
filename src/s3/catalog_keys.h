// How the catalog lays its records out in the MetaStore's ordered tables. Internal to
// the catalog's .cc files.
//
//   kObjects   "bucket/key"                       the current version
//   kVersions  "bucket/key" \0 BE64(~sequence)    every version, newest first per key
//   kUploads   "bucket/key" \0 upload-id          multipart uploads, oldest first per key
//   kParts     upload-id BE32(part number)        uploaded parts
//   kBlobs     "r/" blob-id -> owner key          blobs that committed metadata references
//              "g/" blob-id                       blobs to delete
//              (neither for a body held with its version: PartRef::held)
//   kBucketConfig "bucket/name"                   bucket configuration documents
//
// Bucket names never contain '/', so "bucket/" prefixes one bucket's keys. Object keys
// never contain '\0' (the S3 front end rejects them), so '\0' ends a key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/codec.h"
#include "base/encoding.h"
#include "base/ids.h"

namespace coffer::s3::catalog_keys {

inline std::string ObjectKey(const std::string& bucket, std::string_view key) {
  std::string out;
  out.reserve(bucket.size() + 1 + key.size());
  out.append(bucket).push_back('/');
  out.append(key);
  return out;
}

inline std::string VersionPrefix(const std::string& bucket, std::string_view key) {
  std::string out = ObjectKey(bucket, key);
  out.push_back('\0');
  return out;
}

inline std::string VersionKey(const std::string& bucket, std::string_view key, uint64_t seq) {
  return VersionPrefix(bucket, key) + BigEndian64(~seq);
}

inline std::string UploadKey(const std::string& bucket, std::string_view key,
                             const std::string& upload_id) {
  return VersionPrefix(bucket, key) + upload_id;
}

inline std::string PartKey(const std::string& upload_id, uint32_t number) {
  std::string out = upload_id;
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(number >> shift));
  return out;
}

inline std::string RefKey(const std::string& blob) { return "r/" + blob; }
inline std::string GarbageKey(const std::string& blob) { return "g/" + blob; }
inline std::string ConfigKey(const std::string& bucket, const std::string& name) {
  return bucket + "/" + name;
}

// The smallest string greater than every string starting with `prefix`.
inline std::string PrefixSuccessor(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty())
    prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

// Version and upload ids: 16 hex digits of the sequence, then 16 random hex digits, so
// an id names its place in the order and cannot be guessed.
inline std::string MakeId(uint64_t seq) {
  return HexLower(BigEndian64(seq)) + HexLower(RandomBytes(8));
}

inline std::optional<uint64_t> IdSequence(std::string_view id) {
  if (id.size() != 32) return std::nullopt;
  auto bytes = HexDecode(id.substr(0, 16));
  if (!bytes || !HexDecode(id.substr(16))) return std::nullopt;
  uint64_t seq = 0;
  for (unsigned char c : *bytes) seq = (seq << 8) | c;
  return seq;
}

// Splits a kVersions key into its object key and sequence.
inline bool ParseVersionKey(std::string_view full, size_t base_size, std::string_view& key,
                            uint64_t& seq) {
  if (full.size() < base_size + 9 || full[full.size() - 9] != '\0') return false;
  key = full.substr(base_size, full.size() - base_size - 9);
  uint64_t inverted = 0;
  for (size_t i = full.size() - 8; i < full.size(); ++i)
    inverted = (inverted << 8) | static_cast<unsigned char>(full[i]);
  seq = ~inverted;
  return true;
}

// The paging rules every S3 listing shares: keys under `prefix`, rolled up into common
// prefixes at the first `delimiter` after it, at most `max` entries and prefixes per
// page, and prefixes at or before `marker` left out (an earlier page returned them).
class Rollup {
 public:
  enum class Step {
    kEntry,       // the key is listed itself
    kPrefix,      // the key opens a common prefix (`cp`), listed; skip past its subtree
    kSkipPrefix,  // the key is under a prefix an earlier page listed; skip past it
    kFull,        // the page is full: stop, truncated
  };
  Rollup(const std::string& prefix, const std::string& delimiter, const std::string& marker,
         int max)
      : prefix_(prefix), delimiter_(delimiter), marker_(marker), max_(max) {}

  Step Next(std::string_view key, std::string& cp) {
    if (!delimiter_.empty()) {
      size_t pos = key.find(delimiter_, prefix_.size());
      if (pos != std::string_view::npos) {
        cp.assign(key.substr(0, pos + delimiter_.size()));
        if (!marker_.empty() && std::string_view(marker_).starts_with(cp))
          return Step::kSkipPrefix;
        return Take() ? Step::kPrefix : Step::kFull;
      }
    }
    return Take() ? Step::kEntry : Step::kFull;
  }

 private:
  bool Take() {
    if (count_ == max_) return false;
    ++count_;
    return true;
  }
  const std::string& prefix_;
  const std::string& delimiter_;
  const std::string& marker_;
  int max_;
  int count_ = 0;
};

}  // namespace coffer::s3::catalog_keys
