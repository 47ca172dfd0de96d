#include "audit/validate.h"

#include <set>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "audit/layout.h"
#include "audit/trail.h"
#include "base/encoding.h"
#include "base/files.h"
#include "crypto/hash.h"
#include "crypto/signing.h"

namespace coffer::audit {

using json = nlohmann::json;

ValidationReport ValidateTrail(const std::string& dir, const std::string& public_pem) {
  ValidationReport r;
  auto problem = [&](std::string p) { r.problems.push_back(std::move(p)); };
  std::set<std::string> covered;
  std::string prev_name, prev_sha, prev_sig, prev_end;
  for (const std::string& name : ListDigests(dir)) {
    ++r.digests;
    auto content = ReadFile(dir + "/" + name);
    auto sig_file = ReadFile(dir + "/" + name + ".sig");
    if (!content.ok()) {
      problem(name + ": unreadable");
      continue;
    }
    const std::string sha = HexLower(crypto::Sha256(*content));
    json d = json::parse(*content, nullptr, false);
    if (!d.is_object() || !d["digestEndTime"].is_string() || !d["logFiles"].is_array()) {
      problem(name + ": not a digest file");
      continue;
    }
    std::string sig_hex = sig_file.ok() ? std::string(absl::StripAsciiWhitespace(*sig_file)) : "";
    auto sig = HexDecode(sig_hex);
    const std::string declared_prev_sig =
        d["previousDigestSignature"].is_string() ? d["previousDigestSignature"].get<std::string>() : "";
    if (!sig || !crypto::VerifySha256Rsa(
                    public_pem,
                    DigestStringToSign(d["digestEndTime"], name, sha, declared_prev_sig), *sig)) {
      problem(name + ": signature is missing or does not verify (digest modified or forged)");
    }
    if (!prev_name.empty()) {
      if (d.value("previousDigestFile", json()) != json(prev_name))
        problem(name + ": does not follow " + prev_name + " (a digest was removed or reordered)");
      if (d.value("previousDigestHashValue", json()) != json(prev_sha))
        problem(name + ": the previous digest " + prev_name + " was modified");
      if (declared_prev_sig != prev_sig)
        problem(name + ": the previous digest's signature does not match");
      if (d.value("digestStartTime", "") != prev_end)
        problem(name + ": a gap in time after " + prev_name + " (a digest is missing)");
    }
    std::string last_newest;
    for (const auto& f : d["logFiles"]) {
      std::string file = f.value("file", "");
      ++r.log_files;
      covered.insert(file);
      auto sha = crypto::Sha256File(dir + "/" + file);
      if (!sha.ok()) {
        problem(file + ": deleted (named by " + name + ")");
        continue;
      }
      if (HexLower(*sha) != f.value("hashValue", ""))
        problem(file + ": modified (its SHA-256 differs from " + name + ")");
      std::string oldest = f.value("oldestEventTime", "");
      if (!last_newest.empty() && oldest < last_newest)
        problem(file + ": out of order in " + name);
      last_newest = f.value("newestEventTime", "");
    }
    prev_name = name;
    prev_sha = sha;
    prev_sig = sig_hex;
    prev_end = d["digestEndTime"];
  }
  for (const std::string& file : ListLogs(dir)) {
    if (!covered.count(file)) problem(file + ": not named by any digest (added, or renamed)");
  }
  return r;
}

}  // namespace coffer::audit
