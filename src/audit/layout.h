// Where the audit trail keeps things, and the formats shared by the writer (trail.h),
// the validator (validate.h) and LookupEvents (lookup.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace coffer::audit {

inline constexpr char kLogsDir[] = "logs";
inline constexpr char kDigestsDir[] = "digests";
// A log file is kLogHeader, records one per line separated by ",\n", then kLogFooter.
inline constexpr std::string_view kLogHeader = "{\"Records\":[";
inline constexpr std::string_view kLogFooter = "\n]}\n";

// logs/YYYY/MM/DD/REGION_CloudTrail_YYYYMMDDTHHMMSS.ffffffZ_RANDOM.json (in time order)
std::string LogFileName(const std::string& region, absl::Time t);
// digests/YYYY/MM/DD/REGION_CloudTrail-Digest_YYYYMMDDTHHMMSSZ[_N].json (the signature
// is the same name plus ".sig"). Names sort in the order digests were made.
std::string DigestFileName(const std::string& region, absl::Time t, int n = 0);
// Relative paths, sorted.
std::vector<std::string> ListDigests(const std::string& dir);
std::vector<std::string> ListLogs(const std::string& dir);
bool FileExists(const std::string& path);

// CloudTrail's time format, "2026-11-24T10:15:00Z".
std::string FormatEventTime(absl::Time t);
std::optional<absl::Time> ParseEventTime(std::string_view s);

// Index keys: account (12 characters) | inverted microseconds | event id, so a scan of
// an account's prefix lists its events newest first.
std::string IndexKey(const std::string& account, absl::Time t, const std::string& event_id);
std::string IndexSeekKey(const std::string& account, absl::Time t);
std::optional<absl::Time> IndexKeyTime(std::string_view key);

// Index values: where the record lies in a log file ("@OFFSET LENGTH FILE"; entries
// written before December 2026 hold the record itself, a JSON object).
struct RecordLocation {
  std::string file;  // relative to the audit folder
  uint64_t offset = 0;
  uint64_t length = 0;
};
std::string IndexValue(const RecordLocation& where);
std::optional<RecordLocation> ParseIndexValue(std::string_view value);

}  // namespace coffer::audit
