#include "s3/names.h"

#include <arpa/inet.h>

#include <algorithm>

#include "base/encoding.h"

namespace coffer::s3 {

bool IsValidNewBucketName(std::string_view n) {
  if (n.size() < 3 || n.size() > 63) return false;
  for (char c : n) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(n.front()) || !alnum(n.back())) return false;
  // Each dot-separated label must start and end with a letter or digit.
  for (std::string_view bad : {"..", ".-", "-."})
    if (n.find(bad) != std::string_view::npos) return false;
  unsigned char buf[4];
  if (inet_pton(AF_INET, std::string(n).c_str(), buf) == 1) return false;
  for (std::string_view p : {"xn--", "sthree-", "amzn-s3-demo-"})
    if (n.starts_with(p)) return false;
  for (std::string_view s : {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"})
    if (n.ends_with(s)) return false;
  return true;
}

bool IsAddressableBucketName(std::string_view n) {
  if (n.size() < 3 || n.size() > 255) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '-' || c == '_';
  });
}

std::optional<Address> ResolveAddress(std::string_view host, std::string_view raw_path,
                                      const std::vector<std::string>& domains) {
  // Strip the port (IPv6 literals are bracketed).
  if (!host.empty() && host.front() == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  std::string lower(host);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

  auto path = UriDecode(raw_path);
  if (!path) return std::nullopt;
  std::string_view p = *path;
  if (!p.empty() && p.front() == '/') p.remove_prefix(1);

  Address a;
  size_t best = 0;
  for (const auto& d : domains) {
    if (lower.size() > d.size() + 1 && lower.ends_with(d) &&
        lower[lower.size() - d.size() - 1] == '.' && d.size() > best) {
      best = d.size();
      a.bucket = lower.substr(0, lower.size() - d.size() - 1);
      a.virtual_host = true;
    }
  }
  if (a.virtual_host) {
    a.key = std::string(p);
    return a;
  }
  size_t slash = p.find('/');
  a.bucket = std::string(p.substr(0, slash));
  if (slash != std::string_view::npos) a.key = std::string(p.substr(slash + 1));
  return a;
}

}  // namespace coffer::s3
