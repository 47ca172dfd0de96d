#include "storage/cached_meta_store.h"

#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"

namespace coffer::storage {
namespace {

class CachedMetaStore : public MetaStore {
 public:
  CachedMetaStore(std::unique_ptr<MetaStore> inner, const std::vector<Table>& cached,
                  const std::vector<Table>& per_key)
      : inner_(std::move(inner)) {
    for (Table t : cached) caches_[Index(t)] = std::make_unique<Cache>();
    for (Table t : per_key) {
      caches_[Index(t)] = std::make_unique<Cache>();
      caches_[Index(t)]->per_key = true;
      caches_[Index(t)]->max_entries = kMaxPerKeyEntries;
    }
  }

  absl::StatusOr<std::optional<std::string>> Get(Table t, std::string_view key) override {
    Cache* cache = caches_[Index(t)].get();
    if (!cache) return inner_->Get(t, key);
    const uint64_t generation = cache->generation.load(std::memory_order_acquire);
    {
      std::lock_guard lock(cache->mu);
      auto it = cache->entries.find(absl::string_view(key.data(), key.size()));
      if (it != cache->entries.end() && (cache->per_key || it->second.generation == generation))
        return it->second.value;
    }
    auto value = inner_->Get(t, key);
    if (!value.ok()) return value;
    std::lock_guard lock(cache->mu);
    // Per key, a value read while some write went on is not kept: that write may have
    // removed this key's entry already.
    if (cache->per_key && cache->generation.load(std::memory_order_acquire) != generation)
      return value;
    if (cache->entries.size() >= cache->max_entries) cache->entries.clear();
    cache->entries.insert_or_assign(std::string(key), Entry{generation, *value});
    return value;
  }

  absl::Status Write(const WriteBatch& batch, bool sync) override {
    auto s = inner_->Write(batch, sync);
    // Whether or not it was applied: an entry read before now is not trusted after.
    for (const auto& op : batch.ops()) {
      Cache* cache = caches_[Index(op.table)].get();
      if (!cache) continue;
      if (!cache->per_key) {
        cache->generation.fetch_add(1, std::memory_order_acq_rel);
        continue;
      }
      std::lock_guard lock(cache->mu);
      cache->generation.fetch_add(1, std::memory_order_acq_rel);
      cache->entries.erase(absl::string_view(op.key.data(), op.key.size()));
    }
    return s;
  }

  std::unique_ptr<MetaIterator> Scan(Table t, std::string_view start) override {
    return inner_->Scan(t, start);
  }

 private:
  // Per table; bounded by clearing (these tables hold thousands of records, not more).
  static constexpr size_t kMaxEntries = 100000;
  // Tables cached per key hold a record per object: their share of memory is capped
  // lower (some tens of MB).
  static constexpr size_t kMaxPerKeyEntries = 50000;

  struct Entry {
    uint64_t generation;
    std::optional<std::string> value;
  };
  struct Cache {
    // A whole-table cache trusts an entry only at the generation it was read at; a
    // per-key cache drops the keys a write touches and trusts the rest.
    bool per_key = false;
    size_t max_entries = kMaxEntries;
    std::atomic<uint64_t> generation{0};
    std::mutex mu;
    absl::flat_hash_map<std::string, Entry> entries;
  };

  static size_t Index(Table t) { return static_cast<size_t>(t); }

  std::unique_ptr<MetaStore> inner_;
  std::array<std::unique_ptr<Cache>, static_cast<size_t>(Table::kCount)> caches_;
};

}  // namespace

std::unique_ptr<MetaStore> NewCachedMetaStore(std::unique_ptr<MetaStore> inner,
                                              const std::vector<Table>& cached,
                                              const std::vector<Table>& per_key) {
  return std::make_unique<CachedMetaStore>(std::move(inner), cached, per_key);
}

}  // namespace coffer::storage
