#include "app/metrics_endpoint.h"

#include "base/encoding.h"
#include "base/ids.h"
#include "crypto/hash.h"
#include "metrics/registry.h"

namespace coffer::app {
namespace {

http::Task<void> Answer(http::Exchange& exchange, http::bhttp::status status, std::string body,
                        const char* content_type = "text/plain; charset=utf-8") {
  http::ResponseHeader head;
  head.result(status);
  head.set(http::bhttp::field::content_type, content_type);
  if (status == http::bhttp::status::unauthorized)
    head.set(http::bhttp::field::www_authenticate, "Bearer realm=\"coffer metrics\"");
  co_await exchange.Respond(std::move(head), std::move(body));
}

}  // namespace

absl::StatusOr<std::string> EnsureMetricsToken(DataDir& dir) {
  if (dir.Exists("metrics-token")) {
    auto token = dir.Read("metrics-token");
    if (!token.ok()) return token.status();
    while (!token->empty() && (token->back() == '\n' || token->back() == ' ')) token->pop_back();
    if (token->empty()) return absl::FailedPreconditionError("data/metrics-token is empty");
    return token;
  }
  std::string token = HexLower(RandomBytes(20));
  if (auto s = dir.Write("metrics-token", token + "\n", /*secret=*/true); !s.ok()) return s;
  return token;
}

bool IsMetricsRequest(const http::RequestHeader& request) {
  std::string_view target = request.target();
  return target == kMetricsPath ||
         (target.starts_with(kMetricsPath) && target[sizeof(kMetricsPath) - 1] == '?');
}

http::Task<void> ServeMetrics(http::Exchange& exchange, const std::string& token) {
  exchange.set_service("metrics");
  exchange.set_operation("Scrape");
  const auto method = exchange.request().method();
  if (method != http::bhttp::verb::get && method != http::bhttp::verb::head) {
    co_await Answer(exchange, http::bhttp::status::method_not_allowed, "GET only\n");
    co_return;
  }
  if (!token.empty()) {
    std::string_view auth = exchange.request()[http::bhttp::field::authorization];
    constexpr std::string_view kBearer = "Bearer ";
    bool ok = auth.starts_with(kBearer) &&
              crypto::ConstantTimeEquals(crypto::Sha256(auth.substr(kBearer.size())),
                                         crypto::Sha256(token));
    if (!ok) {
      co_await Answer(exchange, http::bhttp::status::unauthorized,
                      "a bearer token is required (data/metrics-token)\n");
      co_return;
    }
  }
  co_await Answer(exchange, http::bhttp::status::ok, metrics::Global().Exposition(),
                  "text/plain; version=0.0.4; charset=utf-8");
}

http::Task<void> ServeMetricsOnly(http::Exchange& exchange) {
  std::string_view target = exchange.request().target();
  if (target == "/metrics" || target.starts_with("/metrics?")) {
    co_await ServeMetrics(exchange, "");
    co_return;
  }
  co_await Answer(exchange, http::bhttp::status::not_found, "only /metrics here\n");
}

}  // namespace coffer::app
