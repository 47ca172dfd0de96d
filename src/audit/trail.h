// Trail: Coffer's audit log, CloudTrail-shaped and tamper-evident.
//
// Record() turns an event into its CloudTrail record on the caller's thread and queues
// the text (a bounded queue: a request never waits for the disk; when the queue is full
// the event is dropped and counted). The event itself, with its many small allocations,
// is freed where it was made: a writer thread that freed them would cost every caller
// cold memory from the allocator. One writer thread:
//   - appends events to the current log file, logs/YYYY/MM/DD/REGION_CloudTrail_
//     STAMP_ID.json, a CloudTrail file ({"Records":[...]}), synced at least every second;
//   - indexes the management events for LookupEvents (metadata table kAudit: account,
//     newest first, and where the record lies in its log file);
//   - every `rotate_every`, at `max_file_bytes`, and at Stop(), closes the file and
//     writes a digest, digests/YYYY/MM/DD/REGION_CloudTrail-Digest_STAMP.json, naming
//     each new log file with its SHA-256, chained to the previous digest by that
//     digest's hash and signature, and signed (SHA256withRSA) in a .sig file beside it.
// A write error (a full disk) is reported on stderr and in the metrics, and the batch
// is kept and retried; nothing is dropped silently. Log files left open by a crash are
// closed and digested at the next Open(). Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "audit/event.h"
#include "audit/selectors.h"
#include "base/secret.h"
#include "storage/meta_store.h"

namespace coffer::audit {

struct TrailOptions {
  std::string dir;  // the audit folder (logs/ and digests/ are made in it)
  std::string region = "us-east-1";
  absl::Duration rotate_every = absl::Minutes(5);
  uint64_t max_file_bytes = 32 << 20;
  size_t queue_limit = 100000;
  absl::Duration retention = absl::Hours(24 * 90);  // index entries older are pruned
};

// The string a digest's signature covers, as CloudTrail builds it.
std::string DigestStringToSign(const std::string& digest_end_time, const std::string& digest_path,
                               const std::string& digest_sha256_hex,
                               const std::string& previous_signature_hex);

class Trail {
 public:
  static absl::StatusOr<std::unique_ptr<Trail>> Open(TrailOptions options,
                                                     storage::MetaStore* meta,
                                                     SecretBytes signing_key_pem);
  ~Trail();

  // Queues the record of `event` for writing; false when the queue is full and it was
  // dropped.
  bool Record(Event event);
  // Writes everything queued, closes the log file and writes its digest.
  void Stop();
  // Management events of accounts whose selectors leave them out are not recorded.
  void set_selectors(const EventSelectors* selectors) { selectors_ = selectors; }

 private:
  // An event as the writer needs it.
  struct Pending {
    std::string record;   // Event::ToRecord()
    absl::Time time;
    std::string account;  // where LookupEvents finds it; empty: a data event, not indexed
    std::string event_id;
  };

  Trail(TrailOptions options, storage::MetaStore* meta, SecretBytes key);
  void Run();
  absl::Status WriteBatch(const std::vector<Pending>& batch);
  absl::Status CloseFile();
  absl::Status WriteDigest();
  absl::Status RecoverOpenFiles();
  void PruneIndex(absl::Time now);

  TrailOptions o_;
  storage::MetaStore* meta_;
  SecretBytes key_;
  const EventSelectors* selectors_ = nullptr;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::thread writer_;

  // Writer-thread state.
  int fd_ = -1;
  std::string file_;  // relative to o_.dir
  uint64_t file_bytes_ = 0;
  size_t file_events_ = 0;
  absl::Time file_opened_, file_oldest_, file_newest_;
  struct Closed {
    std::string path;
    absl::Time oldest, newest;
  };
  std::vector<Closed> undigested_;
  std::string last_digest_, last_signature_hex_;
  absl::Time last_digest_end_ = absl::InfinitePast();
  absl::Time last_sync_ = absl::InfinitePast(), last_prune_ = absl::InfinitePast();
  absl::Time last_error_report_ = absl::InfinitePast();
};

}  // namespace coffer::audit
