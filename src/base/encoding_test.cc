#include "base/encoding.h"

#include <gtest/gtest.h>

namespace coffer {
namespace {

TEST(Encoding, Hex) {
  EXPECT_EQ(HexLower("\x01\xab"), "01ab");
  EXPECT_EQ(*HexDecode("01AB"), "\x01\xab");
  EXPECT_FALSE(HexDecode("0"));
  EXPECT_FALSE(HexDecode("zz"));
}

TEST(Encoding, Base64Strict) {
  EXPECT_EQ(Base64("hello"), "aGVsbG8=");
  EXPECT_EQ(*Base64Decode("aGVsbG8="), "hello");
  EXPECT_EQ(*Base64Decode("aGVsbA=="), "hell");
  EXPECT_EQ(*Base64Decode(""), "");
  EXPECT_FALSE(Base64Decode("aGVsbG8"));
  EXPECT_FALSE(Base64Decode("aGV=bG8="));
  EXPECT_FALSE(Base64Decode("aGVs bG8"));
}

TEST(Encoding, UriEncode) {
  EXPECT_EQ(UriEncode("a b/c~d", true), "a%20b%2Fc~d");
  EXPECT_EQ(UriEncode("a b/c", false), "a%20b/c");
  EXPECT_EQ(UriEncode("\xc3\xa9", true), "%C3%A9");
  EXPECT_EQ(*UriDecode("a%20b+c"), "a b+c");
  EXPECT_EQ(*UriDecode("a+c", true), "a c");
  EXPECT_FALSE(UriDecode("a%2"));
  EXPECT_FALSE(UriDecode("a%zz"));
}

TEST(Encoding, SplitQuery) {
  auto q = SplitQuery("a=1&&b&c=x%20y&d=");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0].first, "a");
  EXPECT_EQ(q[0].second, "1");
  EXPECT_EQ(q[1].first, "b");
  EXPECT_EQ(q[1].second, "");
  EXPECT_EQ(q[2].second, "x%20y");
  EXPECT_EQ(q[3].first, "d");
  EXPECT_TRUE(SplitQuery("").empty());
}

TEST(Encoding, Utf8) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));
  EXPECT_FALSE(IsValidUtf8("\xc0\x80"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("\xff"));
}

}  // namespace
}  // namespace coffer
