#include "app/data_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "base/ids.h"

namespace coffer::app {
namespace {

TEST(DataDir, LockRootKeyAndSecretFiles) {
  std::string path =
      (std::filesystem::temp_directory_path() / ("coffer-dd-" + NewUniqueId()) / "data").string();
  {
    auto dir = DataDir::Open(path);
    ASSERT_TRUE(dir.ok()) << dir.status();
    auto second = DataDir::Open(path);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.status().message().find("already in use"), std::string::npos);

    auto key = (*dir)->RootKey();
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(key->size(), 32u);
    EXPECT_EQ((*dir)->RootKey()->view(), key->view());  // stable
    struct stat st;
    ASSERT_EQ(stat((*dir)->Path("keys/root.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    ASSERT_TRUE((*dir)->Write("a/b.txt", "hello", false).ok());
    EXPECT_EQ(*(*dir)->Read("a/b.txt"), "hello");
    ASSERT_EQ(stat((*dir)->Path("a/b.txt").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0644u);
  }
  EXPECT_TRUE(DataDir::Open(path).ok());  // the lock went with the first holder
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST(DataDir, RootKeyFromAPassphrase) {
  std::string path =
      (std::filesystem::temp_directory_path() / ("coffer-dd-" + NewUniqueId()) / "data").string();
  std::string first;
  {
    auto dir = DataDir::Open(path);
    ASSERT_TRUE(dir.ok());
    auto key = (*dir)->RootKey("correct horse");
    ASSERT_TRUE(key.ok()) << key.status();
    first = std::string(key->view());
    EXPECT_FALSE((*dir)->Exists("keys/root.key"));  // nothing secret on disk
  }
  {
    auto dir = DataDir::Open(path);
    EXPECT_EQ((*dir)->RootKey("correct horse")->view(), first);
    EXPECT_EQ((*dir)->RootKey("wrong horse").status().code(),
              absl::StatusCode::kPermissionDenied);
    EXPECT_EQ((*dir)->RootKey().status().code(), absl::StatusCode::kFailedPrecondition);
  }
  // Another folder with the same passphrase gets another key (its own salt).
  std::string other_path = path + "-2";
  auto other = DataDir::Open(other_path);
  EXPECT_NE((*other)->RootKey("correct horse")->view(), first);
  EXPECT_TRUE((*other)->Exists("keys/root.salt"));
  // A folder made with a key file refuses a passphrase.
  auto filed = DataDir::Open(path + "-3");
  ASSERT_TRUE((*filed)->RootKey().ok());
  EXPECT_EQ((*filed)->RootKey("correct horse").status().code(),
            absl::StatusCode::kFailedPrecondition);
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

}  // namespace
}  // namespace coffer::app
