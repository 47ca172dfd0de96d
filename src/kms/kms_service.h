// KmsService: the AWS KMS JSON 1.1 API (X-Amz-Target: TrentService.<Operation>) on
// the shared endpoint, SigV4 service "kms". It validates input as AWS's model does,
// applies the request-rate quotas, calls the Kms engine and answers with AWS's field
// names; errors are {"__type": exception, "message": ...} with KMS's HTTP statuses.
#pragma once

#include <string>
#include <vector>

#include "audit/trail.h"
#include "gateway/gateway.h"
#include "kms/kms.h"
#include "kms/rate_limiter.h"

namespace coffer::kms {

class KmsService : public gateway::ApiService {
 public:
  KmsService(Kms* kms, RateLimiter limiter);

  http::Task<void> Handle(gateway::ApiRequest& request) override;
  http::Task<void> Reject(http::Exchange& exchange, const auth::SignableRequest& request,
                          const auth::Error& error) override;
  http::Task<void> Fail(http::Exchange& exchange, const absl::Status& status) override;

  // The operations this service implements (for the coverage report and tests).
  static std::vector<std::string> Operations();

  struct Reply {
    int status = 200;
    std::string body;
  };
  // Runs one operation on a JSON body (exposed for tests). With `event`, fills in its
  // parameters, response elements (never a plaintext or ciphertext), resources and
  // outcome for the audit trail.
  Reply Run(const std::string& operation, const std::string& body, Caller caller,
            audit::Event* event = nullptr);
  // Every call is recorded there (nullptr: no audit).
  void set_trail(audit::Trail* trail) { trail_ = trail; }

 private:
  Kms* kms_;
  RateLimiter limiter_;
  audit::Trail* trail_ = nullptr;
};

}  // namespace coffer::kms
