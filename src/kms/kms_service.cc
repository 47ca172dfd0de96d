// The KMS JSON API: input validation and output shapes per operation; the work is
// done by Kms (kms.h).
#include "kms/kms_service.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <set>

#include "absl/strings/numbers.h"

#include "base/encoding.h"
#include "base/json_text.h"
#include "kms/errors.h"
#include "metrics/registry.h"

namespace coffer::kms {
namespace {

using nlohmann::json;

// --- Input ---

absl::Status Serialization(std::string m) { return KmsError("SerializationException", m); }

absl::Status NotNull(const char* member) {
  return Validation(std::string("1 validation error detected: Value null at '") + member +
                    "' failed to satisfy constraint: Member must not be null");
}

// One request's input, read field by field; the first problem is kept in `error`.
class Input {
 public:
  explicit Input(const json& in) : in_(in) {}

  std::optional<std::string> Str(const char* field, const char* member, bool required,
                                 size_t min = 1, size_t max = 2048) {
    if (!in_.contains(field) || in_[field].is_null()) {
      if (required) Fail(NotNull(member));
      return std::nullopt;
    }
    if (!in_[field].is_string()) {
      Fail(Serialization(std::string("Expected a string for ") + field));
      return std::nullopt;
    }
    std::string v = in_[field].get<std::string>();
    if (v.size() < min || v.size() > max) {
      Fail(Validation(std::string("1 validation error detected: Value at '") + member +
                      "' failed to satisfy constraint: Member must have length " +
                      (v.size() < min ? "greater than or equal to " + std::to_string(min)
                                      : "less than or equal to " + std::to_string(max))));
      return std::nullopt;
    }
    return v;
  }

  // A base64 blob field, decoded.
  std::optional<std::string> Blob(const char* field, const char* member, bool required,
                                  size_t max) {
    auto text = Str(field, member, required, 0, max * 2 + 16);
    if (!text) return std::nullopt;
    auto raw = Base64Decode(*text);
    if (!raw) {
      Fail(Serialization(std::string("Invalid base64 in ") + field));
      return std::nullopt;
    }
    if (raw->empty() || raw->size() > max) {
      Fail(Validation(std::string("1 validation error detected: Value at '") + member +
                      "' failed to satisfy constraint: Member must have length " +
                      (raw->empty() ? "greater than or equal to 1"
                                    : "less than or equal to " + std::to_string(max))));
      return std::nullopt;
    }
    return raw;
  }

  std::optional<int64_t> Int(const char* field, const char* member, int64_t min, int64_t max) {
    if (!in_.contains(field) || in_[field].is_null()) return std::nullopt;
    if (!in_[field].is_number_integer()) {
      Fail(Serialization(std::string("Expected an integer for ") + field));
      return std::nullopt;
    }
    int64_t v = in_[field].get<int64_t>();
    if (v < min || v > max) {
      Fail(Validation("1 validation error detected: Value '" + std::to_string(v) + "' at '" +
                      member + "' failed to satisfy constraint: Member must have value " +
                      (v < min ? "greater than or equal to " + std::to_string(min)
                               : "less than or equal to " + std::to_string(max))));
      return std::nullopt;
    }
    return v;
  }

  bool Bool(const char* field) {
    if (!in_.contains(field) || in_[field].is_null()) return false;
    if (!in_[field].is_boolean()) {
      Fail(Serialization(std::string("Expected a boolean for ") + field));
      return false;
    }
    return in_[field].get<bool>();
  }

  std::optional<EncryptionContext> Context(const char* field) {
    if (!in_.contains(field) || in_[field].is_null()) return std::nullopt;
    const json& v = in_[field];
    if (!v.is_object()) {
      Fail(Serialization(std::string("Expected a map for ") + field));
      return std::nullopt;
    }
    EncryptionContext ctx;
    for (const auto& [k, val] : v.items()) {
      if (!val.is_string()) {
        Fail(Serialization(std::string("Expected string values in ") + field));
        return std::nullopt;
      }
      ctx[k] = val.get<std::string>();
    }
    return ctx;
  }

  std::vector<std::string> List(const char* field) {
    std::vector<std::string> out;
    if (!in_.contains(field) || in_[field].is_null()) return out;
    if (!in_[field].is_array()) {
      Fail(Serialization(std::string("Expected a list for ") + field));
      return out;
    }
    for (const auto& e : in_[field]) {
      if (!e.is_string()) {
        Fail(Serialization(std::string("Expected strings in ") + field));
        return {};
      }
      out.push_back(e.get<std::string>());
    }
    return out;
  }

  std::vector<std::pair<std::string, std::string>> Tags(const char* field) {
    std::vector<std::pair<std::string, std::string>> out;
    if (!in_.contains(field) || in_[field].is_null()) return out;
    if (!in_[field].is_array()) {
      Fail(Serialization(std::string("Expected a list for ") + field));
      return out;
    }
    for (const auto& t : in_[field]) {
      if (!t.is_object() || !t.contains("TagKey") || !t["TagKey"].is_string() ||
          !t.contains("TagValue") || !t["TagValue"].is_string()) {
        Fail(Validation("Each tag needs a TagKey and a TagValue."));
        return {};
      }
      out.emplace_back(t["TagKey"].get<std::string>(), t["TagValue"].get<std::string>());
    }
    return out;
  }

  const json& raw() const { return in_; }
  void Fail(absl::Status s) {
    if (error.ok()) error = std::move(s);
  }
  absl::Status error;

 private:
  const json& in_;
};

// --- Output ---

double Epoch(absl::Time t) { return static_cast<double>(absl::ToUnixMillis(t)) / 1000.0; }

json KeyMetadata(const Key& k) {
  json m = {{"AWSAccountId", k.account},
            {"KeyId", k.id},
            {"Arn", k.Arn()},
            {"CreationDate", Epoch(k.created)},
            {"Enabled", k.state == KeyState::kEnabled},
            {"Description", k.description},
            {"KeyUsage", k.usage},
            {"KeyState", StateName(k.state)},
            {"Origin", k.origin},
            {"KeyManager", k.manager},
            {"CustomerMasterKeySpec", k.spec},
            {"KeySpec", k.spec},
            {"EncryptionAlgorithms", json::array({"SYMMETRIC_DEFAULT"})},
            {"MultiRegion", false}};
  if (k.state == KeyState::kPendingDeletion) m["DeletionDate"] = Epoch(k.deletion_date);
  if (k.origin == "EXTERNAL") m["ExpirationModel"] = "KEY_MATERIAL_DOES_NOT_EXPIRE";
  if (!k.materials.empty()) m["CurrentKeyMaterialId"] = HexLower(k.materials.back().id);
  return m;
}

json ContextJson(const EncryptionContext& c) {
  json o = json::object();
  for (const auto& [k, v] : c) o[k] = v;
  return o;
}

json GrantJson(const Grant& g, const std::string& key_arn) {
  json j = {{"KeyId", key_arn},
            {"GrantId", g.grant_id},
            {"CreationDate", Epoch(g.created)},
            {"GranteePrincipal", g.grantee},
            {"IssuingAccount", g.issuing_account},
            {"Operations", g.operations}};
  if (!g.name.empty()) j["Name"] = g.name;
  if (!g.retiring.empty()) j["RetiringPrincipal"] = g.retiring;
  if (g.context_equals || g.context_subset) {
    json c = json::object();
    if (g.context_equals) c["EncryptionContextEquals"] = ContextJson(*g.context_equals);
    if (g.context_subset) c["EncryptionContextSubset"] = ContextJson(*g.context_subset);
    j["Constraints"] = c;
  }
  return j;
}

// Pages a list: Marker is the offset of the next item, as AWS's markers opaque to
// clients. Writes `field`, Truncated and NextMarker into `out`.
absl::Status Page(Input& in, std::vector<json> items, const char* field, int64_t max_limit,
                  json& out) {
  auto limit = in.Int("Limit", "limit", 1, max_limit);
  auto marker = in.Str("Marker", "marker", false, 1, 1024);
  if (!in.error.ok()) return in.error;
  size_t start = 0;
  if (marker) {
    uint64_t v = 0;
    if (!absl::SimpleAtoi(*marker, &v) || v > items.size())
      return KmsError("InvalidMarkerException", "The marker is not valid.");
    start = v;
  }
  size_t n = static_cast<size_t>(limit.value_or(max_limit == 50 ? 50 : 100));
  size_t end = std::min(items.size(), start + n);
  out[field] = json::array();
  for (size_t i = start; i < end; ++i) out[field].push_back(std::move(items[i]));
  out["Truncated"] = end < items.size();
  if (end < items.size()) out["NextMarker"] = std::to_string(end);
  return absl::OkStatus();
}

const std::vector<std::string>& GrantOperations() {
  static const std::vector<std::string> ops = {
      "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
      "ReEncryptFrom", "ReEncryptTo", "Sign", "Verify", "GetPublicKey", "CreateGrant",
      "RetireGrant", "DescribeKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
      "GenerateMac", "VerifyMac", "DeriveSharedSecret"};
  return ops;
}

// --- Operations ---

struct Call {
  Kms& kms;
  Caller& caller;
  Input& in;
};
using Handler = std::function<absl::StatusOr<json>(Call&)>;

#define KEY_ID(var)                                      \
  auto var = c.in.Str("KeyId", "keyId", true);           \
  if (!c.in.error.ok()) return c.in.error;

void ReadCommon(Call& c) {
  c.caller.grant_tokens = c.in.List("GrantTokens");
  c.caller.dry_run = c.in.Bool("DryRun");
}

absl::Status CheckAlgorithm(Input& in, const char* field) {
  auto a = in.Str(field, "encryptionAlgorithm", false, 1, 64);
  if (a && *a != "SYMMETRIC_DEFAULT")
    return KmsError("InvalidKeyUsageException",
                    "The encryption algorithm " + *a + " is not valid for this key.");
  return in.error;
}

absl::StatusOr<json> CreateKey(Call& c) {
  CreateKeyInput k;
  k.description = c.in.Str("Description", "description", false, 0, 8192).value_or("");
  k.policy = c.in.Str("Policy", "policy", false, 1, 32768);
  k.bypass_lockout_check = c.in.Bool("BypassPolicyLockoutSafetyCheck");
  k.usage = c.in.Str("KeyUsage", "keyUsage", false).value_or("ENCRYPT_DECRYPT");
  k.spec = c.in.Str("KeySpec", "keySpec", false)
               .value_or(c.in.Str("CustomerMasterKeySpec", "customerMasterKeySpec", false)
                             .value_or("SYMMETRIC_DEFAULT"));
  k.origin = c.in.Str("Origin", "origin", false).value_or("AWS_KMS");
  k.tags = c.in.Tags("Tags");
  if (c.in.Bool("MultiRegion")) return Unsupported("Coffer does not have multi-Region keys.");
  if (c.in.Str("CustomKeyStoreId", "customKeyStoreId", false))
    return KmsError("CustomKeyStoreNotFoundException", "Coffer has no custom key stores.");
  if (!c.in.error.ok()) return c.in.error;
  auto key = c.kms.CreateKey(c.caller, k);
  if (!key.ok()) return key.status();
  return json{{"KeyMetadata", KeyMetadata(*key)}};
}

absl::StatusOr<json> DescribeKey(Call& c) {
  KEY_ID(id);
  ReadCommon(c);
  auto key = c.kms.DescribeKey(c.caller, *id);
  if (!key.ok()) return key.status();
  return json{{"KeyMetadata", KeyMetadata(*key)}};
}

absl::StatusOr<json> ListKeys(Call& c) {
  auto keys = c.kms.ListKeys(c.caller);
  if (!keys.ok()) return keys.status();
  std::vector<json> items;
  for (const auto& k : *keys) items.push_back({{"KeyId", k.id}, {"KeyArn", k.Arn()}});
  json out = json::object();
  if (auto s = Page(c.in, std::move(items), "Keys", 1000, out); !s.ok()) return s;
  return out;
}

absl::StatusOr<json> EnableKey(Call& c) {
  KEY_ID(id);
  if (auto s = c.kms.EnableKey(c.caller, *id); !s.ok()) return s;
  return json::object();
}

absl::StatusOr<json> DisableKey(Call& c) {
  KEY_ID(id);
  if (auto s = c.kms.DisableKey(c.caller, *id); !s.ok()) return s;
  return json::object();
}

absl::StatusOr<json> ScheduleKeyDeletion(Call& c) {
  KEY_ID(id);
  auto days = c.in.Int("PendingWindowInDays", "pendingWindowInDays", 7, 30);
  if (!c.in.error.ok()) return c.in.error;
  auto key = c.kms.ScheduleKeyDeletion(c.caller, *id, static_cast<int>(days.value_or(30)));
  if (!key.ok()) return key.status();
  return json{{"KeyId", key->Arn()},
              {"DeletionDate", Epoch(key->deletion_date)},
              {"KeyState", StateName(key->state)},
              {"PendingWindowInDays", key->pending_window_days}};
}

absl::StatusOr<json> CancelKeyDeletion(Call& c) {
  KEY_ID(id);
  auto key = c.kms.CancelKeyDeletion(c.caller, *id);
  if (!key.ok()) return key.status();
  return json{{"KeyId", key->Arn()}};
}

absl::StatusOr<json> UpdateKeyDescription(Call& c) {
  KEY_ID(id);
  auto d = c.in.Str("Description", "description", true, 0, 8192);
  if (!c.in.error.ok()) return c.in.error;
  if (auto s = c.kms.UpdateKeyDescription(c.caller, *id, *d); !s.ok()) return s;
  return json::object();
}

absl::StatusOr<json> CreateAlias(Call& c) {
  auto name = c.in.Str("AliasName", "aliasName", true, 1, 256);
  auto target = c.in.Str("TargetKeyId", "targetKeyId", true);
  if (!c.in.error.ok()) return c.in.error;
  if (auto s = c.kms.CreateAlias(c.caller, *name, *target); !s.ok()) return s;
  return json::object();
}

absl::StatusOr<json> UpdateAlias(Call& c) {
  auto name = c.in.Str("AliasName", "aliasName", true, 1, 256);
  auto target = c.in.Str("TargetKeyId", "targetKeyId", true);
  if (!c.in.error.ok()) return c.in.error;
  if (auto s = c.kms.UpdateAlias(c.caller, *name, *target); !s.ok()) return s;
  return json::object();
}

absl::StatusOr<json> DeleteAlias(Call& c) {
  auto name = c.in.Str("AliasName", "aliasName", true, 1, 256);
  if (!c.in.error.ok()) return c.in.error;
  if (auto s = c.kms.DeleteAlias(c.caller, *name); !s.ok()) return s;
  return json::object();
}

absl::StatusOr<json> ListAliases(Call& c) {
  auto id = c.in.Str("KeyId", "keyId", false);
  if (!c.in.error.ok()) return c.in.error;
  auto aliases = c.kms.ListAliases(c.caller, id);
  if (!aliases.ok()) return aliases.status();
  std::vector<json> items;
  for (const auto& a : *aliases) {
    json j = {{"AliasName", a.name}, {"AliasArn", c.kms.AliasArn(a)}};
    if (!a.key_id.empty()) {
      j["TargetKeyId"] = a.key_id;
      j["CreationDate"] = Epoch(a.created);
      j["LastUpdatedDate"] = Epoch(a.updated);
    }
    items.push_back(std::move(j));
  }
  json out = json::object();
  if (auto s = Page(c.in, std::move(items), "Aliases", 100, out); !s.ok()) return s;
  return out;
}

absl::StatusOr<json> TagResource(Call& c) {
  KEY_ID(id);
  auto tags = c.in.Tags("Tags");
  if (!c.in.error.ok()) return c.in.error;
  if (auto s = c.kms.TagResource(c.caller, *id, tags); !s.ok()) return s;
  return json::object();
}

absl::StatusOr<json> UntagResource(Call& c) {
  KEY_ID(id);
  auto keys = c.in.List("TagKeys");
  if (!c.in.error.ok()) return c.in.error;
  if (!c.in.raw().contains("TagKeys")) return NotNull("tagKeys");
  if (auto s = c.kms.UntagResource(c.caller, *id, keys); !s.ok()) return s;
  return json::object();
}

absl::StatusOr<json> ListResourceTags(Call& c) {
  KEY_ID(id);
  auto tags = c.kms.ListResourceTags(c.caller, *id);
  if (!tags.ok()) return tags.status();
  std::vector<json> items;
  for (const auto& [k, v] : *tags) items.push_back({{"TagKey", k}, {"TagValue", v}});
  json out = json::object();
  if (auto s = Page(c.in, std::move(items), "Tags", 50, out); !s.ok()) return s;
  return out;
}

absl::StatusOr<json> Encrypt(Call& c) {
  KEY_ID(id);
  auto plaintext = c.in.Blob("Plaintext", "plaintext", true, 4096);
  auto ctx = c.in.Context("EncryptionContext");
  ReadCommon(c);
  if (auto s = CheckAlgorithm(c.in, "EncryptionAlgorithm"); !s.ok()) return s;
  auto r = c.kms.Encrypt(c.caller, *id, *plaintext, ctx.value_or(EncryptionContext{}));
  WipeString(*plaintext);
  if (!r.ok()) return r.status();
  return json{{"CiphertextBlob", Base64(r->ciphertext)},
              {"KeyId", r->key_arn},
              {"EncryptionAlgorithm", "SYMMETRIC_DEFAULT"}};
}

absl::StatusOr<json> Decrypt(Call& c) {
  auto blob = c.in.Blob("CiphertextBlob", "ciphertextBlob", true, 6144);
  auto id = c.in.Str("KeyId", "keyId", false);
  auto ctx = c.in.Context("EncryptionContext");
  ReadCommon(c);
  if (auto s = CheckAlgorithm(c.in, "EncryptionAlgorithm"); !s.ok()) return s;
  if (c.in.raw().contains("Recipient"))
    return Unsupported("Coffer does not support Nitro Enclaves attestation.");
  auto r = c.kms.Decrypt(c.caller, id, *blob, ctx.value_or(EncryptionContext{}));
  if (!r.ok()) return r.status();
  std::string plain = Base64(r->plaintext.view());
  json out = {{"KeyId", r->key_arn},
              {"Plaintext", plain},
              {"EncryptionAlgorithm", "SYMMETRIC_DEFAULT"}};
  WipeString(plain);
  return out;
}

absl::StatusOr<json> ReEncrypt(Call& c) {
  auto blob = c.in.Blob("CiphertextBlob", "ciphertextBlob", true, 6144);
  auto source = c.in.Str("SourceKeyId", "sourceKeyId", false);
  auto dest = c.in.Str("DestinationKeyId", "destinationKeyId", true);
  auto source_ctx = c.in.Context("SourceEncryptionContext");
  auto dest_ctx = c.in.Context("DestinationEncryptionContext");
  ReadCommon(c);
  if (auto s = CheckAlgorithm(c.in, "SourceEncryptionAlgorithm"); !s.ok()) return s;
  if (auto s = CheckAlgorithm(c.in, "DestinationEncryptionAlgorithm"); !s.ok()) return s;
  auto r = c.kms.ReEncrypt(c.caller, *blob, source, source_ctx.value_or(EncryptionContext{}),
                           *dest, dest_ctx.value_or(EncryptionContext{}));
  if (!r.ok()) return r.status();
  return json{{"CiphertextBlob", Base64(r->ciphertext)},
              {"SourceKeyId", r->source_key_arn},
              {"KeyId", r->key_arn},
              {"SourceEncryptionAlgorithm", "SYMMETRIC_DEFAULT"},
              {"DestinationEncryptionAlgorithm", "SYMMETRIC_DEFAULT"}};
}

absl::StatusOr<json> DataKey(Call& c, bool with_plaintext) {
  KEY_ID(id);
  auto ctx = c.in.Context("EncryptionContext");
  auto bytes = c.in.Int("NumberOfBytes", "numberOfBytes", 1, 1024);
  auto spec = c.in.Str("KeySpec", "keySpec", false);
  ReadCommon(c);
  if (!c.in.error.ok()) return c.in.error;
  if (bytes.has_value() == spec.has_value())
    return Validation("Please specify either number of bytes or key spec.");
  size_t n = 0;
  if (spec) {
    if (*spec == "AES_256") n = 32;
    else if (*spec == "AES_128") n = 16;
    else
      return Validation("1 validation error detected: Value '" + *spec +
                        "' at 'keySpec' failed to satisfy constraint: Member must satisfy enum "
                        "value set: [AES_256, AES_128]");
  } else {
    n = static_cast<size_t>(*bytes);
  }
  auto r = c.kms.GenerateDataKey(c.caller, *id, n, ctx.value_or(EncryptionContext{}),
                                 with_plaintext);
  if (!r.ok()) return r.status();
  json out = {{"CiphertextBlob", Base64(r->ciphertext)}, {"KeyId", r->key_arn}};
  if (with_plaintext) {
    std::string plain = Base64(r->plaintext.view());
    out["Plaintext"] = plain;
    WipeString(plain);
  }
  return out;
}

absl::StatusOr<json> GenerateRandom(Call& c) {
  auto bytes = c.in.Int("NumberOfBytes", "numberOfBytes", 1, 1024);
  if (c.in.Str("CustomKeyStoreId", "customKeyStoreId", false))
    return KmsError("CustomKeyStoreNotFoundException", "Coffer has no custom key stores.");
  if (c.in.raw().contains("Recipient"))
    return Unsupported("Coffer does not support Nitro Enclaves attestation.");
  if (!c.in.error.ok()) return c.in.error;
  if (!bytes) return NotNull("numberOfBytes");
  auto r = c.kms.GenerateRandom(c.caller, static_cast<size_t>(*bytes));
  if (!r.ok()) return r.status();
  return json{{"Plaintext", Base64(*r)}};
}

absl::StatusOr<json> EnableKeyRotation(Call& c) {
  KEY_ID(id);
  auto days = c.in.Int("RotationPeriodInDays", "rotationPeriodInDays", 90, 2560);
  if (!c.in.error.ok()) return c.in.error;
  if (auto s = c.kms.EnableKeyRotation(c.caller, *id, static_cast<int>(days.value_or(365)));
      !s.ok())
    return s;
  return json::object();
}

absl::StatusOr<json> DisableKeyRotation(Call& c) {
  KEY_ID(id);
  if (auto s = c.kms.DisableKeyRotation(c.caller, *id); !s.ok()) return s;
  return json::object();
}

absl::StatusOr<json> GetKeyRotationStatus(Call& c) {
  KEY_ID(id);
  auto r = c.kms.GetKeyRotationStatus(c.caller, *id);
  if (!r.ok()) return r.status();
  json out = {{"KeyRotationEnabled", r->enabled}, {"KeyId", r->key_arn}};
  if (r->enabled) {
    out["RotationPeriodInDays"] = r->period_days;
    out["NextRotationDate"] = Epoch(r->next);
  }
  return out;
}

absl::StatusOr<json> RotateKeyOnDemand(Call& c) {
  KEY_ID(id);
  auto key = c.kms.RotateKeyOnDemand(c.caller, *id);
  if (!key.ok()) return key.status();
  return json{{"KeyId", key->id}};
}

absl::StatusOr<json> ListKeyRotations(Call& c) {
  KEY_ID(id);
  auto key = c.kms.ListKeyRotations(c.caller, *id);
  if (!key.ok()) return key.status();
  std::vector<json> items;
  for (size_t i = 1; i < key->materials.size(); ++i) {
    const Material& m = key->materials[i];
    items.push_back({{"KeyId", key->id},
                     {"KeyMaterialId", HexLower(m.id)},
                     {"RotationDate", Epoch(m.created)},
                     {"RotationType", m.rotation}});
  }
  json out = json::object();
  if (auto s = Page(c.in, std::move(items), "Rotations", 1000, out); !s.ok()) return s;
  return out;
}

absl::Status CheckPolicyName(Input& in) {
  auto name = in.Str("PolicyName", "policyName", false, 1, 128);
  if (!in.error.ok()) return in.error;
  if (name && *name != "default") return NotFound("No such policy exists");
  return absl::OkStatus();
}

absl::StatusOr<json> GetKeyPolicy(Call& c) {
  KEY_ID(id);
  if (auto s = CheckPolicyName(c.in); !s.ok()) return s;
  auto policy = c.kms.GetKeyPolicy(c.caller, *id);
  if (!policy.ok()) return policy.status();
  return json{{"Policy", *policy}, {"PolicyName", "default"}};
}

absl::StatusOr<json> PutKeyPolicy(Call& c) {
  KEY_ID(id);
  auto policy = c.in.Str("Policy", "policy", true, 1, 32768);
  bool bypass = c.in.Bool("BypassPolicyLockoutSafetyCheck");
  if (auto s = CheckPolicyName(c.in); !s.ok()) return s;
  if (auto s = c.kms.PutKeyPolicy(c.caller, *id, *policy, bypass); !s.ok()) return s;
  return json::object();
}

absl::StatusOr<json> ListKeyPolicies(Call& c) {
  KEY_ID(id);
  if (auto s = c.kms.ListKeyPolicies(c.caller, *id); !s.ok()) return s;
  json out = json::object();
  if (auto s = Page(c.in, {json("default")}, "PolicyNames", 1000, out); !s.ok()) return s;
  return out;
}

absl::StatusOr<json> CreateGrant(Call& c) {
  KEY_ID(id);
  GrantInput g;
  g.grantee = c.in.Str("GranteePrincipal", "granteePrincipal", true, 1, 256).value_or("");
  g.retiring = c.in.Str("RetiringPrincipal", "retiringPrincipal", false, 1, 256).value_or("");
  g.name = c.in.Str("Name", "name", false, 1, 256).value_or("");
  g.operations = c.in.List("Operations");
  ReadCommon(c);
  if (c.in.raw().contains("Constraints")) {
    const json& k = c.in.raw()["Constraints"];
    if (!k.is_object()) return Serialization("Expected a structure for Constraints");
    Input constraints(k);
    g.context_equals = constraints.Context("EncryptionContextEquals");
    g.context_subset = constraints.Context("EncryptionContextSubset");
    if (!constraints.error.ok()) return constraints.error;
  }
  if (!c.in.error.ok()) return c.in.error;
  if (!c.in.raw().contains("Operations")) return NotNull("operations");
  if (g.operations.empty())
    return Validation("1 validation error detected: Value '[]' at 'operations' failed to "
                      "satisfy constraint: Member must have length greater than or equal to 1");
  for (const auto& op : g.operations) {
    if (std::find(GrantOperations().begin(), GrantOperations().end(), op) ==
        GrantOperations().end())
      return Validation("1 validation error detected: Value '[" + op +
                        "]' at 'operations' failed to satisfy constraint: Member must satisfy "
                        "constraint: [Member must satisfy enum value set]");
    if ((g.context_equals || g.context_subset) &&
        (op == "Sign" || op == "Verify" || op == "GetPublicKey" || op == "GenerateMac" ||
         op == "VerifyMac" || op == "DeriveSharedSecret"))
      return Validation("Grant constraints are not supported for the " + op + " operation.");
  }
  auto grant = c.kms.CreateGrant(c.caller, *id, std::move(g));
  if (!grant.ok()) return grant.status();
  return json{{"GrantToken", Kms::GrantToken(*grant)}, {"GrantId", grant->grant_id}};
}

absl::StatusOr<json> ListGrants(Call& c) {
  KEY_ID(id);
  auto grant_id = c.in.Str("GrantId", "grantId", false, 1, 128);
  auto grantee = c.in.Str("GranteePrincipal", "granteePrincipal", false, 1, 256);
  if (!c.in.error.ok()) return c.in.error;
  auto grants = c.kms.ListGrants(c.caller, *id);
  if (!grants.ok()) return grants.status();
  auto key = c.kms.DescribeKey(c.caller, *id);
  std::string arn = key.ok() ? key->Arn() : *id;
  std::vector<json> items;
  for (const auto& g : *grants) {
    if (grant_id && g.grant_id != *grant_id) continue;
    if (grantee && g.grantee != *grantee) continue;
    items.push_back(GrantJson(g, arn));
  }
  json out = json::object();
  if (auto s = Page(c.in, std::move(items), "Grants", 100, out); !s.ok()) return s;
  return out;
}

absl::StatusOr<json> ListRetirableGrants(Call& c) {
  auto retiring = c.in.Str("RetiringPrincipal", "retiringPrincipal", true, 1, 256);
  if (!c.in.error.ok()) return c.in.error;
  auto grants = c.kms.ListRetirableGrants(c.caller, *retiring);
  if (!grants.ok()) return grants.status();
  std::vector<json> items;
  for (const auto& g : *grants) {
    items.push_back(GrantJson(g, "arn:aws:kms:" + c.kms.region() + ":" +
                                     g.issuing_account.substr(13, 12) + ":key/" + g.key_id));
  }
  json out = json::object();
  if (auto s = Page(c.in, std::move(items), "Grants", 100, out); !s.ok()) return s;
  return out;
}

absl::StatusOr<json> RetireGrant(Call& c) {
  auto token = c.in.Str("GrantToken", "grantToken", false, 1, 8192);
  auto id = c.in.Str("KeyId", "keyId", false);
  auto grant_id = c.in.Str("GrantId", "grantId", false, 1, 128);
  ReadCommon(c);
  if (!c.in.error.ok()) return c.in.error;
  if (auto s = c.kms.RetireGrant(c.caller, token, id, grant_id); !s.ok()) return s;
  return json::object();
}

absl::StatusOr<json> RevokeGrant(Call& c) {
  KEY_ID(id);
  auto grant_id = c.in.Str("GrantId", "grantId", true, 1, 128);
  ReadCommon(c);
  if (!c.in.error.ok()) return c.in.error;
  if (auto s = c.kms.RevokeGrant(c.caller, *id, *grant_id); !s.ok()) return s;
  return json::object();
}

#undef KEY_ID

const std::map<std::string, Handler>& Handlers() {
  static const std::map<std::string, Handler> handlers = {
      {"CreateKey", CreateKey},
      {"DescribeKey", DescribeKey},
      {"ListKeys", ListKeys},
      {"EnableKey", EnableKey},
      {"DisableKey", DisableKey},
      {"ScheduleKeyDeletion", ScheduleKeyDeletion},
      {"CancelKeyDeletion", CancelKeyDeletion},
      {"UpdateKeyDescription", UpdateKeyDescription},
      {"CreateAlias", CreateAlias},
      {"UpdateAlias", UpdateAlias},
      {"DeleteAlias", DeleteAlias},
      {"ListAliases", ListAliases},
      {"TagResource", TagResource},
      {"UntagResource", UntagResource},
      {"ListResourceTags", ListResourceTags},
      {"Encrypt", Encrypt},
      {"Decrypt", Decrypt},
      {"ReEncrypt", ReEncrypt},
      {"GenerateDataKey", [](Call& c) { return DataKey(c, true); }},
      {"GenerateDataKeyWithoutPlaintext", [](Call& c) { return DataKey(c, false); }},
      {"GenerateRandom", GenerateRandom},
      {"EnableKeyRotation", EnableKeyRotation},
      {"DisableKeyRotation", DisableKeyRotation},
      {"GetKeyRotationStatus", GetKeyRotationStatus},
      {"RotateKeyOnDemand", RotateKeyOnDemand},
      {"ListKeyRotations", ListKeyRotations},
      {"GetKeyPolicy", GetKeyPolicy},
      {"PutKeyPolicy", PutKeyPolicy},
      {"ListKeyPolicies", ListKeyPolicies},
      {"CreateGrant", CreateGrant},
      {"ListGrants", ListGrants},
      {"ListRetirableGrants", ListRetirableGrants},
      {"RetireGrant", RetireGrant},
      {"RevokeGrant", RevokeGrant},
  };
  return handlers;
}

KmsService::Reply ErrorReply(const absl::Status& s) {
  std::string code = KmsCodeOf(s);
  std::string message(s.message());
  if (code == "KMSInternalException") message = "An internal error occurred.";
  if (message.empty()) message = code;
  // Messages may quote what a request sent; JsonText replaces bytes that are not UTF-8.
  return {KmsHttpStatus(code), JsonText(json{{"__type", code}, {"message", message}})};
}

KmsService::Reply ErrorReply(const std::string& code, const std::string& message) {
  return ErrorReply(KmsError(code, message));
}

http::Task<void> Send(http::Exchange& exchange, const KmsService::Reply& reply) {
  co_await gateway::SendJson(exchange, reply.status, reply.body);
}

}  // namespace

std::vector<std::string> KmsService::Operations() {
  std::vector<std::string> out;
  for (const auto& [name, h] : Handlers()) out.push_back(name);
  return out;
}

KmsService::KmsService(Kms* kms, RateLimiter limiter) : kms_(kms), limiter_(std::move(limiter)) {
  metrics::Global().Declare("coffer_kms_calls_total", metrics::Type::kCounter,
                            "KMS operations run, by operation and by caller: direct (the KMS "
                            "API) or s3 (on a requester's behalf, kms:ViaService).");
}

namespace {

// What never goes into an audit record (grant tokens confer permissions).
const std::vector<std::string> kSecretFields = {
    "Plaintext", "CiphertextBlob", "PrivateKeyPlaintext", "PrivateKeyCiphertextBlob",
    "SharedSecret", "Mac", "Signature", "GrantToken", "GrantTokens"};

bool ReadOnly(const std::string& op) {
  static const std::set<std::string> kReadOnly = {
      "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
      "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "GenerateRandom",
      "ReEncrypt", "Sign", "Verify", "GenerateMac", "VerifyMac", "DeriveSharedSecret"};
  return kReadOnly.count(op) || op.starts_with("Describe") || op.starts_with("List") ||
         op.starts_with("Get");
}

// The key an answer or a request names, as an ARN, if any.
std::string KeyArnOf(const json& in, const json& out) {
  for (const json* j : {&out, &in}) {
    if (!j->is_object()) continue;
    if (j->contains("KeyMetadata") && (*j)["KeyMetadata"].contains("Arn"))
      return (*j)["KeyMetadata"]["Arn"];
    for (const char* field : {"KeyId", "DestinationKeyId", "TargetKeyId"}) {
      if (j->contains(field) && (*j)[field].is_string() &&
          (*j)[field].get<std::string>().starts_with("arn:aws:kms:") &&
          (*j)[field].get<std::string>().find(":key/") != std::string::npos)
        return (*j)[field];
    }
  }
  return "";
}

// Data keys, random bytes and private keys leave in the reply's text; the tree's copies
// are wiped before it is freed (the text is wiped once sent, by Handle).
void WipePlaintext(json& out) {
  for (const char* field : {"Plaintext", "PrivateKeyPlaintext", "SharedSecret"}) {
    auto it = out.find(field);
    if (it != out.end() && it->is_string()) WipeString(it->get_ref<std::string&>());
  }
}

void Outcome(audit::Event* event, const KmsService::Reply& reply) {
  if (!event || reply.status == 200) return;
  json e = ParseJson(reply.body);
  if (!e.is_object()) return;
  event->error_code = e.value("__type", "");
  event->error_message = e.value("message", "");
}

}  // namespace

KmsService::Reply KmsService::Run(const std::string& operation, const std::string& body,
                                  Caller caller, audit::Event* event) {
  auto it = Handlers().find(operation);
  if (it == Handlers().end())
    return ErrorReply("UnknownOperationException", "Unknown operation " + operation);
  Reply reply;
  json in = body.empty() ? json::object() : ParseJson(body);
  if (!limiter_.Allow(caller.principal.account_id, RateLimiter::FamilyOf(operation), caller.now)) {
    reply = ErrorReply("ThrottlingException",
                       "You have exceeded the rate at which you may call KMS. Reduce the "
                       "frequency of your calls.");
  } else if (in.is_discarded() || !in.is_object()) {
    reply = ErrorReply("SerializationException", "The request body is not a JSON object.");
  } else {
    Input input(in);
    Call call{*kms_, caller, input};
    auto out = it->second(call);
    reply = out.ok() ? Reply{200, JsonText(*out)} : ErrorReply(out.status());
    if (out.ok()) WipePlaintext(*out);
    if (event && out.ok()) {
      if (!ReadOnly(operation)) event->response_elements = audit::ApiParameters(*out, kSecretFields);
      if (std::string arn = KeyArnOf(in, *out); !arn.empty()) {
        event->resources.push_back(audit::KmsKeyResource(arn));
        event->recipient_account = event->resources.back().account_id;
      }
    }
  }
  if (event) {
    event->read_only = ReadOnly(operation);
    if (in.is_object()) event->request_parameters = audit::ApiParameters(in, kSecretFields);
    if (in.is_object() && event->resources.empty()) {
      if (std::string arn = KeyArnOf(in, json()); !arn.empty())
        event->resources.push_back(audit::KmsKeyResource(arn));
    }
    Outcome(event, reply);
  }
  return reply;
}

// The answer is built synchronously and sent from one place (GCC 12 mishandles
// temporaries inside co_await expressions).
http::Task<void> KmsService::Handle(gateway::ApiRequest& request) {
  auto body = co_await gateway::ReadWholeBody(request, 1 << 20);
  Reply reply;
  const std::string target = request.signable.Header("x-amz-target");
  if (!body) {
    reply = ErrorReply("SerializationException", "The request body could not be read.");
  } else if (!request.principal) {
    reply = ErrorReply("MissingAuthenticationTokenException",
                       "Request is missing Authentication Token");
  } else if (!target.starts_with("TrentService.")) {
    reply = ErrorReply("UnknownOperationException", "Unknown operation " + target);
  } else {
    Caller caller;
    caller.principal = *request.principal;
    caller.now = request.received;
    caller.source_ip = request.exchange.remote_ip();
    caller.secure = request.exchange.secure();
    const std::string operation = target.substr(13);
    if (Handlers().count(operation)) {
      request.exchange.set_operation(operation);
      metrics::Global().Add("coffer_kms_calls_total",
                            {{"operation", operation}, {"caller", "direct"}});
    }
    if (trail_ && Handlers().count(operation)) {
      audit::Event event =
          gateway::AuditEventFor(request, "kms.amazonaws.com", operation, kms_->region());
      reply = Run(operation, *body, std::move(caller), &event);
      trail_->Record(std::move(event));
    } else {
      reply = Run(operation, *body, std::move(caller));
    }
    WipeString(*body);
  }
  co_await Send(request.exchange, reply);
  WipeString(reply.body);
}

http::Task<void> KmsService::Reject(http::Exchange& exchange, const auth::SignableRequest&,
                                    const auth::Error& error) {
  gateway::JsonError e = gateway::JsonAuthError(error);
  Reply reply = ErrorReply(e.type, e.message);
  co_await Send(exchange, reply);
}

http::Task<void> KmsService::Fail(http::Exchange& exchange, const absl::Status& status) {
  Reply reply = ErrorReply(status);
  co_await Send(exchange, reply);
}

}  // namespace coffer::kms
