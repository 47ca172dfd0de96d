// Kms: Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateRandom and rotation.
#include "base/encoding.h"
#include "base/ids.h"
#include "kms/ciphertext.h"
#include "kms/errors.h"
#include "kms/kms.h"

namespace coffer::kms {
namespace {

constexpr int kMaxOnDemandRotations = 25;

// The key state table for cryptographic operations.
absl::Status UsableForCrypto(const Key& key) {
  switch (key.state) {
    case KeyState::kEnabled: break;
    case KeyState::kDisabled: return Disabled(key.Arn() + " is disabled.");
    case KeyState::kPendingDeletion: return InvalidState(key.Arn() + " is pending deletion.");
    case KeyState::kPendingImport: return InvalidState(key.Arn() + " is pending import.");
  }
  if (key.usage != "ENCRYPT_DECRYPT")
    return KmsError("InvalidKeyUsageException",
                    "KeyUsage " + key.usage + " is not compatible with this operation.");
  return absl::OkStatus();
}

// The key state table for rotation changes.
absl::Status RotatableState(const Key& key) {
  if (key.state == KeyState::kDisabled) return Disabled(key.Arn() + " is disabled.");
  if (key.state == KeyState::kPendingDeletion)
    return InvalidState(key.Arn() + " is pending deletion.");
  if (key.state == KeyState::kPendingImport || key.origin == "EXTERNAL")
    return Unsupported(key.Arn() + " has imported key material, which Coffer does not rotate.");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SecretBytes> Kms::MaterialFor(const Key& key, const std::string& material_id) {
  for (const auto& m : key.materials) {
    if (m.id == material_id) {
      auto material = keys_->Unseal(key.id, m);
      if (!material.ok()) return KmsError("KMSInternalException", "Key material is unreadable.");
      return material;
    }
  }
  return InvalidCiphertext();
}

absl::StatusOr<KeyRef> Kms::KeyOfBlob(const Caller& c, const BlobHeader& header,
                                       const std::optional<std::string>& ref) {
  if (!ref) return LoadRef(header.key_id, c.now);
  auto key = ResolveRef(c, *ref, Refs::kAliasToo);
  if (!key.ok()) return key.status();
  if ((*key)->id != header.key_id)
    return KmsError("IncorrectKeyException",
                    "The key ID in the request does not identify a CMK that can perform this "
                    "operation.");
  return key;
}

absl::StatusOr<CryptoResult> Kms::Encrypt(const Caller& c, const std::string& ref,
                                          std::string_view plaintext,
                                          const EncryptionContext& ctx) {
  if (auto s = CheckGrantTokens(c); !s.ok()) return s;
  auto found = ResolveRef(c, ref, Refs::kAliasToo);
  if (!found.ok()) return found.status();
  const Key& key = **found;
  if (auto g = Authorize(c, key, "kms:Encrypt", &ctx); !g.ok()) return g.status();
  if (auto s = UsableForCrypto(key); !s.ok()) return s;
  const Material& current = key.materials.back();
  auto material = MaterialFor(key, current.id);
  if (!material.ok()) return material.status();
  CryptoResult r;
  r.key_arn = key.Arn();
  r.ciphertext = SealBlob({key.id, current.id}, *material, plaintext, ctx);
  return r;
}

absl::StatusOr<CryptoResult> Kms::Decrypt(const Caller& c, const std::optional<std::string>& ref,
                                          std::string_view blob, const EncryptionContext& ctx) {
  if (auto s = CheckGrantTokens(c); !s.ok()) return s;
  auto header = ParseBlobHeader(blob);
  if (!header.ok()) return header.status();
  auto found = KeyOfBlob(c, *header, ref);
  if (!found.ok()) return found.status();
  const Key& key = **found;
  if (auto g = Authorize(c, key, "kms:Decrypt", &ctx); !g.ok()) return g.status();
  if (auto s = UsableForCrypto(key); !s.ok()) return s;
  auto material = MaterialFor(key, header->material_id);
  if (!material.ok()) return material.status();
  auto plain = OpenBlob(blob, *material, ctx);
  if (!plain.ok()) return plain.status();
  CryptoResult r;
  r.key_arn = key.Arn();
  r.plaintext = *std::move(plain);
  return r;
}

absl::StatusOr<CryptoResult> Kms::ReEncrypt(const Caller& c, std::string_view blob,
                                            const std::optional<std::string>& source_ref,
                                            const EncryptionContext& source_ctx,
                                            const std::string& dest_ref,
                                            const EncryptionContext& dest_ctx) {
  if (auto s = CheckGrantTokens(c); !s.ok()) return s;
  auto header = ParseBlobHeader(blob);
  if (!header.ok()) return header.status();
  auto found_source = KeyOfBlob(c, *header, source_ref);
  if (!found_source.ok()) return found_source.status();
  const Key& source = **found_source;
  auto found_dest = ResolveRef(c, dest_ref, Refs::kAliasToo);
  if (!found_dest.ok()) return found_dest.status();
  const Key& dest = **found_dest;
  if (auto g = Authorize(c, source, "kms:ReEncryptFrom", &source_ctx); !g.ok())
    return g.status();
  if (auto g = Authorize(c, dest, "kms:ReEncryptTo", &dest_ctx); !g.ok()) return g.status();
  if (auto s = UsableForCrypto(source); !s.ok()) return s;
  if (auto s = UsableForCrypto(dest); !s.ok()) return s;
  auto material = MaterialFor(source, header->material_id);
  if (!material.ok()) return material.status();
  auto plain = OpenBlob(blob, *material, source_ctx);
  if (!plain.ok()) return plain.status();
  const Material& current = dest.materials.back();
  auto dest_material = MaterialFor(dest, current.id);
  if (!dest_material.ok()) return dest_material.status();
  CryptoResult r;
  r.source_key_arn = source.Arn();
  r.key_arn = dest.Arn();
  r.ciphertext = SealBlob({dest.id, current.id}, *dest_material, plain->view(), dest_ctx);
  return r;
}

absl::StatusOr<CryptoResult> Kms::GenerateDataKey(const Caller& c, const std::string& ref,
                                                  size_t bytes, const EncryptionContext& ctx,
                                                  bool with_plaintext) {
  if (auto s = CheckGrantTokens(c); !s.ok()) return s;
  auto found = ResolveRef(c, ref, Refs::kAliasToo);
  if (!found.ok()) return found.status();
  const Key& key = **found;
  const std::string action =
      with_plaintext ? "kms:GenerateDataKey" : "kms:GenerateDataKeyWithoutPlaintext";
  if (auto g = Authorize(c, key, action, &ctx); !g.ok()) return g.status();
  if (auto s = UsableForCrypto(key); !s.ok()) return s;
  const Material& current = key.materials.back();
  auto material = MaterialFor(key, current.id);
  if (!material.ok()) return material.status();
  SecretBytes data_key = RandomSecret(bytes);
  CryptoResult r;
  r.key_arn = key.Arn();
  r.ciphertext = SealBlob({key.id, current.id}, *material, data_key.view(), ctx);
  if (with_plaintext) r.plaintext = std::move(data_key);
  return r;
}

absl::StatusOr<std::string> Kms::GenerateRandom(const Caller& c, size_t bytes) {
  if (auto s = AuthorizeAccount(c, "kms:GenerateRandom"); !s.ok()) return s;
  return RandomBytes(bytes);
}

// --- Rotation ---

absl::Status Kms::EnableKeyRotation(const Caller& c, const std::string& ref, int period_days) {
  return Modify(c, ref, Refs::kKeyOnly, "kms:EnableKeyRotation", [&c, period_days](Key& key) {
    if (auto s = RotatableState(key); !s.ok()) return s;
    absl::Time last = key.materials.back().created;
    absl::Time next = key.rotation_enabled ? last + absl::Hours(24) * period_days
                                           : c.now + absl::Hours(24) * period_days;
    key.rotation_enabled = true;
    key.rotation_period_days = period_days;
    key.next_rotation = std::max(next, c.now);
    return absl::OkStatus();
  }).status();
}

absl::Status Kms::DisableKeyRotation(const Caller& c, const std::string& ref) {
  return Modify(c, ref, Refs::kKeyOnly, "kms:DisableKeyRotation", [](Key& key) {
    if (auto s = RotatableState(key); !s.ok()) return s;
    key.rotation_enabled = false;
    key.next_rotation = absl::InfinitePast();
    return absl::OkStatus();
  }).status();
}

absl::StatusOr<RotationStatus> Kms::GetKeyRotationStatus(const Caller& c,
                                                         const std::string& ref) {
  auto key = Resolve(c, ref, Refs::kKeyOnly);
  if (!key.ok()) return key.status();
  if (auto g = Authorize(c, *key, "kms:GetKeyRotationStatus"); !g.ok()) return g.status();
  RotationStatus s;
  s.key_arn = key->Arn();
  s.enabled = key->rotation_enabled;
  s.period_days = key->rotation_enabled ? key->rotation_period_days : 0;
  s.next = key->next_rotation;
  return s;
}

absl::StatusOr<Key> Kms::RotateKeyOnDemand(const Caller& c, const std::string& ref) {
  return Modify(c, ref, Refs::kKeyOnly, "kms:RotateKeyOnDemand", [this, &c](Key& key) {
    if (auto s = RotatableState(key); !s.ok()) return s;
    int on_demand = 0;
    for (const auto& m : key.materials) on_demand += m.rotation == "ON_DEMAND";
    if (on_demand >= kMaxOnDemandRotations)
      return LimitExceeded("The key has reached the limit of " +
                           std::to_string(kMaxOnDemandRotations) + " on-demand rotations.");
    key.materials.push_back(keys_->NewMaterial(key.id, "ON_DEMAND", c.now));
    return absl::OkStatus();
  });
}

absl::StatusOr<Key> Kms::ListKeyRotations(const Caller& c, const std::string& ref) {
  auto key = Resolve(c, ref, Refs::kKeyOnly);
  if (!key.ok()) return key.status();
  if (auto g = Authorize(c, *key, "kms:ListKeyRotations"); !g.ok()) return g.status();
  if (key->origin == "EXTERNAL")
    return Unsupported(key->Arn() + " has imported key material.");
  return key;
}

}  // namespace coffer::kms
