#include "base/time.h"

#include <gtest/gtest.h>

namespace coffer {
namespace {

TEST(Time, Formats) {
  absl::Time t = absl::FromUnixSeconds(1440938160);  // 2015-08-30T12:36:00Z
  EXPECT_EQ(FormatAmzDate(t), "20150830T123600Z");
  EXPECT_EQ(FormatIso8601(t), "2015-08-30T12:36:00.000Z");
  EXPECT_EQ(FormatHttpDate(t), "Sun, 30 Aug 2015 12:36:00 GMT");
  EXPECT_EQ(*ParseAmzDate("20150830T123600Z"), t);
  EXPECT_EQ(*ParseIso8601("2015-08-30T12:36:00.000Z"), t);
  EXPECT_EQ(*ParseHttpDate("Sun, 30 Aug 2015 12:36:00 GMT"), t);
  EXPECT_EQ(*ParseHttpDate("Sunday, 30-Aug-15 12:36:00 GMT"), t);
  EXPECT_EQ(*ParseHttpDate("Sun, 30 Aug 2015 12:36:00 +0000"), t);
  EXPECT_FALSE(ParseAmzDate("2015-08-30"));
  EXPECT_FALSE(ParseHttpDate("yesterday"));
}

}  // namespace
}  // namespace coffer
