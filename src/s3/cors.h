// Bucket CORS: the CORSConfiguration document and the matching of a browser's
// request (Origin, method, request headers) against its rules, as S3 evaluates them:
// the first rule whose origin, method and every requested header match wins.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "s3/error.h"

namespace coffer::s3 {

struct CorsRule {
  std::string id;
  std::vector<std::string> origins, methods, headers, expose;
  std::optional<int> max_age;
};

struct CorsConfig {
  std::vector<CorsRule> rules;
};

// Parses and validates a PutBucketCors body (MalformedXML, InvalidRequest).
std::variant<CorsConfig, S3Error> ParseCorsXml(std::string_view xml);
std::string CorsXml(const CorsConfig& config);

// The first rule allowing `origin` to use `method` with `request_headers`.
const CorsRule* MatchCors(const CorsConfig& config, std::string_view origin,
                          std::string_view method,
                          const std::vector<std::string>& request_headers);

// The Access-Control-* headers a matched rule adds to a response.
std::vector<std::pair<std::string, std::string>> CorsResponseHeaders(
    const CorsRule& rule, std::string_view origin, const std::vector<std::string>& request_headers,
    bool preflight);

}  // namespace coffer::s3
