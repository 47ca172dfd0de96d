// Principal: who a verified request acts as. Built by the identity store from an
// access key; consumed by every service's authorization.
#pragma once

#include <string>

namespace coffer::iam {

struct Principal {
  std::string account_id;    // 12 digits
  std::string user_name;     // set for IAM users
  std::string user_path = "/";
  std::string user_id;       // AIDA... for users, the account id for root, ROLEID:SESSION
  std::string access_key_id;
  // Set for temporary credentials from AssumeRole.
  std::string role_name, role_id, session_name, session_policy;

  bool is_root() const { return user_name.empty() && role_name.empty(); }
  bool is_session() const { return !role_name.empty(); }
  // arn:aws:iam::ACCOUNT:root, arn:aws:iam::ACCOUNT:user/PATH/NAME or
  // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
  std::string Arn() const;
  // For sessions, the role's ARN (arn:aws:iam::ACCOUNT:role/ROLE); empty otherwise.
  std::string RoleArn() const;
  // The S3 canonical user id of the principal's account (64 hex characters).
  std::string CanonicalUserId() const;
};

// The S3 canonical user id of an account: stable, derived from the account id.
std::string CanonicalUserIdOf(const std::string& account_id);

}  // namespace coffer::iam
