#include "audit/lookup.h"

#include <fcntl.h>
#include <unistd.h>

#include <map>
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

// Reads records where index entries say they are, keeping each log file open while a
// lookup runs.
class RecordReader {
 public:
  explicit RecordReader(std::string dir) : dir_(std::move(dir)) {}
  ~RecordReader() {
    for (auto& [name, fd] : open_) if (fd >= 0) close(fd);
  }

  // The record of an index value; a JSON null when it cannot be read.
  json Read(std::string_view value) {
    if (value.starts_with('{')) return json::parse(value, nullptr, false);  // an older entry
    auto where = ParseIndexValue(value);
    if (!where || where->length > kMaxRecord) return nullptr;
    auto [it, added] = open_.try_emplace(where->file, -1);
    if (added && where->file.find("..") == std::string::npos)
      it->second = open((dir_ + "/" + where->file).c_str(), O_RDONLY | O_CLOEXEC);
    if (it->second < 0) return nullptr;
    std::string record(where->length, '\0');
    size_t done = 0;
    while (done < record.size()) {
      ssize_t n = pread(it->second, record.data() + done, record.size() - done,
                        static_cast<off_t>(where->offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return nullptr;
      done += static_cast<size_t>(n);
    }
    return json::parse(record, nullptr, false);
  }

 private:
  static constexpr uint64_t kMaxRecord = 16 << 20;
  std::string dir_;
  std::map<std::string, int> open_;
};

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

absl::StatusOr<LookupPage> Lookup(storage::MetaStore* meta, const std::string& audit_dir,
                                  const LookupQuery& q) {
  // Newest first: from the end of the range (or the token) towards its start.
  std::string from = IndexSeekKey(q.account, q.end);
  if (!q.next_token.empty()) {
    auto key = Base64Decode(q.next_token);
    if (!key || !key->starts_with(q.account) || key->size() <= 20)
      return absl::InvalidArgumentError("Invalid NextToken.");
    from = *key;
  }
  LookupPage page;
  RecordReader records(audit_dir);
  size_t scanned = 0;
  for (auto it = meta->Scan(storage::Table::kAudit, from); it->Valid(); it->Next()) {
    std::string_view key = it->key();
    if (!key.starts_with(q.account)) break;
    auto when = IndexKeyTime(key);
    if (!when || *when < q.start) break;
    if (++scanned > 100000) break;  // a bound on one call's work
    json e = records.Read(it->value());
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
