#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <rocksdb/db.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/write_batch.h>

#include "storage/meta_store.h"

namespace coffer::storage {
namespace {

constexpr const char* kTableNames[] = {"default", "buckets", "objects", "blobs", "iam",
                                       "versions", "uploads", "parts", "bucket_config", "kms",
                                       "audit", "blob_data"};
static_assert(std::size(kTableNames) == static_cast<size_t>(Table::kCount));

absl::Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNoSpace()) return absl::ResourceExhaustedError("metadata store: no space left");
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos)
    return absl::FailedPreconditionError("metadata store locked: " + s.ToString());
  if (s.IsCorruption()) return absl::DataLossError("metadata store: " + s.ToString());
  return absl::InternalError("metadata store: " + s.ToString());
}

// RocksDB's warnings and errors, on the server's standard error instead of a LOG file
// in the data folder: a full disk cannot fail the log (RocksDB 7.8 aborts on an
// assertion when it writes its LOG file again after a failed write), and an operator
// finds them with the rest of the server's messages.
class StderrLogger : public rocksdb::Logger {
 public:
  StderrLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[1024];
    vsnprintf(line, sizeof line, format, ap);
    std::fprintf(stderr, "coffer: metadata store: %s\n", line);
  }
};

class RocksIterator : public MetaIterator {
 public:
  explicit RocksIterator(std::unique_ptr<rocksdb::Iterator> it) : it_(std::move(it)) {}
  bool Valid() const override { return it_->Valid(); }
  std::string_view key() const override { return it_->key().ToStringView(); }
  std::string_view value() const override { return it_->value().ToStringView(); }
  void Next() override { it_->Next(); }
  void Seek(std::string_view target) override { it_->Seek(rocksdb::Slice(target)); }
  absl::Status status() const override { return FromRocks(it_->status()); }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
};

class RocksMetaStore : public MetaStore {
 public:
  RocksMetaStore(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> cfs)
      : db_(std::move(db)), cfs_(std::move(cfs)) {}
  ~RocksMetaStore() override {
    for (auto* cf : cfs_) db_->DestroyColumnFamilyHandle(cf);
    db_->Close();
  }

  absl::StatusOr<std::optional<std::string>> Get(Table t, std::string_view key) override {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), cf(t), rocksdb::Slice(key), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromRocks(s);
    return std::optional<std::string>(std::move(value));
  }

  absl::Status Write(const WriteBatch& batch, bool sync) override {
    rocksdb::WriteBatch wb;
    for (const auto& op : batch.ops()) {
      if (op.value) wb.Put(cf(op.table), op.key, *op.value);
      else wb.Delete(cf(op.table), op.key);
    }
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    return FromRocks(db_->Write(wo, &wb));
  }

  std::unique_ptr<MetaIterator> Scan(Table t, std::string_view start) override {
    rocksdb::ReadOptions ro;
    ro.total_order_seek = true;  // never a prefix-only seek, whatever the table
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(t)));
    it->Seek(rocksdb::Slice(start));
    return std::make_unique<RocksIterator>(std::move(it));
  }

 private:
  rocksdb::ColumnFamilyHandle* cf(Table t) { return cfs_[static_cast<size_t>(t)]; }
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<MetaStore>> OpenRocksMetaStore(const std::string& dir) {
  // Made here, not by RocksDB: it reports "Error when reading <dir>" before it creates one.
  std::error_code made;
  std::filesystem::create_directories(dir, made);
  if (made) return absl::InternalError("metadata store: " + dir + ": " + made.message());
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.max_background_jobs = 2;
  options.info_log = std::make_shared<StderrLogger>();
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  options.bytes_per_sync = 1 << 20;  // flushes and compactions write back as they go

  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  // Small object bodies: kept apart from their keys in RocksDB's blob files, so
  // compactions move keys and pointers, not every body again and again (which ate
  // the disk bandwidth a large PUT running next to them needed).
  rocksdb::ColumnFamilyOptions body_options = cf_options;
  body_options.enable_blob_files = true;
  body_options.min_blob_size = 0;
  body_options.enable_blob_garbage_collection = true;
  // Bodies are only ever read, written and deleted by id (a scan of them is for
  // counting), so their memtable is a hash of ids: a GET finds its body in one bucket
  // rather than by a walk down a skip list whose nodes lie 4 KiB apart, each a cache
  // miss (that walk was ~2 us, 5% of a small GET's server CPU). The prefix is the
  // whole id (32 hex characters; shorter keys are their own prefix). A hash memtable
  // cannot take concurrent inserts: writers are queued by RocksDB's write group
  // instead, and ours are one commit thread anyway. Scans ask for total order.
  options.allow_concurrent_memtable_write = false;
  body_options.prefix_extractor.reset(rocksdb::NewCappedPrefixTransform(32));
  body_options.memtable_factory.reset(rocksdb::NewHashSkipListRepFactory(1 << 16));

  // The audit index gets an entry for every management event, KMS calls included, and
  // is read only by LookupEvents and the hourly prune, each one scan. Its memtable is
  // an unsorted vector: an insert is an append instead of a skip-list walk (~1 us of
  // the audit writer's time per event), and a scan sorts a copy once.
  rocksdb::ColumnFamilyOptions audit_options = cf_options;
  audit_options.memtable_factory.reset(new rocksdb::VectorRepFactory);

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : kTableNames) {
    const std::string_view n(name);
    descriptors.emplace_back(name, n == "blob_data" ? body_options
                                   : n == "audit"   ? audit_options
                                                    : cf_options);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(options, dir, descriptors, &handles, &raw);
  if (!s.ok()) return FromRocks(s);
  return std::unique_ptr<MetaStore>(
      new RocksMetaStore(std::unique_ptr<rocksdb::DB>(raw), std::move(handles)));
}

}  // namespace coffer::storage
