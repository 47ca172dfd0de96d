// The STS Query API: GetCallerIdentity and AssumeRole.
#include "absl/strings/numbers.h"
#include "base/time.h"
#include "iam/errors.h"
#include "iam/names.h"
#include "iam_api/iam_service.h"
#include "iam_api/query.h"

namespace coffer::iam_api {
namespace {

// arn:aws:iam::ACCOUNT:role/PATH/NAME -> (account, name).
bool ParseRoleArn(const std::string& arn, std::string& account, std::string& name) {
  const std::string head = "arn:aws:iam::";
  if (!arn.starts_with(head)) return false;
  size_t colon = arn.find(':', head.size());
  if (colon == std::string::npos || arn.compare(colon + 1, 5, "role/") != 0) return false;
  account = arn.substr(head.size(), colon - head.size());
  name = arn.substr(arn.rfind('/') + 1);
  return account.size() == 12 && !name.empty();
}

}  // namespace

Outcome StsService::Run(gateway::ApiRequest& request, const QueryParams& params) {
  http::Exchange& ex = request.exchange;
  const iam::Principal& caller = *request.principal;
  const std::string action = params.GetOr("Action", "");

  if (action == "GetCallerIdentity") {
    return [caller](XmlWriter& w) {
      w.Element("Arn", caller.Arn()).Element("UserId", caller.user_id);
      w.Element("Account", caller.account_id);
    };
  }
  if (action != "AssumeRole") {
    return QueryError{400, "InvalidAction",
                      "Could not find operation " + action + " for version 2011-06-15"};
  }

  auto role_arn = params.Get("RoleArn");
  auto session_name = params.Get("RoleSessionName");
  if (!role_arn) return QueryError::Missing("roleArn");
  if (!session_name) return QueryError::Missing("roleSessionName");
  if (auto s = iam::CheckName("roleSessionName", *session_name, 64);
      !s.ok() || session_name->size() < 2) {
    return QueryError{400, "ValidationError",
                      "1 validation error detected: Value '" + *session_name +
                          "' at 'roleSessionName' failed to satisfy constraint: Member must "
                          "have length between 2 and 64 and match [\\w+=,.@-]*"};
  }
  const QueryError denied = QueryError::AccessDenied(
      "User: " + caller.Arn() + " is not authorized to perform: sts:AssumeRole on resource: " +
      *role_arn);
  if (caller.is_root()) return QueryError::AccessDenied("Roles may not be assumed by root accounts.");
  std::string account, name;
  if (!ParseRoleArn(*role_arn, account, name))
    return QueryError{400, "ValidationError", *role_arn + " is invalid"};
  auto role = policies_->GetRole(account, name);
  if (!role.ok() || role->Arn() != *role_arn) return denied;  // AWS does not reveal missing roles
  int duration = 3600;
  if (auto d = params.Get("DurationSeconds")) {
    if (!absl::SimpleAtoi(*d, &duration) || duration < 900 || duration > role->max_session_seconds)
      return QueryError{400, "ValidationError",
                        "The requested DurationSeconds exceeds the MaxSessionDuration set for "
                        "this role."};
  }
  std::string session_policy = params.GetOr("Policy", "");
  if (!session_policy.empty()) {
    if (auto p = iam::Policy::Parse(session_policy, iam::PolicyKind::kIdentity); !p.ok())
      return QueryError{400, "MalformedPolicyDocument", std::string(p.status().message())};
  }

  // The role's trust policy is the resource policy, and it must allow: an identity
  // policy alone cannot let anyone assume a role.
  auto trust = iam::Policy::Parse(role->trust_policy, iam::PolicyKind::kResource);
  if (!trust.ok()) return QueryError::FromStatus(trust.status());
  iam::AuthzRequest authz;
  authz.action = "sts:AssumeRole";
  authz.resource = role->Arn();
  iam::FillPrincipalKeys(authz.context, request.principal, request.received);
  authz.context.Set("aws:SecureTransport", ex.secure() ? "true" : "false");
  authz.context.Set("aws:SourceIp", ex.remote_ip());
  authz.context.Set("sts:RoleSessionName", *session_name);
  auto decision = authorizer_->Decide(request.principal, std::move(authz), {*trust}, account,
                                      /*resource_must_allow=*/true);
  if (!decision.ok()) return QueryError::FromStatus(decision.status());
  if (*decision != iam::Decision::kAllow) return denied;

  iam::Session session;
  session.account_id = account;
  session.role_name = role->name;
  session.role_id = role->role_id;
  session.session_name = *session_name;
  session.session_policy = session_policy;
  session.expires = absl::Now() + absl::Seconds(duration);
  auto issued = identities_->CreateSession(session);
  if (!issued.ok()) return QueryError::FromStatus(issued.status());
  auto shared = std::make_shared<iam::IssuedSession>(*std::move(issued));
  return [shared, session_policy](XmlWriter& w) {
    const iam::Session& s = shared->session;
    std::string secret(shared->secret.view());
    w.Open("Credentials").Element("AccessKeyId", s.access_key_id);
    w.Element("SecretAccessKey", secret).Element("SessionToken", shared->token);
    w.Element("Expiration", FormatIso8601(s.expires)).Close("Credentials");
    WipeString(secret);
    w.Open("AssumedRoleUser").Element("AssumedRoleId", s.role_id + ":" + s.session_name);
    w.Element("Arn", "arn:aws:sts::" + s.account_id + ":assumed-role/" + s.role_name + "/" +
                         s.session_name);
    w.Close("AssumedRoleUser");
    if (!session_policy.empty())
      w.Element("PackedPolicySize", std::to_string(session_policy.size() * 100 / 2048));
  };
}

}  // namespace coffer::iam_api
