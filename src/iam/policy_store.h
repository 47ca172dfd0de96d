// PolicyStore: IAM's policies and the entities they attach to, persisted in the
// MetaStore: managed policies (customer and a few AWS managed ones), inline policies of
// users, groups and roles, attachments, groups and their members, roles with their
// trust policies. IdentityPolicies() gathers, parsed and cached, every policy that
// applies to a principal. Errors carry IAM's codes (iam/errors.h). Thread-safe.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "iam/identity_store.h"
#include "iam/policy.h"
#include "storage/meta_store.h"

namespace coffer::iam {

enum class EntityKind { kUser, kGroup, kRole };

struct ManagedPolicy {
  std::string arn;  // arn:aws:iam::ACCOUNT:policy/PATH/NAME (or ::aws:policy/ for AWS's)
  std::string account_id;  // "aws" for AWS managed policies
  std::string name, path = "/", policy_id, description, document;
  absl::Time created;
  int attachments = 0;
};

struct Group {
  std::string account_id, name, path = "/", group_id;
  absl::Time created;
  std::string Arn() const { return "arn:aws:iam::" + account_id + ":group" + path + name; }
};

struct Role {
  std::string account_id, name, path = "/", role_id, description, trust_policy;
  int max_session_seconds = 3600;
  absl::Time created;
  std::string Arn() const { return "arn:aws:iam::" + account_id + ":role" + path + name; }
};

class PolicyStore {
 public:
  PolicyStore(storage::MetaStore* store, IdentityStore* identities);

  // Managed policies.
  absl::StatusOr<ManagedPolicy> CreatePolicy(const std::string& account_id,
                                             const std::string& name, const std::string& path,
                                             const std::string& document,
                                             const std::string& description);
  absl::StatusOr<ManagedPolicy> GetPolicy(const std::string& arn);
  absl::Status DeletePolicy(const std::string& account_id, const std::string& arn);
  absl::StatusOr<std::vector<ManagedPolicy>> ListPolicies(const std::string& account_id,
                                                          bool include_aws);

  // Attachments of managed policies to users, groups and roles.
  absl::Status AttachPolicy(const std::string& account_id, EntityKind kind,
                            const std::string& entity, const std::string& policy_arn);
  absl::Status DetachPolicy(const std::string& account_id, EntityKind kind,
                            const std::string& entity, const std::string& policy_arn);
  absl::StatusOr<std::vector<ManagedPolicy>> ListAttachedPolicies(const std::string& account_id,
                                                                  EntityKind kind,
                                                                  const std::string& entity);

  // Inline policies.
  absl::Status PutInlinePolicy(const std::string& account_id, EntityKind kind,
                               const std::string& entity, const std::string& policy_name,
                               const std::string& document);
  absl::StatusOr<std::string> GetInlinePolicy(const std::string& account_id, EntityKind kind,
                                              const std::string& entity,
                                              const std::string& policy_name);
  absl::Status DeleteInlinePolicy(const std::string& account_id, EntityKind kind,
                                  const std::string& entity, const std::string& policy_name);
  absl::StatusOr<std::vector<std::string>> ListInlinePolicies(const std::string& account_id,
                                                              EntityKind kind,
                                                              const std::string& entity);

  // Groups.
  absl::StatusOr<Group> CreateGroup(const std::string& account_id, const std::string& name,
                                    const std::string& path);
  absl::StatusOr<Group> GetGroup(const std::string& account_id, const std::string& name);
  absl::StatusOr<std::vector<std::string>> GroupMembers(const std::string& account_id,
                                                        const std::string& group);
  absl::Status AddUserToGroup(const std::string& account_id, const std::string& group,
                              const std::string& user);
  absl::Status RemoveUserFromGroup(const std::string& account_id, const std::string& group,
                                   const std::string& user);
  absl::StatusOr<std::vector<Group>> ListGroupsForUser(const std::string& account_id,
                                                       const std::string& user);
  absl::StatusOr<std::vector<Group>> ListGroups(const std::string& account_id);
  absl::Status DeleteGroup(const std::string& account_id, const std::string& name);

  // Roles.
  absl::StatusOr<Role> CreateRole(const std::string& account_id, const std::string& name,
                                  const std::string& path, const std::string& trust_policy,
                                  const std::string& description, int max_session_seconds);
  absl::StatusOr<Role> GetRole(const std::string& account_id, const std::string& name);
  absl::StatusOr<std::vector<Role>> ListRoles(const std::string& account_id);
  absl::Status DeleteRole(const std::string& account_id, const std::string& name);

  // True when the user still has policies or groups (DeleteUser must refuse).
  absl::StatusOr<bool> UserHasAttachments(const std::string& account_id, const std::string& user);

  // Every identity policy that applies to the principal: a user's inline and attached
  // policies and its groups'; a role session's role policies. The session policy of a
  // role session, if any, is returned separately (it only narrows). Parsed policies
  // are cached until the next change to the store.
  struct Applicable {
    std::vector<std::shared_ptr<const Policy>> identity;
    std::shared_ptr<const Policy> session;
  };
  absl::StatusOr<Applicable> IdentityPolicies(const Principal& principal);

  // A policy document parsed once and cached by its text (MalformedPolicyDocument).
  absl::StatusOr<std::shared_ptr<const Policy>> Parsed(const std::string& document,
                                                       PolicyKind kind);

 private:
  absl::Status CheckEntity(const std::string& account_id, EntityKind kind,
                           const std::string& entity);
  void Changed();
  // The rest of every key under `prefix` in the IAM table, in key order.
  absl::StatusOr<std::vector<std::string>> KeySuffixes(const std::string& prefix);
  absl::StatusOr<std::vector<Group>> GroupsNamed(const std::string& account_id,
                                                 const std::vector<std::string>& names);

  storage::MetaStore* store_;
  IdentityStore* identities_;
  std::mutex mu_;
  uint64_t generation_ = 0;
  // By kind (identity, resource), then document text.
  std::array<absl::flat_hash_map<std::string, std::shared_ptr<const Policy>>, 2> parsed_;
  std::map<std::string, std::pair<uint64_t, Applicable>> by_principal_;
};

// The AWS managed policies Coffer knows (AdministratorAccess, AmazonS3FullAccess,
// AmazonS3ReadOnlyAccess, IAMFullAccess, IAMReadOnlyAccess).
const std::vector<ManagedPolicy>& AwsManagedPolicies();

}  // namespace coffer::iam
