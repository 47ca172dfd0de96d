#include "audit/trail.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "audit/layout.h"
#include "base/codec.h"
#include "base/encoding.h"
#include "base/files.h"
#include "base/ids.h"
#include "crypto/hash.h"
#include "crypto/signing.h"
#include "metrics/registry.h"

namespace coffer::audit {
namespace {

using json = nlohmann::json;

constexpr size_t kBatch = 1000;
constexpr auto kWriteInterval = std::chrono::milliseconds(200);

absl::Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write audit log");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

void DeclareMetrics() {
  auto& r = metrics::Global();
  r.Declare("coffer_audit_events_total", metrics::Type::kCounter,
            "Audit events, by result: written, or dropped because the queue was full.");
  r.Declare("coffer_audit_write_errors_total", metrics::Type::kCounter,
            "Failed writes of audit log files or digests (a full disk, ...); retried.");
  r.Declare("coffer_audit_queue_length", metrics::Type::kGauge,
            "Audit events waiting to be written.");
}

}  // namespace

std::string DigestStringToSign(const std::string& digest_end_time, const std::string& digest_path,
                               const std::string& digest_sha256_hex,
                               const std::string& previous_signature_hex) {
  return digest_end_time + "\n" + digest_path + "\n" + digest_sha256_hex + "\n" +
         previous_signature_hex;
}

Trail::Trail(TrailOptions options, storage::MetaStore* meta, SecretBytes key)
    : o_(std::move(options)), meta_(meta), key_(std::move(key)) {}

absl::StatusOr<std::unique_ptr<Trail>> Trail::Open(TrailOptions options,
                                                   storage::MetaStore* meta,
                                                   SecretBytes signing_key_pem) {
  DeclareMetrics();
  std::unique_ptr<Trail> t(new Trail(std::move(options), meta, std::move(signing_key_pem)));
  if (auto s = MakeDirs(t->o_.dir + "/" + kLogsDir); !s.ok()) return s;
  if (auto s = MakeDirs(t->o_.dir + "/" + kDigestsDir); !s.ok()) return s;
  // The chain continues from the newest digest.
  auto digests = ListDigests(t->o_.dir);
  if (!digests.empty()) {
    const std::string& last = digests.back();
    auto content = ReadFile(t->o_.dir + "/" + last);
    auto sig = ReadFile(t->o_.dir + "/" + last + ".sig");
    if (!content.ok() || !sig.ok()) return absl::DataLossError("unreadable digest " + last);
    json d = json::parse(*content, nullptr, false);
    if (!d.is_object()) return absl::DataLossError("unreadable digest " + last);
    t->last_digest_ = last;
    t->last_signature_hex_ = std::string(absl::StripAsciiWhitespace(*sig));
    if (auto end = ParseEventTime(d.value("digestEndTime", ""))) t->last_digest_end_ = *end;
  }
  if (auto s = t->RecoverOpenFiles(); !s.ok()) return s;
  t->writer_ = std::thread([p = t.get()] { p->Run(); });
  return t;
}

Trail::~Trail() { Stop(); }

bool Trail::Record(Event event) {
  if (event.management && selectors_ &&
      !selectors_->LogsManagement(event.recipient_account, event.read_only))
    return true;  // the account's trail leaves these out
  if (event.event_id.empty()) event.event_id = NewUuid();
  Pending p{event.ToRecord(), event.time, "", std::move(event.event_id)};
  if (event.management)
    p.account = event.recipient_account.empty() ? "000000000000" : event.recipient_account;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= o_.queue_limit) {
      metrics::Global().Add("coffer_audit_events_total", {{"result", "dropped"}});
      return false;
    }
    queue_.push_back(std::move(p));
    // The writer wakes every kWriteInterval by itself; waking it for each event would
    // cost a context switch per request. Only a full batch calls it early.
    if (queue_.size() % kBatch != 0) return true;
  }
  cv_.notify_one();
  return true;
}

void Trail::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !writer_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_one();
  if (writer_.joinable()) writer_.join();
}

void Trail::Run() {
  while (true) {
    std::vector<Pending> batch;
    bool stop;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, kWriteInterval, [&] { return stopping_ || queue_.size() >= kBatch; });
      while (!queue_.empty() && batch.size() < kBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stop = stopping_ && queue_.empty();
      metrics::Global().Set("coffer_audit_queue_length", {}, static_cast<double>(queue_.size()));
    }
    const absl::Time now = absl::Now();
    if (!batch.empty()) {
      absl::Status s = WriteBatch(batch);
      if (!s.ok()) {
        metrics::Global().Add("coffer_audit_write_errors_total", {});
        if (now - last_error_report_ > absl::Minutes(1)) {
          std::fprintf(stderr, "coffer: audit log write failed (will retry): %s\n",
                       std::string(s.message()).c_str());
          last_error_report_ = now;
        }
        if (stop) {  // shutting down and still failing: say what is lost
          std::fprintf(stderr, "coffer: %zu audit events could not be written\n", batch.size());
          break;
        }
        std::unique_lock lock(mu_);
        for (auto it = batch.rbegin(); it != batch.rend(); ++it) queue_.push_front(std::move(*it));
        cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; });
        continue;
      }
      metrics::Global().Add("coffer_audit_events_total", {{"result", "written"}},
                            static_cast<double>(batch.size()));
    }
    if (fd_ >= 0 && now - last_sync_ >= absl::Seconds(1)) {
      fdatasync(fd_);
      last_sync_ = now;
    }
    if (fd_ >= 0 && (now - file_opened_ >= o_.rotate_every || file_bytes_ >= o_.max_file_bytes)) {
      if (auto s = CloseFile(); s.ok()) {
        if (auto d = WriteDigest(); !d.ok())
          std::fprintf(stderr, "coffer: audit digest failed: %s\n", std::string(d.message()).c_str());
      }
    }
    if (now - last_prune_ >= absl::Hours(1)) PruneIndex(now);
    if (stop) break;
  }
  if (fd_ >= 0) (void)CloseFile();
  if (!undigested_.empty()) {
    if (auto d = WriteDigest(); !d.ok())
      std::fprintf(stderr, "coffer: audit digest failed: %s\n", std::string(d.message()).c_str());
  }
}

absl::Status Trail::WriteBatch(const std::vector<Pending>& batch) {
  const absl::Time now = absl::Now();
  if (fd_ < 0) {
    file_ = LogFileName(o_.region, now);
    const std::string path = o_.dir + "/" + file_;
    if (auto s = MakeDirs(ParentDir(path)); !s.ok()) return s;
    fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd_ < 0) return ErrnoStatus("create " + path);
    SyncDir(ParentDir(path));
    file_opened_ = now;
    file_bytes_ = 0;
    file_events_ = 0;
    file_oldest_ = absl::InfiniteFuture();
    file_newest_ = absl::InfinitePast();
  }
  std::string out = file_bytes_ == 0 ? std::string(kLogHeader) : "";
  size_t bytes = out.size();
  for (const Pending& e : batch) bytes += e.record.size() + 2;
  out.reserve(bytes);
  storage::WriteBatch index;
  size_t n = file_events_;
  for (const Pending& e : batch) {
    out += n++ == 0 ? "\n" : ",\n";
    const size_t at = out.size();
    out += e.record;
    // Only management events are looked up (CloudTrail's LookupEvents); the index
    // says where each one lies in the file rather than holding a second copy.
    if (e.account.empty()) continue;
    index.Put(storage::Table::kAudit, IndexKey(e.account, e.time, e.event_id),
              IndexValue({file_, file_bytes_ + at, out.size() - at}));
  }
  if (auto s = WriteAll(fd_, out); !s.ok()) {
    if (ftruncate(fd_, static_cast<off_t>(file_bytes_)) != 0) { /* reported by the caller */ }
    return s;
  }
  file_bytes_ += out.size();
  file_events_ = n;
  for (const Pending& e : batch) {
    file_oldest_ = std::min(file_oldest_, e.time);
    file_newest_ = std::max(file_newest_, e.time);
  }
  // The index is a convenience for LookupEvents; the files are the record.
  if (!index.empty()) (void)meta_->Write(index, /*sync=*/false);
  return absl::OkStatus();
}

absl::Status Trail::CloseFile() {
  if (auto s = WriteAll(fd_, kLogFooter); !s.ok()) return s;
  if (fdatasync(fd_) != 0) return ErrnoStatus("fdatasync " + file_);
  close(fd_);
  fd_ = -1;
  undigested_.push_back({file_, file_oldest_, file_newest_});
  return absl::OkStatus();
}

absl::Status Trail::WriteDigest() {
  const absl::Time end = absl::Now();
  json d;
  d["digestStartTime"] = FormatEventTime(last_digest_end_ == absl::InfinitePast()
                                             ? undigested_.front().oldest
                                             : last_digest_end_);
  d["digestEndTime"] = FormatEventTime(end);
  d["awsRegion"] = o_.region;
  d["digestSignatureAlgorithm"] = "SHA256withRSA";
  auto pub = crypto::RsaPublicKeyOf(key_);
  if (!pub.ok()) return pub.status();
  d["digestPublicKeyFingerprint"] = HexLower(crypto::Sha256(*pub));
  d["previousDigestFile"] = last_digest_.empty() ? json(nullptr) : json(last_digest_);
  if (last_digest_.empty()) {
    d["previousDigestHashValue"] = nullptr;
    d["previousDigestSignature"] = nullptr;
  } else {
    auto prev = ReadFile(o_.dir + "/" + last_digest_);
    if (!prev.ok()) return prev.status();
    d["previousDigestHashValue"] = HexLower(crypto::Sha256(*prev));
    d["previousDigestSignature"] = last_signature_hex_;
  }
  d["previousDigestHashAlgorithm"] = "SHA-256";
  json files = json::array();
  for (const Closed& c : undigested_) {
    auto sha = crypto::Sha256File(o_.dir + "/" + c.path);
    if (!sha.ok()) return sha.status();
    files.push_back({{"file", c.path},
                     {"hashValue", HexLower(*sha)},
                     {"hashAlgorithm", "SHA-256"},
                     {"oldestEventTime", FormatEventTime(c.oldest)},
                     {"newestEventTime", FormatEventTime(c.newest)}});
  }
  d["logFiles"] = files;
  const std::string content = d.dump(2) + "\n";
  std::string name = DigestFileName(o_.region, end);
  for (int i = 1; FileExists(o_.dir + "/" + name) || name <= last_digest_; ++i)
    name = DigestFileName(o_.region, end, i);
  const std::string to_sign = DigestStringToSign(d["digestEndTime"], name,
                                                 HexLower(crypto::Sha256(content)),
                                                 last_signature_hex_);
  auto sig = crypto::SignSha256Rsa(key_, to_sign);
  if (!sig.ok()) return sig.status();
  const std::string sig_hex = HexLower(*sig);
  // The signature first: a digest is never visible without it.
  if (auto s = WriteFileAtomically(o_.dir + "/" + name + ".sig", sig_hex + "\n", 0644); !s.ok())
    return s;
  if (auto s = WriteFileAtomically(o_.dir + "/" + name, content, 0644); !s.ok()) return s;
  last_digest_ = name;
  last_signature_hex_ = sig_hex;
  last_digest_end_ = end;
  undigested_.clear();
  return absl::OkStatus();
}

absl::Status Trail::RecoverOpenFiles() {
  // Every log file named by some digest is done; the others were being written when
  // the process stopped without Stop(): keep their complete records, close them, and
  // digest them now.
  std::set<std::string> covered;
  for (const std::string& name : ListDigests(o_.dir)) {
    auto content = ReadFile(o_.dir + "/" + name);
    if (!content.ok()) continue;
    json d = json::parse(*content, nullptr, false);
    if (!d.is_object() || !d["logFiles"].is_array()) continue;
    for (const auto& f : d["logFiles"])
      if (f.contains("file") && f["file"].is_string()) covered.insert(f["file"]);
  }
  for (const std::string& file : ListLogs(o_.dir)) {
    if (covered.count(file)) continue;
    auto content = ReadFile(o_.dir + "/" + file, size_t{1} << 31);
    if (!content.ok()) return content.status();
    std::string repaired(kLogHeader);
    absl::Time oldest = absl::InfiniteFuture(), newest = absl::InfinitePast();
    size_t n = 0;
    std::vector<std::string> lines = absl::StrSplit(*content, '\n');
    for (size_t i = 1; i < lines.size(); ++i) {
      std::string_view line = lines[i];  // a record, with a comma when another follows
      if (line.ends_with(",")) line.remove_suffix(1);
      json e = json::parse(line, nullptr, false);
      if (!e.is_object()) break;  // the footer, or a record cut short
      if (auto t = ParseEventTime(e.value("eventTime", ""))) {
        oldest = std::min(oldest, *t);
        newest = std::max(newest, *t);
      }
      repaired += n++ == 0 ? "\n" : ",\n";
      repaired += line;
    }
    repaired += kLogFooter;
    if (repaired != *content) {
      if (auto s = WriteFileAtomically(o_.dir + "/" + file, repaired, 0600); !s.ok()) return s;
    }
    if (n == 0) oldest = newest = absl::Now();
    undigested_.push_back({file, oldest, newest});
  }
  if (!undigested_.empty()) return WriteDigest();
  return absl::OkStatus();
}

void Trail::PruneIndex(absl::Time now) {
  last_prune_ = now;
  // Keys are account | inverted time, so each account's entries older than the cutoff
  // are the tail of its range: seek to it rather than read every newer entry.
  const absl::Time last_kept = now - o_.retention;
  storage::WriteBatch batch;
  auto it = meta_->Scan(storage::Table::kAudit, "");
  while (it->Valid() && batch.ops().size() < 10000) {
    const std::string account(it->key().substr(0, 12));
    it->Seek(IndexSeekKey(account, last_kept - absl::Microseconds(1)));
    for (; it->Valid() && it->key().starts_with(account) && batch.ops().size() < 10000;
         it->Next())
      batch.Delete(storage::Table::kAudit, it->key());
  }
  if (!batch.empty()) (void)meta_->Write(batch, false);
}

}  // namespace coffer::audit
