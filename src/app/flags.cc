#include "app/flags.h"

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace coffer::app {

absl::StatusOr<Flags> Flags::Parse(const std::vector<std::string>& args,
                                   const std::set<std::string>& known,
                                   const std::set<std::string>& booleans) {
  Flags f;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!a.starts_with("--")) {
      f.positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (!known.count(name) && !booleans.count(name))
      return absl::InvalidArgumentError("unknown flag --" + name);
    if (booleans.count(name)) {
      if (has_value) return absl::InvalidArgumentError("--" + name + " takes no value");
      f.values_.emplace(name, "true");
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) return absl::InvalidArgumentError("--" + name + " needs a value");
      value = args[++i];
    }
    f.values_.emplace(name, value);
  }
  return f;
}

std::optional<std::string> Flags::Get(const std::string& name) const {
  auto range = values_.equal_range(name);
  if (range.first == range.second) return std::nullopt;
  return std::prev(range.second)->second;  // the last one wins
}

std::vector<std::string> Flags::GetAll(const std::string& name) const {
  std::vector<std::string> out;
  auto range = values_.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

absl::StatusOr<HostPort> ParseHostPort(const std::string& text) {
  HostPort hp;
  std::string port;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return absl::InvalidArgumentError("bad address " + text + " (want [IPv6]:PORT)");
    hp.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos)
      return absl::InvalidArgumentError("bad address " + text + " (want HOST:PORT)");
    hp.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (hp.host.empty()) hp.host = "0.0.0.0";
  uint32_t p;
  if (!absl::SimpleAtoi(port, &p) || p > 65535)
    return absl::InvalidArgumentError("bad port in " + text);
  hp.port = static_cast<uint16_t>(p);
  return hp;
}

absl::StatusOr<uint64_t> ParseSize(std::string text) {
  static const std::pair<const char*, uint64_t> kUnits[] = {
      {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"TiB", 1ull << 40},
      {"KB", 1000}, {"MB", 1000000}, {"GB", 1000000000}, {"B", 1}};
  uint64_t unit = 1;
  for (const auto& [suffix, mult] : kUnits) {
    if (absl::EndsWith(text, suffix)) {
      text.resize(text.size() - strlen(suffix));
      unit = mult;
      break;
    }
  }
  uint64_t n = 0;
  if (!absl::SimpleAtoi(text, &n) || n > UINT64_MAX / unit)
    return absl::InvalidArgumentError("bad size: " + text);
  return n * unit;
}

}  // namespace coffer::app
