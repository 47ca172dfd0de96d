#include "audit/selectors.h"

namespace coffer::audit {
namespace {

using json = nlohmann::json;
constexpr char kPrefix[] = "cloudtrail-selectors/";

bool MatchesRw(const json& sel, bool read_only) {
  std::string rw = sel.value("ReadWriteType", "All");
  return rw == "All" || (rw == "ReadOnly") == read_only;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventSelectors>> EventSelectors::Load(storage::MetaStore* meta) {
  std::unique_ptr<EventSelectors> s(new EventSelectors(meta));
  for (auto it = meta->Scan(storage::Table::kSystem, kPrefix);
       it->Valid() && it->key().starts_with(kPrefix); it->Next()) {
    json j = json::parse(it->value(), nullptr, false);
    if (j.is_object())
      s->by_account_[std::string(it->key().substr(sizeof(kPrefix) - 1))] = std::move(j);
  }
  s->Recount();
  return s;
}

void EventSelectors::Recount() {
  bool any = false;
  for (const auto& [account, doc] : by_account_)
    for (const auto& sel : doc["EventSelectors"])
      any = any || (sel.contains("DataResources") && !sel["DataResources"].empty());
  any_data_ = any;
}

absl::Status EventSelectors::Put(const std::string& account, const std::string& trail_name,
                                 const json& selectors) {
  auto bad = [](const std::string& m) { return absl::InvalidArgumentError(m); };
  if (!selectors.is_array() || selectors.empty() || selectors.size() > 5)
    return bad("EventSelectors must be a list of 1 to 5 selectors.");
  for (const auto& sel : selectors) {
    if (!sel.is_object()) return bad("Each event selector must be an object.");
    std::string rw = sel.value("ReadWriteType", "All");
    if (rw != "All" && rw != "ReadOnly" && rw != "WriteOnly")
      return bad("ReadWriteType must be All, ReadOnly or WriteOnly.");
    if (sel.contains("IncludeManagementEvents") && !sel["IncludeManagementEvents"].is_boolean())
      return bad("IncludeManagementEvents must be a boolean.");
    if (!sel.contains("DataResources")) continue;
    if (!sel["DataResources"].is_array()) return bad("DataResources must be a list.");
    for (const auto& r : sel["DataResources"]) {
      if (!r.is_object() || r.value("Type", "") != "AWS::S3::Object")
        return bad("Only AWS::S3::Object data resources are supported.");
      if (!r.contains("Values") || !r["Values"].is_array()) return bad("Values must be a list.");
      for (const auto& v : r["Values"]) {
        if (!v.is_string()) return bad("Values must be strings.");
        std::string value = v;
        if (value != "arn:aws:s3" && value != "arn:aws:s3:::" &&
            (!value.starts_with("arn:aws:s3:::") || value.find('/') == std::string::npos))
          return bad("Value " + value + " is not a valid S3 object prefix (arn:aws:s3:::bucket/).");
      }
    }
  }
  json doc = {{"TrailName", trail_name}, {"EventSelectors", selectors}};
  storage::WriteBatch batch;
  batch.Put(storage::Table::kSystem, kPrefix + account, doc.dump());
  if (auto s = meta_->Write(batch); !s.ok()) return s;
  std::lock_guard lock(mu_);
  by_account_[account] = std::move(doc);
  Recount();
  return absl::OkStatus();
}

std::optional<json> EventSelectors::Get(const std::string& account) const {
  std::lock_guard lock(mu_);
  auto it = by_account_.find(account);
  if (it == by_account_.end()) return std::nullopt;
  return it->second;
}

bool EventSelectors::LogsManagement(const std::string& account, bool read_only) const {
  std::lock_guard lock(mu_);
  auto it = by_account_.find(account);
  if (it == by_account_.end()) return true;
  for (const auto& sel : it->second["EventSelectors"])
    if (sel.value("IncludeManagementEvents", true) && MatchesRw(sel, read_only)) return true;
  return false;
}

bool EventSelectors::LogsData(const std::string& account, const std::string& bucket,
                              const std::string& key, bool read_only) const {
  if (!any_data_) return false;
  std::lock_guard lock(mu_);
  auto it = by_account_.find(account);
  if (it == by_account_.end()) return false;
  const std::string arn = "arn:aws:s3:::" + bucket + "/" + key;
  for (const auto& sel : it->second["EventSelectors"]) {
    if (!MatchesRw(sel, read_only) || !sel.contains("DataResources")) continue;
    for (const auto& r : sel["DataResources"])
      for (const auto& v : r["Values"]) {
        std::string value = v;
        if (value == "arn:aws:s3" || value == "arn:aws:s3:::" || arn.starts_with(value))
          return true;
      }
  }
  return false;
}

}  // namespace coffer::audit
