// The CloudTrail JSON API (SigV4 service "cloudtrail") over Coffer's audit trail:
// LookupEvents (an account's management events, one lookup attribute, a time range,
// pages of up to 50), PutEventSelectors and GetEventSelectors (which S3 data events
// the account's trail records). `aws cloudtrail lookup-events --endpoint-url ...` works.
#pragma once

#include "audit/selectors.h"
#include "gateway/gateway.h"
#include "iam/authorizer.h"
#include "storage/meta_store.h"

namespace coffer::cloudtrail {

class CloudTrailService : public gateway::ApiService {
 public:
  // `audit_dir`: the trail's folder, where LookupEvents reads records.
  CloudTrailService(storage::MetaStore* meta, std::string audit_dir,
                    audit::EventSelectors* selectors, const iam::Authorizer* authorizer,
                    std::string region)
      : meta_(meta),
        audit_dir_(std::move(audit_dir)),
        selectors_(selectors),
        authorizer_(authorizer),
        region_(std::move(region)) {}

  http::Task<void> Handle(gateway::ApiRequest& request) override;
  http::Task<void> Reject(http::Exchange& exchange, const auth::SignableRequest& request,
                          const auth::Error& error) override;
  http::Task<void> Fail(http::Exchange& exchange, const absl::Status& status) override;

  struct Reply {
    int status = 200;
    std::string body;
  };
  Reply Run(const gateway::ApiRequest& request, const std::string& operation,
            const std::string& body);

 private:
  storage::MetaStore* meta_;
  std::string audit_dir_;
  audit::EventSelectors* selectors_;
  const iam::Authorizer* authorizer_;
  std::string region_;
};

}  // namespace coffer::cloudtrail
