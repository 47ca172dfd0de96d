#include "s3/conditions.h"

#include <gtest/gtest.h>

#include "base/time.h"

namespace coffer::s3 {
namespace {

std::optional<ByteRange> Range(std::string_view h, uint64_t size) {
  auto r = ParseRange(h, size);
  EXPECT_TRUE(std::holds_alternative<std::optional<ByteRange>>(r)) << h;
  return std::get<std::optional<ByteRange>>(r);
}

int RangeError(std::string_view h, uint64_t size) {
  auto r = ParseRange(h, size);
  if (auto* e = std::get_if<S3Error>(&r)) return e->status;
  return 0;
}

TEST(Range, Forms) {
  auto r = Range("bytes=0-9", 100);
  EXPECT_EQ(r->first, 0u);
  EXPECT_EQ(r->last, 9u);
  r = Range("bytes=90-", 100);
  EXPECT_EQ(r->first, 90u);
  EXPECT_EQ(r->last, 99u);
  r = Range("bytes=-10", 100);
  EXPECT_EQ(r->first, 90u);
  EXPECT_EQ(r->length(), 10u);
  r = Range("bytes=-500", 100);
  EXPECT_EQ(r->first, 0u);
  r = Range("bytes=50-1000", 100);
  EXPECT_EQ(r->last, 99u);
  EXPECT_FALSE(Range("bytes=5-1", 100));        // invalid: ignored
  EXPECT_FALSE(Range("bytes=0-1,5-6", 100));    // multi-range: ignored
  EXPECT_FALSE(Range("items=0-1", 100));
  EXPECT_EQ(RangeError("bytes=100-", 100), 416);
  EXPECT_EQ(RangeError("bytes=0-", 0), 416);
  EXPECT_EQ(RangeError("bytes=-0", 100), 416);
}

TEST(Conditions, Etags) {
  EXPECT_TRUE(EtagMatches("\"abc\"", "abc"));
  EXPECT_TRUE(EtagMatches("abc", "abc"));
  EXPECT_TRUE(EtagMatches("\"x\", \"abc\"", "abc"));
  EXPECT_TRUE(EtagMatches("*", "abc"));
  EXPECT_FALSE(EtagMatches("\"abd\"", "abc"));
}

TEST(Conditions, Outcomes) {
  absl::Time lm = absl::FromUnixSeconds(1700000000);
  std::string before = FormatHttpDate(lm - absl::Hours(1));
  std::string after = FormatHttpDate(lm + absl::Hours(1));
  ReadConditions c;
  c.if_match = "\"nope\"";
  EXPECT_EQ(EvaluateConditions(c, "e", lm).outcome, ConditionOutcome::kPreconditionFailed);
  c = {};
  c.if_none_match = "\"e\"";
  EXPECT_EQ(EvaluateConditions(c, "e", lm).outcome, ConditionOutcome::kNotModified);
  c = {};
  c.if_modified_since = after;
  EXPECT_EQ(EvaluateConditions(c, "e", lm).outcome, ConditionOutcome::kNotModified);
  c.if_modified_since = before;
  EXPECT_EQ(EvaluateConditions(c, "e", lm).outcome, ConditionOutcome::kProceed);
  c = {};
  c.if_unmodified_since = before;
  EXPECT_EQ(EvaluateConditions(c, "e", lm).failed_condition, "If-Unmodified-Since");
  // A true If-Match wins over a false If-Unmodified-Since.
  c.if_match = "\"e\"";
  EXPECT_EQ(EvaluateConditions(c, "e", lm).outcome, ConditionOutcome::kProceed);
  // A false If-None-Match wins over a true If-Modified-Since.
  c = {};
  c.if_none_match = "\"other\"";
  c.if_modified_since = after;
  EXPECT_EQ(EvaluateConditions(c, "e", lm).outcome, ConditionOutcome::kProceed);
}

}  // namespace
}  // namespace coffer::s3
