#include "audit/layout.h"

#include <sys/stat.h>

#include <limits>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/codec.h"
#include "base/encoding.h"
#include "base/files.h"
#include "base/ids.h"

namespace coffer::audit {
namespace {

std::string Utc(absl::Time t, const char* format) {
  return absl::FormatTime(format, t, absl::UTCTimeZone());
}

std::vector<std::string> ListJson(const std::string& dir, const char* sub) {
  std::vector<std::string> out;
  for (const std::string& f : ListFilesRecursively(dir + "/" + sub)) {
    if (absl::EndsWith(f, ".json") && f.find(".tmp-") == std::string::npos)
      out.push_back(std::string(sub) + "/" + f);
  }
  return out;
}

}  // namespace

std::string LogFileName(const std::string& region, absl::Time t) {
  return std::string(kLogsDir) + "/" + Utc(t, "%Y/%m/%d/") + region + "_CloudTrail_" +
         Utc(t, "%Y%m%dT%H%M%E6SZ") + "_" + NewUniqueId().substr(0, 16) + ".json";
}

std::string DigestFileName(const std::string& region, absl::Time t, int n) {
  return std::string(kDigestsDir) + "/" + Utc(t, "%Y/%m/%d/") + region + "_CloudTrail-Digest_" +
         Utc(t, "%Y%m%dT%H%M%SZ") + (n ? "_" + std::to_string(n) : "") + ".json";
}

std::vector<std::string> ListDigests(const std::string& dir) { return ListJson(dir, kDigestsDir); }
std::vector<std::string> ListLogs(const std::string& dir) { return ListJson(dir, kLogsDir); }

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::string FormatEventTime(absl::Time t) {
  // Events come many to a second: format each second once per thread.
  thread_local int64_t second = std::numeric_limits<int64_t>::min();
  thread_local std::string formatted;
  if (const int64_t s = absl::ToUnixSeconds(t); s != second) {
    formatted = Utc(t, "%Y-%m-%dT%H:%M:%SZ");
    second = s;
  }
  return formatted;
}

std::optional<absl::Time> ParseEventTime(std::string_view s) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%dT%H:%M:%SZ", std::string(s), absl::UTCTimeZone(), &t, &err))
    return std::nullopt;
  return t;
}

std::string IndexSeekKey(const std::string& account, absl::Time t) {
  return account + BigEndian64(~static_cast<uint64_t>(absl::ToUnixMicros(t)));
}

std::string IndexKey(const std::string& account, absl::Time t, const std::string& event_id) {
  return IndexSeekKey(account, t) + event_id;
}

std::optional<absl::Time> IndexKeyTime(std::string_view key) {
  if (key.size() < 20) return std::nullopt;
  uint64_t inverted = 0;
  for (size_t i = 12; i < 20; ++i) inverted = (inverted << 8) | static_cast<uint8_t>(key[i]);
  return absl::FromUnixMicros(static_cast<int64_t>(~inverted));
}

std::string IndexValue(const RecordLocation& where) {
  return absl::StrCat("@", where.offset, " ", where.length, " ", where.file);
}

std::optional<RecordLocation> ParseIndexValue(std::string_view value) {
  auto number = [&value](uint64_t* out) {
    const size_t space = value.find(' ');
    if (space == std::string_view::npos) return false;
    const bool ok = absl::SimpleAtoi(absl::string_view(value.data(), space), out);
    value.remove_prefix(space + 1);
    return ok;
  };
  if (!value.starts_with('@')) return std::nullopt;
  value.remove_prefix(1);
  RecordLocation where;
  if (!number(&where.offset) || !number(&where.length) || value.empty()) return std::nullopt;
  where.file = std::string(value);
  return where;
}

}  // namespace coffer::audit
