// Where Prometheus scrapes Coffer's metrics (metrics/registry.h):
//   - GET /_coffer/metrics on the API address with "Authorization: Bearer TOKEN", the
//     token being data/metrics-token (made at first start, mode 0600). No bucket can be
//     named "_coffer", so the path never shadows S3.
//   - GET /metrics on a separate plain-HTTP address (--metrics-address), no credentials,
//     for a scraper on a private network.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "app/data_dir.h"
#include "http/exchange.h"

namespace coffer::app {

inline constexpr char kMetricsPath[] = "/_coffer/metrics";

// The scrape token, created when missing.
absl::StatusOr<std::string> EnsureMetricsToken(DataDir& dir);

// True for a request to kMetricsPath (with or without a query).
bool IsMetricsRequest(const http::RequestHeader& request);

// Answers a scrape: the exposition when `token` is empty or matches the bearer token,
// 401 otherwise; 405 for methods other than GET and HEAD.
http::Task<void> ServeMetrics(http::Exchange& exchange, const std::string& token);

// The handler of the separate metrics address: /metrics, else 404.
http::Task<void> ServeMetricsOnly(http::Exchange& exchange);

}  // namespace coffer::app
