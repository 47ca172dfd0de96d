// Event: one audit record in CloudTrail's format (eventVersion 1.09 fields), built by
// the services as they answer. Nothing secret may be put in it: callers pass request
// parameters and response elements with plaintexts, key material, secret keys,
// session tokens and SSE-C keys removed (Redact helps with JSON).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "iam/principal.h"

namespace coffer::audit {

struct Resource {
  std::string arn, account_id, type;  // type: "AWS::KMS::Key", "AWS::S3::Bucket", ...
};

struct Event {
  absl::Time time;
  std::string source;       // "kms.amazonaws.com", "s3.amazonaws.com", ...
  std::string name;         // "Decrypt", "PutObject", ...
  std::string region;
  std::string source_ip;    // the client's address, or "AWS Internal" for service calls
  std::string user_agent;
  std::optional<iam::Principal> principal;  // nullopt: anonymous
  std::string invoked_by;   // "s3.amazonaws.com" when S3 called on the principal's behalf
  nlohmann::json request_parameters;   // null or an object
  nlohmann::json response_elements;    // null or an object
  std::string request_id;
  std::string event_id;     // made by Make() when empty
  bool read_only = false;
  bool management = true;   // false for S3 data events
  std::vector<Resource> resources;
  std::string recipient_account;  // the account the event belongs to
  std::string error_code, error_message;
  std::string tls_version;  // "TLSv1.3", or "" over plain HTTP
  nlohmann::json additional_event_data;  // null or an object

  // The CloudTrail record as one line of JSON, its members in CloudTrail's order; the
  // userIdentity block by principal type (Root, IAMUser, AssumedRole; AWSAccount for an
  // anonymous caller). Bytes that are not UTF-8 (a client's User-Agent, ...) become
  // U+FFFD: any request can be recorded.
  std::string ToRecord() const;
};

// An API's JSON input or output as CloudTrail shows it: `secret_fields` removed at any
// depth and the member names camelCased ("KeyId" -> "keyId"), except the user's own
// keys inside encryption contexts.
nlohmann::json ApiParameters(const nlohmann::json& api, const std::vector<std::string>& secret_fields);

// KMS ARN helpers for resources.
Resource KmsKeyResource(const std::string& key_arn);

}  // namespace coffer::audit
