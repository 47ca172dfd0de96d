// IamService and StsService: the IAM and STS Query APIs on the shared endpoint
// (credential scopes "iam" and "sts"). Every IAM action is authorized by the caller's
// identity policies (an account's root may do everything in its account); AssumeRole
// also by the role's trust policy.
#pragma once

#include <string>

#include "base/xml.h"
#include "iam_api/query.h"
#include "gateway/gateway.h"
#include "iam/authorizer.h"
#include "iam/identity_store.h"
#include "iam/policy_store.h"

namespace coffer::iam_api {

// What both services read: identities, policies, and the engine that evaluates them.
class IamBackedService : public QueryService {
 protected:
  IamBackedService(std::string xmlns, std::string event_source, iam::IdentityStore* identities,
                   iam::PolicyStore* policies, const iam::Authorizer* authorizer)
      : QueryService(std::move(xmlns), std::move(event_source)),
        identities_(identities),
        policies_(policies),
        authorizer_(authorizer) {}

  iam::IdentityStore* identities_;
  iam::PolicyStore* policies_;
  const iam::Authorizer* authorizer_;
};

class IamService final : public IamBackedService {
 public:
  IamService(iam::IdentityStore* identities, iam::PolicyStore* policies,
             const iam::Authorizer* authorizer)
      : IamBackedService("https://iam.amazonaws.com/doc/2010-05-08/", "iam.amazonaws.com",
                         identities, policies, authorizer) {}

 protected:
  Outcome Run(gateway::ApiRequest& request, const QueryParams& params) override;
};

class StsService final : public IamBackedService {
 public:
  StsService(iam::IdentityStore* identities, iam::PolicyStore* policies,
             const iam::Authorizer* authorizer)
      : IamBackedService("https://sts.amazonaws.com/doc/2011-06-15/", "sts.amazonaws.com",
                         identities, policies, authorizer) {}

 protected:
  Outcome Run(gateway::ApiRequest& request, const QueryParams& params) override;
};

}  // namespace coffer::iam_api
