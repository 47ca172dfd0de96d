// ValidateTrail: checks an audit folder the way `aws cloudtrail validate-logs` checks a
// trail: every digest's signature (with the trail's public key), the chain from each
// digest to the one before (its file name, SHA-256 and signature), each log file a
// digest names (present, same SHA-256), time continuity between digests, and that no
// log file is left out of every digest. A modified, deleted, added or reordered log or
// digest file shows up as a problem. The first digest's predecessor is not checked
// (that is where validation starts).
#pragma once

#include <string>
#include <vector>

namespace coffer::audit {

struct ValidationReport {
  int digests = 0;
  int log_files = 0;
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

ValidationReport ValidateTrail(const std::string& dir, const std::string& public_pem);

}  // namespace coffer::audit
