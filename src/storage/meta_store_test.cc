#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "base/ids.h"
#include "storage/meta_store.h"

namespace coffer::storage {
namespace {

std::string TempDir() {
  auto p = std::filesystem::temp_directory_path() / ("coffer-meta-" + NewUniqueId());
  return p.string();
}

TEST(MetaStore, BatchScanAndReopen) {
  std::string dir = TempDir();
  {
    auto store = OpenRocksMetaStore(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    WriteBatch b;
    b.Put(Table::kObjects, "bkt/b", "2");
    b.Put(Table::kObjects, "bkt/a", "1");
    b.Put(Table::kObjects, "bkt/c", "3");
    b.Put(Table::kBuckets, "bkt", "x");
    ASSERT_TRUE((*store)->Write(b).ok());
    WriteBatch d;
    d.Delete(Table::kObjects, "bkt/c");
    ASSERT_TRUE((*store)->Write(d).ok());

    auto it = (*store)->Scan(Table::kObjects, "bkt/");
    std::vector<std::string> keys;
    for (; it->Valid(); it->Next()) keys.emplace_back(it->key());
    EXPECT_EQ(keys, (std::vector<std::string>{"bkt/a", "bkt/b"}));
    EXPECT_FALSE((*(*store)->Get(Table::kObjects, "bkt")).has_value());

    // A second open of the same directory is refused while the first holds it.
    auto second = OpenRocksMetaStore(dir);
    EXPECT_FALSE(second.ok());
  }
  auto store = OpenRocksMetaStore(dir);
  ASSERT_TRUE(store.ok());
  auto v = (*store)->Get(Table::kObjects, "bkt/b");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value_or(""), "2");
  EXPECT_EQ((*(*store)->Get(Table::kBuckets, "bkt")).value_or(""), "x");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace coffer::storage
