#include "iam/identity_store.h"

#include <mutex>

#include "base/codec.h"
#include "base/encoding.h"
#include "base/ids.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "iam/errors.h"
#include "iam/names.h"

namespace coffer::iam {
namespace {

using storage::Table;
constexpr uint8_t kVersion = 1;
constexpr size_t kMaxKeysPerUser = 2;
std::mutex create_mu;  // serialises check-then-create

// Key layout in Table::kIam:
//   a/ACCOUNT                account     u/ACCOUNT/USER        user
//   k/AKID                   access key  ak/ACCOUNT/AKID       the account's keys
//   s/AKID                   session (temporary credentials)
std::string AccountKey(const std::string& id) { return "a/" + id; }
std::string UserKey(const std::string& acct, const std::string& name) {
  return "u/" + acct + "/" + name;
}
std::string KeyKey(const std::string& akid) { return "k/" + akid; }
std::string AccountKeyIndex(const std::string& acct, const std::string& akid) {
  return "ak/" + acct + "/" + akid;
}
std::string SessionKey(const std::string& akid) { return "s/" + akid; }

bool ValidAccessKeyId(std::string_view id) {
  if (id.size() < 16 || id.size() > 128) return false;
  for (char c : id)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

bool ValidSecret(std::string_view s) {
  if (s.size() < 16 || s.size() > 128) return false;
  for (char c : s)
    if (c <= ' ' || c > '~') return false;
  return true;
}

SecretBytes NewSecret() {
  SecretBytes raw = RandomSecret(30);
  std::string text = Base64(raw.view());
  SecretBytes out(text);
  WipeString(text);
  return out;
}

struct KeyRecord {
  AccessKey key;
  std::string sealed_secret;
};

std::string EncodeKey(const KeyRecord& r) {
  return Encoder().U8(kVersion).Str(r.key.account_id).Str(r.key.user_name).Bool(r.key.active)
      .Time(r.key.created).Str(r.sealed_secret).Take();
}

absl::StatusOr<KeyRecord> DecodeKey(const std::string& akid, std::string_view v) {
  KeyRecord r;
  r.key.access_key_id = akid;
  RecordReader rd(v);
  rd.Version(kVersion).Str(r.key.account_id).Str(r.key.user_name).Bool(r.key.active);
  rd.Time(r.key.created).Str(r.sealed_secret);
  if (!rd.status().ok()) return rd.status();
  return r;
}

// The access key `access_key_id` of that user, or NoSuchEntity as IAM words it.
absl::StatusOr<KeyRecord> LoadOwnedKey(storage::MetaStore* store, const std::string& account_id,
                                       const std::string& user_name,
                                       const std::string& access_key_id) {
  auto v = store->Get(Table::kIam, KeyKey(access_key_id));
  if (!v.ok()) return v.status();
  auto r = v->has_value() ? DecodeKey(access_key_id, **v) : absl::StatusOr<KeyRecord>();
  if (!v->has_value() || !r.ok() || r->key.account_id != account_id ||
      r->key.user_name != user_name)
    return NoSuchEntity("The Access Key with id " + access_key_id + " cannot be found.");
  return r;
}

absl::StatusOr<User> DecodeUser(const std::string& acct, const std::string& name,
                                std::string_view v) {
  User u;
  u.account_id = acct;
  u.name = name;
  RecordReader rd(v);
  rd.Version(kVersion).Str(u.user_id).Time(u.created).Str(u.path);
  if (!rd.status().ok()) return rd.status();
  return u;
}

}  // namespace

std::string User::Arn() const { return "arn:aws:iam::" + account_id + ":user" + path + name; }

IdentityStore::IdentityStore(storage::MetaStore* store, const SecretBytes& root_key)
    : store_(store),
      seal_key_(crypto::HkdfSha256(root_key.view(), "", "coffer iam access key secrets", 32)) {}

absl::StatusOr<Account> IdentityStore::CreateAccount(const std::string& name) {
  std::lock_guard lock(create_mu);
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string id = RandomDigits(12);
    auto existing = store_->Get(Table::kIam, AccountKey(id));
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) continue;
    Account a{id, name, absl::Now()};
    storage::WriteBatch b;
    b.Put(Table::kIam, AccountKey(id), Encoder().U8(kVersion).Str(name).Time(a.created).Take());
    if (auto s = store_->Write(b); !s.ok()) return s;
    return a;
  }
  return absl::InternalError("could not allocate an account id");
}

absl::StatusOr<std::optional<Account>> IdentityStore::GetAccount(const std::string& id) {
  auto v = store_->Get(Table::kIam, AccountKey(id));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<Account>();
  Account a{id, "", {}};
  RecordReader rd(**v);
  rd.Version(kVersion).Str(a.name).Time(a.created);
  if (!rd.status().ok()) return rd.status();
  return std::optional<Account>(std::move(a));
}

absl::StatusOr<std::vector<Account>> IdentityStore::ListAccounts() {
  std::vector<std::string> ids;
  auto it = store_->Scan(Table::kIam, "a/");
  for (; it->Valid() && it->key().starts_with("a/"); it->Next())
    ids.emplace_back(it->key().substr(2));
  if (auto s = it->status(); !s.ok()) return s;
  std::vector<Account> out;
  for (const auto& id : ids) {
    auto a = GetAccount(id);
    if (!a.ok()) return a.status();
    if (*a) out.push_back(**a);
  }
  return out;
}

absl::StatusOr<User> IdentityStore::CreateUser(const std::string& account_id,
                                               const std::string& name, const std::string& path) {
  if (auto s = CheckName("userName", name, 64); !s.ok()) return s;
  if (auto s = CheckPath(path); !s.ok()) return s;
  std::lock_guard lock(create_mu);
  auto acct = GetAccount(account_id);
  if (!acct.ok()) return acct.status();
  if (!acct->has_value()) return NoSuchEntity("The account " + account_id + " does not exist.");
  auto existing = store_->Get(Table::kIam, UserKey(account_id, name));
  if (!existing.ok()) return existing.status();
  if (existing->has_value())
    return EntityAlreadyExists("User with name " + name + " already exists.");
  User u{account_id, name, path, "AIDA" + RandomIdChars(17), absl::Now()};
  storage::WriteBatch b;
  b.Put(Table::kIam, UserKey(account_id, name),
        Encoder().U8(kVersion).Str(u.user_id).Time(u.created).Str(u.path).Take());
  if (auto s = store_->Write(b); !s.ok()) return s;
  return u;
}

absl::StatusOr<std::optional<User>> IdentityStore::GetUser(const std::string& account_id,
                                                           const std::string& name) {
  auto v = store_->Get(Table::kIam, UserKey(account_id, name));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<User>();
  auto u = DecodeUser(account_id, name, **v);
  if (!u.ok()) return u.status();
  return std::optional<User>(*std::move(u));
}

absl::StatusOr<std::vector<User>> IdentityStore::ListUsers(const std::string& account_id,
                                                           const std::string& path_prefix) {
  std::vector<User> out;
  const std::string prefix = "u/" + account_id + "/";
  auto it = store_->Scan(Table::kIam, prefix);
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    auto u = DecodeUser(account_id, std::string(it->key().substr(prefix.size())), it->value());
    if (!u.ok()) return u.status();
    if (u->path.starts_with(path_prefix)) out.push_back(*std::move(u));
  }
  if (auto s = it->status(); !s.ok()) return s;
  return out;
}

absl::Status IdentityStore::DeleteUser(const std::string& account_id, const std::string& name) {
  auto user = GetUser(account_id, name);
  if (!user.ok()) return user.status();
  if (!user->has_value()) return NoSuchEntity("The user with name " + name + " cannot be found.");
  auto keys = ListAccessKeys(account_id, name);
  if (!keys.ok()) return keys.status();
  if (!keys->empty()) return DeleteConflict("Cannot delete entity, must delete access keys first.");
  storage::WriteBatch b;
  b.Delete(Table::kIam, UserKey(account_id, name));
  return store_->Write(b);
}

absl::StatusOr<std::pair<AccessKey, SecretBytes>> IdentityStore::CreateAccessKey(
    const std::string& account_id, const std::string& user_name, const std::string& given_id,
    const SecretBytes* given_secret) {
  if (!given_id.empty() && !ValidAccessKeyId(given_id))
    return ValidationError("access key id must be 16-128 upper-case letters and digits");
  if (given_secret && !ValidSecret(given_secret->view()))
    return ValidationError("secret key must be 16-128 printable characters");
  std::lock_guard lock(create_mu);
  auto acct = GetAccount(account_id);
  if (!acct.ok()) return acct.status();
  if (!acct->has_value()) return NoSuchEntity("The account " + account_id + " does not exist.");
  if (!user_name.empty()) {
    auto user = GetUser(account_id, user_name);
    if (!user.ok()) return user.status();
    if (!user->has_value())
      return NoSuchEntity("The user with name " + user_name + " cannot be found.");
  }
  auto existing_keys = ListAccessKeys(account_id, user_name);
  if (!existing_keys.ok()) return existing_keys.status();
  if (existing_keys->size() >= kMaxKeysPerUser && given_id.empty())
    return LimitExceeded("Cannot exceed quota for AccessKeysPerUser: 2");

  std::string akid = given_id.empty() ? "AKIA" + RandomIdChars(16) : given_id;
  auto existing = store_->Get(Table::kIam, KeyKey(akid));
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) return EntityAlreadyExists("access key id already in use");
  SecretBytes secret = given_secret ? given_secret->Copy() : NewSecret();
  KeyRecord r{AccessKey{akid, account_id, user_name, true, absl::Now()},
              crypto::Seal(seal_key_, secret.view(), akid)};
  storage::WriteBatch b;
  b.Put(Table::kIam, KeyKey(akid), EncodeKey(r));
  b.Put(Table::kIam, AccountKeyIndex(account_id, akid), "");
  if (auto s = store_->Write(b); !s.ok()) return s;
  return std::make_pair(std::move(r.key), std::move(secret));
}

absl::StatusOr<std::vector<AccessKey>> IdentityStore::ListAccessKeys(
    const std::string& account_id, const std::optional<std::string>& user_name) {
  std::vector<AccessKey> out;
  std::string prefix = "ak/" + account_id + "/";
  auto it = store_->Scan(Table::kIam, prefix);
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::string akid(it->key().substr(prefix.size()));
    auto v = store_->Get(Table::kIam, KeyKey(akid));
    if (!v.ok()) return v.status();
    if (!v->has_value()) continue;
    auto r = DecodeKey(akid, **v);
    if (!r.ok()) return r.status();
    if (user_name && r->key.user_name != *user_name) continue;
    out.push_back(std::move(r->key));
  }
  if (auto s = it->status(); !s.ok()) return s;
  return out;
}

absl::Status IdentityStore::UpdateAccessKey(const std::string& account_id,
                                            const std::string& user_name,
                                            const std::string& access_key_id, bool active) {
  auto r = LoadOwnedKey(store_, account_id, user_name, access_key_id);
  if (!r.ok()) return r.status();
  r->key.active = active;
  storage::WriteBatch b;
  b.Put(Table::kIam, KeyKey(access_key_id), EncodeKey(*r));
  auto s = store_->Write(b);
  opened_.Forget(access_key_id);
  return s;
}

absl::Status IdentityStore::DeleteAccessKey(const std::string& account_id,
                                            const std::string& user_name,
                                            const std::string& access_key_id) {
  if (auto r = LoadOwnedKey(store_, account_id, user_name, access_key_id); !r.ok()) return r.status();
  storage::WriteBatch b;
  b.Delete(Table::kIam, KeyKey(access_key_id));
  b.Delete(Table::kIam, AccountKeyIndex(account_id, access_key_id));
  auto s = store_->Write(b);
  opened_.Forget(access_key_id);
  return s;
}

absl::StatusOr<IssuedSession> IdentityStore::CreateSession(Session session) {
  session.access_key_id = "ASIA" + RandomIdChars(16);
  IssuedSession out{session, NewSecret(), Base64(RandomBytes(96))};
  std::string sealed = crypto::Seal(seal_key_, out.secret.view(), session.access_key_id);
  storage::WriteBatch b;
  b.Put(Table::kIam, SessionKey(session.access_key_id),
        Encoder().U8(kVersion).Str(session.account_id).Str(session.role_name)
            .Str(session.role_id).Str(session.session_name).Str(session.session_policy)
            .Time(session.expires).Str(sealed).Str(crypto::Sha256(out.token)).Take());
  if (auto s = store_->Write(b); !s.ok()) return s;
  return out;
}

absl::StatusOr<KeyGrant> IdentityStore::LookupSession(const std::string& access_key_id,
                                                      const std::string& token, absl::Time now) {
  auto v = store_->Get(Table::kIam, SessionKey(access_key_id));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return absl::NotFoundError("unknown access key");
  Session s;
  s.access_key_id = access_key_id;
  std::string sealed, token_hash;
  RecordReader rd(**v);
  rd.Version(kVersion).Str(s.account_id).Str(s.role_name).Str(s.role_id).Str(s.session_name);
  rd.Str(s.session_policy).Time(s.expires).Str(sealed).Str(token_hash);
  if (!rd.status().ok()) return rd.status();
  if (token.empty() || !crypto::ConstantTimeEquals(crypto::Sha256(token), token_hash))
    return IamError(absl::StatusCode::kPermissionDenied, "InvalidToken",
                    "The security token included in the request is invalid.");
  if (now >= s.expires)
    return IamError(absl::StatusCode::kDeadlineExceeded, "ExpiredToken",
                    "The security token included in the request is expired");
  auto secret = crypto::Open(seal_key_, sealed, access_key_id);  // short-lived: not kept
  if (!secret.ok()) return absl::DataLossError("session secret does not unseal");
  Principal p;
  p.account_id = s.account_id;
  p.access_key_id = access_key_id;
  p.role_name = s.role_name;
  p.role_id = s.role_id;
  p.session_name = s.session_name;
  p.session_policy = s.session_policy;
  p.user_id = s.role_id + ":" + s.session_name;
  return KeyGrant{std::move(p), *std::move(secret)};
}

absl::StatusOr<KeyGrant> IdentityStore::LookupAccessKey(const std::string& access_key_id,
                                                        const std::string& security_token,
                                                        absl::Time now) {
  if (access_key_id.starts_with("ASIA")) return LookupSession(access_key_id, security_token, now);
  auto v = store_->Get(Table::kIam, KeyKey(access_key_id));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return absl::NotFoundError("unknown access key");
  auto r = DecodeKey(access_key_id, **v);
  if (!r.ok()) return r.status();
  if (!r->key.active) return absl::NotFoundError("inactive access key");
  auto secret = opened_.Open(seal_key_, access_key_id, r->sealed_secret, access_key_id);
  if (!secret.ok()) return absl::DataLossError("access key secret does not unseal");
  Principal p;
  p.account_id = r->key.account_id;
  p.user_name = r->key.user_name;
  p.access_key_id = access_key_id;
  p.user_id = p.account_id;
  if (!p.user_name.empty()) {
    auto user = GetUser(p.account_id, p.user_name);
    if (!user.ok()) return user.status();
    if (!user->has_value()) return absl::NotFoundError("access key's user is gone");
    p.user_id = (*user)->user_id;
    p.user_path = (*user)->path;
  }
  return KeyGrant{std::move(p), *std::move(secret)};
}

}  // namespace coffer::iam
