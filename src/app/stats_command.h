// `coffer admin stats`: encryption statistics like S3 Storage Lens gives them, per
// account and per bucket: objects written and read in each SSE mode (requests), the
// number and share of SSE-KMS requests, and buckets whose default encryption is
// SSE-KMS (or DSSE-KMS) with their share. Request counts are the ones the server saved
// (once a minute and at shutdown); per account means the requesting account.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "app/bootstrap.h"

namespace coffer::app {

absl::StatusOr<nlohmann::json> EncryptionStats(Stores& stores);
std::string StatsTable(const nlohmann::json& stats);

}  // namespace coffer::app
