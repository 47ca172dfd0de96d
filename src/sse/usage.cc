#include "sse/usage.h"

#include "absl/strings/str_split.h"
#include "base/codec.h"

namespace coffer::sse {
namespace {

constexpr char kPrefix[] = "sse-usage/";

// bucket \0 account \0 mode \0 direction: bucket names hold no NUL.
std::string Key(const std::string& bucket, const std::string& account, const std::string& mode,
                const std::string& direction) {
  return kPrefix + bucket + '\0' + account + '\0' + mode + '\0' + direction;
}

uint64_t Decode(std::string_view v) {
  uint64_t n = 0;
  for (unsigned char c : v.substr(0, 8)) n = (n << 8) | c;
  return n;
}

}  // namespace

void Usage::Count(const std::string& account, const std::string& bucket, const std::string& mode,
                  const std::string& direction) {
  const std::tuple<std::string_view, std::string_view, std::string_view, std::string_view> k{
      bucket, account, mode, direction};
  std::lock_guard lock(mu_);
  if (auto it = pending_.find(k); it != pending_.end()) ++it->second;
  else pending_.emplace(std::make_tuple(bucket, account, mode, direction), 1);
}

absl::Status Usage::Flush() {
  decltype(pending_) taken;
  {
    std::lock_guard lock(mu_);
    taken.swap(pending_);
  }
  if (taken.empty()) return absl::OkStatus();
  // One flusher at a time (the server's sweep thread, then shutdown), so read-add-write
  // needs no lock against itself.
  storage::WriteBatch batch;
  for (const auto& [k, n] : taken) {
    const auto& [bucket, account, mode, direction] = k;
    std::string key = Key(bucket, account, mode, direction);
    auto old = meta_->Get(storage::Table::kSystem, key);
    if (!old.ok()) return old.status();
    batch.Put(storage::Table::kSystem, key, BigEndian64(n + (*old ? Decode(**old) : 0)));
  }
  return meta_->Write(batch);
}

absl::StatusOr<std::vector<UsageRow>> Usage::Read(storage::MetaStore* meta) {
  std::vector<UsageRow> rows;
  auto it = meta->Scan(storage::Table::kSystem, kPrefix);
  for (; it->Valid() && it->key().starts_with(kPrefix); it->Next()) {
    std::vector<std::string> parts =
        absl::StrSplit(std::string(it->key().substr(sizeof(kPrefix) - 1)), '\0');
    if (parts.size() != 4) continue;
    rows.push_back({parts[0], parts[1], parts[2], parts[3], Decode(it->value())});
  }
  if (!it->status().ok()) return it->status();  // the scan stopped on an error
  return rows;
}

}  // namespace coffer::sse
