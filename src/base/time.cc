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
// A time's UTC calendar fields, by std::chrono arithmetic rather than absl's time zone
// lookup (S3 listings and KMS policy checks format a time per entry or per call).
// nullopt outside years 1000 to 9999, which are left to absl (it writes fewer digits
// for earlier years).
struct Fields {
  int year, month, day, hour, minute, second, millis, weekday;
};
std::optional<Fields> Split(absl::Time t) {
  if (t < absl::FromUnixSeconds(-30610224000) || t >= absl::FromUnixSeconds(253402300800))
    return std::nullopt;  // before 1000-01-01 or from 10000-01-01
  const int64_t ms = absl::ToUnixMillis(t);  // rounds toward the past, as %E3S does
  const int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  const int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  const int64_t in_day = secs - days * 86400;
  const std::chrono::sys_days sd{std::chrono::days(days)};
  const std::chrono::year_month_day ymd(sd);
  return Fields{int(ymd.year()), int(unsigned(ymd.month())), int(unsigned(ymd.day())),
                int(in_day / 3600), int(in_day / 60 % 60), int(in_day % 60),
                int(ms - secs * 1000), int(std::chrono::weekday(sd).c_encoding())};
}

// Appends `n` as exactly `width` digits, then `then` unless it is 0.
void Digits(std::string& out, int n, int width, char then = 0) {
  char buf[8];
  for (int i = width - 1; i >= 0; --i, n /= 10) buf[i] = static_cast<char>('0' + n % 10);
  out.append(buf, static_cast<size_t>(width));
  if (then) out += then;
}

}  // namespace

std::string FormatAmzDate(absl::Time t) {
  auto f = Split(t);
  if (!f) return absl::FormatTime("%Y%m%dT%H%M%SZ", t, absl::UTCTimeZone());
  std::string out;
  out.reserve(16);
  Digits(out, f->year, 4);
  Digits(out, f->month, 2);
  Digits(out, f->day, 2, 'T');
  Digits(out, f->hour, 2);
  Digits(out, f->minute, 2);
  Digits(out, f->second, 2, 'Z');
  return out;
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
  auto f = Split(t);
  if (!f) return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
  std::string out;
  out.reserve(24);
  Digits(out, f->year, 4, '-');
  Digits(out, f->month, 2, '-');
  Digits(out, f->day, 2, 'T');
  Digits(out, f->hour, 2, ':');
  Digits(out, f->minute, 2, ':');
  Digits(out, f->second, 2, '.');
  Digits(out, f->millis, 3, 'Z');
  return out;
}

std::optional<absl::Time> ParseIso8601(std::string_view s) {
  if (auto t = Parse("%Y-%m-%dT%H:%M:%E*SZ", s)) return t;
  return Parse("%Y-%m-%dT%H:%M:%E*S%Ez", s);
}

std::string FormatHttpDate(absl::Time t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto f = Split(t);
  if (!f) return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", t, absl::UTCTimeZone());
  std::string out;
  out.reserve(29);
  out += kDays[f->weekday];
  out += ", ";
  Digits(out, f->day, 2, ' ');
  out += kMonths[f->month - 1];
  out += ' ';
  Digits(out, f->year, 4, ' ');
  Digits(out, f->hour, 2, ':');
  Digits(out, f->minute, 2, ':');
  Digits(out, f->second, 2);
  out += " GMT";
  return out;
}

std::optional<absl::Time> ParseHttpDate(std::string_view s) {
  if (auto t = Parse("%a, %d %b %Y %H:%M:%S GMT", s)) return t;
  if (auto t = Parse("%a, %d %b %Y %H:%M:%S %z", s)) return t;  // "+0000", as SigV2 clients send
  if (auto t = Parse("%A, %d-%b-%y %H:%M:%S GMT", s)) return t;
  return Parse("%a %b %e %H:%M:%S %Y", s);
}

}  // namespace coffer
