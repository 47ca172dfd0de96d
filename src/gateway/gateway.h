// Gateway: the one HTTP handler. It authenticates every request with SigV4 and hands
// it to the service its credential scope names (s3, later kms, iam, sts, cloudtrail).
// Unsigned requests go to S3 as anonymous. Authentication failures are answered by the
// chosen service in its own protocol (S3 XML, KMS JSON, ...).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "audit/event.h"
#include "auth/sigv4.h"
#include "gateway/request_body.h"
#include "http/exchange.h"
#include "iam/identity_store.h"

namespace coffer::gateway {

// An authenticated request, ready for a service.
struct ApiRequest {
  http::Exchange& exchange;
  auth::SignableRequest signable;          // method, raw path, raw query, headers
  std::optional<iam::Principal> principal;  // nullopt: anonymous
  const auth::SigningContext& signing;
  RequestBody& body;
  absl::Time received;
};

class ApiService {
 public:
  virtual ~ApiService() = default;
  virtual http::Task<void> Handle(ApiRequest& request) = 0;
  // Answers a request that failed authentication before reaching Handle().
  virtual http::Task<void> Reject(http::Exchange& exchange, const auth::SignableRequest& request,
                                  const auth::Error& error) = 0;
  // Answers when the server failed (e.g. the identity store could not be read).
  virtual http::Task<void> Fail(http::Exchange& exchange, const absl::Status& status) = 0;
  // The resource SigV2 signs ("/bucket/key"); only S3 accepts SigV2.
  virtual std::string SigV2Resource(const auth::SignableRequest& request) const {
    return request.raw_path;
  }
};

// An audit event for `request`, with who, from where, when and the request id filled;
// the service adds the parameters, outcome and resources.
audit::Event AuditEventFor(const ApiRequest& request, std::string source, std::string name,
                           std::string region);

// The JSON 1.1 protocol (KMS, CloudTrail): answers `body` with `status`, and the
// exception an authentication failure is, as those services name it.
http::Task<void> SendJson(http::Exchange& exchange, int status, const std::string& body);
struct JsonError {
  std::string type, message;
};
JsonError JsonAuthError(const auth::Error& error);

// Reads a whole (small) request body; nullopt when it fails or exceeds `limit` bytes.
// For the JSON and Query APIs, whose bodies the gateway has already verified.
http::Task<std::optional<std::string>> ReadWholeBody(ApiRequest& request, size_t limit);

class Gateway {
 public:
  Gateway(iam::IdentityStore* identities, std::string region, ApiService* s3);
  // Registers the service for credential scope `name` ("kms", "iam", ...).
  void AddService(const std::string& name, ApiService* service);

  // Authenticates, hands the request to its service, and records it in the metrics.
  http::Task<void> Serve(http::Exchange& exchange);

 private:
  http::Task<void> Dispatch(http::Exchange& exchange, absl::Time now);
  struct Authenticated {
    ApiService* service;
    std::optional<iam::Principal> principal;
    auth::SigningContext signing;
  };
  // Verifies the request's signature; on failure answers it and returns nullopt. A body
  // read whole to check the signature is left in `prefetched`.
  http::Task<std::optional<Authenticated>> Authenticate(http::Exchange& exchange,
                                                        const auth::SignableRequest& signable,
                                                        absl::Time now, std::string& prefetched);

  iam::IdentityStore* identities_;
  std::string region_;
  ApiService* s3_;
  std::map<std::string, ApiService*> services_;
};

// The request metrics (coffer_requests_total and friends): declared by the Gateway's
// constructor, and a finished request counted.
void DeclareRequestMetrics();
void RecordRequest(const http::Exchange& exchange, absl::Duration took);

// The SignableRequest view of an HTTP request (exposed for tests).
auth::SignableRequest ToSignable(const http::RequestHeader& header);

}  // namespace coffer::gateway
