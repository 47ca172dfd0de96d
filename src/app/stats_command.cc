#include "app/stats_command.h"

#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

#include "s3/encryption.h"
#include "sse/record.h"
#include "sse/usage.h"

namespace coffer::app {
namespace {

using json = nlohmann::json;

const char* kModes[] = {"sse-s3", "sse-kms", "sse-kms-bucket-key", "dsse-kms", "sse-c"};

bool IsKms(const std::string& mode) { return mode == "sse-kms" || mode == "sse-kms-bucket-key"; }

double Share(uint64_t part, uint64_t whole) {
  return whole ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

struct Tally {
  std::map<std::string, uint64_t> by_mode;
  uint64_t total = 0, kms = 0;
  void Add(const std::string& mode, uint64_t n) {
    by_mode[mode] += n;
    total += n;
    if (IsKms(mode)) kms += n;
  }
  json ToJson() const {
    json modes = json::object();
    for (const char* m : kModes) modes[m] = by_mode.count(m) ? by_mode.at(m) : 0;
    return {{"Requests", total}, {"SseKmsRequests", kms},
            {"SseKmsRequestShare", Share(kms, total)}, {"RequestsByMode", modes}};
  }
};

}  // namespace

absl::StatusOr<nlohmann::json> EncryptionStats(Stores& stores) {
  auto rows = sse::Usage::Read(stores.meta.get());
  if (!rows.ok()) return rows.status();
  std::map<std::string, Tally> by_bucket, by_account;
  for (const auto& r : *rows) {
    by_bucket[r.bucket].Add(r.mode, r.count);
    by_account[r.account].Add(r.mode, r.count);
  }
  auto accounts = stores.identities->ListAccounts();
  if (!accounts.ok()) return accounts.status();
  json out_accounts = json::array(), out_buckets = json::array();
  for (const auto& a : *accounts) {
    auto buckets = stores.catalog->ListBuckets(a.id);
    if (!buckets.ok()) return buckets.status();
    int kms_default = 0;
    for (const auto& b : *buckets) {
      auto doc = stores.catalog->GetBucketConfig(b.name, "encryption");
      if (!doc.ok()) return doc.status();
      s3::BucketEncryption e;
      if (*doc) {
        auto parsed = s3::ParseBucketEncryption(**doc);
        if (auto* ok = std::get_if<s3::BucketEncryption>(&parsed)) e = *ok;
      }
      const bool kms = e.algorithm == sse::Algorithm::kKms || e.algorithm == sse::Algorithm::kDsse;
      kms_default += kms;
      json row = {{"Bucket", b.name},
                  {"AccountId", a.id},
                  {"DefaultEncryption", sse::ModeName(e.algorithm, e.bucket_key)},
                  {"SseKmsDefault", kms},
                  {"BucketKeyEnabled", e.bucket_key}};
      row.update(by_bucket[b.name].ToJson());
      out_buckets.push_back(std::move(row));
    }
    json row = {{"AccountId", a.id},
                {"Buckets", buckets->size()},
                {"SseKmsDefaultBuckets", kms_default},
                {"SseKmsDefaultBucketShare", Share(kms_default, buckets->size())}};
    row.update(by_account[a.id].ToJson());
    out_accounts.push_back(std::move(row));
  }
  return json{{"Accounts", out_accounts}, {"Buckets", out_buckets}};
}

std::string StatsTable(const nlohmann::json& stats) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof(line), "%-14s %8s %14s %10s %10s %10s\n", "ACCOUNT", "BUCKETS",
                "SSE-KMS-DEFAULT", "REQUESTS", "SSE-KMS", "SHARE");
  out += line;
  for (const auto& a : stats["Accounts"]) {
    std::snprintf(line, sizeof(line), "%-14s %8d %9d (%3.0f%%) %10llu %10llu %9.1f%%\n",
                  a["AccountId"].get<std::string>().c_str(), a["Buckets"].get<int>(),
                  a["SseKmsDefaultBuckets"].get<int>(),
                  100 * a["SseKmsDefaultBucketShare"].get<double>(),
                  static_cast<unsigned long long>(a["Requests"].get<uint64_t>()),
                  static_cast<unsigned long long>(a["SseKmsRequests"].get<uint64_t>()),
                  100 * a["SseKmsRequestShare"].get<double>());
    out += line;
  }
  out += "\n";
  std::snprintf(line, sizeof(line), "%-24s %-14s %-20s", "BUCKET", "ACCOUNT", "DEFAULT");
  out += line;
  for (const char* m : kModes) {
    std::snprintf(line, sizeof(line), " %18s", m);
    out += line;
  }
  out += "\n";
  for (const auto& b : stats["Buckets"]) {
    std::snprintf(line, sizeof(line), "%-24s %-14s %-20s", b["Bucket"].get<std::string>().c_str(),
                  b["AccountId"].get<std::string>().c_str(),
                  b["DefaultEncryption"].get<std::string>().c_str());
    out += line;
    for (const char* m : kModes) {
      std::snprintf(line, sizeof(line), " %18llu",
                    static_cast<unsigned long long>(b["RequestsByMode"][m].get<uint64_t>()));
      out += line;
    }
    out += "\n";
  }
  return out;
}

}  // namespace coffer::app
