#include "s3/conditions.h"

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "base/time.h"

namespace coffer::s3 {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ParseU64(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return absl::SimpleAtoi(std::string(s), &out);
}

S3Error InvalidRange(uint64_t size, std::string_view requested) {
  S3Error e = S3Error::Of(416, "InvalidRange",
                           "The requested range is not satisfiable");
  e.With("RangeRequested", std::string(requested));
  e.With("ActualObjectSize", std::to_string(size));
  return e;
}

}  // namespace

std::variant<std::optional<ByteRange>, S3Error> ParseRange(std::string_view header,
                                                           uint64_t size) {
  std::string_view h = Trim(header);
  if (!h.starts_with("bytes=")) return std::optional<ByteRange>();
  std::string_view spec = Trim(h.substr(6));
  if (spec.find(',') != std::string_view::npos) return std::optional<ByteRange>();
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::optional<ByteRange>();
  std::string_view a = Trim(spec.substr(0, dash)), b = Trim(spec.substr(dash + 1));
  uint64_t first = 0, last = 0;
  if (a.empty()) {  // suffix: the last N bytes
    if (!ParseU64(b, last)) return std::optional<ByteRange>();
    if (last == 0 || size == 0) return InvalidRange(size, h);
    uint64_t n = std::min(last, size);
    return std::optional<ByteRange>(ByteRange{size - n, size - 1});
  }
  if (!ParseU64(a, first)) return std::optional<ByteRange>();
  if (b.empty()) {
    last = size == 0 ? 0 : size - 1;
  } else if (!ParseU64(b, last) || last < first) {
    return std::optional<ByteRange>();  // syntactically invalid: S3 ignores it
  }
  if (first >= size) return InvalidRange(size, h);
  return std::optional<ByteRange>(ByteRange{first, std::min(last, size - 1)});
}

bool EtagMatches(std::string_view header, const std::string& etag) {
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view item = Trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item.size() >= 2 && item.front() == '"' && item.back() == '"')
      item = item.substr(1, item.size() - 2);
    if (item == "*" || item == etag) return true;
  }
  return false;
}

ConditionResult EvaluateConditions(const ReadConditions& c, const std::string& etag,
                                   absl::Time last_modified) {
  // HTTP dates have one-second precision.
  absl::Time modified = absl::FromUnixSeconds(absl::ToUnixSeconds(last_modified));
  if (c.if_match) {
    if (!EtagMatches(*c.if_match, etag))
      return {ConditionOutcome::kPreconditionFailed, "If-Match"};
  } else if (c.if_unmodified_since) {
    auto t = ParseHttpDate(*c.if_unmodified_since);
    if (t && modified > *t) return {ConditionOutcome::kPreconditionFailed, "If-Unmodified-Since"};
  }
  if (c.if_none_match) {
    if (EtagMatches(*c.if_none_match, etag)) return {ConditionOutcome::kNotModified, ""};
  } else if (c.if_modified_since) {
    auto t = ParseHttpDate(*c.if_modified_since);
    if (t && modified <= *t && *t <= absl::Now()) return {ConditionOutcome::kNotModified, ""};
  }
  return {};
}


}  // namespace coffer::s3
