#include "iam/principal.h"

#include "base/encoding.h"
#include "crypto/hash.h"

namespace coffer::iam {

std::string Principal::Arn() const {
  if (is_root()) return "arn:aws:iam::" + account_id + ":root";
  return "arn:aws:iam::" + account_id + ":user/" + user_name;
}

std::string Principal::CanonicalUserId() const { return CanonicalUserIdOf(account_id); }

std::string CanonicalUserIdOf(const std::string& account_id) {
  return HexLower(crypto::Sha256("coffer canonical user " + account_id));
}

}  // namespace coffer::iam
