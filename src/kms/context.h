// Encryption context: the non-secret key/value pairs bound to a ciphertext as
// authenticated data. Matching is exact and case-sensitive; the order of pairs does
// not matter. Canonical() encodes a context unambiguously (a pair count, then each
// key and value length-prefixed, keys in byte order), so no two different contexts
// encode alike.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace coffer::kms {

using EncryptionContext = std::map<std::string, std::string>;

std::string Canonical(const EncryptionContext& context);

// Whether `context` has every pair of `subset` (EncryptionContextSubset constraints).
bool Contains(const EncryptionContext& context, const EncryptionContext& subset);

}  // namespace coffer::kms
