#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/ids.h"
#include "storage/blob_store.h"

namespace coffer::storage {
namespace {

absl::Status Errno(const char* what, const std::string& path) {
  int e = errno;
  std::string msg = absl::StrCat(what, " ", path, ": ", std::strerror(e));
  if (e == ENOSPC || e == EDQUOT) return absl::ResourceExhaustedError(msg);
  if (e == ENOENT) return absl::NotFoundError(msg);
  return absl::InternalError(msg);
}

// The entries of folder `path`, without "." and "..".
absl::StatusOr<std::vector<std::string>> ListNames(const std::string& path) {
  DIR* d = opendir(path.c_str());
  if (!d) return Errno("opendir", path);
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(d);
  return names;
}

absl::Status MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) return absl::OkStatus();
  return Errno("mkdir", path);
}

absl::Status SyncDir(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open", path);
  int rc = fsync(fd);
  close(fd);
  return rc == 0 ? absl::OkStatus() : Errno("fsync", path);
}

bool ValidId(const std::string& id) {
  if (id.size() != 32) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

// Holds the first inline_max bytes in memory and spills to a staging file past that.
class SpillingBlobWriter : public BlobWriter {
 public:
  SpillingBlobWriter(BlobStore* store, std::string id) : store_(store), id_(std::move(id)) {}
  ~SpillingBlobWriter() override {
    if (fd_ >= 0) close(fd_);
    if (!path_.empty() && !committed_) unlink(path_.c_str());
  }
  const std::string& id() const override { return id_; }
  uint64_t size() const override { return size_; }

  absl::Status Append(std::string_view data) override {
    if (path_.empty()) {
      if (held_.size() + data.size() <= store_->inline_max_) {
        held_.append(data);
        size_ += data.size();
        return absl::OkStatus();
      }
      if (auto s = Spill(); !s.ok()) return s;
    }
    if (auto s = Write(data); !s.ok()) return s;
    size_ += data.size();
    return absl::OkStatus();
  }

  absl::Status Commit(WriteBatch& batch) override {
    if (path_.empty()) {
      if (size_ > 0) batch.Put(Table::kBlobData, id_, held_);
      committed_ = true;
      return absl::OkStatus();
    }
    if (auto s = WriteOut(); !s.ok()) return s;
    if (fdatasync(fd_) != 0) return Errno("fdatasync", path_);
    if (close(fd_) != 0) {
      fd_ = -1;
      return Errno("close", path_);
    }
    fd_ = -1;
    if (auto s = SyncDir(store_->dir_ + "/staging"); !s.ok()) return s;
    committed_ = true;
    return absl::OkStatus();
  }

 private:
  absl::Status Spill() {
    std::string path = store_->StagingPath(id_);
    fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0) return Errno("create", path);
    path_ = std::move(path);
    if (auto s = Write(held_); !s.ok()) return s;
    held_ = std::string();  // from here on the file holds the body
    return absl::OkStatus();
  }

  // Gathers writes into kWriteStep-sized ones: a write() per 64 KiB segment costs more
  // in syscalls than the copy into this buffer does.
  absl::Status Write(std::string_view data) {
    if (pending_.capacity() < kWriteStep) pending_.reserve(kWriteStep);
    if (pending_.size() + data.size() > kWriteStep) {
      if (auto s = WriteOut(); !s.ok()) return s;
    }
    if (data.size() >= kWriteStep) return WriteNow(data);
    pending_.append(data);
    return absl::OkStatus();
  }

  absl::Status WriteOut() {
    auto s = WriteNow(pending_);
    pending_.clear();
    return s;
  }

  absl::Status WriteNow(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Errno("write", path_);
      }
      data.remove_prefix(static_cast<size_t>(n));
      written_ += static_cast<uint64_t>(n);
    }
    // Start writing back what is dirty every few MiB, so the disk works while the body
    // still arrives and the fdatasync at Commit finds little left to do. Only a hint:
    // Commit's fdatasync is what makes the body durable.
    if (written_ - kicked_ >= kWritebackStep) {
      sync_file_range(fd_, static_cast<off_t>(kicked_), static_cast<off_t>(written_ - kicked_),
                      SYNC_FILE_RANGE_WRITE);
      kicked_ = written_;
    }
    return absl::OkStatus();
  }

  static constexpr size_t kWriteStep = 1 << 20;
  static constexpr uint64_t kWritebackStep = 8 << 20;

  BlobStore* store_;
  std::string id_;
  std::string held_;  // the body while it is small
  std::string path_;  // the staging file once it is not
  std::string pending_;  // bytes for the staging file not yet written
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t written_ = 0;  // bytes in the staging file
  uint64_t kicked_ = 0;   // of which writeback was started
  bool committed_ = false;
};

namespace {

class HeldBlobReader : public BlobReader {
 public:
  explicit HeldBlobReader(std::string data) : data_(std::move(data)) {}
  uint64_t size() const override { return data_.size(); }
  absl::StatusOr<size_t> ReadAt(uint64_t offset, char* out, size_t n) override {
    if (offset >= data_.size()) return 0;
    size_t take = std::min<uint64_t>(n, data_.size() - offset);
    std::memcpy(out, data_.data() + offset, take);
    return take;
  }

 private:
  std::string data_;
};

class FileBlobReader : public BlobReader {
 public:
  FileBlobReader(int fd, uint64_t size) : fd_(fd), size_(size) {}
  ~FileBlobReader() override { close(fd_); }
  uint64_t size() const override { return size_; }
  absl::StatusOr<size_t> ReadAt(uint64_t offset, char* out, size_t n) override {
    while (true) {
      ssize_t r = pread(fd_, out, n, static_cast<off_t>(offset));
      if (r >= 0) return static_cast<size_t>(r);
      if (errno != EINTR) return Errno("pread", "blob");
    }
  }

 private:
  int fd_;
  uint64_t size_;
};

}  // namespace

// Unlinks the files moved to the trash folder, one at a time, off the request path.
class BlobStore::Reaper {
 public:
  explicit Reaper(std::string dir) : dir_(std::move(dir)), thread_([this] { Run(); }) {
    // What a previous process left behind (unreadable: left for the next start).
    if (auto left = ListNames(dir_); left.ok())
      for (const auto& name : *left) Add(name);
  }
  ~Reaper() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();  // what is left waits for the next start
  }
  const std::string& dir() const { return dir_; }
  void Add(const std::string& name) {
    {
      std::lock_guard lock(mu_);
      names_.push_back(name);
    }
    cv_.notify_one();
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return stop_ || !names_.empty(); });
      if (stop_) return;
      std::string path = dir_ + "/" + names_.front();
      names_.pop_front();
      lock.unlock();
      unlink(path.c_str());  // a failure leaves it for the next start
      lock.lock();
    }
  }

  std::string dir_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> names_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the rest is built
};

BlobStore::BlobStore(std::string dir, MetaStore* meta, size_t inline_max)
    : dir_(std::move(dir)),
      meta_(meta),
      inline_max_(meta ? inline_max : 0),
      reaper_(std::make_unique<Reaper>(dir_ + "/trash")) {}

BlobStore::~BlobStore() = default;

absl::StatusOr<std::unique_ptr<BlobStore>> BlobStore::Open(const std::string& dir,
                                                           MetaStore* meta, size_t inline_max) {
  for (const std::string& d : {dir, dir + "/staging", dir + "/live", dir + "/trash"}) {
    if (auto s = MakeDir(d); !s.ok()) return s;
  }
  for (int i = 0; i < 256; ++i) {
    if (auto s = MakeDir(absl::StrFormat("%s/live/%02x", dir, i)); !s.ok()) return s;
  }
  return std::unique_ptr<BlobStore>(new BlobStore(dir, meta, inline_max));
}

std::string BlobStore::StagingPath(const std::string& id) const {
  return absl::StrCat(dir_, "/staging/", id);
}

std::string BlobStore::LivePath(const std::string& id) const {
  return absl::StrCat(dir_, "/live/", id.substr(0, 2), "/", id);
}

absl::StatusOr<std::unique_ptr<BlobWriter>> BlobStore::NewBlob() {
  return std::unique_ptr<BlobWriter>(new SpillingBlobWriter(this, NewUniqueId()));
}

absl::Status BlobStore::Publish(const std::string& id) {
  if (!ValidId(id)) return absl::InvalidArgumentError("bad blob id");
  std::string from = StagingPath(id), to = LivePath(id);
  if (rename(from.c_str(), to.c_str()) == 0) return absl::OkStatus();
  // No staging file: the body is in the metadata store, or was published already.
  if (errno == ENOENT) return absl::OkStatus();
  return Errno("rename", from);
}

absl::StatusOr<std::unique_ptr<BlobReader>> BlobStore::OpenBlob(const std::string& id) {
  if (!ValidId(id)) return absl::InvalidArgumentError("bad blob id");
  if (meta_) {
    auto held = meta_->Get(Table::kBlobData, id);
    if (!held.ok()) return held.status();
    if (held->has_value()) return std::unique_ptr<BlobReader>(new HeldBlobReader(**std::move(held)));
  }
  for (const std::string& path : {LivePath(id), StagingPath(id)}) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) continue;
      return Errno("open", path);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
      close(fd);
      return Errno("stat", path);
    }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return std::unique_ptr<BlobReader>(new FileBlobReader(fd, static_cast<uint64_t>(st.st_size)));
  }
  return absl::NotFoundError("blob " + id + " not found");
}

absl::Status BlobStore::Delete(const std::string& id) {
  WriteBatch gone;
  if (auto s = Delete(id, gone); !s.ok()) return s;
  // Not synced: a delete lost in a crash is redone from the caller's garbage marks.
  return gone.empty() ? absl::OkStatus() : meta_->Write(gone, /*sync=*/false);
}

absl::Status BlobStore::Delete(const std::string& id, WriteBatch& batch) {
  if (!ValidId(id)) return absl::InvalidArgumentError("bad blob id");
  if (meta_) batch.Delete(Table::kBlobData, id);
  std::string live = LivePath(id), trash = reaper_->dir() + "/" + id;
  if (rename(live.c_str(), trash.c_str()) == 0) {
    reaper_->Add(id);
  } else if (errno != ENOENT) {
    return Errno("rename", live);
  }
  std::string staged = StagingPath(id);
  if (unlink(staged.c_str()) != 0 && errno != ENOENT) return Errno("unlink", staged);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> BlobStore::ListStaged() {
  return ListNames(dir_ + "/staging");
}

absl::StatusOr<uint64_t> BlobStore::CountLive() {
  uint64_t n = 0;
  for (int i = 0; i < 256; ++i) {
    std::string path = absl::StrFormat("%s/live/%02x", dir_, i);
    DIR* d = opendir(path.c_str());
    if (!d) return Errno("opendir", path);
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') ++n;
    }
    closedir(d);
  }
  if (meta_) {
    auto it = meta_->Scan(Table::kBlobData, "");
    for (; it->Valid(); it->Next()) ++n;
    if (auto s = it->status(); !s.ok()) return s;
  }
  return n;
}

}  // namespace coffer::storage
