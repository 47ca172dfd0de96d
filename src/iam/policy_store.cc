#include "iam/policy_store.h"

#include "base/codec.h"
#include "iam/errors.h"
#include "iam/names.h"

namespace coffer::iam {
namespace {

using storage::Table;
constexpr uint8_t kVersion = 1;

// Key layout in Table::kIam (beside the IdentityStore's a/ u/ k/ ak/ s/):
//   p/ACCOUNT/NAME                    managed policy
//   at/ACCOUNT/KIND/ENTITY/ARN        managed policy attached to a user/group/role
//   ip/ACCOUNT/KIND/ENTITY/NAME       inline policy document
//   g/ACCOUNT/NAME   group            gm/ACCOUNT/GROUP/USER, ug/ACCOUNT/USER/GROUP
//   r/ACCOUNT/NAME   role
char KindChar(EntityKind k) {
  switch (k) {
    case EntityKind::kUser: return 'u';
    case EntityKind::kGroup: return 'g';
    case EntityKind::kRole: return 'r';
  }
  return 'u';
}
std::string EntityPrefix(const char* table, const std::string& acct, EntityKind k,
                         const std::string& entity) {
  return std::string(table) + "/" + acct + "/" + KindChar(k) + "/" + entity + "/";
}
std::string PolicyKey(const std::string& acct, const std::string& name) {
  return "p/" + acct + "/" + name;
}
std::string GroupKey(const std::string& acct, const std::string& name) {
  return "g/" + acct + "/" + name;
}
std::string RoleKey(const std::string& acct, const std::string& name) {
  return "r/" + acct + "/" + name;
}

const char* KindName(EntityKind k) {
  switch (k) {
    case EntityKind::kUser: return "user";
    case EntityKind::kGroup: return "group";
    case EntityKind::kRole: return "role";
  }
  return "user";
}

std::string EncodePolicy(const ManagedPolicy& p) {
  return Encoder().U8(kVersion).Str(p.path).Str(p.policy_id).Str(p.description).Str(p.document)
      .Time(p.created).Take();
}

absl::StatusOr<ManagedPolicy> DecodePolicy(const std::string& acct, const std::string& name,
                                           std::string_view v) {
  ManagedPolicy p;
  p.account_id = acct;
  p.name = name;
  RecordReader r(v);
  r.Version(kVersion).Str(p.path).Str(p.policy_id).Str(p.description).Str(p.document)
      .Time(p.created);
  if (!r.status().ok()) return r.status();
  p.arn = "arn:aws:iam::" + acct + ":policy" + p.path + name;
  return p;
}

ManagedPolicy AwsPolicy(const std::string& name, const std::string& document) {
  ManagedPolicy p;
  p.account_id = "aws";
  p.name = name;
  p.arn = "arn:aws:iam::aws:policy/" + name;
  p.policy_id = "ANPA" + std::string(name.size() % 2 ? "AWSMANAGED0" : "AWSMANAGED1") +
                std::to_string(name.size());
  p.document = document;
  p.created = absl::FromUnixSeconds(1423000000);
  return p;
}

// Splits arn:aws:iam::ACCOUNT:policy/PATH/NAME into account and name.
bool ParsePolicyArn(const std::string& arn, std::string& account, std::string& name) {
  const std::string head = "arn:aws:iam::";
  if (!arn.starts_with(head)) return false;
  size_t colon = arn.find(':', head.size());
  if (colon == std::string::npos || arn.compare(colon + 1, 7, "policy/") != 0) return false;
  account = arn.substr(head.size(), colon - head.size());
  name = arn.substr(arn.rfind('/') + 1);
  return !account.empty() && !name.empty();
}

}  // namespace

const std::vector<ManagedPolicy>& AwsManagedPolicies() {
  static const std::vector<ManagedPolicy> policies = {
      AwsPolicy("AdministratorAccess",
                R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})"),
      AwsPolicy("AmazonS3FullAccess",
                R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","s3-object-lambda:*"],"Resource":"*"}]})"),
      AwsPolicy("AmazonS3ReadOnlyAccess",
                R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*"],"Resource":"*"}]})"),
      AwsPolicy("IAMFullAccess",
                R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]})"),
      AwsPolicy("IAMReadOnlyAccess",
                R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]})"),
  };
  return policies;
}

PolicyStore::PolicyStore(storage::MetaStore* store, IdentityStore* identities)
    : store_(store), identities_(identities) {}

void PolicyStore::Changed() {
  std::lock_guard lock(mu_);
  ++generation_;
  by_principal_.clear();
}

absl::StatusOr<std::shared_ptr<const Policy>> PolicyStore::Parsed(const std::string& document,
                                                                  PolicyKind kind) {
  auto& parsed = parsed_[kind == PolicyKind::kIdentity ? 0 : 1];
  {
    std::lock_guard lock(mu_);
    if (auto it = parsed.find(document); it != parsed.end()) return it->second;
  }
  auto p = Policy::Parse(document, kind);
  if (!p.ok()) return MalformedPolicyDocument(std::string(p.status().message()));
  std::lock_guard lock(mu_);
  if (parsed.size() > 10000) parsed.clear();
  parsed.insert_or_assign(document, *p);
  return *p;
}

absl::StatusOr<std::vector<std::string>> PolicyStore::KeySuffixes(const std::string& prefix) {
  std::vector<std::string> out;
  auto it = store_->Scan(Table::kIam, prefix);
  for (; it->Valid() && it->key().starts_with(prefix); it->Next())
    out.emplace_back(it->key().substr(prefix.size()));
  if (auto s = it->status(); !s.ok()) return s;
  return out;
}

absl::Status PolicyStore::CheckEntity(const std::string& account_id, EntityKind kind,
                                      const std::string& entity) {
  bool exists = false;
  if (kind == EntityKind::kUser) {
    auto u = identities_->GetUser(account_id, entity);
    if (!u.ok()) return u.status();
    exists = u->has_value();
  } else {
    auto v = store_->Get(Table::kIam, kind == EntityKind::kGroup ? GroupKey(account_id, entity)
                                                                  : RoleKey(account_id, entity));
    if (!v.ok()) return v.status();
    exists = v->has_value();
  }
  if (!exists)
    return NoSuchEntity(std::string("The ") + KindName(kind) + " with name " + entity +
                        " cannot be found.");
  return absl::OkStatus();
}

// --- Managed policies ---

absl::StatusOr<ManagedPolicy> PolicyStore::CreatePolicy(const std::string& account_id,
                                                        const std::string& name,
                                                        const std::string& path,
                                                        const std::string& document,
                                                        const std::string& description) {
  if (auto s = CheckName("policyName", name, 128); !s.ok()) return s;
  if (auto s = CheckPath(path); !s.ok()) return s;
  if (auto p = Parsed(document, PolicyKind::kIdentity); !p.ok()) return p.status();
  auto existing = store_->Get(Table::kIam, PolicyKey(account_id, name));
  if (!existing.ok()) return existing.status();
  if (existing->has_value())
    return EntityAlreadyExists("A policy called " + name + " already exists. Duplicate names "
                               "are not allowed.");
  ManagedPolicy p;
  p.account_id = account_id;
  p.name = name;
  p.path = path;
  p.policy_id = "ANPA" + RandomIdChars(17);
  p.description = description;
  p.document = document;
  p.created = absl::Now();
  p.arn = "arn:aws:iam::" + account_id + ":policy" + path + name;
  storage::WriteBatch b;
  b.Put(Table::kIam, PolicyKey(account_id, name), EncodePolicy(p));
  if (auto s = store_->Write(b); !s.ok()) return s;
  return p;
}

absl::StatusOr<ManagedPolicy> PolicyStore::GetPolicy(const std::string& arn) {
  for (const auto& p : AwsManagedPolicies())
    if (p.arn == arn) return p;
  std::string account, name;
  if (!ParsePolicyArn(arn, account, name))
    return ValidationError("ARN " + arn + " is not valid.");
  auto v = store_->Get(Table::kIam, PolicyKey(account, name));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return NoSuchEntity("Policy " + arn + " does not exist or is not attachable.");
  auto p = DecodePolicy(account, name, **v);
  if (!p.ok()) return p.status();
  if (p->arn != arn) return NoSuchEntity("Policy " + arn + " does not exist or is not attachable.");
  return p;
}

absl::Status PolicyStore::DeletePolicy(const std::string& account_id, const std::string& arn) {
  auto p = GetPolicy(arn);
  if (!p.ok()) return p.status();
  if (p->account_id != account_id) return NoSuchEntity("Policy " + arn + " does not exist.");
  const std::string prefix = "at/" + account_id + "/";
  auto it = store_->Scan(Table::kIam, prefix);
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (it->key().ends_with("/" + arn))
      return DeleteConflict("Cannot delete a policy attached to entities.");
  }
  if (auto s = it->status(); !s.ok()) return s;
  storage::WriteBatch b;
  b.Delete(Table::kIam, PolicyKey(account_id, p->name));
  if (auto s = store_->Write(b); !s.ok()) return s;
  Changed();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ManagedPolicy>> PolicyStore::ListPolicies(const std::string& account_id,
                                                                     bool include_aws) {
  std::vector<ManagedPolicy> out;
  if (include_aws) out = AwsManagedPolicies();
  const std::string prefix = "p/" + account_id + "/";
  auto it = store_->Scan(Table::kIam, prefix);
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    auto p = DecodePolicy(account_id, std::string(it->key().substr(prefix.size())), it->value());
    if (!p.ok()) return p.status();
    out.push_back(*std::move(p));
  }
  if (auto s = it->status(); !s.ok()) return s;
  return out;
}

// --- Attachments ---

absl::Status PolicyStore::AttachPolicy(const std::string& account_id, EntityKind kind,
                                       const std::string& entity, const std::string& policy_arn) {
  if (auto s = CheckEntity(account_id, kind, entity); !s.ok()) return s;
  auto p = GetPolicy(policy_arn);
  if (!p.ok()) return p.status();
  if (p->account_id != "aws" && p->account_id != account_id)
    return NoSuchEntity("Policy " + policy_arn + " does not exist or is not attachable.");
  storage::WriteBatch b;
  b.Put(Table::kIam, EntityPrefix("at", account_id, kind, entity) + policy_arn, "");
  if (auto s = store_->Write(b); !s.ok()) return s;
  Changed();
  return absl::OkStatus();
}

absl::Status PolicyStore::DetachPolicy(const std::string& account_id, EntityKind kind,
                                       const std::string& entity, const std::string& policy_arn) {
  if (auto s = CheckEntity(account_id, kind, entity); !s.ok()) return s;
  const std::string key = EntityPrefix("at", account_id, kind, entity) + policy_arn;
  auto v = store_->Get(Table::kIam, key);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return NoSuchEntity("Policy " + policy_arn + " was not found.");
  storage::WriteBatch b;
  b.Delete(Table::kIam, key);
  if (auto s = store_->Write(b); !s.ok()) return s;
  Changed();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ManagedPolicy>> PolicyStore::ListAttachedPolicies(
    const std::string& account_id, EntityKind kind, const std::string& entity) {
  if (auto s = CheckEntity(account_id, kind, entity); !s.ok()) return s;
  std::vector<ManagedPolicy> out;
  const std::string prefix = EntityPrefix("at", account_id, kind, entity);
  auto arns = KeySuffixes(prefix);
  if (!arns.ok()) return arns.status();
  for (const auto& arn : *arns) {
    auto p = GetPolicy(arn);
    if (p.ok()) out.push_back(*std::move(p));  // a policy deleted meanwhile is skipped
  }
  return out;
}

// --- Inline policies ---

absl::Status PolicyStore::PutInlinePolicy(const std::string& account_id, EntityKind kind,
                                          const std::string& entity,
                                          const std::string& policy_name,
                                          const std::string& document) {
  if (auto s = CheckName("policyName", policy_name, 128); !s.ok()) return s;
  if (auto s = CheckEntity(account_id, kind, entity); !s.ok()) return s;
  if (auto p = Parsed(document, PolicyKind::kIdentity); !p.ok()) return p.status();
  storage::WriteBatch b;
  b.Put(Table::kIam, EntityPrefix("ip", account_id, kind, entity) + policy_name, document);
  if (auto s = store_->Write(b); !s.ok()) return s;
  Changed();
  return absl::OkStatus();
}

absl::StatusOr<std::string> PolicyStore::GetInlinePolicy(const std::string& account_id,
                                                         EntityKind kind,
                                                         const std::string& entity,
                                                         const std::string& policy_name) {
  if (auto s = CheckEntity(account_id, kind, entity); !s.ok()) return s;
  auto v = store_->Get(Table::kIam, EntityPrefix("ip", account_id, kind, entity) + policy_name);
  if (!v.ok()) return v.status();
  if (!v->has_value())
    return NoSuchEntity(std::string("The ") + KindName(kind) + " policy with name " +
                        policy_name + " cannot be found.");
  return **v;
}

absl::Status PolicyStore::DeleteInlinePolicy(const std::string& account_id, EntityKind kind,
                                             const std::string& entity,
                                             const std::string& policy_name) {
  auto doc = GetInlinePolicy(account_id, kind, entity, policy_name);
  if (!doc.ok()) return doc.status();
  storage::WriteBatch b;
  b.Delete(Table::kIam, EntityPrefix("ip", account_id, kind, entity) + policy_name);
  if (auto s = store_->Write(b); !s.ok()) return s;
  Changed();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> PolicyStore::ListInlinePolicies(
    const std::string& account_id, EntityKind kind, const std::string& entity) {
  if (auto s = CheckEntity(account_id, kind, entity); !s.ok()) return s;
  const std::string prefix = EntityPrefix("ip", account_id, kind, entity);
  return KeySuffixes(prefix);
}

// --- Groups ---

absl::StatusOr<Group> PolicyStore::CreateGroup(const std::string& account_id,
                                               const std::string& name,
                                               const std::string& path) {
  if (auto s = CheckName("groupName", name, 128); !s.ok()) return s;
  if (auto s = CheckPath(path); !s.ok()) return s;
  auto existing = store_->Get(Table::kIam, GroupKey(account_id, name));
  if (!existing.ok()) return existing.status();
  if (existing->has_value())
    return EntityAlreadyExists("Group with name " + name + " already exists.");
  Group g{account_id, name, path, "AGPA" + RandomIdChars(17), absl::Now()};
  storage::WriteBatch b;
  b.Put(Table::kIam, GroupKey(account_id, name),
        Encoder().U8(kVersion).Str(g.path).Str(g.group_id).Time(g.created).Take());
  if (auto s = store_->Write(b); !s.ok()) return s;
  return g;
}

absl::StatusOr<Group> PolicyStore::GetGroup(const std::string& account_id,
                                            const std::string& name) {
  auto v = store_->Get(Table::kIam, GroupKey(account_id, name));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return NoSuchEntity("The group with name " + name + " cannot be found.");
  Group g;
  g.account_id = account_id;
  g.name = name;
  RecordReader r(**v);
  r.Version(kVersion).Str(g.path).Str(g.group_id).Time(g.created);
  if (!r.status().ok()) return r.status();
  return g;
}

absl::StatusOr<std::vector<std::string>> PolicyStore::GroupMembers(const std::string& account_id,
                                                                   const std::string& group) {
  if (auto g = GetGroup(account_id, group); !g.ok()) return g.status();
  const std::string prefix = "gm/" + account_id + "/" + group + "/";
  return KeySuffixes(prefix);
}

absl::Status PolicyStore::AddUserToGroup(const std::string& account_id, const std::string& group,
                                         const std::string& user) {
  if (auto g = GetGroup(account_id, group); !g.ok()) return g.status();
  if (auto s = CheckEntity(account_id, EntityKind::kUser, user); !s.ok()) return s;
  storage::WriteBatch b;
  b.Put(Table::kIam, "gm/" + account_id + "/" + group + "/" + user, "");
  b.Put(Table::kIam, "ug/" + account_id + "/" + user + "/" + group, "");
  if (auto s = store_->Write(b); !s.ok()) return s;
  Changed();
  return absl::OkStatus();
}

absl::Status PolicyStore::RemoveUserFromGroup(const std::string& account_id,
                                              const std::string& group, const std::string& user) {
  auto members = GroupMembers(account_id, group);
  if (!members.ok()) return members.status();
  if (std::find(members->begin(), members->end(), user) == members->end())
    return NoSuchEntity("The user with name " + user + " cannot be found.");
  storage::WriteBatch b;
  b.Delete(Table::kIam, "gm/" + account_id + "/" + group + "/" + user);
  b.Delete(Table::kIam, "ug/" + account_id + "/" + user + "/" + group);
  if (auto s = store_->Write(b); !s.ok()) return s;
  Changed();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Group>> PolicyStore::ListGroupsForUser(const std::string& account_id,
                                                                  const std::string& user) {
  auto names = KeySuffixes("ug/" + account_id + "/" + user + "/");
  if (!names.ok()) return names.status();
  return GroupsNamed(account_id, *names);
}

absl::StatusOr<std::vector<Group>> PolicyStore::ListGroups(const std::string& account_id) {
  auto names = KeySuffixes("g/" + account_id + "/");
  if (!names.ok()) return names.status();
  return GroupsNamed(account_id, *names);
}

absl::StatusOr<std::vector<Group>> PolicyStore::GroupsNamed(
    const std::string& account_id, const std::vector<std::string>& names) {
  std::vector<Group> out;
  for (const auto& n : names) {
    auto g = GetGroup(account_id, n);
    if (g.ok()) out.push_back(*std::move(g));  // a group deleted meanwhile is skipped
    else if (!absl::IsNotFound(g.status())) return g.status();
  }
  return out;
}

absl::Status PolicyStore::DeleteGroup(const std::string& account_id, const std::string& name) {
  auto members = GroupMembers(account_id, name);
  if (!members.ok()) return members.status();
  if (!members->empty()) return DeleteConflict("Cannot delete entity, must remove users from group first.");
  auto inline_policies = ListInlinePolicies(account_id, EntityKind::kGroup, name);
  if (!inline_policies.ok()) return inline_policies.status();
  auto attached = ListAttachedPolicies(account_id, EntityKind::kGroup, name);
  if (!attached.ok()) return attached.status();
  if (!inline_policies->empty() || !attached->empty())
    return DeleteConflict("Cannot delete entity, must delete policies first.");
  storage::WriteBatch b;
  b.Delete(Table::kIam, GroupKey(account_id, name));
  if (auto s = store_->Write(b); !s.ok()) return s;
  Changed();
  return absl::OkStatus();
}

// --- Roles ---

absl::StatusOr<Role> PolicyStore::CreateRole(const std::string& account_id,
                                             const std::string& name, const std::string& path,
                                             const std::string& trust_policy,
                                             const std::string& description,
                                             int max_session_seconds) {
  if (auto s = CheckName("roleName", name, 64); !s.ok()) return s;
  if (auto s = CheckPath(path); !s.ok()) return s;
  if (max_session_seconds < 3600 || max_session_seconds > 43200)
    return ValidationError("1 validation error detected: Value '" +
                           std::to_string(max_session_seconds) +
                           "' at 'maxSessionDuration' failed to satisfy constraint: Member must "
                           "have value between 3600 and 43200");
  if (auto p = Parsed(trust_policy, PolicyKind::kResource); !p.ok()) return p.status();
  auto existing = store_->Get(Table::kIam, RoleKey(account_id, name));
  if (!existing.ok()) return existing.status();
  if (existing->has_value())
    return EntityAlreadyExists("Role with name " + name + " already exists.");
  Role r{account_id, name, path, "AROA" + RandomIdChars(17), description, trust_policy,
         max_session_seconds, absl::Now()};
  storage::WriteBatch b;
  b.Put(Table::kIam, RoleKey(account_id, name),
        Encoder().U8(kVersion).Str(r.path).Str(r.role_id).Str(r.description).Str(r.trust_policy)
            .Varint(static_cast<uint64_t>(r.max_session_seconds)).Time(r.created).Take());
  if (auto s = store_->Write(b); !s.ok()) return s;
  return r;
}

absl::StatusOr<Role> PolicyStore::GetRole(const std::string& account_id,
                                          const std::string& name) {
  auto v = store_->Get(Table::kIam, RoleKey(account_id, name));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return NoSuchEntity("The role with name " + name + " cannot be found.");
  Role role;
  role.account_id = account_id;
  role.name = name;
  uint64_t max_session = 0;
  RecordReader r(**v);
  r.Version(kVersion).Str(role.path).Str(role.role_id).Str(role.description)
      .Str(role.trust_policy).Varint(max_session).Time(role.created);
  if (!r.status().ok()) return r.status();
  role.max_session_seconds = static_cast<int>(max_session);
  return role;
}

absl::StatusOr<std::vector<Role>> PolicyStore::ListRoles(const std::string& account_id) {
  const std::string prefix = "r/" + account_id + "/";
  auto names = KeySuffixes(prefix);
  if (!names.ok()) return names.status();
  std::vector<Role> out;
  for (const auto& n : *names) {
    auto r = GetRole(account_id, n);
    if (!r.ok()) return r.status();
    out.push_back(*std::move(r));
  }
  return out;
}

absl::Status PolicyStore::DeleteRole(const std::string& account_id, const std::string& name) {
  if (auto r = GetRole(account_id, name); !r.ok()) return r.status();
  auto inline_policies = ListInlinePolicies(account_id, EntityKind::kRole, name);
  if (!inline_policies.ok()) return inline_policies.status();
  auto attached = ListAttachedPolicies(account_id, EntityKind::kRole, name);
  if (!attached.ok()) return attached.status();
  if (!inline_policies->empty() || !attached->empty())
    return DeleteConflict("Cannot delete entity, must detach all policies first.");
  storage::WriteBatch b;
  b.Delete(Table::kIam, RoleKey(account_id, name));
  if (auto s = store_->Write(b); !s.ok()) return s;
  Changed();
  return absl::OkStatus();
}

absl::StatusOr<bool> PolicyStore::UserHasAttachments(const std::string& account_id,
                                                     const std::string& user) {
  auto inline_policies = ListInlinePolicies(account_id, EntityKind::kUser, user);
  if (!inline_policies.ok()) return inline_policies.status();
  auto attached = ListAttachedPolicies(account_id, EntityKind::kUser, user);
  if (!attached.ok()) return attached.status();
  auto groups = ListGroupsForUser(account_id, user);
  if (!groups.ok()) return groups.status();
  return !inline_policies->empty() || !attached->empty() || !groups->empty();
}

// --- Evaluation support ---

absl::StatusOr<PolicyStore::Applicable> PolicyStore::IdentityPolicies(const Principal& principal) {
  const std::string cache_key = principal.Arn();
  uint64_t generation;
  {
    std::lock_guard lock(mu_);
    generation = generation_;
    if (auto it = by_principal_.find(cache_key);
        it != by_principal_.end() && it->second.first == generation && !principal.is_session())
      return it->second.second;
  }
  Applicable out;
  std::vector<std::string> documents;
  auto collect = [&](EntityKind kind, const std::string& entity) -> absl::Status {
    auto names = ListInlinePolicies(principal.account_id, kind, entity);
    if (!names.ok()) return names.status();
    for (const auto& n : *names) {
      auto doc = GetInlinePolicy(principal.account_id, kind, entity, n);
      if (!doc.ok()) return doc.status();
      documents.push_back(*std::move(doc));
    }
    auto attached = ListAttachedPolicies(principal.account_id, kind, entity);
    if (!attached.ok()) return attached.status();
    for (auto& p : *attached) documents.push_back(std::move(p.document));
    return absl::OkStatus();
  };
  if (principal.is_session()) {
    if (auto s = collect(EntityKind::kRole, principal.role_name); !s.ok()) return s;
    if (!principal.session_policy.empty()) {
      auto p = Parsed(principal.session_policy, PolicyKind::kIdentity);
      if (!p.ok()) return p.status();
      out.session = *p;
    }
  } else if (!principal.is_root()) {
    if (auto s = collect(EntityKind::kUser, principal.user_name); !s.ok()) return s;
    auto groups = ListGroupsForUser(principal.account_id, principal.user_name);
    if (!groups.ok()) return groups.status();
    for (const auto& g : *groups) {
      if (auto s = collect(EntityKind::kGroup, g.name); !s.ok()) return s;
    }
  }
  for (const auto& doc : documents) {
    auto p = Parsed(doc, PolicyKind::kIdentity);
    if (p.ok()) out.identity.push_back(*p);  // stored documents were valid when stored
  }
  std::lock_guard lock(mu_);
  if (generation == generation_ && !principal.is_session()) by_principal_[cache_key] = {generation, out};
  return out;
}

}  // namespace coffer::iam
