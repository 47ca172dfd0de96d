#include "audit/event.h"

#include <algorithm>

#include "audit/layout.h"
#include "base/encoding.h"
#include "base/json_text.h"

namespace coffer::audit {

using json = nlohmann::json;

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
  // arn:aws:kms:REGION:ACCOUNT:key/ID: the account is the fifth field.
  std::string_view rest = key_arn;
  for (int field = 0; field < 4 && !rest.empty(); ++field) {
    const size_t colon = rest.find(':');
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
  }
  return Resource{key_arn, std::string(rest.substr(0, rest.find(':'))), "AWS::KMS::Key"};
}

namespace {

// Appends JSON text to a string; the caller writes the punctuation between members.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  Writer& Str(std::string_view s) {
    AppendJsonString(out_, s);
    return *this;
  }
  // ,"name": (no comma before the first member of an object); names are ours, plain ASCII.
  Writer& Key(std::string_view name) {
    if (out_.back() != '{') out_ += ',';
    out_ += '"';
    out_ += name;
    out_ += "\":";
    return *this;
  }
  Writer& Member(std::string_view name, std::string_view value) { return Key(name).Str(value); }
  Writer& Bool(std::string_view name, bool value) {
    Key(name);
    out_ += value ? "true" : "false";
    return *this;
  }
  Writer& Json(std::string_view name, const json& value) {
    Key(name);
    return Value(value);
  }
  Writer& Value(const json& v) {
    AppendJson(out_, v);
    return *this;
  }
  Writer& Open(std::string_view name) {
    Key(name);
    out_ += '{';
    return *this;
  }
  Writer& Close() {
    out_ += '}';
    return *this;
  }

 private:
  std::string& out_;
};

void WriteUserIdentity(Writer& w, const std::optional<iam::Principal>& p,
                       const std::string& invoked_by) {
  w.Open("userIdentity");
  if (!p) {
    w.Member("type", "AWSAccount").Member("principalId", "").Member("accountId", "anonymous");
    w.Close();
    return;
  }
  if (p->is_root()) {
    w.Member("type", "Root").Member("principalId", p->account_id);
  } else if (p->is_session()) {
    w.Member("type", "AssumedRole").Member("principalId", p->role_id + ":" + p->session_name);
  } else {
    w.Member("type", "IAMUser").Member("principalId", p->user_id);
  }
  w.Member("arn", p->Arn()).Member("accountId", p->account_id);
  if (!p->access_key_id.empty()) w.Member("accessKeyId", p->access_key_id);
  if (!p->is_root() && !p->is_session()) w.Member("userName", p->user_name);
  if (p->is_session()) {
    w.Open("sessionContext").Open("sessionIssuer");
    w.Member("type", "Role").Member("principalId", p->role_id).Member("arn", p->RoleArn());
    w.Member("accountId", p->account_id).Member("userName", p->role_name);
    w.Close().Close();
  }
  if (!invoked_by.empty()) w.Member("invokedBy", invoked_by);
  w.Close();
}

}  // namespace

std::string Event::ToRecord() const {
  std::string out;
  out.reserve(2048);  // a KMS call's record is about 1.4 KB: no regrowth
  out += '{';
  Writer w(out);
  w.Member("eventVersion", "1.09");
  WriteUserIdentity(w, principal, invoked_by);
  w.Member("eventTime", FormatEventTime(time));
  w.Member("eventSource", source).Member("eventName", name).Member("awsRegion", region);
  w.Member("sourceIPAddress", invoked_by.empty() ? source_ip : invoked_by);
  w.Member("userAgent", invoked_by.empty() ? user_agent : invoked_by);
  if (!error_code.empty()) w.Member("errorCode", error_code).Member("errorMessage", error_message);
  w.Json("requestParameters", request_parameters);
  w.Json("responseElements", response_elements);
  if (!additional_event_data.is_null()) w.Json("additionalEventData", additional_event_data);
  w.Member("requestID", request_id).Member("eventID", event_id).Bool("readOnly", read_only);
  if (!resources.empty()) {
    w.Key("resources");
    out += '[';
    for (const auto& r : resources) {
      if (out.back() != '[') out += ',';
      out += '{';
      w.Member("ARN", r.arn).Member("accountId", r.account_id).Member("type", r.type);
      out += '}';
    }
    out += ']';
  }
  w.Member("eventType", "AwsApiCall").Bool("managementEvent", management);
  w.Member("recipientAccountId", recipient_account);
  w.Member("eventCategory", management ? "Management" : "Data");
  if (!tls_version.empty()) {
    w.Open("tlsDetails").Member("tlsVersion", tls_version).Member("clientProvidedHostHeader", "");
    w.Close();
  }
  out += '}';
  return out;
}

}  // namespace coffer::audit
