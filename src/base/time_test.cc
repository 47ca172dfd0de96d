#include "base/time.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

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

// The compact form agrees with absl's calendar for every day from 1900 to 2400, at
// every hour, and refuses days a month does not have.
TEST(Time, AmzDateAgreesWithAbslCalendar) {
  for (absl::CivilDay day(1900, 1, 1); day < absl::CivilDay(2400, 1, 1); day += 7) {
    const absl::CivilSecond s(day.year(), day.month(), day.day(), day.day() % 24,
                              (day.day() * 7) % 60, (day.day() * 13) % 60);
    const absl::Time want = absl::FromCivil(s, absl::UTCTimeZone());
    const std::string text = FormatAmzDate(want);
    auto got = ParseAmzDate(text);
    ASSERT_TRUE(got) << text;
    EXPECT_EQ(*got, want) << text;
  }
  EXPECT_TRUE(ParseAmzDate("20240229T000000Z"));
  EXPECT_FALSE(ParseAmzDate("20230229T000000Z"));
  EXPECT_FALSE(ParseAmzDate("21000229T000000Z"));
  EXPECT_TRUE(ParseAmzDate("20000229T235959Z"));
  EXPECT_FALSE(ParseAmzDate("20150431T000000Z"));
  EXPECT_FALSE(ParseAmzDate("20151301T000000Z"));
  EXPECT_FALSE(ParseAmzDate("20150830T240000Z"));
  EXPECT_FALSE(ParseAmzDate("20150830T123600"));
  EXPECT_EQ(*ParseAmzDate("20151231T235960Z"), absl::FromUnixSeconds(1451606400));  // a leap second
}

// The formatters give absl's bytes: random times from year 0 to 9999 with random
// milliseconds (before 1970 too), the edges of that range, and beyond it.
TEST(Time, FormattersAgreeWithAbsl) {
  std::mt19937_64 rng(7);
  std::vector<absl::Time> times = {
      absl::UnixEpoch(), absl::FromUnixMillis(-1), absl::FromUnixMillis(1),
      absl::FromUnixSeconds(-62167219200), absl::FromUnixSeconds(-30610224000),
      absl::FromUnixSeconds(-30610224000) - absl::Nanoseconds(1),
      absl::FromUnixSeconds(253402300799) + absl::Milliseconds(999),
      absl::FromUnixSeconds(253402300800), absl::FromUnixSeconds(-62167219201),
      absl::FromUnixNanos(-1), absl::FromUnixNanos(1999999), absl::InfiniteFuture(),
      absl::InfinitePast()};
  for (int i = 0; i < 20000; ++i) {
    const int64_t secs = static_cast<int64_t>(rng() % 315537897600ull) - 62167219200;
    times.push_back(absl::FromUnixSeconds(secs) + absl::Nanoseconds(rng() % 1000000000));
  }
  const absl::TimeZone utc = absl::UTCTimeZone();
  for (absl::Time t : times) {
    EXPECT_EQ(FormatIso8601(t), absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, utc));
    EXPECT_EQ(FormatAmzDate(t), absl::FormatTime("%Y%m%dT%H%M%SZ", t, utc));
    EXPECT_EQ(FormatHttpDate(t), absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", t, utc));
  }
}

}  // namespace
}  // namespace coffer
