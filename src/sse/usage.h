// Usage: how many objects each SSE mode wrote and read, per bucket and requesting
// account, the request counts Storage Lens reports for encryption. Counted in memory
// on the request path; Flush() adds them to the metadata store (the server flushes
// once a minute and at shutdown), where `coffer admin stats` reads them. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/meta_store.h"

namespace coffer::sse {

struct UsageRow {
  std::string bucket, account, mode, direction;  // mode: sse/record.h ModeName
  uint64_t count = 0;
};

class Usage {
 public:
  explicit Usage(storage::MetaStore* meta) : meta_(meta) {}
  void Count(const std::string& account, const std::string& bucket, const std::string& mode,
             const std::string& direction);
  absl::Status Flush();
  // Everything flushed so far.
  static absl::StatusOr<std::vector<UsageRow>> Read(storage::MetaStore* meta);

 private:
  storage::MetaStore* meta_;
  std::mutex mu_;
  // By bucket, account, mode, direction; looked up with views (std::less<>), copied on
  // a series' first request only.
  std::map<std::tuple<std::string, std::string, std::string, std::string>, uint64_t,
           std::less<>>
      pending_;
};

}  // namespace coffer::sse
