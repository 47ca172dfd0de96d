#include "gateway/gateway.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

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
    : identities_(identities), region_(std::move(region)), s3_(s3) {}

void Gateway::AddService(const std::string& name, ApiService* service) {
  services_[name] = service;
}

http::Task<void> Gateway::Serve(http::Exchange& exchange) {
  absl::Time now = absl::Now();
  auth::SignableRequest signable = ToSignable(exchange.request());
  auto parsed = auth::ParseAuth(signable);
  if (auto* err = std::get_if<auth::Error>(&parsed)) {
    co_await s3_->Reject(exchange, signable, *err);
    co_return;
  }
  auto& claim = std::get<auth::ParsedAuth>(parsed);

  ApiService* service = s3_;
  std::optional<iam::Principal> principal;
  auth::SigningContext signing;
  if (claim.method == auth::AuthMethod::kAnonymous) {
    signing = auth::AnonymousContext(signable);
  } else {
    if (claim.scope.service != "s3") {
      auto it = services_.find(claim.scope.service);
      if (it == services_.end()) {
        auth::Error error;
        error.kind = auth::Error::Kind::kMalformed;
        error.message = "The authorization header is malformed; the service '" +
                        claim.scope.service + "' is not served here.";
        co_await s3_->Reject(exchange, signable, error);
        co_return;
      }
      service = it->second;
    }
    auto grant = identities_->LookupAccessKey(claim.access_key_id);
    if (!grant.ok()) {
      if (grant.status().code() == absl::StatusCode::kNotFound) {
        auth::Error error;
        error.kind = auth::Error::Kind::kUnknownAccessKey;
        error.message = "The AWS Access Key Id you provided does not exist in our records.";
        co_await service->Reject(exchange, signable, error);
      } else {
        co_await service->Fail(exchange, grant.status());
      }
      co_return;
    }
    auto verified = auth::Verify(claim, signable, grant->secret, now, region_);
    if (auto* err = std::get_if<auth::Error>(&verified)) {
      co_await service->Reject(exchange, signable, *err);
      co_return;
    }
    signing = std::move(std::get<auth::SigningContext>(verified));
    principal = std::move(grant->principal);
  }

  RequestBody body(exchange, signing, DeclaredLength(exchange, signable, signing),
                   TrailerNames(signable));
  ApiRequest request{exchange, std::move(signable), std::move(principal), signing, body, now};
  co_await service->Handle(request);
}

}  // namespace coffer::gateway
