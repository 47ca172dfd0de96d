// Kms: key references, authorization, key lifecycle, aliases, tags and key policies.
// Cryptographic operations and rotation are in kms_crypto.cc, grants in kms_grants.cc.
#include "kms/kms.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "base/encoding.h"
#include "base/ids.h"
#include "kms/ciphertext.h"
#include "kms/errors.h"

namespace coffer::kms {
namespace {

bool IsKeyId(std::string_view s) {
  if (s.size() != kKeyIdSize) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !absl::ascii_isxdigit(static_cast<unsigned char>(s[i])))
      return false;
  }
  return true;
}

std::string NewKeyId() {
  std::string h = HexLower(RandomBytes(16));
  h[12] = '4';                                  // version 4
  h[16] = "89ab"[static_cast<unsigned char>(h[16]) % 4];  // RFC 4122 variant
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
         h.substr(16, 4) + "-" + h.substr(20);
}

std::string AwsManagedPolicy(const std::string& account, const std::string& region,
                             const std::string& service) {
  return R"({"Version":"2012-10-17","Id":"auto-)" + service + R"(-2","Statement":[)"
         R"({"Sid":"Allow access through )" + service +
         R"( for all principals in the account that are authorized to use )" + service +
         R"(","Effect":"Allow","Principal":{"AWS":"*"},"Action":["kms:Encrypt","kms:Decrypt",)"
         R"("kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*",)"
         R"("Condition":{"StringEquals":{"kms:CallerAccount":")" + account +
         R"(","kms:ViaService":")" + service + "." + region + R"(.amazonaws.com"}}},)"
         R"({"Sid":"Allow direct access to key metadata to the account","Effect":"Allow",)"
         R"("Principal":{"AWS":"arn:aws:iam::)" + account + R"(:root"},)"
         R"("Action":["kms:Describe*","kms:Get*","kms:List*"],"Resource":"*"}]})";
}

absl::Status InvalidAliasName(const std::string& name) {
  return Validation("1 validation error detected: Value '" + name +
                    "' at 'aliasName' failed to satisfy constraint: Member must satisfy "
                    "regular expression pattern: ^alias/[a-zA-Z0-9/_-]+$");
}

absl::Status CheckAliasName(const std::string& name, bool creating) {
  if (name.size() < 7 || name.size() > 256 || !name.starts_with("alias/"))
    return InvalidAliasName(name);
  for (char ch : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(ch)) && ch != '/' && ch != '_' &&
        ch != '-')
      return InvalidAliasName(name);
  }
  if (name.starts_with("alias/aws/"))
    return KmsError("NotAuthorizedException",
                    creating ? "alias/aws/ is a reserved prefix for AWS managed keys."
                             : "Cannot change or delete an alias of an AWS managed key.");
  return absl::OkStatus();
}

absl::Status CheckTags(const std::vector<std::pair<std::string, std::string>>& tags) {
  for (const auto& [k, v] : tags) {
    if (k.empty() || k.size() > 128 || v.size() > 256)
      return KmsError("TagException", "Tag keys must be 1-128 characters and values 0-256.");
    if (absl::AsciiStrToLower(k).starts_with("aws:"))
      return KmsError("TagException", "Tags beginning with aws: are reserved.");
  }
  return absl::OkStatus();
}

}  // namespace

Kms::Kms(KeyStore* keys, iam::Authorizer* authorizer, std::string region)
    : keys_(keys), authorizer_(authorizer), region_(std::move(region)) {}

std::string Kms::DefaultPolicy(const std::string& account) {
  return R"({"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::)" +
         account + R"(:root"},"Action":"kms:*","Resource":"*"}]})";
}

std::string Kms::AliasArn(const Alias& a) const {
  return "arn:aws:kms:" + region_ + ":" + a.account + ":" + a.name;
}

// --- Finding keys ---

namespace {

// What Load() writes when its time has come: the key's scheduled deletion, or its
// automatic rotation.
bool DeletionDue(const Key& key, absl::Time now) {
  return key.state == KeyState::kPendingDeletion && now >= key.deletion_date;
}
bool RotationDue(const Key& key, absl::Time now) {
  return key.rotation_enabled && key.state == KeyState::kEnabled && now >= key.next_rotation;
}

}  // namespace

absl::StatusOr<KeyRef> Kms::LoadRef(const std::string& id, absl::Time now) {
  auto read = [&]() -> absl::StatusOr<KeyRef> {
    auto found = keys_->GetKey(id);
    if (!found.ok()) return found.status();
    if (!*found) return NotFound("Key '" + id + "' does not exist");
    return *std::move(found);
  };
  // Reads need no lock (each is one record, read whole); only a key that falls due is
  // written, and that is done under the lock on the record read again there.
  auto key = read();
  if (!key.ok() || (!DeletionDue(**key, now) && !RotationDue(**key, now))) return key;
  auto lock = keys_->Lock();
  key = read();
  if (!key.ok()) return key;
  if (DeletionDue(**key, now)) {
    if (auto s = keys_->DeleteKey(**key); !s.ok()) return s;
    return NotFound("Key '" + (*key)->Arn() + "' does not exist");
  }
  if (RotationDue(**key, now)) {
    Key rotated = **key;
    rotated.materials.push_back(keys_->NewMaterial(rotated.id, "AUTOMATIC", now));
    rotated.next_rotation = now + absl::Hours(24) * rotated.rotation_period_days;
    if (auto s = keys_->PutKey(rotated); !s.ok()) return s;
    return std::make_shared<const Key>(std::move(rotated));
  }
  return key;
}

absl::StatusOr<Key> Kms::Load(const std::string& id, absl::Time now) {
  auto key = LoadRef(id, now);
  if (!key.ok()) return key.status();
  return **key;
}

absl::StatusOr<KeyRef> Kms::ResolveRef(const Caller& c, const std::string& ref, Refs refs) {
  if (ref.empty())
    return Validation("1 validation error detected: Value '' at 'keyId' failed to satisfy "
                      "constraint: Member must have length greater than or equal to 1");
  std::string account = c.principal.account_id;
  std::string id, alias;
  if (ref.starts_with("arn:")) {
    std::vector<absl::string_view> parts = absl::StrSplit(ref, absl::MaxSplits(':', 5));
    if (parts.size() != 6 || parts[1] != "aws" || parts[2] != "kms" || parts[4].size() != 12)
      return KmsError("InvalidArnException", "Invalid arn " + ref);
    if (parts[3] != region_) return NotFound("Invalid arn " + ref);
    account = std::string(parts[4]);
    if (absl::StartsWith(parts[5], "key/")) id = std::string(parts[5].substr(4));
    else if (absl::StartsWith(parts[5], "alias/")) alias = std::string(parts[5]);
    else return KmsError("InvalidArnException", "Invalid arn " + ref);
  } else if (ref.starts_with("alias/")) {
    alias = ref;
  } else {
    id = ref;
  }
  if (!alias.empty()) {
    if (refs == Refs::kKeyOnly) return NotFound("Invalid keyId " + ref);
    auto a = keys_->GetAlias(account, alias);
    if (!a.ok()) return a.status();
    if (!*a) {
      if (alias == "alias/aws/s3" && account == c.principal.account_id)
        return AwsManagedKey(c, "s3");
      return NotFound("Alias arn:aws:kms:" + region_ + ":" + account + ":" + alias +
                      " is not found.");
    }
    id = (*a)->key_id;
  }
  if (!IsKeyId(id)) return NotFound("Invalid keyId " + ref);
  auto missing = [&] {
    return NotFound("Key 'arn:aws:kms:" + region_ + ":" + account + ":key/" + id +
                    "' does not exist");
  };
  auto key = LoadRef(id, c.now);
  if (!key.ok()) return absl::IsNotFound(key.status()) ? missing() : key.status();
  if ((*key)->account != account) return missing();
  return key;
}

absl::StatusOr<Key> Kms::Resolve(const Caller& c, const std::string& ref, Refs refs) {
  auto key = ResolveRef(c, ref, refs);
  if (!key.ok()) return key.status();
  return **key;
}

absl::StatusOr<KeyRef> Kms::AwsManagedKey(const Caller& c, const std::string& service) {
  auto lock = keys_->Lock();
  const std::string alias = "alias/aws/" + service;
  const std::string& account = c.principal.account_id;
  auto existing = keys_->GetAlias(account, alias);
  if (!existing.ok()) return existing.status();
  if (*existing) return LoadRef((*existing)->key_id, c.now);
  Key key;
  key.id = NewKeyId();
  key.account = account;
  key.region = region_;
  key.manager = "AWS";
  key.description = "Default key that protects my " + absl::AsciiStrToUpper(service) +
                    " objects when no other key is defined";
  key.created = c.now;
  key.policy = AwsManagedPolicy(account, region_, service);
  key.rotation_enabled = true;
  key.rotation_period_days = 365;
  key.next_rotation = c.now + absl::Hours(24 * 365);
  key.materials.push_back(keys_->NewMaterial(key.id, "", c.now));
  if (auto s = keys_->PutKey(key); !s.ok()) return s;
  if (auto s = keys_->PutAlias(Alias{account, alias, key.id, c.now, c.now}); !s.ok()) return s;
  return std::make_shared<const Key>(std::move(key));
}

// --- Authorization ---

iam::AuthzRequest Kms::Request(const Caller& c, const std::string& action,
                               const std::string& resource) const {
  iam::AuthzRequest r;
  r.action = action;
  r.resource = resource;
  r.context.Defer([&c](iam::ConditionContext& context) {  // callers decide before `c` goes
    iam::FillPrincipalKeys(context, c.principal, c.now);
    context.Set("aws:SecureTransport", c.secure ? "true" : "false");
    if (!c.source_ip.empty()) context.Set("aws:SourceIp", c.source_ip);
    context.Set("kms:CallerAccount", c.principal.account_id);
    if (!c.via_service.empty()) context.Set("kms:ViaService", c.via_service);
  });
  return r;
}

absl::Status Kms::AuthorizeAccount(const Caller& c, const std::string& action, const Fill& fill) {
  iam::AuthzRequest r = Request(c, action, "*");
  if (fill) r.context.Defer(std::ref(fill));
  auto d = authorizer_->DecideIdentity(c.principal, std::move(r));
  if (!d.ok()) return d.status();
  if (*d != iam::Decision::kAllow)
    return AccessDenied("User: " + c.principal.Arn() + " is not authorized to perform: " +
                        action + " because no identity-based policy allows the " + action +
                        " action");
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Grant>> Kms::Authorize(const Caller& c, const Key& key,
                                                    const std::string& action,
                                                    const EncryptionContext* ctx,
                                                    const Fill& fill) {
  auto policy = authorizer_->policies()->Parsed(key.policy, iam::PolicyKind::kResource);
  if (!policy.ok()) return policy.status();
  iam::AuthzRequest r = Request(c, action, key.Arn());
  r.context.Defer([&key, ctx, &fill](iam::ConditionContext& context) {
    context.Set("kms:KeySpec", key.spec);
    context.Set("kms:KeyUsage", key.usage);
    context.Set("kms:KeyOrigin", key.origin);
    if (ctx) {
      for (const auto& [k, v] : *ctx) {
        context.Set("kms:EncryptionContext:" + k, v);
        context.Add("kms:EncryptionContextKeys", k);
      }
    }
    if (fill) fill(context);
  });
  auto d = authorizer_->Decide(c.principal, std::move(r), {*policy}, key.account,
                               /*resource_must_allow=*/true);
  if (!d.ok()) return d.status();
  auto denied = [&](const std::string& why) {  // only spelled out when it is the answer
    return AccessDenied("User: " + c.principal.Arn() + " is not authorized to perform: " +
                        action + " on resource: " + key.Arn() + why);
  };
  if (*d == iam::Decision::kDeny) return denied(" with an explicit deny");
  std::optional<Grant> grant;
  if (*d != iam::Decision::kAllow) {
    auto g = GrantFor(c, key, action.substr(4), ctx);
    if (!g.ok()) return g.status();
    if (!*g) return denied(" because no resource-based policy allows the " + action + " action");
    grant = *std::move(g);
  }
  if (c.dry_run)
    return KmsError("DryRunOperationException",
                    "The request would have succeeded, but the DryRun option is set.");
  return grant;
}

absl::Status Kms::CheckLockout(const Caller& c, const Key& key, const std::string& policy) {
  auto parsed = authorizer_->policies()->Parsed(policy, iam::PolicyKind::kResource);
  if (!parsed.ok())
    return KmsError("MalformedPolicyDocumentException", std::string(parsed.status().message()));
  iam::AuthzRequest r = Request(c, "kms:PutKeyPolicy", key.Arn());
  auto d = authorizer_->Decide(c.principal, std::move(r), {*parsed}, key.account, true);
  if (!d.ok()) return d.status();
  if (*d != iam::Decision::kAllow)
    return KmsError("MalformedPolicyDocumentException",
                    "The new key policy will not allow you to update the key policy in the "
                    "future.");
  return absl::OkStatus();
}

absl::StatusOr<Key> Kms::Modify(const Caller& c, const std::string& ref, Refs refs,
                                const std::string& action,
                                const std::function<absl::Status(Key&)>& change) {
  auto lock = keys_->Lock();
  auto key = Resolve(c, ref, refs);
  if (!key.ok()) return key.status();
  if (auto g = Authorize(c, *key, action); !g.ok()) return g.status();
  if (auto s = change(*key); !s.ok()) return s;
  if (auto s = keys_->PutKey(*key); !s.ok()) return s;
  return key;
}

// --- Keys ---

absl::StatusOr<Key> Kms::CreateKey(const Caller& c, const CreateKeyInput& in) {
  auto fill = [&in](iam::ConditionContext& ctx) {
    ctx.Set("kms:KeySpec", in.spec);
    ctx.Set("kms:KeyUsage", in.usage);
    ctx.Set("kms:KeyOrigin", in.origin);
    ctx.Set("kms:BypassPolicyLockoutSafetyCheck", in.bypass_lockout_check ? "true" : "false");
    for (const auto& [k, v] : in.tags) ctx.Add("aws:TagKeys", k);
  };
  if (auto s = AuthorizeAccount(c, "kms:CreateKey", fill); !s.ok()) return s;
  if (in.spec != "SYMMETRIC_DEFAULT")
    return Unsupported("KeySpec " + in.spec + " is not supported by Coffer yet.");
  if (in.usage != "ENCRYPT_DECRYPT")
    return Validation("KeyUsage " + in.usage + " is not compatible with KeySpec " + in.spec);
  if (in.origin != "AWS_KMS" && in.origin != "EXTERNAL")
    return Unsupported("Origin " + in.origin + " is not supported by Coffer.");
  if (auto s = CheckTags(in.tags); !s.ok()) return s;

  Key key;
  key.id = NewKeyId();
  key.account = c.principal.account_id;
  key.region = region_;
  key.description = in.description;
  key.origin = in.origin;
  key.usage = in.usage;
  key.spec = in.spec;
  key.created = c.now;
  key.tags = in.tags;
  key.policy = in.policy.value_or(DefaultPolicy(key.account));
  if (in.policy) {
    if (in.bypass_lockout_check) {
      auto parsed = authorizer_->policies()->Parsed(key.policy, iam::PolicyKind::kResource);
      if (!parsed.ok())
        return KmsError("MalformedPolicyDocumentException",
                        std::string(parsed.status().message()));
    } else if (auto s = CheckLockout(c, key, key.policy); !s.ok()) {
      return s;
    }
  }
  if (in.origin == "EXTERNAL") {
    key.state = KeyState::kPendingImport;
  } else {
    key.materials.push_back(keys_->NewMaterial(key.id, "", c.now));
  }
  if (auto s = keys_->PutKey(key); !s.ok()) return s;
  return key;
}

absl::StatusOr<Key> Kms::DescribeKey(const Caller& c, const std::string& ref) {
  auto key = Resolve(c, ref, Refs::kAliasToo);
  if (!key.ok()) return key.status();
  if (auto g = Authorize(c, *key, "kms:DescribeKey"); !g.ok()) return g.status();
  return key;
}

absl::StatusOr<std::vector<Key>> Kms::ListKeys(const Caller& c) {
  if (auto s = AuthorizeAccount(c, "kms:ListKeys"); !s.ok()) return s;
  auto ids = keys_->KeyIds(c.principal.account_id);
  if (!ids.ok()) return ids.status();
  std::vector<Key> out;
  for (const auto& id : *ids) {
    auto key = Load(id, c.now);
    if (key.ok()) out.push_back(*std::move(key));
    else if (!absl::IsNotFound(key.status())) return key.status();
  }
  return out;
}

// Enabling and disabling are refused while a key waits for deletion or for material.
absl::Status Kms::SetEnabled(const Caller& c, const std::string& ref, bool enabled) {
  return Modify(c, ref, Refs::kKeyOnly, enabled ? "kms:EnableKey" : "kms:DisableKey",
                [enabled](Key& key) {
                  if (key.state == KeyState::kPendingDeletion)
                    return InvalidState(key.Arn() + " is pending deletion.");
                  if (key.state == KeyState::kPendingImport)
                    return InvalidState(key.Arn() + " is pending import.");
                  key.state = enabled ? KeyState::kEnabled : KeyState::kDisabled;
                  return absl::OkStatus();
                })
      .status();
}

absl::StatusOr<Key> Kms::ScheduleKeyDeletion(const Caller& c, const std::string& ref, int days) {
  return Modify(c, ref, Refs::kKeyOnly, "kms:ScheduleKeyDeletion", [&c, days](Key& key) {
    if (key.state == KeyState::kPendingDeletion)
      return InvalidState(key.Arn() + " is pending deletion.");
    key.state = KeyState::kPendingDeletion;
    key.pending_window_days = days;
    key.deletion_date = c.now + absl::Hours(24) * days;
    return absl::OkStatus();
  });
}

absl::StatusOr<Key> Kms::CancelKeyDeletion(const Caller& c, const std::string& ref) {
  return Modify(c, ref, Refs::kKeyOnly, "kms:CancelKeyDeletion", [](Key& key) {
    if (key.state != KeyState::kPendingDeletion)
      return InvalidState(key.Arn() + " is not pending deletion.");
    key.state = key.materials.empty() ? KeyState::kPendingImport : KeyState::kDisabled;
    key.deletion_date = absl::InfinitePast();
    key.pending_window_days = 0;
    return absl::OkStatus();
  });
}

absl::Status Kms::UpdateKeyDescription(const Caller& c, const std::string& ref,
                                       const std::string& description) {
  return Modify(c, ref, Refs::kKeyOnly, "kms:UpdateKeyDescription", [&description](Key& key) {
    if (key.state == KeyState::kPendingDeletion)
      return InvalidState(key.Arn() + " is pending deletion.");
    key.description = description;
    return absl::OkStatus();
  }).status();
}

absl::StatusOr<int> Kms::Sweep(absl::Time now) {
  auto ids = keys_->AllKeyIds();
  if (!ids.ok()) return ids.status();
  int deleted = 0;
  for (const auto& id : *ids) {
    auto key = Load(id, now);
    if (!key.ok() && absl::IsNotFound(key.status())) ++deleted;
    else if (!key.ok()) return key.status();
  }
  return deleted;
}

// --- Aliases ---

absl::Status Kms::CreateAlias(const Caller& c, const std::string& name,
                              const std::string& target) {
  if (auto s = CheckAliasName(name, true); !s.ok()) return s;
  auto lock = keys_->Lock();
  auto key = Resolve(c, target, Refs::kKeyOnly);
  if (!key.ok()) return key.status();
  if (key->account != c.principal.account_id)
    return NotFound("Key '" + key->Arn() + "' does not exist");
  if (auto g = Authorize(c, *key, "kms:CreateAlias"); !g.ok()) return g.status();
  if (key->state == KeyState::kPendingDeletion)
    return InvalidState(key->Arn() + " is pending deletion.");
  auto existing = keys_->GetAlias(c.principal.account_id, name);
  if (!existing.ok()) return existing.status();
  if (*existing)
    return KmsError("AlreadyExistsException",
                    "An alias with the name " + AliasArn(**existing) + " already exists");
  return keys_->PutAlias(Alias{c.principal.account_id, name, key->id, c.now, c.now});
}

absl::StatusOr<Alias> Kms::ExistingAlias(const Caller& c, const std::string& name) {
  auto alias = keys_->GetAlias(c.principal.account_id, name);
  if (!alias.ok()) return alias.status();
  if (!*alias)
    return NotFound("Alias arn:aws:kms:" + region_ + ":" + c.principal.account_id + ":" + name +
                    " is not found.");
  return **alias;
}

absl::Status Kms::UpdateAlias(const Caller& c, const std::string& name,
                              const std::string& target) {
  if (auto s = CheckAliasName(name, false); !s.ok()) return s;
  auto lock = keys_->Lock();
  auto existing = ExistingAlias(c, name);
  if (!existing.ok()) return existing.status();
  auto key = Resolve(c, target, Refs::kKeyOnly);
  if (!key.ok()) return key.status();
  if (key->account != c.principal.account_id)
    return NotFound("Key '" + key->Arn() + "' does not exist");
  if (auto g = Authorize(c, *key, "kms:UpdateAlias"); !g.ok()) return g.status();
  if (auto old = Load(existing->key_id, c.now); old.ok()) {
    if (auto g = Authorize(c, *old, "kms:UpdateAlias"); !g.ok()) return g.status();
  }
  if (key->state == KeyState::kPendingDeletion)
    return InvalidState(key->Arn() + " is pending deletion.");
  Alias a = *existing;
  a.key_id = key->id;
  a.updated = c.now;
  return keys_->PutAlias(a);
}

absl::Status Kms::DeleteAlias(const Caller& c, const std::string& name) {
  if (auto s = CheckAliasName(name, false); !s.ok()) return s;
  auto lock = keys_->Lock();
  auto existing = ExistingAlias(c, name);
  if (!existing.ok()) return existing.status();
  if (auto key = Load(existing->key_id, c.now); key.ok()) {
    if (auto g = Authorize(c, *key, "kms:DeleteAlias"); !g.ok()) return g.status();
  }
  return keys_->DeleteAlias(c.principal.account_id, name);
}

absl::StatusOr<std::vector<Alias>> Kms::ListAliases(const Caller& c,
                                                    const std::optional<std::string>& key_ref) {
  if (auto s = AuthorizeAccount(c, "kms:ListAliases"); !s.ok()) return s;
  std::optional<std::string> key_id;
  if (key_ref) {
    auto key = Resolve(c, *key_ref, Refs::kKeyOnly);
    if (!key.ok()) return key.status();
    key_id = key->id;
  }
  auto aliases = keys_->Aliases(c.principal.account_id);
  if (!aliases.ok()) return aliases.status();
  std::vector<Alias> out;
  bool has_s3 = false;
  for (auto& a : *aliases) {
    has_s3 |= a.name == "alias/aws/s3";
    if (!key_id || a.key_id == *key_id) out.push_back(std::move(a));
  }
  // AWS lists the AWS managed key aliases before their keys exist, without a target.
  if (!has_s3 && !key_id)
    out.push_back(Alias{c.principal.account_id, "alias/aws/s3", "", {}, {}});
  std::sort(out.begin(), out.end(),
            [](const Alias& a, const Alias& b) { return a.name < b.name; });
  return out;
}

// --- Tags ---

absl::Status Kms::TagResource(const Caller& c, const std::string& ref,
                              const std::vector<std::pair<std::string, std::string>>& tags) {
  if (auto s = CheckTags(tags); !s.ok()) return s;
  return Modify(c, ref, Refs::kKeyOnly, "kms:TagResource", [&tags](Key& key) {
    if (key.state == KeyState::kPendingDeletion)
      return InvalidState(key.Arn() + " is pending deletion.");
    for (const auto& [k, v] : tags) {
      auto it = std::find_if(key.tags.begin(), key.tags.end(),
                             [&k](const auto& t) { return t.first == k; });
      if (it != key.tags.end()) it->second = v;
      else key.tags.emplace_back(k, v);
    }
    if (key.tags.size() > 50)
      return LimitExceeded("A KMS key can have at most 50 tags.");
    return absl::OkStatus();
  }).status();
}

absl::Status Kms::UntagResource(const Caller& c, const std::string& ref,
                                const std::vector<std::string>& keys) {
  return Modify(c, ref, Refs::kKeyOnly, "kms:UntagResource", [&keys](Key& key) {
    if (key.state == KeyState::kPendingDeletion)
      return InvalidState(key.Arn() + " is pending deletion.");
    std::erase_if(key.tags, [&keys](const auto& t) {
      return std::find(keys.begin(), keys.end(), t.first) != keys.end();
    });
    return absl::OkStatus();
  }).status();
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Kms::ListResourceTags(
    const Caller& c, const std::string& ref) {
  auto key = Resolve(c, ref, Refs::kKeyOnly);
  if (!key.ok()) return key.status();
  if (auto g = Authorize(c, *key, "kms:ListResourceTags"); !g.ok()) return g.status();
  auto tags = key->tags;
  std::sort(tags.begin(), tags.end());
  return tags;
}

// --- Key policies ---

absl::StatusOr<std::string> Kms::GetKeyPolicy(const Caller& c, const std::string& ref) {
  auto key = Resolve(c, ref, Refs::kKeyOnly);
  if (!key.ok()) return key.status();
  if (auto g = Authorize(c, *key, "kms:GetKeyPolicy"); !g.ok()) return g.status();
  return key->policy;
}

absl::Status Kms::PutKeyPolicy(const Caller& c, const std::string& ref, const std::string& policy,
                               bool bypass_lockout_check) {
  auto fill = [bypass_lockout_check](iam::ConditionContext& ctx) {
    ctx.Set("kms:BypassPolicyLockoutSafetyCheck", bypass_lockout_check ? "true" : "false");
  };
  auto lock = keys_->Lock();
  auto key = Resolve(c, ref, Refs::kKeyOnly);
  if (!key.ok()) return key.status();
  if (auto g = Authorize(c, *key, "kms:PutKeyPolicy", nullptr, fill); !g.ok()) return g.status();
  if (bypass_lockout_check) {
    auto parsed = authorizer_->policies()->Parsed(policy, iam::PolicyKind::kResource);
    if (!parsed.ok())
      return KmsError("MalformedPolicyDocumentException", std::string(parsed.status().message()));
  } else if (auto s = CheckLockout(c, *key, policy); !s.ok()) {
    return s;
  }
  key->policy = policy;
  return keys_->PutKey(*key);
}

absl::Status Kms::ListKeyPolicies(const Caller& c, const std::string& ref) {
  auto key = Resolve(c, ref, Refs::kKeyOnly);
  if (!key.ok()) return key.status();
  return Authorize(c, *key, "kms:ListKeyPolicies").status();
}

}  // namespace coffer::kms
