// S3Service: the S3 REST API front end. Resolves the bucket and key, picks the
// operation from method, path and query, checks that the caller may use the bucket,
// runs the operation and renders S3 errors as XML.
//
// Access rule until the policy engine exists: only authenticated principals of the
// account that owns a bucket may use it (anything else: 403 AccessDenied).
#pragma once

#include "gateway/gateway.h"
#include "s3/catalog.h"
#include "s3/names.h"
#include "s3/request.h"

namespace coffer::s3 {

class S3Service : public gateway::ApiService {
 public:
  S3Service(Catalog* catalog, ServiceConfig config)
      : catalog_(catalog), config_(std::move(config)) {}

  http::Task<void> Handle(gateway::ApiRequest& request) override;
  http::Task<void> Reject(http::Exchange& exchange, const auth::SignableRequest& request,
                          const auth::Error& error) override;
  http::Task<void> Fail(http::Exchange& exchange, const absl::Status& status) override;
  std::string SigV2Resource(const auth::SignableRequest& request) const override;

 private:
  http::Task<OpResult> Dispatch(S3Context& ctx);
  std::optional<Address> ResolveAddressFor(const http::RequestHeader& header,
                                           const std::string& raw_path) const;
  Catalog* catalog_;
  ServiceConfig config_;
};

// Renders an S3 error response (no body for HEAD, as S3 does).
http::Task<void> SendError(http::Exchange& exchange, const S3Error& error);

}  // namespace coffer::s3
