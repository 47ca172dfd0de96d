// Command-line parsing for the coffer binary: "--name value", "--name=value" and
// boolean "--name" flags, with repeated flags collected in order.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace coffer::app {

class Flags {
 public:
  // `booleans` names the flags that take no value. Unknown flags are errors.
  static absl::StatusOr<Flags> Parse(const std::vector<std::string>& args,
                                     const std::set<std::string>& known,
                                     const std::set<std::string>& booleans);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> Get(const std::string& name) const;
  std::string GetOr(const std::string& name, const std::string& fallback) const {
    return Get(name).value_or(fallback);
  }
  std::vector<std::string> GetAll(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::multimap<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

struct HostPort {
  std::string host;
  uint16_t port = 0;
};
// "127.0.0.1:9000", "localhost:9000", "[::1]:9000", ":9000" (all interfaces).
absl::StatusOr<HostPort> ParseHostPort(const std::string& text);

// A byte count: "4096", "4KiB", "64MiB", "1GiB", "5MB" (units of 1000), "10B".
absl::StatusOr<uint64_t> ParseSize(std::string text);

}  // namespace coffer::app
