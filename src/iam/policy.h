// IAM policy documents and AWS's policy evaluation logic: one engine for S3 bucket
// policies, IAM identity policies, role trust policies and (later) KMS key policies.
//
// Parse() validates a document as IAM does and keeps it ready for evaluation.
// Evaluate() tells whether one policy allows, explicitly denies, or says nothing about
// a request; Authorize() combines the policies that apply to a request with AWS's
// rules: an explicit Deny anywhere wins; within one account an Allow from an identity
// policy or from the resource policy suffices; across accounts both are needed;
// anything else is an implicit deny. Thread-safe once built (const).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <functional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace coffer::iam {

// Values of the condition keys for one request. Key names compare case-insensitively
// (as IAM does); values are kept as given. A key may hold several values
// (multi-valued keys such as aws:TagKeys or kms:EncryptionContextKeys).
class ConditionContext {
 public:
  void Set(std::string_view key, std::string value);  // replaces
  void Add(std::string_view key, std::string value);  // appends a value
  // For keys worth computing only when a policy condition reads one: `fill` adds them
  // (with Set and Add) once, before the first Get, after the fillers deferred before
  // it. What it refers to must outlive the policy evaluation. Most requests meet no
  // condition at all and never build their context.
  void Defer(std::function<void(ConditionContext&)> fill);
  // nullptr when the key is absent from the request.
  const std::vector<std::string>* Get(std::string_view key) const;

 private:
  mutable std::vector<std::function<void(ConditionContext&)>> deferred_;
  // Lower-case keys; filled on first Get by the deferred fillers, hence mutable.
  mutable std::vector<std::pair<std::string, std::vector<std::string>>> values_;
  // The values of `key` (matched in any case), added empty when absent.
  std::vector<std::string>& Values(std::string_view key);
};

// Who makes the request, as policies see it.
struct RequestPrincipal {
  bool anonymous = false;
  std::string account;   // 12 digits ("" when anonymous)
  std::string arn;       // arn:aws:iam::ACCOUNT:root, :user/NAME, :assumed-role/ROLE/SESSION
  std::string service;   // a service principal ("s3.amazonaws.com") when a service acts
  std::string canonical_user_id;  // S3 canonical id, for "CanonicalUser" principals
  // For assumed roles, the role's own ARN (arn:aws:iam::ACCOUNT:role/NAME), which
  // trust and resource policies may name.
  std::string role_arn;
};

struct AuthzRequest {
  std::string action;    // "s3:GetObject" (service prefix and name as AWS writes them)
  std::string resource;  // "arn:aws:s3:::bucket/key"; "*" for actions without one
  RequestPrincipal principal;
  ConditionContext context;  // aws:*, s3:*, kms:*, ... filled by the caller
};

enum class PolicyKind {
  kIdentity,  // attached to users, groups, roles: no Principal element allowed
  kResource,  // bucket policies, key policies, role trust policies: Principal required
};

enum class Decision { kNotApplicable, kAllow, kDeny };

// The result of evaluating one policy.
struct Evaluation {
  Decision decision = Decision::kNotApplicable;
  // For resource policies: the allowing statement named the principal's whole account
  // (arn:aws:iam::ACCOUNT:root or the bare account id) rather than the principal itself.
  // Within that account such an allow only delegates to identity policies.
  bool allow_via_account = false;
};

class Policy {
 public:
  // Parses and validates a policy document. Errors are InvalidArgument with IAM's
  // wording for MalformedPolicyDocument (e.g. "Policy document should not specify a
  // principal.", "Missing required field Principal", "Invalid principal in policy",
  // "Policy has invalid action", "The policy failed legacy parsing").
  static absl::StatusOr<std::shared_ptr<const Policy>> Parse(std::string_view json,
                                                             PolicyKind kind);

  Evaluation Evaluate(const AuthzRequest& request) const;
  const std::string& text() const { return text_; }
  PolicyKind kind() const { return kind_; }
  // True when some Allow statement grants access to everyone ("*" principal, or the
  // AWS "*" principal) without a condition that pins it (aws:SourceIp, aws:SourceVpc,
  // aws:PrincipalAccount, aws:PrincipalArn, ...): what S3 calls a public policy.
  bool IsPublic() const;

  struct Statement;  // defined in policy.cc

 private:
  Policy() = default;
  std::string text_;
  PolicyKind kind_ = PolicyKind::kIdentity;
  std::vector<std::shared_ptr<const Statement>> statements_;
  bool variables_ = false;  // some statement uses ${...} policy variables
};

// The policies that apply to one request.
struct PolicySet {
  // The caller's identity policies (user inline and managed, group, role, session).
  // For an account root, leave `principal_is_root` true: the root may do anything in
  // its own account unless something denies.
  std::vector<std::shared_ptr<const Policy>> identity;
  bool principal_is_root = false;
  // The resource's policy (bucket policy, key policy), if any, and its owner's account.
  std::vector<std::shared_ptr<const Policy>> resource;
  std::string resource_account;
  // Role trust policies and KMS key policies must allow themselves: an identity policy
  // alone is not enough, even within the account, unless the resource policy delegates
  // to the account (names its root).
  bool resource_must_allow = false;
};

Decision Authorize(const AuthzRequest& request, const PolicySet& policies);

}  // namespace coffer::iam
