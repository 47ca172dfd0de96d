#include "gateway/gateway.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "auth/sigv2.h"
#include "base/encoding.h"
#include "crypto/hash.h"
#include "metrics/registry.h"

namespace coffer::gateway {
namespace {

bool StreamingMode(auth::PayloadMode m) {
  return m == auth::PayloadMode::kStreamingSigned ||
         m == auth::PayloadMode::kStreamingSignedTrailer ||
         m == auth::PayloadMode::kStreamingUnsignedTrailer;
}

int64_t DeclaredLength(const http::Exchange& ex, const auth::SignableRequest& req,
                       const auth::SigningContext& ctx) {
  if (StreamingMode(ctx.payload)) {
    int64_t n;
    std::string v = req.Header("x-amz-decoded-content-length");
    return absl::SimpleAtoi(v, &n) && n >= 0 ? n : -1;
  }
  if (auto len = ex.content_length()) return static_cast<int64_t>(*len);
  return ex.chunked() ? -1 : 0;
}

std::vector<std::string> TrailerNames(const auth::SignableRequest& req) {
  std::vector<std::string> out;
  std::string v = req.Header("x-amz-trailer");
  for (absl::string_view name : absl::StrSplit(v, ',', absl::SkipWhitespace())) {
    std::string n(name);
    n.erase(0, n.find_first_not_of(" \t"));
    n.erase(n.find_last_not_of(" \t") + 1);
    for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!n.empty()) out.push_back(n);
  }
  return out;
}

constexpr size_t kMaxApiBody = 1 << 20;

// The whole body, or nullopt when it is cut short or over `limit`.
http::Task<std::optional<std::string>> ReadSmallBody(http::Exchange& exchange, size_t limit) {
  std::string body;
  char buf[16 * 1024];
  while (true) {
    auto n = co_await exchange.ReadSome(buf, sizeof(buf));
    if (!n.ok()) co_return std::nullopt;
    if (*n == 0) co_return body;
    body.append(buf, *n);
    if (body.size() > limit) co_return std::nullopt;
  }
}

}  // namespace

auth::SignableRequest ToSignable(const http::RequestHeader& header) {
  auth::SignableRequest r;
  r.method = std::string(header.method_string());
  std::string_view target = header.target();
  size_t q = target.find('?');
  r.raw_path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) r.raw_query = std::string(target.substr(q + 1));
  for (const auto& field : header) {
    r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return r;
}

Gateway::Gateway(iam::IdentityStore* identities, std::string region, ApiService* s3)
    : identities_(identities), region_(std::move(region)), s3_(s3) {
  DeclareRequestMetrics();
}

void Gateway::AddService(const std::string& name, ApiService* service) {
  services_[name] = service;
}

http::Task<std::optional<Gateway::Authenticated>> Gateway::Authenticate(
    http::Exchange& exchange, const auth::SignableRequest& signable, absl::Time now,
    std::string& prefetched) {
  // Who claims to sign, and how: SigV2 (S3 only), SigV4 (header or query), or nobody.
  ApiService* service = s3_;
  exchange.set_service("s3");
  std::optional<auth::SigV2Claim> v2;
  std::optional<auth::ParsedAuth> v4;
  if (auto parsed = auth::ParseSigV2(signable)) {
    if (auto* err = std::get_if<auth::Error>(&*parsed)) {
      co_await s3_->Reject(exchange, signable, *err);
      co_return std::nullopt;
    }
    v2 = std::get<auth::SigV2Claim>(*parsed);
  } else {
    auto parsed4 = auth::ParseAuth(signable);
    if (auto* err = std::get_if<auth::Error>(&parsed4)) {
      co_await s3_->Reject(exchange, signable, *err);
      co_return std::nullopt;
    }
    v4 = std::get<auth::ParsedAuth>(parsed4);
    if (v4->method == auth::AuthMethod::kAnonymous)
      co_return Authenticated{s3_, std::nullopt, auth::AnonymousContext(signable)};
    if (v4->scope.service != "s3") {
      auto it = services_.find(v4->scope.service);
      if (it == services_.end()) {
        auth::Error error;
        error.kind = auth::Error::Kind::kMalformed;
        error.message = "The authorization header is malformed; the service '" +
                        v4->scope.service + "' is not served here.";
        co_await s3_->Reject(exchange, signable, error);
        co_return std::nullopt;
      }
      service = it->second;
      exchange.set_service(v4->scope.service);
    }
  }

  const std::string& akid = v2 ? v2->access_key_id : v4->access_key_id;
  const std::string token = v4 && !v4->security_token.empty()
                                ? v4->security_token
                                : signable.Header("x-amz-security-token");
  auto grant = identities_->LookupAccessKey(akid, token, now);
  if (!grant.ok()) {
    auth::Error error;
    switch (grant.status().code()) {
      case absl::StatusCode::kNotFound:
        error.kind = auth::Error::Kind::kUnknownAccessKey;
        error.message = "The AWS Access Key Id you provided does not exist in our records.";
        break;
      case absl::StatusCode::kDeadlineExceeded:
        error.kind = auth::Error::Kind::kExpiredToken;
        error.message = std::string(grant.status().message());
        break;
      case absl::StatusCode::kPermissionDenied:
        error.kind = auth::Error::Kind::kInvalidToken;
        error.message = std::string(grant.status().message());
        break;
      default:
        co_await service->Fail(exchange, grant.status());
        co_return std::nullopt;
    }
    co_await service->Reject(exchange, signable, error);
    co_return std::nullopt;
  }
  // JSON and Query APIs sign their (small) body without x-amz-content-sha256: read it
  // whole to check the signature, then hand it to the service.
  std::optional<std::string> body_hash;
  if (v4 && service != s3_ && !signable.HasHeader("x-amz-content-sha256")) {
    auto body = co_await ReadSmallBody(exchange, kMaxApiBody);
    if (!body) {
      auth::Error error;
      error.kind = auth::Error::Kind::kIncompleteBody;
      error.message = "The request body is missing, cut short or larger than " +
                      std::to_string(kMaxApiBody) + " bytes.";
      co_await service->Reject(exchange, signable, error);
      co_return std::nullopt;
    }
    body_hash = HexLower(crypto::Sha256(*body));
    prefetched = std::move(*body);
  }
  auto verified = v2 ? auth::VerifySigV2(*v2, signable, grant->secret, now, region_,
                                         service->SigV2Resource(signable))
                     : auth::Verify(*v4, signable, grant->secret, now, region_,
                                    absl::Minutes(15), body_hash);
  if (auto* err = std::get_if<auth::Error>(&verified)) {
    co_await service->Reject(exchange, signable, *err);
    co_return std::nullopt;
  }
  co_return Authenticated{service, std::move(grant->principal),
                          std::move(std::get<auth::SigningContext>(verified))};
}

http::Task<void> Gateway::Serve(http::Exchange& exchange) {
  absl::Time now = absl::Now();
  co_await Dispatch(exchange, now);
  RecordRequest(exchange, absl::Now() - now);
}

http::Task<void> Gateway::Dispatch(http::Exchange& exchange, absl::Time now) {
  auth::SignableRequest signable = ToSignable(exchange.request());
  std::string prefetched;
  auto who = co_await Authenticate(exchange, signable, now, prefetched);
  if (!who) co_return;  // already answered
  // A body read whole by Authenticate had its hash checked with the signature; its
  // decoder passes it on without hashing it a second time.
  const auth::PayloadMode signed_mode = who->signing.payload;
  if (!prefetched.empty()) who->signing.payload = auth::PayloadMode::kUnsigned;
  RequestBody body(exchange, who->signing, DeclaredLength(exchange, signable, who->signing),
                   TrailerNames(signable));
  who->signing.payload = signed_mode;
  if (!prefetched.empty()) body.Prefill(std::move(prefetched));
  ApiRequest request{exchange, std::move(signable), std::move(who->principal), who->signing,
                     body, now};
  co_await who->service->Handle(request);
}

void DeclareRequestMetrics() {
  auto& r = metrics::Global();
  r.Declare("coffer_requests_total", metrics::Type::kCounter,
            "Requests answered, by service, operation and HTTP status.");
  r.Declare("coffer_request_duration_seconds", metrics::Type::kHistogram,
            "Time from the request's arrival to the end of its answer.",
            metrics::LatencyBuckets());
  r.Declare("coffer_received_bytes_total", metrics::Type::kCounter,
            "Request body bytes read, by service.");
  r.Declare("coffer_sent_bytes_total", metrics::Type::kCounter,
            "Response body bytes sent, by service.");
}

void RecordRequest(const http::Exchange& exchange, absl::Duration took) {
  auto& r = metrics::Global();
  const std::string& op = exchange.operation().empty() ? "Unknown" : exchange.operation();
  r.Add("coffer_requests_total", {{"service", exchange.service()},
                                  {"operation", op},
                                  {"status", std::to_string(exchange.status())}});
  r.Observe("coffer_request_duration_seconds",
            {{"service", exchange.service()}, {"operation", op}}, absl::ToDoubleSeconds(took));
  if (exchange.bytes_in())
    r.Add("coffer_received_bytes_total", {{"service", exchange.service()}}, exchange.bytes_in());
  if (exchange.bytes_out())
    r.Add("coffer_sent_bytes_total", {{"service", exchange.service()}}, exchange.bytes_out());
}

audit::Event AuditEventFor(const ApiRequest& request, std::string source, std::string name,
                           std::string region) {
  audit::Event e;
  e.time = request.received;
  e.source = std::move(source);
  e.name = std::move(name);
  e.region = std::move(region);
  e.source_ip = request.exchange.remote_ip();
  e.user_agent = request.signable.Header("user-agent");
  e.principal = request.principal;
  e.request_id = request.exchange.request_id();
  if (request.principal) e.recipient_account = request.principal->account_id;
  return e;
}

http::Task<void> SendJson(http::Exchange& exchange, int status, const std::string& body) {
  http::ResponseHeader head;
  head.result(static_cast<unsigned>(status));
  head.set(http::bhttp::field::content_type, "application/x-amz-json-1.1");
  head.set("x-amzn-RequestId", exchange.request_id());
  co_await exchange.Respond(std::move(head), body);
}

JsonError JsonAuthError(const auth::Error& error) {
  using K = auth::Error::Kind;
  switch (error.kind) {
    case K::kUnknownAccessKey:
    case K::kInvalidToken:
      return {"UnrecognizedClientException",
              "The security token included in the request is invalid."};
    case K::kExpiredToken:
      return {"ExpiredTokenException", "The security token included in the request is expired"};
    case K::kSignatureMismatch:
    case K::kChunkSignatureMismatch:
    case K::kTimeSkewed:
    case K::kExpired:
      return {"InvalidSignatureException", error.message};
    case K::kMalformed:
    case K::kMalformedQuery:
    case K::kMissingHeader:
      return {"IncompleteSignatureException", error.message};
    default:
      return {"AccessDeniedException", error.message};
  }
}

http::Task<std::optional<std::string>> ReadWholeBody(ApiRequest& request, size_t limit) {
  std::string body, piece;
  while (true) {
    auto r = co_await request.body.Next(piece);
    if (r.kind == BodyRead::Kind::kEnd) co_return body;
    if (r.kind != BodyRead::Kind::kData) co_return std::nullopt;
    body += piece;
    if (body.size() > limit) co_return std::nullopt;
  }
}

}  // namespace coffer::gateway
