// S3 naming rules and request addressing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coffer::s3 {

// AWS's rules for new bucket names (general purpose buckets).
bool IsValidNewBucketName(std::string_view name);
// The looser form AWS still accepts when addressing an existing bucket.
bool IsAddressableBucketName(std::string_view name);

// Where a request points: bucket and key, both decoded; empty when absent.
struct Address {
  std::string bucket;
  std::string key;
  bool virtual_host = false;
};

// Virtual-hosted style when the Host header is "<bucket>.<domain>" for one of
// `domains` (longest match wins); path style otherwise. nullopt when the path has a
// bad percent-escape.
std::optional<Address> ResolveAddress(std::string_view host, std::string_view raw_path,
                                      const std::vector<std::string>& domains);

}  // namespace coffer::s3
