// Principal: who a verified request acts as. Built by the identity store from an
// access key; consumed by every service's authorization.
#pragma once

#include <string>

namespace coffer::iam {

struct Principal {
  std::string account_id;    // 12 digits
  std::string user_name;     // empty for the account's root user
  std::string user_id;       // AIDA... for users, the account id for root
  std::string access_key_id;
  bool is_root() const { return user_name.empty(); }
  // arn:aws:iam::ACCOUNT:root or arn:aws:iam::ACCOUNT:user/NAME
  std::string Arn() const;
  // The S3 canonical user id of the principal's account (64 hex characters).
  std::string CanonicalUserId() const;
};

// The S3 canonical user id of an account: stable, derived from the account id.
std::string CanonicalUserIdOf(const std::string& account_id);

}  // namespace coffer::iam
