// The AWS Query protocol that IAM and STS speak: form-encoded parameters in (body or
// query string), XML out, errors as <ErrorResponse>. Shared by the two services.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "absl/status/status.h"
#include "audit/trail.h"
#include "auth/sigv4.h"
#include "base/xml.h"
#include "gateway/gateway.h"

namespace coffer::iam_api {

struct QueryError {
  int status = 400;
  std::string code;
  std::string message;
  static QueryError FromStatus(const absl::Status& s);
  static QueryError AccessDenied(const std::string& message) {
    return {403, "AccessDenied", message};
  }
  static QueryError Missing(const std::string& name) {
    return {400, "ValidationError",
            "1 validation error detected: Value null at '" + name +
                "' failed to satisfy constraint: Member must not be null"};
  }
};

// A Query request's parameters (Action, Version, and the operation's own).
class QueryParams {
 public:
  static std::optional<QueryParams> Parse(const std::string& body, const std::string& raw_query);
  std::optional<std::string> Get(const std::string& name) const;
  std::string GetOr(const std::string& name, const std::string& fallback) const {
    return Get(name).value_or(fallback);
  }
  const std::map<std::string, std::string>& values() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
};


// Writes <ActionResponse xmlns><ActionResult>...</ActionResult><ResponseMetadata>.
http::Task<void> ReplyQuery(http::Exchange& exchange, const std::string& xmlns,
                            const std::string& action,
                            const std::function<void(XmlWriter&)>& result);
http::Task<void> ReplyQueryError(http::Exchange& exchange, const std::string& xmlns,
                                 const QueryError& error);
// Maps a signature failure to IAM/STS's error names.
QueryError FromAuthError(const auth::Error& e);

// What an action answers: the writer of its <ActionResult>, or an error.
using ResultWriter = std::function<void(XmlWriter&)>;
using Outcome = std::variant<ResultWriter, QueryError>;

// A service speaking the Query protocol: reads the parameters, runs the action
// synchronously (Run) and sends its answer or error in the service's XML namespace.
class QueryService : public gateway::ApiService {
 public:
  // `event_source` names the service in audit records ("iam.amazonaws.com").
  QueryService(std::string xmlns, std::string event_source)
      : xmlns_(std::move(xmlns)), event_source_(std::move(event_source)) {}
  // Every call with a known action is recorded there (nullptr: no audit).
  void set_trail(audit::Trail* trail) { trail_ = trail; }

  http::Task<void> Handle(gateway::ApiRequest& request) final;
  http::Task<void> Reject(http::Exchange& exchange, const auth::SignableRequest& request,
                          const auth::Error& error) final;
  http::Task<void> Fail(http::Exchange& exchange, const absl::Status& status) final;

 protected:
  virtual Outcome Run(gateway::ApiRequest& request, const QueryParams& params) = 0;

 private:
  std::string xmlns_, event_source_;
  audit::Trail* trail_ = nullptr;
};

}  // namespace coffer::iam_api
