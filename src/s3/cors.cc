#include "s3/cors.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "base/xml.h"

namespace coffer::s3 {
namespace {

// S3 patterns hold at most one '*', matching any run of characters.
bool WildcardMatch(std::string_view pattern, std::string_view value, bool ignore_case) {
  std::string p(pattern), v(value);
  if (ignore_case) {
    p = absl::AsciiStrToLower(p);
    v = absl::AsciiStrToLower(v);
  }
  size_t star = p.find('*');
  if (star == std::string::npos) return p == v;
  std::string_view head = std::string_view(p).substr(0, star);
  std::string_view tail = std::string_view(p).substr(star + 1);
  return v.size() >= head.size() + tail.size() && std::string_view(v).starts_with(head) &&
         std::string_view(v).ends_with(tail);
}

bool AnyMatch(const std::vector<std::string>& patterns, std::string_view value, bool ignore_case) {
  for (const auto& p : patterns)
    if (WildcardMatch(p, value, ignore_case)) return true;
  return false;
}

}  // namespace

std::variant<CorsConfig, S3Error> ParseCorsXml(std::string_view xml) {
  auto doc = ParseXml(xml);
  if (!doc || doc->name != "CORSConfiguration") return S3Error::MalformedXML();
  auto rules = doc->Children("CORSRule");
  if (rules.empty() || rules.size() > 100) return S3Error::MalformedXML();
  CorsConfig config;
  for (const XmlNode* r : rules) {
    CorsRule rule;
    rule.id = r->ChildText("ID").value_or("");
    for (const XmlNode* n : r->Children("AllowedOrigin")) rule.origins.push_back(n->text);
    for (const XmlNode* n : r->Children("AllowedMethod")) rule.methods.push_back(n->text);
    for (const XmlNode* n : r->Children("AllowedHeader")) rule.headers.push_back(n->text);
    for (const XmlNode* n : r->Children("ExposeHeader")) rule.expose.push_back(n->text);
    if (auto age = r->ChildText("MaxAgeSeconds")) {
      int v = 0;
      if (!absl::SimpleAtoi(*age, &v)) return S3Error::MalformedXML();
      rule.max_age = v;
    }
    if (rule.origins.empty() || rule.methods.empty()) return S3Error::MalformedXML();
    for (const auto& m : rule.methods) {
      if (m != "GET" && m != "PUT" && m != "POST" && m != "DELETE" && m != "HEAD")
        return S3Error::InvalidRequest("Found unsupported HTTP method in CORS config. "
                                       "Unsupported method is " + m);
    }
    for (const auto& o : rule.origins) {
      if (std::count(o.begin(), o.end(), '*') > 1)
        return S3Error::InvalidRequest("AllowedOrigin \"" + o +
                                       "\" can not have more than one wildcard.");
    }
    config.rules.push_back(std::move(rule));
  }
  return config;
}

std::string CorsXml(const CorsConfig& config) {
  XmlWriter w;
  w.Open("CORSConfiguration", true);
  for (const auto& r : config.rules) {
    w.Open("CORSRule");
    if (!r.id.empty()) w.Element("ID", r.id);
    for (const auto& v : r.headers) w.Element("AllowedHeader", v);
    for (const auto& v : r.methods) w.Element("AllowedMethod", v);
    for (const auto& v : r.origins) w.Element("AllowedOrigin", v);
    for (const auto& v : r.expose) w.Element("ExposeHeader", v);
    if (r.max_age) w.Element("MaxAgeSeconds", std::to_string(*r.max_age));
    w.Close("CORSRule");
  }
  w.Close("CORSConfiguration");
  return w.Finish();
}

const CorsRule* MatchCors(const CorsConfig& config, std::string_view origin,
                          std::string_view method,
                          const std::vector<std::string>& request_headers) {
  for (const auto& rule : config.rules) {
    if (!AnyMatch(rule.origins, origin, false)) continue;
    bool method_ok = false;
    for (const auto& m : rule.methods) method_ok |= (m == method);
    if (!method_ok) continue;
    bool headers_ok = true;
    for (const auto& h : request_headers) headers_ok &= AnyMatch(rule.headers, h, true);
    if (headers_ok) return &rule;
  }
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> CorsResponseHeaders(
    const CorsRule& rule, std::string_view origin, const std::vector<std::string>& request_headers,
    bool preflight) {
  std::vector<std::pair<std::string, std::string>> out;
  bool any_origin = rule.origins.size() == 1 && rule.origins[0] == "*";
  out.emplace_back("Access-Control-Allow-Origin", any_origin ? "*" : std::string(origin));
  out.emplace_back("Access-Control-Allow-Methods", absl::StrJoin(rule.methods, ", "));
  if (!any_origin) out.emplace_back("Access-Control-Allow-Credentials", "true");
  out.emplace_back("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
  if (preflight && !request_headers.empty())
    out.emplace_back("Access-Control-Allow-Headers", absl::StrJoin(request_headers, ", "));
  if (!rule.expose.empty())
    out.emplace_back("Access-Control-Expose-Headers", absl::StrJoin(rule.expose, ", "));
  if (rule.max_age) out.emplace_back("Access-Control-Max-Age", std::to_string(*rule.max_age));
  return out;
}

}  // namespace coffer::s3
