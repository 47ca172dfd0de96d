#include "kms/context.h"

#include "base/codec.h"

namespace coffer::kms {

std::string Canonical(const EncryptionContext& context) {
  Encoder e;
  e.Varint(context.size());
  for (const auto& [k, v] : context) e.Str(k).Str(v);
  return e.Take();
}

bool Contains(const EncryptionContext& context, const EncryptionContext& subset) {
  for (const auto& [k, v] : subset) {
    auto it = context.find(k);
    if (it == context.end() || it->second != v) return false;
  }
  return true;
}

}  // namespace coffer::kms
