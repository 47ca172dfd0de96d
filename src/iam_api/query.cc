#include "iam_api/query.h"

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "iam/errors.h"

namespace coffer::iam_api {

QueryError QueryError::FromStatus(const absl::Status& s) {
  std::string code = iam::IamCodeOf(s);
  int status = 400;
  if (code == "NoSuchEntity") status = 404;
  else if (code == "EntityAlreadyExists" || code == "DeleteConflict" || code == "LimitExceeded")
    status = 409;
  else if (code == "ServiceFailure") status = 500;
  std::string message(s.message());
  if (code == "ServiceFailure") message = "An internal error occurred.";
  return {status, code, message};
}

std::optional<QueryParams> QueryParams::Parse(const std::string& body,
                                              const std::string& raw_query) {
  QueryParams p;
  for (const std::string* source : {&raw_query, &body}) {
    for (const auto& [raw_name, raw_value] : SplitQuery(*source)) {
      auto name = UriDecode(raw_name, true);
      auto value = UriDecode(raw_value, true);
      if (!name || !value) return std::nullopt;
      p.values_[*name] = *value;
    }
  }
  return p;
}

std::optional<std::string> QueryParams::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

http::Task<void> ReplyQuery(http::Exchange& exchange, const std::string& xmlns,
                            const std::string& action,
                            const std::function<void(XmlWriter&)>& result) {
  XmlWriter w;
  w.Raw("<" + action + "Response xmlns=\"" + xmlns + "\">");
  w.Open(action + "Result");
  result(w);
  w.Close(action + "Result");
  w.Open("ResponseMetadata").Element("RequestId", exchange.request_id()).Close("ResponseMetadata");
  w.Close(action + "Response");
  http::ResponseHeader head;
  head.result(http::bhttp::status::ok);
  head.set(http::bhttp::field::content_type, "text/xml");
  head.set("x-amzn-RequestId", exchange.request_id());
  co_await exchange.Respond(std::move(head), w.Finish());
}

http::Task<void> ReplyQueryError(http::Exchange& exchange, const std::string& xmlns,
                                 const QueryError& error) {
  XmlWriter w;
  w.Raw("<ErrorResponse xmlns=\"" + xmlns + "\">");
  w.Open("Error");
  w.Element("Type", error.status >= 500 ? "Receiver" : "Sender");
  w.Element("Code", error.code).Element("Message", error.message.empty() ? error.code : error.message);
  w.Close("Error");
  w.Element("RequestId", exchange.request_id());
  w.Close("ErrorResponse");
  http::ResponseHeader head;
  head.result(static_cast<unsigned>(error.status));
  head.set(http::bhttp::field::content_type, "text/xml");
  head.set("x-amzn-RequestId", exchange.request_id());
  co_await exchange.Respond(std::move(head), w.Finish());
}

QueryError FromAuthError(const auth::Error& e) {
  using K = auth::Error::Kind;
  switch (e.kind) {
    case K::kUnknownAccessKey:
    case K::kInvalidToken:
      return {403, "InvalidClientTokenId",
              "The security token included in the request is invalid."};
    case K::kExpiredToken:
      return {403, "ExpiredToken", "The security token included in the request is expired"};
    case K::kSignatureMismatch:
    case K::kChunkSignatureMismatch:
      return {403, "SignatureDoesNotMatch", e.message};
    case K::kTimeSkewed:
    case K::kExpired:
      return {403, "SignatureDoesNotMatch",
              "Signature expired: " + e.request_time + " is now earlier than the allowed "
              "window (server time " + e.server_time + ")."};
    case K::kMalformed:
    case K::kMalformedQuery:
    case K::kMissingHeader:
      return {400, "IncompleteSignature", e.message};
    default:
      return {400, "InvalidRequest", e.message};
  }
}

// The answer is built synchronously and sent from one place: GCC 12 mishandles
// temporaries inside co_await expressions, so no error object is made inside one.
http::Task<void> QueryService::Handle(gateway::ApiRequest& request) {
  auto body = co_await gateway::ReadWholeBody(request, 1 << 20);
  auto params = body ? QueryParams::Parse(*body, request.signable.raw_query) : std::nullopt;
  Outcome outcome = params ? Run(request, *params)
                           : Outcome(QueryError{400, "MalformedQueryString",
                                                "The request could not be parsed."});
  if (auto* err = std::get_if<QueryError>(&outcome);
      params && (!err || err->code != "InvalidAction")) {
    const std::string action = params->GetOr("Action", "");
    request.exchange.set_operation(action);
    if (trail_ && request.principal) {
      // IAM is global (us-east-1); STS answers in the endpoint's region.
      audit::Event e = gateway::AuditEventFor(request, event_source_, action,
                                              request.signing.scope.region);
      if (event_source_ == "iam.amazonaws.com") e.region = "us-east-1";
      e.read_only = action.starts_with("Get") || action.starts_with("List");
      nlohmann::json p = nlohmann::json::object();
      for (const auto& [name, value] : params->values()) {
        if (name == "Action" || name == "Version" || name == "Password") continue;
        std::string key = name;
        if (!key.empty() && key[0] >= 'A' && key[0] <= 'Z') key[0] = key[0] - 'A' + 'a';
        p[key] = value;
      }
      e.request_parameters = std::move(p);
      if (err) {
        e.error_code = err->code;
        e.error_message = err->message;
      }
      trail_->Record(std::move(e));
    }
  }
  if (auto* err = std::get_if<QueryError>(&outcome)) {
    co_await ReplyQueryError(request.exchange, xmlns_, *err);
    co_return;
  }
  co_await ReplyQuery(request.exchange, xmlns_, params->GetOr("Action", ""),
                      std::get<ResultWriter>(outcome));
}

http::Task<void> QueryService::Reject(http::Exchange& exchange, const auth::SignableRequest&,
                                      const auth::Error& error) {
  co_await ReplyQueryError(exchange, xmlns_, FromAuthError(error));
}

http::Task<void> QueryService::Fail(http::Exchange& exchange, const absl::Status& status) {
  co_await ReplyQueryError(exchange, xmlns_, QueryError::FromStatus(status));
}

}  // namespace coffer::iam_api
