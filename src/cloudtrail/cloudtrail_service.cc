#include "cloudtrail/cloudtrail_service.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "audit/layout.h"
#include "audit/lookup.h"
#include "base/json_text.h"
#include "iam/principal.h"

namespace coffer::cloudtrail {
namespace {

using json = nlohmann::json;
using Reply = CloudTrailService::Reply;

constexpr std::string_view kTargetPrefix = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.";

Reply Error(const std::string& type, const std::string& message, int status = 400) {
  return {status, json{{"__type", type}, {"message", message}}.dump()};
}

std::optional<absl::Time> EpochField(const json& in, const char* name) {
  if (!in.contains(name)) return absl::InfinitePast();  // absent: no bound
  if (!in[name].is_number()) return std::nullopt;
  return absl::FromUnixMicros(static_cast<int64_t>(std::llround(in[name].get<double>() * 1e6)));
}

double Epoch(absl::Time t) { return static_cast<double>(absl::ToUnixSeconds(t)); }

json Summary(const json& e) {
  json out = {{"EventId", e.value("eventID", "")},
              {"EventName", e.value("eventName", "")},
              {"ReadOnly", e.value("readOnly", false) ? "true" : "false"},
              {"EventSource", e.value("eventSource", "")},
              {"Username", audit::UsernameOf(e)},
              {"CloudTrailEvent", e.dump()}};
  if (auto t = audit::ParseEventTime(e.value("eventTime", ""))) out["EventTime"] = Epoch(*t);
  if (e["userIdentity"].is_object() && e["userIdentity"].contains("accessKeyId"))
    out["AccessKeyId"] = e["userIdentity"]["accessKeyId"];
  json resources = json::array();
  if (e.contains("resources"))
    for (const auto& r : e["resources"])
      resources.push_back({{"ResourceType", r.value("type", "")}, {"ResourceName", r.value("ARN", "")}});
  out["Resources"] = resources;
  return out;
}

}  // namespace

Reply CloudTrailService::Run(const gateway::ApiRequest& request, const std::string& operation,
                             const std::string& body) {
  const iam::Principal& caller = *request.principal;
  json in = body.empty() ? json::object() : ParseJson(body);
  if (!in.is_object()) return Error("SerializationException", "The request body is not JSON.");

  // Identity policies decide (the account root may do everything).
  iam::AuthzRequest authz;
  authz.action = "cloudtrail:" + operation;
  authz.resource = operation == "LookupEvents"
                       ? "*"
                       : "arn:aws:cloudtrail:" + region_ + ":" + caller.account_id + ":trail/" +
                             in.value("TrailName", "");
  iam::FillPrincipalKeys(authz.context, request.principal, request.received);
  auto decision = authorizer_->DecideIdentity(request.principal, authz);
  if (!decision.ok()) return Error("InternalServerError", "policies could not be read", 500);
  if (*decision != iam::Decision::kAllow)
    return Error("AccessDeniedException", "User: " + caller.Arn() +
                                              " is not authorized to perform: " + authz.action);

  if (operation == "LookupEvents") {
    audit::LookupQuery q;
    q.account = caller.account_id;
    if (in.contains("LookupAttributes")) {
      const json& attrs = in["LookupAttributes"];
      if (!attrs.is_array() || attrs.size() > 1)
        return Error("InvalidLookupAttributesException",
                     "You cannot specify more than one lookup attribute.");
      if (attrs.size() == 1) {
        q.attribute_key = attrs[0].value("AttributeKey", "");
        q.attribute_value = attrs[0].value("AttributeValue", "");
        if (!audit::IsLookupAttribute(q.attribute_key))
          return Error("InvalidLookupAttributesException",
                       "The attribute key " + q.attribute_key + " is not valid.");
      }
    }
    auto start = EpochField(in, "StartTime");
    auto end = EpochField(in, "EndTime");
    if (!start || !end) return Error("InvalidTimeRangeException", "Times must be numbers.");
    q.start = *start;
    q.end = *end == absl::InfinitePast() ? absl::InfiniteFuture() : *end;
    if (q.start > q.end)
      return Error("InvalidTimeRangeException", "The start time is after the end time.");
    if (in.contains("MaxResults")) {
      if (!in["MaxResults"].is_number_integer() || in["MaxResults"] < 1 || in["MaxResults"] > 50)
        return Error("InvalidMaxResultsException", "MaxResults must be from 1 to 50.");
      q.max_results = in["MaxResults"];
    }
    q.next_token = in.value("NextToken", "");
    auto page = audit::Lookup(meta_, audit_dir_, q);
    if (!page.ok()) return Error("InvalidNextTokenException", std::string(page.status().message()));
    json events = json::array();
    for (const auto& e : page->events) events.push_back(Summary(e));
    json out = {{"Events", events}};
    if (!page->next_token.empty()) out["NextToken"] = page->next_token;
    return {200, out.dump()};
  }

  const std::string trail_name = in.value("TrailName", "");
  if (trail_name.empty())
    return Error("InvalidTrailNameException", "A trail name is required.");
  // Each account has one trail; a name given as an ARN names it by its last part.
  std::string name = trail_name.substr(trail_name.rfind('/') + 1);
  if (operation == "PutEventSelectors") {
    if (!in.contains("EventSelectors"))
      return Error("InvalidEventSelectorsException", "EventSelectors is required.");
    if (auto s = selectors_->Put(caller.account_id, name, in["EventSelectors"]); !s.ok())
      return Error("InvalidEventSelectorsException", std::string(s.message()));
  }
  auto doc = selectors_->Get(caller.account_id);
  if (!doc || (*doc)["TrailName"] != name)
    return Error("TrailNotFoundException",
                 "Unknown trail: " + name + " for the user: " + caller.account_id);
  return {200, json{{"TrailARN", "arn:aws:cloudtrail:" + region_ + ":" + caller.account_id +
                                     ":trail/" + name},
                    {"EventSelectors", (*doc)["EventSelectors"]}}
                   .dump()};
}

http::Task<void> CloudTrailService::Handle(gateway::ApiRequest& request) {
  auto body = co_await gateway::ReadWholeBody(request, 1 << 20);
  const std::string target = request.signable.Header("x-amz-target");
  Reply reply;
  const std::string operation =
      target.starts_with(kTargetPrefix) ? target.substr(kTargetPrefix.size()) : "";
  if (!body) {
    reply = Error("SerializationException", "The request body could not be read.");
  } else if (!request.principal) {
    reply = Error("MissingAuthenticationTokenException", "Request is missing Authentication Token");
  } else if (operation != "LookupEvents" && operation != "PutEventSelectors" &&
             operation != "GetEventSelectors") {
    reply = Error("UnknownOperationException", "Unknown operation " + target);
  } else {
    request.exchange.set_operation(operation);
    reply = Run(request, operation, *body);
  }
  co_await gateway::SendJson(request.exchange, reply.status, reply.body);
}

http::Task<void> CloudTrailService::Reject(http::Exchange& exchange, const auth::SignableRequest&,
                                           const auth::Error& error) {
  gateway::JsonError e = gateway::JsonAuthError(error);
  Reply reply = Error(e.type, e.message);
  co_await gateway::SendJson(exchange, reply.status, reply.body);
}

http::Task<void> CloudTrailService::Fail(http::Exchange& exchange, const absl::Status& status) {
  Reply reply = Error("InternalServerError", "An internal error occurred.", 500);
  co_await gateway::SendJson(exchange, reply.status, reply.body);
}

}  // namespace coffer::cloudtrail
