#include "base/time.h"

#include <chrono>

namespace coffer {
namespace {
std::optional<absl::Time> Parse(const char* fmt, std::string_view s) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(fmt, std::string(s), absl::UTCTimeZone(), &t, &err)) return std::nullopt;
  return t;
}
}  // namespace

std::string FormatAmzDate(absl::Time t) {
  return absl::FormatTime("%Y%m%dT%H%M%SZ", t, absl::UTCTimeZone());
}

std::optional<absl::Time> ParseAmzDate(std::string_view s) {
  // absl's %Y is greedy, so the compact form is read field by field.
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  auto num = [&](size_t pos, size_t len) -> int {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  int y = num(0, 4), mo = num(4, 2), d = num(6, 2), h = num(9, 2), mi = num(11, 2),
      sec = num(13, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
      sec < 0 || sec > 60)
    return std::nullopt;
  // Calendar arithmetic, not absl's time zone lookup (every signed request has two).
  const std::chrono::year_month_day date{std::chrono::year(y), std::chrono::month(mo),
                                         std::chrono::day(d)};
  if (!date.ok()) return std::nullopt;  // e.g. February 30th
  const int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  return absl::FromUnixSeconds(days * 86400 + h * 3600 + mi * 60 + sec);
}

std::string FormatIso8601(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

std::optional<absl::Time> ParseIso8601(std::string_view s) {
  if (auto t = Parse("%Y-%m-%dT%H:%M:%E*SZ", s)) return t;
  return Parse("%Y-%m-%dT%H:%M:%E*S%Ez", s);
}

std::string FormatHttpDate(absl::Time t) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", t, absl::UTCTimeZone());
}

std::optional<absl::Time> ParseHttpDate(std::string_view s) {
  if (auto t = Parse("%a, %d %b %Y %H:%M:%S GMT", s)) return t;
  if (auto t = Parse("%a, %d %b %Y %H:%M:%S %z", s)) return t;  // "+0000", as SigV2 clients send
  if (auto t = Parse("%A, %d-%b-%y %H:%M:%S GMT", s)) return t;
  return Parse("%a %b %e %H:%M:%S %Y", s);
}

}  // namespace coffer
