// Fuzz target for the policy parser and evaluator: any input either fails to parse
// with InvalidArgument or yields a policy whose evaluation is total and stable.
// Built with libFuzzer by scripts/fuzz.sh, and replayed over policy_corpus/ (plus
// mutations) by ctest in every build.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "iam/policy.h"

namespace {

using coffer::iam::AuthzRequest;
using coffer::iam::Decision;
using coffer::iam::Policy;
using coffer::iam::PolicyKind;

AuthzRequest Probe(int i) {
  AuthzRequest r;
  r.action = i % 2 ? "s3:PutObject" : "kms:Decrypt";
  r.resource = i % 3 ? "arn:aws:s3:::amzn-s3-demo-bucket/k" : "*";
  r.principal.account = "111122223333";
  r.principal.arn = i % 2 ? "arn:aws:iam::111122223333:user/alice"
                          : "arn:aws:iam::111122223333:root";
  r.principal.anonymous = i == 4;
  r.context.Set("aws:username", "alice");
  r.context.Set("aws:SourceIp", i % 2 ? "192.0.2.1" : "2001:db8::1");
  r.context.Set("aws:CurrentTime", "2026-11-24T06:00:00Z");
  r.context.Set("aws:SecureTransport", i % 2 ? "true" : "false");
  if (i % 3 == 0) r.context.Set("s3:x-amz-server-side-encryption", "aws:kms");
  r.context.Add("kms:EncryptionContextKeys", "app");
  if (i > 2) r.context.Add("kms:EncryptionContextKeys", "env");
  return r;
}

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (PolicyKind kind : {PolicyKind::kIdentity, PolicyKind::kResource}) {
    auto policy = Policy::Parse(text, kind);
    if (!policy.ok()) {
      Check(policy.status().code() == absl::StatusCode::kInvalidArgument);
      Check(!policy.status().message().empty());
      continue;
    }
    // Re-parsing the kept text gives a policy that decides the same way.
    auto again = Policy::Parse((*policy)->text(), kind);
    Check(again.ok());
    (void)(*policy)->IsPublic();
    for (int i = 0; i < 6; ++i) {
      AuthzRequest r = Probe(i);
      Decision d = (*policy)->Evaluate(r).decision;
      Check((*again)->Evaluate(r).decision == d);
    }
  }
  return 0;
}
