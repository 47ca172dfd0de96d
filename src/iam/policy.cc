// Policy documents: parsing, statement matching and AWS's evaluation logic.
#include "iam/policy.h"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "base/encoding.h"
#include "base/time.h"

namespace coffer::iam {
namespace {

using nlohmann::json;

std::string Lower(std::string_view s) {
  std::string out(s);
  absl::AsciiStrToLower(&out);
  return out;
}

absl::Status Malformed(std::string message) {
  return absl::InvalidArgumentError(std::move(message));
}

// '*' matches any run (also empty), '?' one character.
bool Glob(std::string_view pattern, std::string_view value) {
  size_t p = 0, v = 0, star = std::string_view::npos, mark = 0;
  while (v < value.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = v;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == value[v])) {
      ++p;
      ++v;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      v = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<std::string> StringList(const json& v, bool& ok) {
  std::vector<std::string> out;
  ok = true;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
  } else if (v.is_array() && !v.empty()) {
    for (const auto& e : v) {
      if (!e.is_string()) {
        ok = false;
        return {};
      }
      out.push_back(e.get<std::string>());
    }
  } else {
    ok = false;
  }
  return out;
}

// Condition values may be strings, numbers or booleans; IAM compares them as text.
std::optional<std::vector<std::string>> ConditionValues(const json& v) {
  std::vector<std::string> out;
  auto one = [&out](const json& e) {
    if (e.is_string()) out.push_back(e.get<std::string>());
    else if (e.is_boolean()) out.push_back(e.get<bool>() ? "true" : "false");
    else if (e.is_number_integer()) out.push_back(std::to_string(e.get<int64_t>()));
    else if (e.is_number()) out.push_back(e.dump());
    else return false;
    return true;
  };
  if (v.is_array()) {
    for (const auto& e : v)
      if (!one(e)) return std::nullopt;
  } else if (!one(v)) {
    return std::nullopt;
  }
  return out;
}

// --- Policy variables ---

// Replaces ${...} in `text`; nullopt when a variable has no value (and no default).
std::optional<std::string> Substitute(std::string_view text, const ConditionContext& context) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = text.find("${", i);
    if (start == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, start - i));
    size_t end = text.find('}', start);
    if (end == std::string_view::npos) {
      out.append(text.substr(start));
      break;
    }
    std::string inner(text.substr(start + 2, end - start - 2));
    i = end + 1;
    if (inner == "*" || inner == "?" || inner == "$") {
      out += inner;
      continue;
    }
    std::optional<std::string> fallback;
    if (size_t comma = inner.find(','); comma != std::string::npos) {
      std::string def(absl::StripAsciiWhitespace(inner.substr(comma + 1)));
      if (def.size() >= 2 && def.front() == '\'' && def.back() == '\'')
        fallback = def.substr(1, def.size() - 2);
      inner = std::string(absl::StripAsciiWhitespace(inner.substr(0, comma)));
    }
    const auto* values = context.Get(inner);
    if (values && values->size() == 1) out += values->front();
    else if (fallback) out += *fallback;
    else return std::nullopt;
  }
  return out;
}

// --- Condition operators ---

enum class Op {
  kStringEquals, kStringNotEquals, kStringEqualsIgnoreCase, kStringNotEqualsIgnoreCase,
  kStringLike, kStringNotLike, kNumericEquals, kNumericNotEquals, kNumericLessThan,
  kNumericLessThanEquals, kNumericGreaterThan, kNumericGreaterThanEquals, kDateEquals,
  kDateNotEquals, kDateLessThan, kDateLessThanEquals, kDateGreaterThan,
  kDateGreaterThanEquals, kBool, kBinaryEquals, kIpAddress, kNotIpAddress, kArnEquals,
  kArnLike, kArnNotEquals, kArnNotLike, kNull
};

const std::pair<std::string_view, Op> kOperators[] = {
    {"StringEquals", Op::kStringEquals},
    {"StringNotEquals", Op::kStringNotEquals},
    {"StringEqualsIgnoreCase", Op::kStringEqualsIgnoreCase},
    {"StringNotEqualsIgnoreCase", Op::kStringNotEqualsIgnoreCase},
    {"StringLike", Op::kStringLike},
    {"StringNotLike", Op::kStringNotLike},
    {"NumericEquals", Op::kNumericEquals},
    {"NumericNotEquals", Op::kNumericNotEquals},
    {"NumericLessThan", Op::kNumericLessThan},
    {"NumericLessThanEquals", Op::kNumericLessThanEquals},
    {"NumericGreaterThan", Op::kNumericGreaterThan},
    {"NumericGreaterThanEquals", Op::kNumericGreaterThanEquals},
    {"DateEquals", Op::kDateEquals},
    {"DateNotEquals", Op::kDateNotEquals},
    {"DateLessThan", Op::kDateLessThan},
    {"DateLessThanEquals", Op::kDateLessThanEquals},
    {"DateGreaterThan", Op::kDateGreaterThan},
    {"DateGreaterThanEquals", Op::kDateGreaterThanEquals},
    {"Bool", Op::kBool},
    {"BinaryEquals", Op::kBinaryEquals},
    {"IpAddress", Op::kIpAddress},
    {"NotIpAddress", Op::kNotIpAddress},
    {"ArnEquals", Op::kArnEquals},
    {"ArnLike", Op::kArnLike},
    {"ArnNotEquals", Op::kArnNotEquals},
    {"ArnNotLike", Op::kArnNotLike},
    {"Null", Op::kNull}};

bool Negated(Op op) {
  return op == Op::kStringNotEquals || op == Op::kStringNotEqualsIgnoreCase ||
         op == Op::kStringNotLike || op == Op::kNumericNotEquals || op == Op::kDateNotEquals ||
         op == Op::kNotIpAddress || op == Op::kArnNotEquals || op == Op::kArnNotLike;
}

std::optional<double> Number(std::string_view s) {
  double v;
  if (!absl::SimpleAtod(std::string(s), &v)) return std::nullopt;
  return v;
}

std::optional<absl::Time> Date(std::string_view s) {
  if (auto t = ParseIso8601(s)) return t;
  for (const char* fmt : {"%Y-%m-%dT%H:%M:%E*S%Ez", "%Y-%m-%dT%H:%MZ", "%Y-%m-%d"}) {
    absl::Time t;
    std::string err;
    if (absl::ParseTime(fmt, std::string(s), absl::UTCTimeZone(), &t, &err)) return t;
  }
  int64_t epoch;
  if (absl::SimpleAtoi(std::string(s), &epoch)) return absl::FromUnixSeconds(epoch);
  return std::nullopt;
}

// An address or CIDR block, as bytes and prefix length.
struct Cidr {
  int family = 0;
  unsigned char bytes[16] = {};
  int bits = 0;
};

std::optional<Cidr> ParseCidr(std::string_view text) {
  std::string s(absl::StripAsciiWhitespace(std::string(text)));
  Cidr c;
  int bits = -1;
  if (size_t slash = s.find('/'); slash != std::string::npos) {
    if (!absl::SimpleAtoi(s.substr(slash + 1), &bits)) return std::nullopt;
    s = s.substr(0, slash);
  }
  if (inet_pton(AF_INET, s.c_str(), c.bytes) == 1) {
    c.family = AF_INET;
    c.bits = bits < 0 ? 32 : bits;
    if (c.bits > 32) return std::nullopt;
  } else if (inet_pton(AF_INET6, s.c_str(), c.bytes) == 1) {
    c.family = AF_INET6;
    c.bits = bits < 0 ? 128 : bits;
    if (c.bits > 128) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return c;
}

bool InCidr(const Cidr& block, const Cidr& address) {
  if (block.family != address.family) return false;
  int full = block.bits / 8, rest = block.bits % 8;
  if (std::memcmp(block.bytes, address.bytes, full) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (block.bytes[full] & mask) == (address.bytes[full] & mask);
}

bool ArnMatch(std::string_view pattern, std::string_view value, bool like) {
  auto split = [](std::string_view s) {
    std::vector<std::string_view> parts;
    for (int i = 0; i < 5; ++i) {
      size_t colon = s.find(':');
      if (colon == std::string_view::npos) return std::vector<std::string_view>{};
      parts.push_back(s.substr(0, colon));
      s.remove_prefix(colon + 1);
    }
    parts.push_back(s);
    return parts;
  };
  auto p = split(pattern), v = split(value);
  if (p.size() != 6 || v.size() != 6) return false;
  for (int i = 0; i < 6; ++i) {
    if (like ? !Glob(p[i], v[i]) : p[i] != v[i]) return false;
  }
  return true;
}

// One policy value against one request value, for the positive form of `op`.
bool Matches(Op op, std::string_view want, std::string_view have) {
  switch (op) {
    case Op::kStringEquals:
    case Op::kStringNotEquals: return want == have;
    case Op::kStringEqualsIgnoreCase:
    case Op::kStringNotEqualsIgnoreCase: return Lower(want) == Lower(have);
    case Op::kStringLike:
    case Op::kStringNotLike: return Glob(want, have);
    case Op::kNumericEquals:
    case Op::kNumericNotEquals:
    case Op::kNumericLessThan:
    case Op::kNumericLessThanEquals:
    case Op::kNumericGreaterThan:
    case Op::kNumericGreaterThanEquals: {
      auto w = Number(want), h = Number(have);
      if (!w || !h) return false;
      if (op == Op::kNumericLessThan) return *h < *w;
      if (op == Op::kNumericLessThanEquals) return *h <= *w;
      if (op == Op::kNumericGreaterThan) return *h > *w;
      if (op == Op::kNumericGreaterThanEquals) return *h >= *w;
      return *h == *w;
    }
    case Op::kDateEquals:
    case Op::kDateNotEquals:
    case Op::kDateLessThan:
    case Op::kDateLessThanEquals:
    case Op::kDateGreaterThan:
    case Op::kDateGreaterThanEquals: {
      auto w = Date(want), h = Date(have);
      if (!w || !h) return false;
      if (op == Op::kDateLessThan) return *h < *w;
      if (op == Op::kDateLessThanEquals) return *h <= *w;
      if (op == Op::kDateGreaterThan) return *h > *w;
      if (op == Op::kDateGreaterThanEquals) return *h >= *w;
      return *h == *w;
    }
    case Op::kBool: return Lower(want) == Lower(have);
    case Op::kBinaryEquals: return want == Base64(have);
    case Op::kIpAddress:
    case Op::kNotIpAddress: {
      auto block = ParseCidr(want), address = ParseCidr(have);
      return block && address && InCidr(*block, *address);
    }
    case Op::kArnEquals:
    case Op::kArnNotEquals: return ArnMatch(want, have, false);
    case Op::kArnLike:
    case Op::kArnNotLike: return ArnMatch(want, have, true);
    case Op::kNull: return false;
  }
  return false;
}

struct Condition {
  Op op;
  bool if_exists = false;
  enum class Set { kNone, kForAll, kForAny } set = Set::kNone;
  std::string key;
  std::vector<std::string> values;
};

bool ValidValue(Op op, const std::string& v) {
  switch (op) {
    case Op::kNumericEquals:
    case Op::kNumericNotEquals:
    case Op::kNumericLessThan:
    case Op::kNumericLessThanEquals:
    case Op::kNumericGreaterThan:
    case Op::kNumericGreaterThanEquals: return Number(v).has_value();
    case Op::kDateEquals:
    case Op::kDateNotEquals:
    case Op::kDateLessThan:
    case Op::kDateLessThanEquals:
    case Op::kDateGreaterThan:
    case Op::kDateGreaterThanEquals: return Date(v).has_value() || v.find("${") != std::string::npos;
    case Op::kIpAddress:
    case Op::kNotIpAddress: return ParseCidr(v).has_value();
    case Op::kBool:
    case Op::kNull: return Lower(v) == "true" || Lower(v) == "false";
    default: return true;
  }
}

bool Holds(const Condition& c, const ConditionContext& context, bool variables) {
  const std::vector<std::string>* have = context.Get(c.key);
  if (c.op == Op::kNull) {
    bool absent = have == nullptr || have->empty();
    bool want_absent = Lower(c.values.front()) == "true";
    return absent == want_absent;
  }
  if (have == nullptr || have->empty()) {
    if (c.if_exists) return true;
    if (c.set == Condition::Set::kForAll) return true;
    if (c.set == Condition::Set::kForAny) return false;
    return Negated(c.op);
  }
  // The policy's values, with variables resolved (an unresolvable one matches nothing).
  std::vector<std::string> wanted;
  for (const auto& v : c.values) {
    if (!variables) {
      wanted.push_back(v);
    } else if (auto s = Substitute(v, context)) {
      wanted.push_back(*s);
    }
  }
  auto any_wanted = [&](const std::string& value) {
    for (const auto& w : wanted)
      if (Matches(c.op, w, value)) return true;
    return false;
  };
  bool negated = Negated(c.op);
  switch (c.set) {
    case Condition::Set::kForAll:
      // Every request value must match (negated: must match none).
      for (const auto& v : *have)
        if (any_wanted(v) == negated) return false;
      return true;
    case Condition::Set::kForAny:
      for (const auto& v : *have)
        if (any_wanted(v) != negated) return true;
      return false;
    case Condition::Set::kNone: {
      bool matched = false;
      for (const auto& v : *have) matched |= any_wanted(v);
      return negated ? !matched : matched;
    }
  }
  return false;
}

// --- Principals ---

struct PrincipalSpec {
  bool everyone = false;            // "*" or {"AWS": "*"}
  std::vector<std::string> aws;     // account ids normalised to ...:root ARNs, user/role ARNs
  std::vector<std::string> services;
  std::vector<std::string> canonical;
};

absl::StatusOr<PrincipalSpec> ParsePrincipal(const json& v) {
  PrincipalSpec p;
  if (v.is_string()) {
    if (v.get<std::string>() != "*") return Malformed("Invalid principal in policy");
    p.everyone = true;
    return p;
  }
  if (!v.is_object() || v.empty()) return Malformed("Invalid principal in policy");
  for (const auto& [type, value] : v.items()) {
    bool ok;
    auto list = StringList(value, ok);
    if (!ok) return Malformed("Invalid principal in policy");
    for (auto& e : list) {
      if (type == "AWS") {
        if (e == "*") {
          p.everyone = true;
        } else if (e.size() == 12 && std::all_of(e.begin(), e.end(), ::isdigit)) {
          p.aws.push_back("arn:aws:iam::" + e + ":root");
        } else if (e.starts_with("arn:aws:iam::") || e.starts_with("arn:aws:sts::")) {
          p.aws.push_back(e);
        } else {
          return Malformed("Invalid principal in policy: \"AWS\":\"" + e + "\"");
        }
      } else if (type == "Service") {
        p.services.push_back(e);
      } else if (type == "CanonicalUser") {
        p.canonical.push_back(e);
      } else if (type == "Federated") {
        // accepted, never matches: Coffer has no identity federation
      } else {
        return Malformed("Invalid principal in policy");
      }
    }
  }
  return p;
}

// Whether the spec names the principal; `via_account` tells that only an account
// (root) entry matched.
bool PrincipalMatches(const PrincipalSpec& spec, const RequestPrincipal& who, bool& via_account) {
  via_account = false;
  if (spec.everyone) return true;
  if (who.anonymous) return false;
  for (const auto& s : spec.services)
    if (!who.service.empty() && s == who.service) return true;
  for (const auto& c : spec.canonical)
    if (!who.canonical_user_id.empty() && c == who.canonical_user_id) return true;
  bool account_match = false;
  for (const auto& a : spec.aws) {
    if (a == who.arn || (!who.role_arn.empty() && a == who.role_arn)) return true;
    if (a == "arn:aws:iam::" + who.account + ":root") account_match = true;
  }
  via_account = account_match;
  return account_match;
}

}  // namespace

// --- ConditionContext ---

namespace {

// Whether `key` is `lower` in any case (condition keys are case-insensitive), without
// making a lower-case copy of it.
bool SameKey(const std::string& lower, std::string_view key) {
  if (lower.size() != key.size()) return false;
  for (size_t i = 0; i < key.size(); ++i)
    if (lower[i] != absl::ascii_tolower(static_cast<unsigned char>(key[i]))) return false;
  return true;
}

}  // namespace

std::vector<std::string>& ConditionContext::Values(std::string_view key) {
  for (auto& [name, values] : values_)
    if (SameKey(name, key)) return values;
  if (values_.empty()) values_.reserve(16);  // a request's usual share of keys
  return values_.emplace_back(Lower(key), std::vector<std::string>{}).second;
}

void ConditionContext::Set(std::string_view key, std::string value) {
  std::vector<std::string>& values = Values(key);
  values.clear();
  values.push_back(std::move(value));
}

void ConditionContext::Add(std::string_view key, std::string value) {
  Values(key).push_back(std::move(value));
}

void ConditionContext::Defer(std::function<void(ConditionContext&)> fill) {
  deferred_.push_back(std::move(fill));
}

const std::vector<std::string>* ConditionContext::Get(std::string_view key) const {
  if (!deferred_.empty()) {
    auto fillers = std::move(deferred_);
    deferred_.clear();
    // Set and Add touch only the mutable members.
    for (auto& fill : fillers) fill(const_cast<ConditionContext&>(*this));
  }
  for (const auto& [name, values] : values_)
    if (SameKey(name, key)) return &values;
  return nullptr;
}

// --- Statements ---

struct Policy::Statement {
  bool allow = true;
  bool not_action = false, not_resource = false, not_principal = false;
  std::vector<std::string> actions, resources;  // actions in lower case
  std::optional<PrincipalSpec> principal;
  std::vector<Condition> conditions;
};

namespace {

bool ValidAction(const std::string& a) {
  if (a == "*") return true;
  size_t colon = a.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == a.size()) return false;
  for (size_t i = 0; i < colon; ++i) {
    char c = a[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '-' || c == '*'))
      return false;
  }
  return a.find(':', colon + 1) == std::string::npos;
}

absl::StatusOr<std::shared_ptr<Policy::Statement>> ParseStatement(const json& st, PolicyKind kind) {
  if (!st.is_object()) return Malformed("Syntax errors in policy.");
  auto s = std::make_shared<Policy::Statement>();
  if (!st.contains("Effect") || !st["Effect"].is_string())
    return Malformed("Policy statement must contain an Effect.");
  const std::string effect = st["Effect"].get<std::string>();
  if (effect != "Allow" && effect != "Deny") return Malformed("Invalid effect: " + effect);
  s->allow = effect == "Allow";

  bool has_action = st.contains("Action"), has_not_action = st.contains("NotAction");
  if (has_action == has_not_action) return Malformed("Policy statement must contain actions.");
  bool ok;
  s->not_action = has_not_action;
  s->actions = StringList(st[has_action ? "Action" : "NotAction"], ok);
  if (!ok) return Malformed("Policy statement must contain actions.");
  for (auto& a : s->actions) {
    if (!ValidAction(a)) return Malformed("Policy has invalid action");
    absl::AsciiStrToLower(&a);  // matched without regard to case
  }

  bool has_resource = st.contains("Resource"), has_not_resource = st.contains("NotResource");
  if (has_resource && has_not_resource)
    return Malformed("Policy statement must not contain both Resource and NotResource.");
  if (!has_resource && !has_not_resource) {
    if (kind == PolicyKind::kIdentity) return Malformed("Policy statement must contain resources.");
    s->resources = {"*"};  // trust and key policies may leave it out
  } else {
    s->not_resource = has_not_resource;
    s->resources = StringList(st[has_resource ? "Resource" : "NotResource"], ok);
    if (!ok) return Malformed("Policy statement must contain resources.");
  }

  bool has_principal = st.contains("Principal"), has_not_principal = st.contains("NotPrincipal");
  if (kind == PolicyKind::kIdentity && (has_principal || has_not_principal))
    return Malformed("Policy document should not specify a principal.");
  if (kind == PolicyKind::kResource) {
    if (has_principal == has_not_principal) return Malformed("Missing required field Principal");
    auto p = ParsePrincipal(st[has_principal ? "Principal" : "NotPrincipal"]);
    if (!p.ok()) return p.status();
    s->principal = *std::move(p);
    s->not_principal = has_not_principal;
  }

  if (st.contains("Condition")) {
    const json& block = st["Condition"];
    if (!block.is_object()) return Malformed("Syntax errors in policy.");
    for (const auto& [name, keys] : block.items()) {
      Condition c;
      std::string op = name;
      if (op.starts_with("ForAllValues:")) {
        c.set = Condition::Set::kForAll;
        op = op.substr(13);
      } else if (op.starts_with("ForAnyValue:")) {
        c.set = Condition::Set::kForAny;
        op = op.substr(12);
      }
      if (op.ends_with("IfExists") && op != "IfExists") {
        c.if_exists = true;
        op = op.substr(0, op.size() - 8);
      }
      auto it = std::find_if(std::begin(kOperators), std::end(kOperators),
                             [&op](const auto& e) { return e.first == op; });
      if (it == std::end(kOperators) || (c.if_exists && it->second == Op::kNull))
        return Malformed("Invalid Condition type : " + name);
      c.op = it->second;
      if (!keys.is_object() || keys.empty()) return Malformed("Syntax errors in policy.");
      for (const auto& [key, value] : keys.items()) {
        auto values = ConditionValues(value);
        if (!values || values->empty()) return Malformed("Syntax errors in policy.");
        for (const auto& v : *values) {
          if (!ValidValue(c.op, v))
            return Malformed("Invalid value \"" + v + "\" for condition " + name);
        }
        Condition one = c;
        one.key = key;
        one.values = *std::move(values);
        s->conditions.push_back(std::move(one));
      }
    }
  }
  return s;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Policy>> Policy::Parse(std::string_view text,
                                                            PolicyKind kind) {
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Malformed("Syntax errors in policy.");
  std::shared_ptr<Policy> policy(new Policy());
  policy->text_ = std::string(text);
  policy->kind_ = kind;
  if (doc.contains("Version")) {
    if (!doc["Version"].is_string()) return Malformed("Syntax errors in policy.");
    std::string version = doc["Version"].get<std::string>();
    if (version != "2012-10-17" && version != "2008-10-17")
      return Malformed("The policy failed legacy parsing");
    policy->variables_ = version == "2012-10-17";
  }
  if (!doc.contains("Statement")) return Malformed("Syntax errors in policy.");
  const json& statements = doc["Statement"];
  std::vector<json> list;
  if (statements.is_object()) list.push_back(statements);
  else if (statements.is_array() && !statements.empty())
    list.assign(statements.begin(), statements.end());
  else return Malformed("Syntax errors in policy.");
  for (const auto& st : list) {
    auto s = ParseStatement(st, kind);
    if (!s.ok()) return s.status();
    policy->statements_.push_back(*std::move(s));
  }
  return std::shared_ptr<const Policy>(std::move(policy));
}

Evaluation Policy::Evaluate(const AuthzRequest& request) const {
  Evaluation out;
  bool allowed = false, allowed_directly = false;
  const std::string action = Lower(request.action);
  for (const auto& s : statements_) {
    // Principal.
    bool via_account = false;
    if (s->principal) {
      bool named = PrincipalMatches(*s->principal, request.principal, via_account);
      if (s->not_principal) {
        if (named) continue;
        via_account = false;
      } else if (!named) {
        continue;
      }
    }
    // Action (case-insensitive).
    bool action_match = false;
    for (const auto& a : s->actions) action_match |= Glob(a, action);
    if (action_match == s->not_action) continue;
    // Resource (case-sensitive, variables resolved).
    bool resource_match = false;
    for (const auto& r : s->resources) {
      std::optional<std::string> pattern =
          variables_ ? Substitute(r, request.context) : std::optional<std::string>(r);
      if (pattern && Glob(*pattern, request.resource)) resource_match = true;
    }
    if (resource_match == s->not_resource) continue;
    // Conditions.
    bool holds = true;
    for (const auto& c : s->conditions) {
      if (!Holds(c, request.context, variables_)) {
        holds = false;
        break;
      }
    }
    if (!holds) continue;
    if (!s->allow) {
      out.decision = Decision::kDeny;
      out.allow_via_account = false;
      return out;
    }
    allowed = true;
    if (!via_account) allowed_directly = true;
  }
  if (allowed) {
    out.decision = Decision::kAllow;
    out.allow_via_account = !allowed_directly;
  }
  return out;
}

bool Policy::IsPublic() const {
  static const char* kPinning[] = {"aws:sourceip", "aws:sourcevpc", "aws:sourcevpce",
                                   "aws:principalaccount", "aws:principalarn",
                                   "aws:principalorgid", "aws:sourceaccount", "aws:sourcearn",
                                   "aws:userid", "aws:username"};
  for (const auto& s : statements_) {
    if (!s->allow || !s->principal || s->not_principal || !s->principal->everyone) continue;
    bool pinned = false;
    for (const auto& c : s->conditions) {
      std::string key = Lower(c.key);
      bool pinning = std::find(std::begin(kPinning), std::end(kPinning), key) != std::end(kPinning);
      bool wildcard = std::any_of(c.values.begin(), c.values.end(), [](const std::string& v) {
        return v.find('*') != std::string::npos;
      });
      if (pinning && !wildcard && !Negated(c.op)) pinned = true;
    }
    if (!pinned) return true;
  }
  return false;
}

Decision Authorize(const AuthzRequest& request, const PolicySet& policies) {
  bool identity_allows = false;
  for (const auto& p : policies.identity) {
    Evaluation e = p->Evaluate(request);
    if (e.decision == Decision::kDeny) return Decision::kDeny;
    identity_allows |= e.decision == Decision::kAllow;
  }
  bool resource_direct = false, resource_via_account = false;
  for (const auto& p : policies.resource) {
    Evaluation e = p->Evaluate(request);
    if (e.decision == Decision::kDeny) return Decision::kDeny;
    if (e.decision == Decision::kAllow) {
      if (e.allow_via_account) resource_via_account = true;
      else resource_direct = true;
    }
  }
  const RequestPrincipal& who = request.principal;
  if (who.anonymous) return resource_direct ? Decision::kAllow : Decision::kNotApplicable;
  const std::string& owner = policies.resource_account.empty() ? who.account
                                                               : policies.resource_account;
  const bool same_account = who.account == owner;
  // An account's root is allowed in its own account; elsewhere it speaks for its
  // account as identity policies would.
  const bool identity_side = identity_allows || policies.principal_is_root;
  if (policies.resource_must_allow) {
    // The resource policy decides; naming the account delegates to identity policies.
    if (resource_direct) return Decision::kAllow;
    return (resource_via_account && identity_side) ? Decision::kAllow : Decision::kNotApplicable;
  }
  if (same_account) {
    return (identity_side || resource_direct) ? Decision::kAllow : Decision::kNotApplicable;
  }
  return (identity_side && (resource_direct || resource_via_account)) ? Decision::kAllow
                                                                      : Decision::kNotApplicable;
}

}  // namespace coffer::iam
