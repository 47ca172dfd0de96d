// Authorizer: decides whether a principal may perform an action, with its identity
// policies (a role session's session policy narrowing them) and the resource's
// policy, by AWS's evaluation logic (iam/policy.h). Every service asks it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "iam/policy.h"
#include "iam/policy_store.h"
#include "iam/principal.h"

namespace coffer::iam {

// How policies see a principal (anonymous when nullopt).
RequestPrincipal RequestPrincipalOf(const std::optional<Principal>& principal);
// aws:PrincipalArn, aws:PrincipalAccount, aws:userid, aws:username, aws:PrincipalType,
// aws:CurrentTime and aws:EpochTime.
void FillPrincipalKeys(ConditionContext& context, const std::optional<Principal>& principal,
                       absl::Time now);

class Authorizer {
 public:
  explicit Authorizer(PolicyStore* policies) : policies_(policies) {}

  // `request.principal` is filled from `principal`. Errors only when policies cannot
  // be read.
  absl::StatusOr<Decision> Decide(const std::optional<Principal>& principal,
                                  AuthzRequest request,
                                  const std::vector<std::shared_ptr<const Policy>>& resource_policies,
                                  const std::string& resource_account,
                                  bool resource_must_allow = false) const;

  // The same decision with identity policies alone (IAM actions, ListAllMyBuckets, and
  // the identity half of an ACL grant to another account).
  absl::StatusOr<Decision> DecideIdentity(const std::optional<Principal>& principal,
                                          AuthzRequest request) const;

  PolicyStore* policies() const { return policies_; }

 private:
  PolicyStore* policies_;
};

}  // namespace coffer::iam
