#include "s3/post_policy.h"

#include <nlohmann/json.hpp>

#include <set>

#include "absl/strings/ascii.h"
#include "base/encoding.h"
#include "base/time.h"

namespace coffer::s3 {
namespace {

using nlohmann::json;

S3Error InvalidPolicy(std::string message) {
  S3Error e = S3Error::Of(400, "InvalidPolicyDocument",
                           "Invalid Policy: " + std::move(message));
  return e;
}

S3Error PolicyDenied(std::string message) {
  return S3Error::AccessDenied("Invalid according to Policy: " + std::move(message));
}

std::string FieldName(std::string s) {
  if (!s.empty() && s.front() == '$') s.erase(0, 1);
  return absl::AsciiStrToLower(s);
}

bool Exempt(const std::string& name) {
  return name == "file" || name == "policy" || name == "x-amz-signature" ||
         name == "signature" || name == "awsaccesskeyid" || name.starts_with("x-ignore-");
}

std::optional<int64_t> Integer(const json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_string()) {
    try {
      size_t used = 0;
      int64_t n = std::stoll(v.get<std::string>(), &used);
      if (used == v.get<std::string>().size()) return n;
    } catch (const std::exception&) {
    }
  }
  return std::nullopt;
}

}  // namespace

std::variant<PostPolicy, S3Error> ParsePostPolicy(std::string_view base64_policy) {
  auto text = Base64Decode(base64_policy);
  if (!text) return InvalidPolicy("Policy document is not base64.");
  json doc = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return InvalidPolicy("Could not parse the policy: not a JSON object.");
  PostPolicy policy;
  if (!doc.contains("expiration") || !doc["expiration"].is_string())
    return InvalidPolicy("Policy missing expiration.");
  auto when = ParseIso8601(doc["expiration"].get<std::string>());
  if (!when) return InvalidPolicy("Invalid 'expiration' value: '" +
                                  doc["expiration"].get<std::string>() + "'");
  policy.expiration = *when;
  if (!doc.contains("conditions") || !doc["conditions"].is_array())
    return InvalidPolicy("Policy missing conditions.");
  for (const json& c : doc["conditions"]) {
    PostCondition cond;
    cond.text = c.dump();
    if (c.is_object()) {
      if (c.size() != 1 || !c.begin().value().is_string())
        return InvalidPolicy("Invalid Simple-Condition: " + cond.text);
      cond.field = FieldName(c.begin().key());
      cond.value = c.begin().value().get<std::string>();
    } else if (c.is_array() && c.size() == 3 && c[0].is_string()) {
      std::string op = absl::AsciiStrToLower(c[0].get<std::string>());
      if (op == "content-length-range") {
        auto lo = Integer(c[1]), hi = Integer(c[2]);
        if (!lo || !hi) return InvalidPolicy("Invalid content-length-range: " + cond.text);
        cond.kind = PostCondition::Kind::kLengthRange;
        cond.min = *lo;
        cond.max = *hi;
      } else if ((op == "eq" || op == "starts-with") && c[1].is_string() && c[2].is_string()) {
        cond.kind = op == "eq" ? PostCondition::Kind::kEq : PostCondition::Kind::kStartsWith;
        cond.field = FieldName(c[1].get<std::string>());
        cond.value = c[2].get<std::string>();
      } else {
        return InvalidPolicy("Invalid Condition: " + cond.text);
      }
    } else {
      return InvalidPolicy("Invalid Condition: " + cond.text);
    }
    policy.conditions.push_back(std::move(cond));
  }
  return policy;
}

std::optional<S3Error> CheckPostPolicy(const PostPolicy& policy,
                                       const std::map<std::string, std::string>& fields,
                                       absl::Time now) {
  if (now > policy.expiration) return PolicyDenied("Policy expired.");
  std::set<std::string> covered;
  for (const auto& c : policy.conditions) {
    if (c.kind == PostCondition::Kind::kLengthRange) continue;
    covered.insert(c.field);
    auto it = fields.find(c.field);
    std::string value = it == fields.end() ? "" : it->second;
    bool ok = c.kind == PostCondition::Kind::kEq ? value == c.value
                                                 : std::string_view(value).starts_with(c.value);
    if (!ok) return PolicyDenied("Policy Condition failed: " + c.text);
  }
  std::string extra;
  for (const auto& [name, value] : fields) {
    if (name == "bucket" || Exempt(name) || covered.count(name)) continue;
    extra += (extra.empty() ? "" : ", ") + name;
  }
  if (!extra.empty()) return PolicyDenied("Extra input fields: " + extra);
  return std::nullopt;
}

std::optional<S3Error> CheckPostLength(const PostPolicy& policy, uint64_t size) {
  for (const auto& c : policy.conditions) {
    if (c.kind != PostCondition::Kind::kLengthRange) continue;
    if (static_cast<int64_t>(size) > c.max)
      return S3Error::EntityTooLarge(size, static_cast<uint64_t>(c.max));
    if (static_cast<int64_t>(size) < c.min) {
      S3Error e = S3Error::EntityTooSmall();
      e.With("ProposedSize", std::to_string(size)).With("MinSizeAllowed", std::to_string(c.min));
      return e;
    }
  }
  return std::nullopt;
}

}  // namespace coffer::s3
