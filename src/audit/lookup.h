// LookupEvents over the audit index: an account's management events, newest first,
// filtered by one attribute and a time range, a page at a time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/meta_store.h"

namespace coffer::audit {

struct LookupQuery {
  std::string account;
  std::string attribute_key, attribute_value;  // "" for no filter
  absl::Time start = absl::InfinitePast(), end = absl::InfiniteFuture();
  int max_results = 50;
  std::string next_token;
};

struct LookupPage {
  std::vector<nlohmann::json> events;  // CloudTrail records
  std::string next_token;              // "" on the last page
};

// The attribute keys CloudTrail accepts.
bool IsLookupAttribute(const std::string& key);
// Reads the records from the log files under `audit_dir`, the trail's folder; entries
// whose record cannot be read (a log file removed by hand) are skipped. InvalidArgument
// for a token this query did not hand out.
absl::StatusOr<LookupPage> Lookup(storage::MetaStore* meta, const std::string& audit_dir,
                                  const LookupQuery& q);

// CloudTrail's "Username" of a record (the user, role session or "root").
std::string UsernameOf(const nlohmann::json& record);

}  // namespace coffer::audit
