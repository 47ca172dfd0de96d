#include "iam/principal.h"

#include "base/encoding.h"
#include "crypto/hash.h"

namespace coffer::iam {

std::string Principal::Arn() const {
  if (is_session())
    return "arn:aws:sts::" + account_id + ":assumed-role/" + role_name + "/" + session_name;
  if (is_root()) return "arn:aws:iam::" + account_id + ":root";
  return "arn:aws:iam::" + account_id + ":user" + user_path + user_name;
}

std::string Principal::RoleArn() const {
  return is_session() ? "arn:aws:iam::" + account_id + ":role/" + role_name : "";
}

std::string Principal::CanonicalUserId() const { return CanonicalUserIdOf(account_id); }

std::string CanonicalUserIdOf(const std::string& account_id) {
  // Every authorization asks, and a thread nearly always asks for the account it asked
  // for last: keep that answer rather than hash again.
  thread_local std::string last_account, last_id;
  if (last_id.empty() || last_account != account_id) {
    last_id = HexLower(crypto::Sha256("coffer canonical user " + account_id));
    last_account = account_id;
  }
  return last_id;
}

}  // namespace coffer::iam
