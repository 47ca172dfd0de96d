#include "app/audit_setup.h"

#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/signing.h"

namespace coffer::app {
namespace {

constexpr char kKeyFile[] = "audit/signing-key.sealed";
constexpr char kAad[] = "coffer audit signing key v1";

SecretBytes SealingKey(const SecretBytes& root_key) {
  std::string k = crypto::HkdfSha256(root_key.view(), "", kAad, crypto::kAeadKeySize);
  SecretBytes key(k);
  WipeString(k);
  return key;
}

}  // namespace

absl::StatusOr<SecretBytes> AuditSigningKey(DataDir& dir, const SecretBytes& root_key,
                                            bool create) {
  if (dir.Exists(kKeyFile)) {
    auto sealed = dir.Read(kKeyFile);
    if (!sealed.ok()) return sealed.status();
    auto pem = crypto::Open(SealingKey(root_key), *sealed, kAad);
    if (!pem.ok()) return absl::DataLossError("the audit signing key does not open with this root key");
    return pem;
  }
  if (!create) return absl::NotFoundError("no audit signing key in this data folder");
  auto pair = crypto::GenerateRsaKey(2048);
  if (!pair.ok()) return pair.status();
  std::string sealed = crypto::Seal(SealingKey(root_key), pair->private_pem.view(), kAad);
  if (auto s = dir.Write(kKeyFile, sealed, /*secret=*/true); !s.ok()) return s;
  return std::move(pair->private_pem);
}

absl::StatusOr<std::unique_ptr<audit::Trail>> OpenAuditTrail(const Flags& flags, Stores& stores,
                                                             const std::string& region) {
  if (flags.Has("no-audit")) return std::unique_ptr<audit::Trail>();
  audit::TrailOptions o;
  o.dir = stores.dir->Path(kAuditDir);
  o.region = region;
  int rotate = 300, retention_days = 90;
  if (auto v = flags.Get("audit-rotate")) rotate = std::atoi(v->c_str());
  if (auto v = flags.Get("audit-retention-days")) retention_days = std::atoi(v->c_str());
  if (rotate <= 0 || retention_days <= 0)
    return absl::InvalidArgumentError(
        "--audit-rotate and --audit-retention-days want positive numbers");
  o.rotate_every = absl::Seconds(rotate);
  o.retention = absl::Hours(24 * retention_days);
  auto key = AuditSigningKey(*stores.dir, stores.root_key, /*create=*/true);
  if (!key.ok()) return key.status();
  return audit::Trail::Open(std::move(o), stores.meta.get(), *std::move(key));
}

}  // namespace coffer::app
