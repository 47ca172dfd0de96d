#include "iam/authorizer.h"

#include "base/time.h"

namespace coffer::iam {

RequestPrincipal RequestPrincipalOf(const std::optional<Principal>& principal) {
  RequestPrincipal p;
  if (!principal) {
    p.anonymous = true;
    return p;
  }
  p.account = principal->account_id;
  p.arn = principal->Arn();
  p.role_arn = principal->RoleArn();
  p.canonical_user_id = principal->CanonicalUserId();
  return p;
}

void FillPrincipalKeys(ConditionContext& context, const std::optional<Principal>& principal,
                       absl::Time now) {
  context.Set("aws:CurrentTime", FormatIso8601(now));
  context.Set("aws:EpochTime", std::to_string(absl::ToUnixSeconds(now)));
  if (!principal) {
    context.Set("aws:PrincipalType", "Anonymous");
    return;
  }
  context.Set("aws:PrincipalArn", principal->is_session() ? principal->RoleArn() : principal->Arn());
  context.Set("aws:PrincipalAccount", principal->account_id);
  context.Set("aws:userid", principal->user_id);
  if (principal->is_session()) {
    context.Set("aws:PrincipalType", "AssumedRole");
  } else if (principal->is_root()) {
    context.Set("aws:PrincipalType", "Account");
  } else {
    context.Set("aws:PrincipalType", "User");
    context.Set("aws:username", principal->user_name);
  }
}

absl::StatusOr<Decision> Authorizer::Decide(
    const std::optional<Principal>& principal, AuthzRequest request,
    const std::vector<std::shared_ptr<const Policy>>& resource_policies,
    const std::string& resource_account, bool resource_must_allow) const {
  request.principal = RequestPrincipalOf(principal);
  PolicySet set;
  set.resource = resource_policies;
  set.resource_account = resource_account;
  set.resource_must_allow = resource_must_allow;
  std::shared_ptr<const Policy> session;
  if (principal) {
    auto applicable = policies_->IdentityPolicies(*principal);
    if (!applicable.ok()) return applicable.status();
    set.identity = std::move(applicable->identity);
    set.principal_is_root = principal->is_root();
    session = applicable->session;
  }
  Decision d = Authorize(request, set);
  // A session policy only narrows: what it does not allow, the session cannot do.
  if (d == Decision::kAllow && session) {
    Evaluation e = session->Evaluate(request);
    if (e.decision == Decision::kDeny) return Decision::kDeny;
    if (e.decision != Decision::kAllow) return Decision::kNotApplicable;
  }
  return d;
}

absl::StatusOr<Decision> Authorizer::DecideIdentity(const std::optional<Principal>& principal,
                                                    AuthzRequest request) const {
  return Decide(principal, std::move(request), {}, principal ? principal->account_id : "");
}

}  // namespace coffer::iam
