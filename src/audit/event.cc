#include "audit/event.h"

#include <algorithm>

#include "absl/strings/str_split.h"
#include "audit/layout.h"

namespace coffer::audit {

using json = nlohmann::json;

json UserIdentity(const std::optional<iam::Principal>& p, const std::string& invoked_by) {
  if (!p) return json{{"type", "AWSAccount"}, {"principalId", ""}, {"accountId", "anonymous"}};
  json u;
  if (p->is_root()) {
    u = {{"type", "Root"}, {"principalId", p->account_id}};
  } else if (p->is_session()) {
    u = {{"type", "AssumedRole"}, {"principalId", p->role_id + ":" + p->session_name}};
    u["sessionContext"] = {
        {"sessionIssuer",
         {{"type", "Role"}, {"principalId", p->role_id}, {"arn", p->RoleArn()},
          {"accountId", p->account_id}, {"userName", p->role_name}}}};
  } else {
    u = {{"type", "IAMUser"}, {"principalId", p->user_id}, {"userName", p->user_name}};
  }
  u["arn"] = p->Arn();
  u["accountId"] = p->account_id;
  if (!p->access_key_id.empty()) u["accessKeyId"] = p->access_key_id;
  if (!invoked_by.empty()) u["invokedBy"] = invoked_by;
  return u;
}

namespace {

// One walk: drops the secret fields and camelCases the member names (`keep_keys` inside
// an encryption context, whose keys are the user's).
json Parameters(const json& v, const std::vector<std::string>& secret, bool keep_keys) {
  if (v.is_array()) {
    json out = json::array();
    for (const auto& x : v) out.push_back(Parameters(x, secret, false));
    return out;
  }
  if (!v.is_object()) return v;
  json out = json::object();
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (std::find(secret.begin(), secret.end(), it.key()) != secret.end()) continue;
    std::string key = it.key();
    const bool context = key.find("EncryptionContext") != std::string::npos;
    if (!keep_keys && !key.empty() && key[0] >= 'A' && key[0] <= 'Z') key[0] = key[0] - 'A' + 'a';
    out[key] = Parameters(it.value(), secret, context);
  }
  return out;
}

}  // namespace

json ApiParameters(const json& api, const std::vector<std::string>& secret_fields) {
  if (api.is_null()) return api;
  return Parameters(api, secret_fields, false);
}

Resource KmsKeyResource(const std::string& key_arn) {
  // arn:aws:kms:REGION:ACCOUNT:key/ID
  std::vector<std::string> parts = absl::StrSplit(key_arn, ':');
  return Resource{key_arn, parts.size() > 4 ? parts[4] : "", "AWS::KMS::Key"};
}

json Event::ToJson() const {
  json e;
  e["eventVersion"] = "1.09";
  e["userIdentity"] = UserIdentity(principal, invoked_by);
  e["eventTime"] = FormatEventTime(time);
  e["eventSource"] = source;
  e["eventName"] = name;
  e["awsRegion"] = region;
  e["sourceIPAddress"] = invoked_by.empty() ? source_ip : invoked_by;
  e["userAgent"] = invoked_by.empty() ? user_agent : invoked_by;
  if (!error_code.empty()) {
    e["errorCode"] = error_code;
    e["errorMessage"] = error_message;
  }
  e["requestParameters"] = request_parameters;
  e["responseElements"] = response_elements;
  if (!additional_event_data.is_null()) e["additionalEventData"] = additional_event_data;
  e["requestID"] = request_id;
  e["eventID"] = event_id;
  e["readOnly"] = read_only;
  if (!resources.empty()) {
    json rs = json::array();
    for (const auto& r : resources)
      rs.push_back({{"ARN", r.arn}, {"accountId", r.account_id}, {"type", r.type}});
    e["resources"] = rs;
  }
  e["eventType"] = "AwsApiCall";
  e["managementEvent"] = management;
  e["recipientAccountId"] = recipient_account;
  e["eventCategory"] = management ? "Management" : "Data";
  if (!tls_version.empty())
    e["tlsDetails"] = {{"tlsVersion", tls_version}, {"clientProvidedHostHeader", ""}};
  return e;
}

}  // namespace coffer::audit
