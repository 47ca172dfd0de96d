#include "base/codec.h"

#include <gtest/gtest.h>

namespace coffer {
namespace {

TEST(Codec, RoundTrip) {
  Encoder e;
  e.U8(7).U64(0x0102030405060708ull).Varint(300).Bool(true).Str("hello").Str("");
  Decoder d(e.data());
  uint8_t a;
  uint64_t b, c;
  bool f;
  std::string s1, s2;
  ASSERT_TRUE(d.U8(a).ok());
  ASSERT_TRUE(d.U64(b).ok());
  ASSERT_TRUE(d.Varint(c).ok());
  ASSERT_TRUE(d.Bool(f).ok());
  ASSERT_TRUE(d.Str(s1).ok());
  ASSERT_TRUE(d.Str(s2).ok());
  EXPECT_EQ(a, 7);
  EXPECT_EQ(b, 0x0102030405060708ull);
  EXPECT_EQ(c, 300u);
  EXPECT_TRUE(f);
  EXPECT_EQ(s1, "hello");
  EXPECT_EQ(s2, "");
  EXPECT_TRUE(d.done());
}

TEST(Codec, TruncatedInputIsDataLoss) {
  Encoder e;
  e.Str("hello world");
  std::string data = e.data().substr(0, 5);
  Decoder d(data);
  std::string s;
  EXPECT_EQ(d.Str(s).code(), absl::StatusCode::kDataLoss);
  Decoder d2("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff");
  uint64_t v;
  EXPECT_EQ(d2.Varint(v).code(), absl::StatusCode::kDataLoss);
}

TEST(Codec, BigEndianSortsNumerically) {
  EXPECT_LT(BigEndian64(255), BigEndian64(256));
  EXPECT_LT(BigEndian64(1), BigEndian64(1ull << 40));
}

}  // namespace
}  // namespace coffer
