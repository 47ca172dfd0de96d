// The audit trail's place in the data folder:
//   audit/logs/, audit/digests/   the trail (audit/trail.h)
//   audit/signing-key.sealed      its RSA signing key, sealed under the root key
// The key is made on first start; `coffer admin validate-logs` opens it with the root
// key to get the public key, so replacing the key file cannot make forged digests pass.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "app/bootstrap.h"
#include "app/data_dir.h"
#include "app/flags.h"
#include "audit/trail.h"
#include "base/secret.h"

namespace coffer::app {

inline constexpr char kAuditDir[] = "audit";

// The trail `coffer server` runs, from its flags (--audit-rotate SECONDS,
// --audit-retention-days N); nullptr with --no-audit.
absl::StatusOr<std::unique_ptr<audit::Trail>> OpenAuditTrail(const Flags& flags, Stores& stores,
                                                             const std::string& region);

// The private key (PEM), created when missing.
absl::StatusOr<SecretBytes> AuditSigningKey(DataDir& dir, const SecretBytes& root_key,
                                            bool create);

}  // namespace coffer::app
