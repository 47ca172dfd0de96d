#include "kms/key_store.h"

#include "base/codec.h"
#include "base/ids.h"
#include "crypto/aead.h"
#include "crypto/hash.h"

namespace coffer::kms {
namespace {

using storage::Table;
constexpr uint8_t kVersion = 1;

std::string KeyKey(const std::string& id) { return "k/" + id; }
std::string IndexKey(const std::string& account, const std::string& id) {
  return "ak/" + account + "/" + id;
}
std::string AliasKey(const std::string& account, const std::string& name) {
  return "a/" + account + "/" + name;
}
std::string GrantKey(const std::string& key_id, const std::string& grant_id) {
  return "g/" + key_id + "/" + grant_id;
}
std::string MaterialAad(const std::string& key_id, const std::string& material_id) {
  return "coffer kms material v1|" + key_id + "|" + material_id;
}

std::string EncodeKey(const Key& k) {
  Encoder e;
  e.U8(kVersion).Str(k.account).Str(k.region).Str(k.description).U8(static_cast<uint8_t>(k.state));
  e.Str(k.origin).Str(k.manager).Str(k.usage).Str(k.spec).Time(k.created);
  e.Time(k.deletion_date == absl::InfinitePast() ? absl::UnixEpoch() : k.deletion_date);
  e.Varint(static_cast<uint64_t>(k.pending_window_days)).Bool(k.rotation_enabled);
  e.Varint(static_cast<uint64_t>(k.rotation_period_days));
  e.Time(k.next_rotation == absl::InfinitePast() ? absl::UnixEpoch() : k.next_rotation);
  e.Str(k.policy).Pairs(k.tags).Varint(k.materials.size());
  for (const auto& m : k.materials) e.Str(m.id).Str(m.sealed).Time(m.created).Str(m.rotation);
  return e.Take();
}

absl::StatusOr<Key> DecodeKey(const std::string& id, std::string_view v) {
  Key k;
  k.id = id;
  uint8_t state = 0;
  uint64_t window = 0, period = 0, materials = 0;
  RecordReader r(v);
  r.Version(kVersion).Str(k.account).Str(k.region).Str(k.description).U8(state);
  r.Str(k.origin).Str(k.manager).Str(k.usage).Str(k.spec).Time(k.created).Time(k.deletion_date);
  r.Varint(window).Bool(k.rotation_enabled).Varint(period).Time(k.next_rotation);
  r.Str(k.policy).Pairs(k.tags).Varint(materials);
  if (r.status().ok() && (state > 3 || materials > 100000))
    return absl::DataLossError("bad KMS key record");
  for (uint64_t i = 0; r.status().ok() && i < materials; ++i) {
    Material m;
    r.Str(m.id).Str(m.sealed).Time(m.created).Str(m.rotation);
    k.materials.push_back(std::move(m));
  }
  if (!r.status().ok()) return r.status();
  k.state = static_cast<KeyState>(state);
  k.pending_window_days = static_cast<int>(window);
  k.rotation_period_days = static_cast<int>(period);
  if (k.state != KeyState::kPendingDeletion) k.deletion_date = absl::InfinitePast();
  if (!k.rotation_enabled) k.next_rotation = absl::InfinitePast();
  return k;
}

std::string EncodeContext(const std::optional<EncryptionContext>& c) {
  Encoder e;
  e.Bool(c.has_value());
  if (c) e.Pairs(std::vector<std::pair<std::string, std::string>>(c->begin(), c->end()));
  return e.Take();
}

std::string EncodeGrant(const Grant& g) {
  Encoder e;
  e.U8(kVersion).Str(g.name).Str(g.grantee).Str(g.retiring).Str(g.issuing_account);
  e.Varint(g.operations.size());
  for (const auto& op : g.operations) e.Str(op);
  std::string out = e.Take();
  out += EncodeContext(g.context_equals);
  out += EncodeContext(g.context_subset);
  out += Encoder().Time(g.created).Take();
  return out;
}

absl::StatusOr<Grant> DecodeGrant(const std::string& key_id, const std::string& grant_id,
                                  std::string_view v) {
  Grant g;
  g.key_id = key_id;
  g.grant_id = grant_id;
  uint64_t ops = 0;
  RecordReader r(v);
  r.Version(kVersion).Str(g.name).Str(g.grantee).Str(g.retiring).Str(g.issuing_account);
  r.Varint(ops);
  if (r.status().ok() && ops > 64) return absl::DataLossError("bad grant record");
  for (uint64_t i = 0; r.status().ok() && i < ops; ++i) {
    std::string op;
    r.Str(op);
    g.operations.push_back(std::move(op));
  }
  for (auto* c : {&g.context_equals, &g.context_subset}) {
    bool present = false;
    r.Bool(present);
    if (present) {
      std::vector<std::pair<std::string, std::string>> pairs;
      r.Pairs(pairs);
      *c = EncryptionContext(pairs.begin(), pairs.end());
    }
  }
  r.Time(g.created);
  if (!r.status().ok()) return r.status();
  return g;
}

}  // namespace

const char* StateName(KeyState s) {
  switch (s) {
    case KeyState::kEnabled: return "Enabled";
    case KeyState::kDisabled: return "Disabled";
    case KeyState::kPendingDeletion: return "PendingDeletion";
    case KeyState::kPendingImport: return "PendingImport";
  }
  return "Unavailable";
}

std::string Key::Arn() const { return "arn:aws:kms:" + region + ":" + account + ":key/" + id; }

KeyStore::KeyStore(storage::MetaStore* store, const SecretBytes& root_key) : store_(store) {
  std::string k = crypto::HkdfSha256(root_key.view(), "", "coffer kms wrapping key v1",
                                     crypto::kAeadKeySize);
  wrap_key_ = SecretBytes(k);
  WipeString(k);
}

absl::Status KeyStore::PutKey(const Key& key) {
  storage::WriteBatch b;
  b.Put(Table::kKms, KeyKey(key.id), EncodeKey(key));
  b.Put(Table::kKms, IndexKey(key.account, key.id), "");
  auto s = store_->Write(b);
  // After the write, so that later loads see the new record. A call that loaded the old
  // one just before may still put its material back; that entry answers only for the
  // old sealed bytes, and goes at the key's next write.
  keys_written_.fetch_add(1, std::memory_order_acq_rel);
  opened_.Forget(key.id);
  return s;
}

absl::StatusOr<KeyRef> KeyStore::GetKey(const std::string& id) {
  const uint64_t written = keys_written_.load(std::memory_order_acquire);
  {
    std::lock_guard lock(decoded_mu_);
    auto it = decoded_.find(id);
    if (it != decoded_.end() && it->second.written == written) return it->second.key;
  }
  auto v = store_->Get(Table::kKms, KeyKey(id));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return KeyRef();
  auto k = DecodeKey(id, **v);
  if (!k.ok()) return k.status();
  KeyRef key = std::make_shared<const Key>(*std::move(k));
  std::lock_guard lock(decoded_mu_);
  if (keys_written_.load(std::memory_order_acquire) == written) {
    if (decoded_.size() >= kMaxDecoded) decoded_.clear();
    decoded_.insert_or_assign(id, Decoded{written, key});
  }
  return key;
}

absl::Status KeyStore::DeleteKey(const Key& key) {
  storage::WriteBatch b;
  b.Delete(Table::kKms, KeyKey(key.id));
  b.Delete(Table::kKms, IndexKey(key.account, key.id));
  auto aliases = Aliases(key.account);
  if (!aliases.ok()) return aliases.status();
  for (const auto& a : *aliases)
    if (a.key_id == key.id) b.Delete(Table::kKms, AliasKey(a.account, a.name));
  auto grants = Grants(key.id);
  if (!grants.ok()) return grants.status();
  for (const auto& g : *grants) {
    b.Delete(Table::kKms, GrantKey(g.key_id, g.grant_id));
    b.Delete(Table::kKms, "gi/" + g.grant_id);
  }
  auto s = store_->Write(b);
  keys_written_.fetch_add(1, std::memory_order_acq_rel);
  opened_.Forget(key.id);
  return s;
}

absl::StatusOr<std::vector<std::string>> KeyStore::KeyIds(const std::string& account) {
  std::vector<std::string> out;
  const std::string prefix = "ak/" + account + "/";
  auto it = store_->Scan(Table::kKms, prefix);
  for (; it->Valid() && it->key().starts_with(prefix); it->Next())
    out.emplace_back(it->key().substr(prefix.size()));
  if (auto s = it->status(); !s.ok()) return s;
  return out;
}

Material KeyStore::NewMaterial(const std::string& key_id, std::string rotation, absl::Time now) {
  Material m;
  m.id = RandomBytes(32);
  SecretBytes material = RandomSecret(32);
  m.sealed = crypto::Seal(wrap_key_, material.view(), MaterialAad(key_id, m.id));
  m.created = now;
  m.rotation = std::move(rotation);
  return m;
}

absl::StatusOr<SecretBytes> KeyStore::Unseal(const std::string& key_id, const Material& m) const {
  auto material = opened_.Open(wrap_key_, key_id, m.sealed, MaterialAad(key_id, m.id));
  if (!material.ok()) return absl::DataLossError("sealed key material does not open");
  return material;
}

absl::StatusOr<std::optional<Alias>> KeyStore::GetAlias(const std::string& account,
                                                        const std::string& name) {
  auto v = store_->Get(Table::kKms, AliasKey(account, name));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<Alias>();
  Alias a{account, name, "", {}, {}};
  RecordReader r(**v);
  r.Version(kVersion).Str(a.key_id).Time(a.created).Time(a.updated);
  if (!r.status().ok()) return r.status();
  return std::optional<Alias>(std::move(a));
}

absl::Status KeyStore::PutAlias(const Alias& a) {
  storage::WriteBatch b;
  b.Put(Table::kKms, AliasKey(a.account, a.name),
        Encoder().U8(kVersion).Str(a.key_id).Time(a.created).Time(a.updated).Take());
  return store_->Write(b);
}

absl::Status KeyStore::DeleteAlias(const std::string& account, const std::string& name) {
  storage::WriteBatch b;
  b.Delete(Table::kKms, AliasKey(account, name));
  return store_->Write(b);
}

absl::StatusOr<std::vector<Alias>> KeyStore::Aliases(const std::string& account) {
  std::vector<std::string> names;
  const std::string prefix = "a/" + account + "/";
  auto it = store_->Scan(Table::kKms, prefix);
  for (; it->Valid() && it->key().starts_with(prefix); it->Next())
    names.emplace_back(it->key().substr(prefix.size()));
  if (auto s = it->status(); !s.ok()) return s;
  std::vector<Alias> out;
  for (const auto& n : names) {
    auto a = GetAlias(account, n);
    if (!a.ok()) return a.status();
    if (*a) out.push_back(**std::move(a));
  }
  return out;
}

absl::Status KeyStore::PutGrant(const Grant& g) {
  storage::WriteBatch b;
  b.Put(Table::kKms, GrantKey(g.key_id, g.grant_id), EncodeGrant(g));
  b.Put(Table::kKms, "gi/" + g.grant_id, g.key_id);
  return store_->Write(b);
}

absl::StatusOr<std::optional<Grant>> KeyStore::GetGrant(const std::string& grant_id) {
  auto key_id = store_->Get(Table::kKms, "gi/" + grant_id);
  if (!key_id.ok()) return key_id.status();
  if (!key_id->has_value()) return std::optional<Grant>();
  auto v = store_->Get(Table::kKms, GrantKey(**key_id, grant_id));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<Grant>();
  auto g = DecodeGrant(**key_id, grant_id, **v);
  if (!g.ok()) return g.status();
  return std::optional<Grant>(*std::move(g));
}

absl::Status KeyStore::DeleteGrant(const Grant& g) {
  storage::WriteBatch b;
  b.Delete(Table::kKms, GrantKey(g.key_id, g.grant_id));
  b.Delete(Table::kKms, "gi/" + g.grant_id);
  return store_->Write(b);
}

absl::StatusOr<std::vector<Grant>> KeyStore::Grants(const std::string& key_id) {
  std::vector<Grant> out;
  const std::string prefix = "g/" + key_id + "/";
  auto it = store_->Scan(Table::kKms, prefix);
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    auto g = DecodeGrant(key_id, std::string(it->key().substr(prefix.size())), it->value());
    if (!g.ok()) return g.status();
    out.push_back(*std::move(g));
  }
  if (auto s = it->status(); !s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<std::string>> KeyStore::AllKeyIds() {
  std::vector<std::string> out;
  auto it = store_->Scan(Table::kKms, "k/");
  for (; it->Valid() && it->key().starts_with("k/"); it->Next())
    out.emplace_back(it->key().substr(2));
  if (auto s = it->status(); !s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<Grant>> KeyStore::AllGrants() {
  std::vector<std::string> key_ids;
  auto it = store_->Scan(Table::kKms, "g/");
  for (; it->Valid() && it->key().starts_with("g/"); it->Next()) {
    std::string_view rest = it->key().substr(2);
    std::string id(rest.substr(0, rest.find('/')));
    if (key_ids.empty() || key_ids.back() != id) key_ids.push_back(id);
  }
  if (auto s = it->status(); !s.ok()) return s;
  std::vector<Grant> out;
  for (const auto& id : key_ids) {
    auto g = Grants(id);
    if (!g.ok()) return g.status();
    out.insert(out.end(), g->begin(), g->end());
  }
  return out;
}

}  // namespace coffer::kms
