// Random bytes and identifiers. All draw from OpenSSL's CSPRNG (through a small
// per-thread buffer, emptied at fork; keys from its private generator), except request
// and host ids, which are unique labels (a per-thread random start and a counter).
#pragma once

#include <string>

#include "base/secret.h"

namespace coffer {

std::string RandomBytes(size_t n);
// Random key material, never held in an unwiped buffer.
SecretBytes RandomSecret(size_t n);
// 16 upper-case hex characters, like S3's x-amz-request-id.
std::string NewRequestId();
// Base64 of 32 random bytes, like S3's x-amz-id-2.
std::string NewHostId();
// 32 lower-case hex characters (128 bits): blob ids, upload ids, version ids.
std::string NewUniqueId();
// A random (version 4) UUID in its 36-character form, like CloudTrail's event ids.
std::string NewUuid();

}  // namespace coffer
