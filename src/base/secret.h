// SecretBytes: key material and other secrets held in memory.
//
// The bytes are wiped with OPENSSL_cleanse when the object is destroyed or reassigned.
// There is deliberately no operator<<, no implicit conversion to string and no debug
// printing: reading the bytes means calling view()/data(), which is easy to grep for.
// Not thread-safe; move it, copying is explicit through Copy().
#pragma once

#include <openssl/crypto.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace coffer {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t n) : bytes_(n) {}
  explicit SecretBytes(std::string_view v) : bytes_(v.begin(), v.end()) {}
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& o) noexcept : bytes_(std::move(o.bytes_)) {}
  SecretBytes& operator=(SecretBytes&& o) noexcept {
    if (this != &o) {
      Wipe();
      bytes_ = std::move(o.bytes_);
    }
    return *this;
  }
  ~SecretBytes() { Wipe(); }

  SecretBytes Copy() const { return SecretBytes(view()); }

  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }

 private:
  void Wipe() {
    if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
    bytes_.clear();
  }
  std::vector<uint8_t> bytes_;
};

// Overwrites a std::string's buffer before it is released (for secrets that had to
// pass through a string, e.g. a parsed header).
inline void WipeString(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

}  // namespace coffer
