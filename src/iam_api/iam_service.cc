// The IAM Query API: users, access keys, managed and inline policies, groups, roles.
#include "iam_api/iam_service.h"

#include <map>

#include "absl/strings/numbers.h"
#include "base/encoding.h"
#include "base/time.h"
#include "iam/errors.h"
#include "iam_api/query.h"

namespace coffer::iam_api {
namespace {


using Writer = ResultWriter;
using iam::EntityKind;

struct Call {
  const iam::Principal& caller;
  const QueryParams& params;
  iam::IdentityStore& ids;
  iam::PolicyStore& policies;
  const std::string& account() const { return caller.account_id; }
  std::optional<std::string> Get(const std::string& name) const { return params.Get(name); }
};

Writer Nothing() {
  return [](XmlWriter&) {};
}

void WriteUser(XmlWriter& w, const iam::User& u, const char* element = "User") {
  w.Open(element).Element("Path", u.path).Element("UserName", u.name).Element("UserId", u.user_id);
  w.Element("Arn", u.Arn()).Element("CreateDate", FormatIso8601(u.created)).Close(element);
}

void WritePolicy(XmlWriter& w, const iam::ManagedPolicy& p, const char* element = "Policy") {
  w.Open(element).Element("PolicyName", p.name).Element("PolicyId", p.policy_id);
  w.Element("Arn", p.arn).Element("Path", p.path).Element("DefaultVersionId", "v1");
  w.Element("AttachmentCount", std::to_string(p.attachments)).Element("IsAttachable", "true");
  if (!p.description.empty()) w.Element("Description", p.description);
  w.Element("CreateDate", FormatIso8601(p.created)).Element("UpdateDate", FormatIso8601(p.created));
  w.Close(element);
}

void WriteGroup(XmlWriter& w, const iam::Group& g, const char* element = "Group") {
  w.Open(element).Element("Path", g.path).Element("GroupName", g.name).Element("GroupId", g.group_id);
  w.Element("Arn", g.Arn()).Element("CreateDate", FormatIso8601(g.created)).Close(element);
}

void WriteRole(XmlWriter& w, const iam::Role& r, const char* element = "Role") {
  w.Open(element).Element("Path", r.path).Element("RoleName", r.name).Element("RoleId", r.role_id);
  w.Element("Arn", r.Arn()).Element("CreateDate", FormatIso8601(r.created));
  // IAM returns policy documents URL-encoded.
  w.Element("AssumeRolePolicyDocument", UriEncode(r.trust_policy, true));
  if (!r.description.empty()) w.Element("Description", r.description);
  w.Element("MaxSessionDuration", std::to_string(r.max_session_seconds)).Close(element);
}

Writer Members(const char* list, std::function<void(XmlWriter&)> items) {
  return [list, items = std::move(items)](XmlWriter& w) {
    w.Open(list);
    items(w);
    w.Close(list);
    w.Element("IsTruncated", "false");
  };
}

// Parameters every handler needs by name; a missing one is a ValidationError.
#define REQUIRE(var, name)                                   \
  auto var##_opt = call.Get(name);                           \
  if (!var##_opt) return QueryError::Missing(name);          \
  const std::string& var = *var##_opt

Outcome Fail(const absl::Status& s) { return QueryError::FromStatus(s); }

// The user an action names, or the caller when UserName is omitted.
std::string UserOrCaller(const Call& call) {
  return call.Get("UserName").value_or(call.caller.user_name);
}

// --- Users and access keys ---

Outcome CreateUser(Call& call) {
  REQUIRE(name, "UserName");
  auto u = call.ids.CreateUser(call.account(), name, call.params.GetOr("Path", "/"));
  if (!u.ok()) return Fail(u.status());
  return [u = *u](XmlWriter& w) { WriteUser(w, u); };
}

Outcome GetUser(Call& call) {
  std::string name = UserOrCaller(call);
  if (name.empty()) {  // the root user
    return [account = call.account()](XmlWriter& w) {
      w.Open("User").Element("UserId", account);
      w.Element("Arn", "arn:aws:iam::" + account + ":root").Close("User");
    };
  }
  auto u = call.ids.GetUser(call.account(), name);
  if (!u.ok()) return Fail(u.status());
  if (!*u) return Fail(iam::NoSuchEntity("The user with name " + name + " cannot be found."));
  return [u = **u](XmlWriter& w) { WriteUser(w, u); };
}

Outcome ListUsers(Call& call) {
  auto users = call.ids.ListUsers(call.account(), call.params.GetOr("PathPrefix", "/"));
  if (!users.ok()) return Fail(users.status());
  return Members("Users", [users = *users](XmlWriter& w) {
    for (const auto& u : users) WriteUser(w, u, "member");
  });
}

Outcome DeleteUser(Call& call) {
  REQUIRE(name, "UserName");
  auto attached = call.policies.UserHasAttachments(call.account(), name);
  if (!attached.ok()) return Fail(attached.status());
  if (*attached)
    return Fail(iam::DeleteConflict("Cannot delete entity, must detach all policies and remove "
                                    "the user from groups first."));
  if (auto s = call.ids.DeleteUser(call.account(), name); !s.ok()) return Fail(s);
  return Nothing();
}

Outcome CreateAccessKey(Call& call) {
  std::string user = UserOrCaller(call);
  auto key = call.ids.CreateAccessKey(call.account(), user);
  if (!key.ok()) return Fail(key.status());
  std::string secret(key->second.view());
  return [k = key->first, secret, user](XmlWriter& w) mutable {
    w.Open("AccessKey").Element("UserName", user).Element("AccessKeyId", k.access_key_id);
    w.Element("Status", "Active").Element("SecretAccessKey", secret);
    w.Element("CreateDate", FormatIso8601(k.created)).Close("AccessKey");
    WipeString(secret);
  };
}

Outcome ListAccessKeys(Call& call) {
  std::string user = UserOrCaller(call);
  if (!user.empty()) {
    auto u = call.ids.GetUser(call.account(), user);
    if (!u.ok()) return Fail(u.status());
    if (!*u) return Fail(iam::NoSuchEntity("The user with name " + user + " cannot be found."));
  }
  auto keys = call.ids.ListAccessKeys(call.account(), user);
  if (!keys.ok()) return Fail(keys.status());
  return Members("AccessKeyMetadata", [keys = *keys](XmlWriter& w) {
    for (const auto& k : keys) {
      w.Open("member").Element("UserName", k.user_name).Element("AccessKeyId", k.access_key_id);
      w.Element("Status", k.active ? "Active" : "Inactive");
      w.Element("CreateDate", FormatIso8601(k.created)).Close("member");
    }
  });
}

Outcome UpdateAccessKey(Call& call) {
  REQUIRE(akid, "AccessKeyId");
  REQUIRE(status, "Status");
  if (status != "Active" && status != "Inactive")
    return QueryError{400, "ValidationError",
                      "1 validation error detected: Value '" + status +
                          "' at 'status' failed to satisfy constraint: Member must satisfy enum "
                          "value set: [Active, Inactive]"};
  auto s = call.ids.UpdateAccessKey(call.account(), UserOrCaller(call), akid, status == "Active");
  if (!s.ok()) return Fail(s);
  return Nothing();
}

Outcome DeleteAccessKey(Call& call) {
  REQUIRE(akid, "AccessKeyId");
  auto s = call.ids.DeleteAccessKey(call.account(), UserOrCaller(call), akid);
  if (!s.ok()) return Fail(s);
  return Nothing();
}

// --- Inline policies of users, groups and roles ---

const char* EntityParam(EntityKind k) {
  switch (k) {
    case EntityKind::kUser: return "UserName";
    case EntityKind::kGroup: return "GroupName";
    case EntityKind::kRole: return "RoleName";
  }
  return "UserName";
}

Outcome PutInline(Call& call, EntityKind kind) {
  REQUIRE(entity, EntityParam(kind));
  REQUIRE(name, "PolicyName");
  REQUIRE(document, "PolicyDocument");
  auto s = call.policies.PutInlinePolicy(call.account(), kind, entity, name, document);
  if (!s.ok()) return Fail(s);
  return Nothing();
}

Outcome GetInline(Call& call, EntityKind kind) {
  REQUIRE(entity, EntityParam(kind));
  REQUIRE(name, "PolicyName");
  auto doc = call.policies.GetInlinePolicy(call.account(), kind, entity, name);
  if (!doc.ok()) return Fail(doc.status());
  std::string param = EntityParam(kind);
  return [param, entity, name, doc = *doc](XmlWriter& w) {
    w.Element(param, entity).Element("PolicyName", name);
    w.Element("PolicyDocument", UriEncode(doc, true));
  };
}

Outcome DeleteInline(Call& call, EntityKind kind) {
  REQUIRE(entity, EntityParam(kind));
  REQUIRE(name, "PolicyName");
  auto s = call.policies.DeleteInlinePolicy(call.account(), kind, entity, name);
  if (!s.ok()) return Fail(s);
  return Nothing();
}

Outcome ListInline(Call& call, EntityKind kind) {
  REQUIRE(entity, EntityParam(kind));
  auto names = call.policies.ListInlinePolicies(call.account(), kind, entity);
  if (!names.ok()) return Fail(names.status());
  return Members("PolicyNames", [names = *names](XmlWriter& w) {
    for (const auto& n : names) w.Element("member", n);
  });
}

// --- Managed policies and attachments ---

Outcome CreatePolicy(Call& call) {
  REQUIRE(name, "PolicyName");
  REQUIRE(document, "PolicyDocument");
  auto p = call.policies.CreatePolicy(call.account(), name, call.params.GetOr("Path", "/"),
                                      document, call.params.GetOr("Description", ""));
  if (!p.ok()) return Fail(p.status());
  return [p = *p](XmlWriter& w) { WritePolicy(w, p); };
}

Outcome GetPolicy(Call& call) {
  REQUIRE(arn, "PolicyArn");
  auto p = call.policies.GetPolicy(arn);
  if (!p.ok()) return Fail(p.status());
  return [p = *p](XmlWriter& w) { WritePolicy(w, p); };
}

Outcome GetPolicyVersion(Call& call) {
  REQUIRE(arn, "PolicyArn");
  auto p = call.policies.GetPolicy(arn);
  if (!p.ok()) return Fail(p.status());
  if (call.params.GetOr("VersionId", "v1") != "v1")
    return Fail(iam::NoSuchEntity("Policy " + arn + " version does not exist."));
  return [p = *p](XmlWriter& w) {
    w.Open("PolicyVersion").Element("Document", UriEncode(p.document, true));
    w.Element("VersionId", "v1").Element("IsDefaultVersion", "true");
    w.Element("CreateDate", FormatIso8601(p.created)).Close("PolicyVersion");
  };
}

Outcome DeletePolicy(Call& call) {
  REQUIRE(arn, "PolicyArn");
  if (auto s = call.policies.DeletePolicy(call.account(), arn); !s.ok()) return Fail(s);
  return Nothing();
}

Outcome ListPolicies(Call& call) {
  std::string scope = call.params.GetOr("Scope", "All");
  auto list = call.policies.ListPolicies(call.account(), scope != "Local");
  if (!list.ok()) return Fail(list.status());
  std::vector<iam::ManagedPolicy> shown;
  for (auto& p : *list) {
    if (scope == "AWS" && p.account_id != "aws") continue;
    shown.push_back(std::move(p));
  }
  return Members("Policies", [shown](XmlWriter& w) {
    for (const auto& p : shown) WritePolicy(w, p, "member");
  });
}

Outcome Attach(Call& call, EntityKind kind, bool attach) {
  REQUIRE(entity, EntityParam(kind));
  REQUIRE(arn, "PolicyArn");
  auto s = attach ? call.policies.AttachPolicy(call.account(), kind, entity, arn)
                  : call.policies.DetachPolicy(call.account(), kind, entity, arn);
  if (!s.ok()) return Fail(s);
  return Nothing();
}

Outcome ListAttached(Call& call, EntityKind kind) {
  REQUIRE(entity, EntityParam(kind));
  auto list = call.policies.ListAttachedPolicies(call.account(), kind, entity);
  if (!list.ok()) return Fail(list.status());
  return Members("AttachedPolicies", [list = *list](XmlWriter& w) {
    for (const auto& p : list)
      w.Open("member").Element("PolicyName", p.name).Element("PolicyArn", p.arn).Close("member");
  });
}

// --- Groups ---

Outcome CreateGroup(Call& call) {
  REQUIRE(name, "GroupName");
  auto g = call.policies.CreateGroup(call.account(), name, call.params.GetOr("Path", "/"));
  if (!g.ok()) return Fail(g.status());
  return [g = *g](XmlWriter& w) { WriteGroup(w, g); };
}

Outcome GetGroup(Call& call) {
  REQUIRE(name, "GroupName");
  auto g = call.policies.GetGroup(call.account(), name);
  if (!g.ok()) return Fail(g.status());
  auto members = call.policies.GroupMembers(call.account(), name);
  if (!members.ok()) return Fail(members.status());
  std::vector<iam::User> users;
  for (const auto& m : *members) {
    auto u = call.ids.GetUser(call.account(), m);
    if (u.ok() && *u) users.push_back(**u);
  }
  return [g = *g, users](XmlWriter& w) {
    WriteGroup(w, g);
    w.Open("Users");
    for (const auto& u : users) WriteUser(w, u, "member");
    w.Close("Users").Element("IsTruncated", "false");
  };
}

Outcome ListGroups(Call& call) {
  auto groups = call.policies.ListGroups(call.account());
  if (!groups.ok()) return Fail(groups.status());
  return Members("Groups", [groups = *groups](XmlWriter& w) {
    for (const auto& g : groups) WriteGroup(w, g, "member");
  });
}

Outcome ListGroupsForUser(Call& call) {
  REQUIRE(user, "UserName");
  auto groups = call.policies.ListGroupsForUser(call.account(), user);
  if (!groups.ok()) return Fail(groups.status());
  return Members("Groups", [groups = *groups](XmlWriter& w) {
    for (const auto& g : groups) WriteGroup(w, g, "member");
  });
}

Outcome GroupMembership(Call& call, bool add) {
  REQUIRE(group, "GroupName");
  REQUIRE(user, "UserName");
  auto s = add ? call.policies.AddUserToGroup(call.account(), group, user)
               : call.policies.RemoveUserFromGroup(call.account(), group, user);
  if (!s.ok()) return Fail(s);
  return Nothing();
}

Outcome DeleteGroup(Call& call) {
  REQUIRE(name, "GroupName");
  if (auto s = call.policies.DeleteGroup(call.account(), name); !s.ok()) return Fail(s);
  return Nothing();
}

// --- Roles ---

Outcome CreateRole(Call& call) {
  REQUIRE(name, "RoleName");
  REQUIRE(trust, "AssumeRolePolicyDocument");
  int max_session = 3600;
  if (auto v = call.Get("MaxSessionDuration"); v && !absl::SimpleAtoi(*v, &max_session))
    return QueryError{400, "ValidationError", "MaxSessionDuration must be a number"};
  auto r = call.policies.CreateRole(call.account(), name, call.params.GetOr("Path", "/"), trust,
                                    call.params.GetOr("Description", ""), max_session);
  if (!r.ok()) return Fail(r.status());
  return [r = *r](XmlWriter& w) { WriteRole(w, r); };
}

Outcome GetRole(Call& call) {
  REQUIRE(name, "RoleName");
  auto r = call.policies.GetRole(call.account(), name);
  if (!r.ok()) return Fail(r.status());
  return [r = *r](XmlWriter& w) { WriteRole(w, r); };
}

Outcome ListRoles(Call& call) {
  auto roles = call.policies.ListRoles(call.account());
  if (!roles.ok()) return Fail(roles.status());
  return Members("Roles", [roles = *roles](XmlWriter& w) {
    for (const auto& r : roles) WriteRole(w, r, "member");
  });
}

Outcome DeleteRole(Call& call) {
  REQUIRE(name, "RoleName");
  if (auto s = call.policies.DeleteRole(call.account(), name); !s.ok()) return Fail(s);
  return Nothing();
}

#undef REQUIRE

struct ActionSpec {
  std::function<Outcome(Call&)> run;
  // The resource the action is authorized on (an ARN in the caller's account).
  std::function<std::string(const Call&)> resource;
};

std::string UserArn(const Call& c) {
  return "arn:aws:iam::" + c.account() + ":user/" + UserOrCaller(c);
}
std::function<std::string(const Call&)> Named(const char* type, const char* param) {
  return [type, param](const Call& c) {
    return "arn:aws:iam::" + c.account() + ":" + type + "/" + c.params.GetOr(param, "");
  };
}
std::string PolicyArnOf(const Call& c) { return c.params.GetOr("PolicyArn", "*"); }
std::string Anything(const Call&) { return "*"; }

const std::map<std::string, ActionSpec>& Actions() {
  static const std::map<std::string, ActionSpec> actions = {
      {"CreateUser", {CreateUser, Named("user", "UserName")}},
      {"GetUser", {GetUser, UserArn}},
      {"ListUsers", {ListUsers, Anything}},
      {"DeleteUser", {DeleteUser, Named("user", "UserName")}},
      {"CreateAccessKey", {CreateAccessKey, UserArn}},
      {"ListAccessKeys", {ListAccessKeys, UserArn}},
      {"UpdateAccessKey", {UpdateAccessKey, UserArn}},
      {"DeleteAccessKey", {DeleteAccessKey, UserArn}},
      {"PutUserPolicy", {[](Call& c) { return PutInline(c, EntityKind::kUser); }, UserArn}},
      {"GetUserPolicy", {[](Call& c) { return GetInline(c, EntityKind::kUser); }, UserArn}},
      {"DeleteUserPolicy", {[](Call& c) { return DeleteInline(c, EntityKind::kUser); }, UserArn}},
      {"ListUserPolicies", {[](Call& c) { return ListInline(c, EntityKind::kUser); }, UserArn}},
      {"AttachUserPolicy", {[](Call& c) { return Attach(c, EntityKind::kUser, true); }, UserArn}},
      {"DetachUserPolicy", {[](Call& c) { return Attach(c, EntityKind::kUser, false); }, UserArn}},
      {"ListAttachedUserPolicies",
       {[](Call& c) { return ListAttached(c, EntityKind::kUser); }, UserArn}},
      {"CreatePolicy", {CreatePolicy, Named("policy", "PolicyName")}},
      {"GetPolicy", {GetPolicy, PolicyArnOf}},
      {"GetPolicyVersion", {GetPolicyVersion, PolicyArnOf}},
      {"DeletePolicy", {DeletePolicy, PolicyArnOf}},
      {"ListPolicies", {ListPolicies, Anything}},
      {"CreateGroup", {CreateGroup, Named("group", "GroupName")}},
      {"GetGroup", {GetGroup, Named("group", "GroupName")}},
      {"ListGroups", {ListGroups, Anything}},
      {"ListGroupsForUser", {ListGroupsForUser, UserArn}},
      {"DeleteGroup", {DeleteGroup, Named("group", "GroupName")}},
      {"AddUserToGroup",
       {[](Call& c) { return GroupMembership(c, true); }, Named("group", "GroupName")}},
      {"RemoveUserFromGroup",
       {[](Call& c) { return GroupMembership(c, false); }, Named("group", "GroupName")}},
      {"PutGroupPolicy",
       {[](Call& c) { return PutInline(c, EntityKind::kGroup); }, Named("group", "GroupName")}},
      {"GetGroupPolicy",
       {[](Call& c) { return GetInline(c, EntityKind::kGroup); }, Named("group", "GroupName")}},
      {"DeleteGroupPolicy",
       {[](Call& c) { return DeleteInline(c, EntityKind::kGroup); }, Named("group", "GroupName")}},
      {"ListGroupPolicies",
       {[](Call& c) { return ListInline(c, EntityKind::kGroup); }, Named("group", "GroupName")}},
      {"AttachGroupPolicy",
       {[](Call& c) { return Attach(c, EntityKind::kGroup, true); }, Named("group", "GroupName")}},
      {"DetachGroupPolicy",
       {[](Call& c) { return Attach(c, EntityKind::kGroup, false); }, Named("group", "GroupName")}},
      {"ListAttachedGroupPolicies",
       {[](Call& c) { return ListAttached(c, EntityKind::kGroup); }, Named("group", "GroupName")}},
      {"CreateRole", {CreateRole, Named("role", "RoleName")}},
      {"GetRole", {GetRole, Named("role", "RoleName")}},
      {"ListRoles", {ListRoles, Anything}},
      {"DeleteRole", {DeleteRole, Named("role", "RoleName")}},
      {"PutRolePolicy",
       {[](Call& c) { return PutInline(c, EntityKind::kRole); }, Named("role", "RoleName")}},
      {"GetRolePolicy",
       {[](Call& c) { return GetInline(c, EntityKind::kRole); }, Named("role", "RoleName")}},
      {"DeleteRolePolicy",
       {[](Call& c) { return DeleteInline(c, EntityKind::kRole); }, Named("role", "RoleName")}},
      {"ListRolePolicies",
       {[](Call& c) { return ListInline(c, EntityKind::kRole); }, Named("role", "RoleName")}},
      {"AttachRolePolicy",
       {[](Call& c) { return Attach(c, EntityKind::kRole, true); }, Named("role", "RoleName")}},
      {"DetachRolePolicy",
       {[](Call& c) { return Attach(c, EntityKind::kRole, false); }, Named("role", "RoleName")}},
      {"ListAttachedRolePolicies",
       {[](Call& c) { return ListAttached(c, EntityKind::kRole); }, Named("role", "RoleName")}},
  };
  return actions;
}

}  // namespace

Outcome IamService::Run(gateway::ApiRequest& request, const QueryParams& params) {
  std::string action = params.GetOr("Action", "");
  auto spec = Actions().find(action);
  if (spec == Actions().end())
    return QueryError{400, "InvalidAction",
                      "Could not find operation " + action + " for version 2010-05-08"};
  Call call{*request.principal, params, *identities_, *policies_};
  iam::AuthzRequest authz;
  authz.action = "iam:" + action;
  authz.resource = spec->second.resource(call);
  iam::FillPrincipalKeys(authz.context, request.principal, request.received);
  authz.context.Set("aws:SecureTransport", request.exchange.secure() ? "true" : "false");
  authz.context.Set("aws:SourceIp", request.exchange.remote_ip());
  std::string resource = authz.resource;
  auto decision = authorizer_->DecideIdentity(request.principal, std::move(authz));
  if (!decision.ok()) return QueryError::FromStatus(decision.status());
  if (*decision != iam::Decision::kAllow)
    return QueryError::AccessDenied("User: " + request.principal->Arn() +
                                    " is not authorized to perform: iam:" + action +
                                    " on resource: " + resource);
  return spec->second.run(call);
}

}  // namespace coffer::iam_api
