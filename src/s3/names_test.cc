#include "s3/names.h"

#include <gtest/gtest.h>

namespace coffer::s3 {
namespace {

TEST(Names, NewBucketNames) {
  EXPECT_TRUE(IsValidNewBucketName(std::string(63, 'a')));
  for (const char* ok : {"abc", "my-bucket", "my.bucket.1", "a1b"})
    EXPECT_TRUE(IsValidNewBucketName(ok)) << ok;
  for (const char* bad : {"ab", "ABC", "-abc", "abc-", "a..b", "192.168.1.1", "xn--abc", "foo.-bar", "foo-.bar",
                          "my_bucket", "abc-s3alias", "sthree-x", "a b c"})
    EXPECT_FALSE(IsValidNewBucketName(bad)) << bad;
  EXPECT_FALSE(IsValidNewBucketName(std::string(64, 'a')));
}

TEST(Names, PathStyle) {
  std::vector<std::string> domains{"s3.localhost", "localhost"};
  auto a = ResolveAddress("127.0.0.1:9000", "/bucket/a%20b/c", domains);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bucket, "bucket");
  EXPECT_EQ(a->key, "a b/c");
  EXPECT_FALSE(a->virtual_host);
  a = ResolveAddress("localhost:9000", "/", domains);
  EXPECT_EQ(a->bucket, "");
  a = ResolveAddress("localhost", "/bucket", domains);
  EXPECT_EQ(a->bucket, "bucket");
  EXPECT_EQ(a->key, "");
  a = ResolveAddress("localhost", "/bucket//double", domains);
  EXPECT_EQ(a->key, "/double");
  EXPECT_FALSE(ResolveAddress("localhost", "/bucket/%zz", domains));
}

TEST(Names, VirtualHostStyle) {
  std::vector<std::string> domains{"s3.localhost", "localhost"};
  auto a = ResolveAddress("my.bucket.s3.localhost:9000", "/key/x", domains);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bucket, "my.bucket");
  EXPECT_EQ(a->key, "key/x");
  EXPECT_TRUE(a->virtual_host);
  a = ResolveAddress("Bucket.LOCALHOST", "/", domains);
  EXPECT_EQ(a->bucket, "bucket");
  EXPECT_EQ(a->key, "");
}

}  // namespace
}  // namespace coffer::s3
