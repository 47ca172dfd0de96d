// Kms: grants. A grant lets its grantee principal perform some operations with one
// key, optionally only with an encryption context equal to, or containing, given
// pairs. Grants take effect at once; grant tokens are accepted and checked for form.
#include <algorithm>

#include "absl/strings/match.h"
#include "base/encoding.h"
#include "base/ids.h"
#include "kms/errors.h"
#include "kms/kms.h"

namespace coffer::kms {
namespace {

constexpr char kTokenPrefix[] = "cgt1";

// Whether `ctx` has every pair of `pairs`, keys compared without case and values
// exactly: AWS matches grant constraints so.
bool HasPairs(const EncryptionContext& ctx, const EncryptionContext& pairs) {
  for (const auto& [k, v] : pairs) {
    bool found = false;
    for (const auto& [ck, cv] : ctx) found |= cv == v && absl::EqualsIgnoreCase(ck, k);
    if (!found) return false;
  }
  return true;
}

// Constraints apply only to operations that take an encryption context (`ctx` set);
// DescribeKey and CreateGrant are allowed whatever they are (CreateGrant then checks
// that the new grant is at least as strict).
bool Holds(const Grant& g, const EncryptionContext* ctx) {
  if (!g.context_equals && !g.context_subset) return true;
  if (!ctx) return true;
  if (g.context_equals &&
      (ctx->size() != g.context_equals->size() || !HasPairs(*ctx, *g.context_equals)))
    return false;
  if (g.context_subset && !HasPairs(*ctx, *g.context_subset)) return false;
  return true;
}

bool SameSettings(const Grant& g, const GrantInput& in) {
  auto a = g.operations, b = in.operations;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return g.grantee == in.grantee && g.retiring == in.retiring && a == b &&
         g.context_equals == in.context_equals && g.context_subset == in.context_subset;
}

bool Has(const std::vector<std::string>& ops, const std::string& op) {
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

}  // namespace

std::string Kms::GrantToken(const Grant& g) {
  return Base64(kTokenPrefix + HexDecode(g.grant_id).value_or(""));
}

absl::Status Kms::CheckGrantTokens(const Caller& c) const {
  for (const auto& token : c.grant_tokens) {
    auto raw = Base64Decode(token);
    if (!raw || raw->size() != 4 + 32 || !raw->starts_with(kTokenPrefix))
      return KmsError("InvalidGrantTokenException", "Invalid grant token.");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Grant>> Kms::GrantFor(const Caller& c, const Key& key,
                                                   const std::string& operation,
                                                   const EncryptionContext* ctx) {
  auto grants = keys_->Grants(key.id);
  if (!grants.ok()) return grants.status();
  const std::string arn = c.principal.Arn(), role = c.principal.RoleArn();
  for (auto& g : *grants) {
    bool grantee = g.grantee == arn || (!role.empty() && g.grantee == role);
    if (grantee && Has(g.operations, operation) && Holds(g, ctx))
      return std::optional<Grant>(std::move(g));
  }
  return std::optional<Grant>();
}

absl::StatusOr<Grant> Kms::CreateGrant(const Caller& c, const std::string& ref, GrantInput in) {
  if (auto s = CheckGrantTokens(c); !s.ok()) return s;
  auto fill = [&in, &c](iam::ConditionContext& ctx) {
    for (const auto& op : in.operations) ctx.Add("kms:GrantOperations", op);
    ctx.Set("kms:GranteePrincipal", in.grantee);
    if (!in.retiring.empty()) ctx.Set("kms:RetiringPrincipal", in.retiring);
    if (in.context_equals) ctx.Set("kms:GrantConstraintType", "EncryptionContextEquals");
    if (in.context_subset) ctx.Set("kms:GrantConstraintType", "EncryptionContextSubset");
    ctx.Set("kms:GrantIsForAWSResource", c.via_service.empty() ? "false" : "true");
  };
  auto lock = keys_->Lock();
  auto key = Resolve(c, ref, Refs::kKeyOnly);
  if (!key.ok()) return key.status();
  auto parent = Authorize(c, *key, "kms:CreateGrant", nullptr, fill);
  if (!parent.ok()) return parent.status();
  if (*parent) {
    // A grant that allows CreateGrant only passes on what it has, as strictly.
    const Grant& p = **parent;
    for (const auto& op : in.operations)
      if (!Has(p.operations, op))
        return AccessDenied("The grant used does not allow granting " + op + ".");
    if ((p.context_equals && in.context_equals != p.context_equals) ||
        (p.context_subset && (!in.context_subset || !Contains(*in.context_subset,
                                                              *p.context_subset))))
      return AccessDenied("The new grant's constraints must be at least those of the grant used.");
  }
  if (key->state == KeyState::kDisabled) return Disabled(key->Arn() + " is disabled.");
  if (key->state != KeyState::kEnabled)
    return InvalidState(key->Arn() + " is " +
                        (key->state == KeyState::kPendingImport ? "pending import."
                                                                : "pending deletion."));
  auto existing = keys_->Grants(key->id);
  if (!existing.ok()) return existing.status();
  if (!in.name.empty()) {
    for (const auto& g : *existing)
      if (g.name == in.name && SameSettings(g, in)) return g;
  }
  if (existing->size() >= 50000)
    return LimitExceeded("The key has reached the limit of 50000 grants.");
  Grant g;
  g.key_id = key->id;
  g.grant_id = HexLower(RandomBytes(32));
  g.name = std::move(in.name);
  g.grantee = std::move(in.grantee);
  g.retiring = std::move(in.retiring);
  g.issuing_account = "arn:aws:iam::" + c.principal.account_id + ":root";
  g.operations = std::move(in.operations);
  g.context_equals = std::move(in.context_equals);
  g.context_subset = std::move(in.context_subset);
  g.created = c.now;
  if (auto s = keys_->PutGrant(g); !s.ok()) return s;
  return g;
}

absl::StatusOr<std::vector<Grant>> Kms::ListGrants(const Caller& c, const std::string& ref) {
  auto key = Resolve(c, ref, Refs::kKeyOnly);
  if (!key.ok()) return key.status();
  if (auto g = Authorize(c, *key, "kms:ListGrants"); !g.ok()) return g.status();
  auto grants = keys_->Grants(key->id);
  if (!grants.ok()) return grants.status();
  std::sort(grants->begin(), grants->end(),
            [](const Grant& a, const Grant& b) { return a.grant_id < b.grant_id; });
  return grants;
}

absl::StatusOr<std::vector<Grant>> Kms::ListRetirableGrants(const Caller& c,
                                                            const std::string& retiring) {
  if (auto s = AuthorizeAccount(c, "kms:ListRetirableGrants"); !s.ok()) return s;
  auto all = keys_->AllGrants();
  if (!all.ok()) return all.status();
  std::vector<Grant> out;
  for (auto& g : *all)
    if (g.retiring == retiring) out.push_back(std::move(g));
  return out;
}

absl::Status Kms::RetireGrant(const Caller& c, const std::optional<std::string>& token,
                              const std::optional<std::string>& ref,
                              const std::optional<std::string>& grant_id) {
  std::string id;
  if (token) {
    Caller check = c;
    check.grant_tokens = {*token};
    if (auto s = CheckGrantTokens(check); !s.ok()) return s;
    id = HexLower(Base64Decode(*token)->substr(4));
  } else if (ref && grant_id) {
    id = *grant_id;
  } else {
    return Validation("Either GrantToken, or both KeyId and GrantId, must be given.");
  }
  auto lock = keys_->Lock();
  auto grant = keys_->GetGrant(id);
  if (!grant.ok()) return grant.status();
  if (!*grant) return NotFound("Grant ID " + id + " not found");
  if (ref) {
    auto key = Resolve(c, *ref, Refs::kKeyOnly);
    if (!key.ok()) return key.status();
    if (key->id != (*grant)->key_id) return NotFound("Grant ID " + id + " not found");
  }
  const Grant& g = **grant;
  const std::string arn = c.principal.Arn(), role = c.principal.RoleArn();
  auto is = [&](const std::string& p) { return !p.empty() && (p == arn || p == role); };
  bool allowed = is(g.retiring) || (is(g.grantee) && Has(g.operations, "RetireGrant")) ||
                 (c.principal.is_root() &&
                  g.issuing_account == "arn:aws:iam::" + c.principal.account_id + ":root");
  if (!allowed)
    return AccessDenied("User: " + arn + " is not authorized to perform: kms:RetireGrant on "
                        "grant " + id);
  if (c.dry_run)
    return KmsError("DryRunOperationException",
                    "The request would have succeeded, but the DryRun option is set.");
  return keys_->DeleteGrant(g);
}

absl::Status Kms::RevokeGrant(const Caller& c, const std::string& ref,
                              const std::string& grant_id) {
  auto lock = keys_->Lock();
  auto key = Resolve(c, ref, Refs::kKeyOnly);
  if (!key.ok()) return key.status();
  if (auto g = Authorize(c, *key, "kms:RevokeGrant"); !g.ok()) return g.status();
  auto grant = keys_->GetGrant(grant_id);
  if (!grant.ok()) return grant.status();
  if (!*grant || (*grant)->key_id != key->id)
    return NotFound("Grant ID " + grant_id + " not found");
  return keys_->DeleteGrant(**grant);
}

}  // namespace coffer::kms
