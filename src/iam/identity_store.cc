#include "iam/identity_store.h"

#include <mutex>

#include "base/codec.h"
#include "base/encoding.h"
#include "base/ids.h"
#include "crypto/aead.h"
#include "crypto/hash.h"

namespace coffer::iam {
namespace {

using storage::Table;
constexpr uint8_t kVersion = 1;
std::mutex create_mu;  // serialises check-then-create

std::string AccountKey(const std::string& id) { return "a/" + id; }
std::string UserKey(const std::string& acct, const std::string& name) {
  return "u/" + acct + "/" + name;
}
std::string KeyKey(const std::string& akid) { return "k/" + akid; }
std::string AccountKeyIndex(const std::string& acct, const std::string& akid) {
  return "ak/" + acct + "/" + akid;
}

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

std::string RandomFrom(std::string_view alphabet, size_t n) {
  std::string bytes = RandomBytes(n), out;
  for (unsigned char b : bytes) out.push_back(alphabet[b % alphabet.size()]);
  return out;
}

bool ValidUserName(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("_+=,.@-").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

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

absl::StatusOr<Account> DecodeAccount(const std::string& id, std::string_view v) {
  Decoder d(v);
  uint8_t ver;
  uint64_t created;
  Account a{id, "", {}};
  if (auto s = d.U8(ver); !s.ok()) return s;
  if (auto s = d.Str(a.name); !s.ok()) return s;
  if (auto s = d.Varint(created); !s.ok()) return s;
  a.created = absl::FromUnixMicros(static_cast<int64_t>(created));
  return a;
}

struct KeyRecord {
  AccessKey key;
  std::string sealed_secret;
};

absl::StatusOr<KeyRecord> DecodeKey(const std::string& akid, std::string_view v) {
  Decoder d(v);
  uint8_t ver;
  uint64_t created;
  KeyRecord r;
  r.key.access_key_id = akid;
  if (auto s = d.U8(ver); !s.ok()) return s;
  if (auto s = d.Str(r.key.account_id); !s.ok()) return s;
  if (auto s = d.Str(r.key.user_name); !s.ok()) return s;
  if (auto s = d.Bool(r.key.active); !s.ok()) return s;
  if (auto s = d.Varint(created); !s.ok()) return s;
  if (auto s = d.Str(r.sealed_secret); !s.ok()) return s;
  r.key.created = absl::FromUnixMicros(static_cast<int64_t>(created));
  return r;
}

}  // namespace

IdentityStore::IdentityStore(storage::MetaStore* store, const SecretBytes& root_key)
    : store_(store),
      seal_key_(crypto::HkdfSha256(root_key.view(), "", "coffer iam access key secrets", 32)) {}

absl::StatusOr<Account> IdentityStore::CreateAccount(const std::string& name) {
  std::lock_guard lock(create_mu);
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string id = RandomFrom("0123456789", 12);
    auto existing = store_->Get(Table::kIam, AccountKey(id));
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) continue;
    Account a{id, name, absl::Now()};
    storage::WriteBatch b;
    b.Put(Table::kIam, AccountKey(id),
          Encoder().U8(kVersion).Str(name).Varint(Micros(a.created)).Take());
    if (auto s = store_->Write(b); !s.ok()) return s;
    return a;
  }
  return absl::InternalError("could not allocate an account id");
}

absl::StatusOr<std::optional<Account>> IdentityStore::GetAccount(const std::string& id) {
  auto v = store_->Get(Table::kIam, AccountKey(id));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<Account>();
  auto a = DecodeAccount(id, **v);
  if (!a.ok()) return a.status();
  return std::optional<Account>(*std::move(a));
}

absl::StatusOr<std::vector<Account>> IdentityStore::ListAccounts() {
  std::vector<Account> out;
  auto it = store_->Scan(Table::kIam, "a/");
  for (; it->Valid() && it->key().starts_with("a/"); it->Next()) {
    auto a = DecodeAccount(std::string(it->key().substr(2)), it->value());
    if (!a.ok()) return a.status();
    out.push_back(*std::move(a));
  }
  if (auto s = it->status(); !s.ok()) return s;
  return out;
}

absl::StatusOr<User> IdentityStore::CreateUser(const std::string& account_id,
                                               const std::string& name) {
  if (!ValidUserName(name)) return absl::InvalidArgumentError("invalid user name: " + name);
  std::lock_guard lock(create_mu);
  auto acct = GetAccount(account_id);
  if (!acct.ok()) return acct.status();
  if (!acct->has_value()) return absl::NotFoundError("no such account: " + account_id);
  auto existing = store_->Get(Table::kIam, UserKey(account_id, name));
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) return absl::AlreadyExistsError("user already exists: " + name);
  User u{account_id, name, "AIDA" + RandomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 17),
         absl::Now()};
  storage::WriteBatch b;
  b.Put(Table::kIam, UserKey(account_id, name),
        Encoder().U8(kVersion).Str(u.user_id).Varint(Micros(u.created)).Take());
  if (auto s = store_->Write(b); !s.ok()) return s;
  return u;
}

absl::StatusOr<std::optional<User>> IdentityStore::GetUser(const std::string& account_id,
                                                           const std::string& name) {
  auto v = store_->Get(Table::kIam, UserKey(account_id, name));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<User>();
  Decoder d(**v);
  uint8_t ver;
  uint64_t created;
  User u{account_id, name, "", {}};
  if (auto s = d.U8(ver); !s.ok()) return s;
  if (auto s = d.Str(u.user_id); !s.ok()) return s;
  if (auto s = d.Varint(created); !s.ok()) return s;
  u.created = absl::FromUnixMicros(static_cast<int64_t>(created));
  return std::optional<User>(std::move(u));
}

absl::StatusOr<std::pair<AccessKey, SecretBytes>> IdentityStore::CreateAccessKey(
    const std::string& account_id, const std::string& user_name, const std::string& given_id,
    const SecretBytes* given_secret) {
  if (!given_id.empty() && !ValidAccessKeyId(given_id))
    return absl::InvalidArgumentError(
        "access key id must be 16-128 upper-case letters and digits");
  if (given_secret && !ValidSecret(given_secret->view()))
    return absl::InvalidArgumentError("secret key must be 16-128 printable characters");
  std::lock_guard lock(create_mu);
  auto acct = GetAccount(account_id);
  if (!acct.ok()) return acct.status();
  if (!acct->has_value()) return absl::NotFoundError("no such account: " + account_id);
  if (!user_name.empty()) {
    auto user = GetUser(account_id, user_name);
    if (!user.ok()) return user.status();
    if (!user->has_value()) return absl::NotFoundError("no such user: " + user_name);
  }
  std::string akid = given_id.empty()
                         ? "AKIA" + RandomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
                         : given_id;
  auto existing = store_->Get(Table::kIam, KeyKey(akid));
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) return absl::AlreadyExistsError("access key id already in use");
  SecretBytes secret;
  if (given_secret) {
    secret = given_secret->Copy();
  } else {
    SecretBytes raw = RandomSecret(30);
    std::string text = Base64(raw.view());
    secret = SecretBytes(text);
    WipeString(text);
  }
  AccessKey key{akid, account_id, user_name, true, absl::Now()};
  std::string sealed = crypto::Seal(seal_key_, secret.view(), akid);
  storage::WriteBatch b;
  b.Put(Table::kIam, KeyKey(akid),
        Encoder().U8(kVersion).Str(account_id).Str(user_name).Bool(true)
            .Varint(Micros(key.created)).Str(sealed).Take());
  b.Put(Table::kIam, AccountKeyIndex(account_id, akid), "");
  if (auto s = store_->Write(b); !s.ok()) return s;
  return std::make_pair(std::move(key), std::move(secret));
}

absl::StatusOr<std::vector<AccessKey>> IdentityStore::ListAccessKeys(
    const std::string& account_id) {
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
    out.push_back(std::move(r->key));
  }
  if (auto s = it->status(); !s.ok()) return s;
  return out;
}

absl::StatusOr<KeyGrant> IdentityStore::LookupAccessKey(const std::string& access_key_id) {
  auto v = store_->Get(Table::kIam, KeyKey(access_key_id));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return absl::NotFoundError("unknown access key");
  auto r = DecodeKey(access_key_id, **v);
  if (!r.ok()) return r.status();
  if (!r->key.active) return absl::NotFoundError("inactive access key");
  auto secret = crypto::Open(seal_key_, r->sealed_secret, access_key_id);
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
  }
  return KeyGrant{std::move(p), *std::move(secret)};
}

}  // namespace coffer::iam
