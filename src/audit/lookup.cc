#include "audit/lookup.h"

#include <set>

#include "audit/layout.h"
#include "base/encoding.h"

namespace coffer::audit {
namespace {

using json = nlohmann::json;

bool Matches(const json& e, const std::string& key, const std::string& value) {
  if (key.empty()) return true;
  if (key == "EventId") return e.value("eventID", "") == value;
  if (key == "EventName") return e.value("eventName", "") == value;
  if (key == "EventSource") return e.value("eventSource", "") == value;
  if (key == "ReadOnly") return (e.value("readOnly", false) ? "true" : "false") == value;
  if (key == "Username") return UsernameOf(e) == value;
  if (key == "AccessKeyId")
    return e["userIdentity"].is_object() && e["userIdentity"].value("accessKeyId", "") == value;
  if (key == "ResourceType" || key == "ResourceName") {
    if (!e.contains("resources")) return false;
    for (const auto& r : e["resources"]) {
      if (key == "ResourceType" && r.value("type", "") == value) return true;
      if (key == "ResourceName" && r.value("ARN", "") == value) return true;
    }
    if (key == "ResourceName" && e["requestParameters"].is_object())
      return e["requestParameters"].value("bucketName", "") == value;
  }
  return false;
}

}  // namespace

bool IsLookupAttribute(const std::string& key) {
  static const std::set<std::string> kKeys = {"EventId", "EventName", "ReadOnly", "Username",
                                              "ResourceType", "ResourceName", "EventSource",
                                              "AccessKeyId"};
  return kKeys.count(key) > 0;
}

std::string UsernameOf(const json& e) {
  const json& u = e.value("userIdentity", json::object());
  std::string type = u.value("type", "");
  if (type == "Root") return "root";
  if (type == "AssumedRole") {
    std::string id = u.value("principalId", "");
    size_t colon = id.find(':');
    return colon == std::string::npos ? id : id.substr(colon + 1);
  }
  return u.value("userName", "");
}

absl::StatusOr<LookupPage> Lookup(storage::MetaStore* meta, const LookupQuery& q) {
  // Newest first: from the end of the range (or the token) towards its start.
  std::string from = IndexSeekKey(q.account, q.end);
  if (!q.next_token.empty()) {
    auto key = Base64Decode(q.next_token);
    if (!key || !key->starts_with(q.account) || key->size() <= 20)
      return absl::InvalidArgumentError("Invalid NextToken.");
    from = *key;
  }
  LookupPage page;
  size_t scanned = 0;
  for (auto it = meta->Scan(storage::Table::kAudit, from); it->Valid(); it->Next()) {
    std::string_view key = it->key();
    if (!key.starts_with(q.account)) break;
    auto when = IndexKeyTime(key);
    if (!when || *when < q.start) break;
    if (++scanned > 100000) break;  // a bound on one call's work
    json e = json::parse(it->value(), nullptr, false);
    if (!e.is_object() || !e.value("managementEvent", true)) continue;
    if (!Matches(e, q.attribute_key, q.attribute_value)) continue;
    if (static_cast<int>(page.events.size()) == q.max_results) {
      page.next_token = Base64(std::string(key));  // the first event not sent
      break;
    }
    page.events.push_back(std::move(e));
  }
  return page;
}

}  // namespace coffer::audit
