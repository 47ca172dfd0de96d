// CachedMetaStore: a MetaStore that keeps Get() answers, found or not, for tables read
// on nearly every request and written rarely (buckets, bucket configuration, IAM, KMS
// keys). Each such table has a generation that every Write() touching it moves on
// (after the write), and an entry is only served at the generation it was read at,
// so a Get never answers older than the last completed Write. Scans are not cached.
//
// Tables written often but read more (object records) are cached `per_key` instead: a
// Write drops the entries of the keys it touched, after writing, and a value read
// while any write to the table went on is not kept; the same guarantee, without
// every write emptying the table's cache.
// Correct only while every write goes through it: one process holds the database.
// Thread-safe.
#pragma once

#include <memory>
#include <vector>

#include "storage/meta_store.h"

namespace coffer::storage {

std::unique_ptr<MetaStore> NewCachedMetaStore(std::unique_ptr<MetaStore> inner,
                                              const std::vector<Table>& cached,
                                              const std::vector<Table>& per_key = {});

}  // namespace coffer::storage
