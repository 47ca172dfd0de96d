#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include <boost/asio/post.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/blocking_pool.h"
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

// Alignment for O_DIRECT: buffer addresses, file offsets and lengths (the largest
// logical block size in use; 512-byte devices accept it too).
constexpr size_t kDirectAlign = 4096;

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<char, FreeDeleter>;

AlignedBuffer NewAlignedBuffer(size_t size) {
  return AlignedBuffer(static_cast<char*>(std::aligned_alloc(kDirectAlign, size)));
}

// Turns O_DIRECT off for `fd` (for a write the file system refuses direct).
bool DropDirect(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags >= 0 && fcntl(fd, F_SETFL, flags & ~O_DIRECT) == 0;
}

bool ValidId(const std::string& id) {
  if (id.size() != 32) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

// Holds the first inline_max bytes in memory and spills to a staging file past that.
// The file is written with O_DIRECT in 1 MiB blocks from aligned buffers, each block
// by a BlockingPool thread while the next one fills: a body streamed through the page
// cache costs the kernel far more CPU (allocating, dirtying and writing back every
// page) than the disk takes to store it, and fills memory with pages nobody asked to
// cache; a direct write waits for the disk, so it must not hold up the caller. Where
// the file system refuses O_DIRECT, and for the unaligned tail, plain writes are used.
class SpillingBlobWriter : public BlobWriter {
 public:
  SpillingBlobWriter(BlobStore* store, std::string id) : store_(store), id_(std::move(id)) {}
  ~SpillingBlobWriter() override {
    (void)WaitAll();  // the pool's writes use the buffers and the descriptor
    if (fd_ >= 0) close(fd_);
    if (!path_.empty() && !committed_) unlink(path_.c_str());
  }
  const std::string& id() const override { return id_; }
  uint64_t size() const override { return size_; }
  bool in_memory() const override { return path_.empty(); }

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
    if (auto s = WriteTail(); !s.ok()) return s;
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
  // A kWriteStep buffer and, while the pool writes it, the outcome to come.
  struct Block {
    AlignedBuffer data;
    std::future<absl::Status> written;
  };

  absl::Status Spill() {
    std::string path = store_->StagingPath(id_);
    fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_DIRECT, 0600);
    direct_ = fd_ >= 0;
    // Older tmpfs refuses O_DIRECT (after creating the file).
    if (fd_ < 0 && errno == EINVAL)
      fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0) return Errno("create", path);
    path_ = std::move(path);
    if (auto s = Write(held_); !s.ok()) return s;
    held_ = std::string();  // from here on the file holds the body
    return absl::OkStatus();
  }

  // Fills the current block; a full one goes to the pool and the next one is used
  // once its previous write is done (at most kDepth blocks in flight).
  absl::Status Write(std::string_view data) {
    while (!data.empty()) {
      Block& block = blocks_[current_];
      if (filled_ == 0) {
        if (block.written.valid()) {
          if (auto s = block.written.get(); !s.ok()) return s;
        }
        if (!block.data) block.data = NewAlignedBuffer(kWriteStep);
        if (!block.data) return absl::ResourceExhaustedError("out of memory for a write buffer");
      }
      size_t take = std::min(data.size(), kWriteStep - filled_);
      std::memcpy(block.data.get() + filled_, data.data(), take);
      filled_ += take;
      data.remove_prefix(take);
      if (filled_ == kWriteStep) {
        StartWrite(block);
        current_ = (current_ + 1) % kDepth;
        filled_ = 0;
      }
    }
    return absl::OkStatus();
  }

  void StartWrite(Block& block) {
    std::packaged_task<absl::Status()> task(
        [this, data = block.data.get(), offset = next_offset_] {
          return WriteAt(data, kWriteStep, offset);
        });
    next_offset_ += kWriteStep;
    block.written = task.get_future();
    boost::asio::post(base::BlockingPool(), std::move(task));
  }

  // Waits for every block's write; the first failure.
  absl::Status WaitAll() {
    absl::Status first;
    for (Block& block : blocks_) {
      if (block.written.valid()) first.Update(block.written.get());
    }
    return first;
  }

  // After every block: the last, partial one, its aligned part direct and the rest
  // through the page cache.
  absl::Status WriteTail() {
    if (auto s = WaitAll(); !s.ok()) return s;
    const char* data = blocks_[current_].data.get();
    size_t aligned = direct_ ? filled_ / kDirectAlign * kDirectAlign : filled_;
    if (auto s = WriteAt(data, aligned, next_offset_); !s.ok()) return s;
    if (aligned < filled_) {
      if (!DropDirect(fd_)) return Errno("fcntl", path_);
      direct_ = false;
      if (auto s = WriteAt(data + aligned, filled_ - aligned, next_offset_ + aligned); !s.ok())
        return s;
    }
    filled_ = 0;
    return absl::OkStatus();
  }

  absl::Status WriteAt(const char* data, size_t n, uint64_t offset) {
    while (n > 0) {
      ssize_t w = pwrite(fd_, data, n, static_cast<off_t>(offset));
      if (w < 0) {
        if (errno == EINTR) continue;
        // A file system that takes O_DIRECT at open but not this write (or a short
        // write left the offset unaligned): go on through the page cache.
        if (errno == EINVAL && direct_.exchange(false)) {
          if (DropDirect(fd_)) continue;
          errno = EINVAL;
        }
        return Errno("write", path_);
      }
      data += w;
      n -= static_cast<size_t>(w);
      offset += static_cast<uint64_t>(w);
    }
    return absl::OkStatus();
  }

  static constexpr size_t kWriteStep = 1 << 20;
  static constexpr size_t kDepth = 4;  // blocks per body: one filling, up to 3 writing

  BlobStore* store_;
  std::string id_;
  std::string held_;  // the body while it is small
  std::string path_;  // the staging file once it is not
  int fd_ = -1;
  std::atomic<bool> direct_ = false;  // fd_ has O_DIRECT
  std::array<Block, kDepth> blocks_;
  size_t current_ = 0;        // the block being filled
  size_t filled_ = 0;         // bytes in it
  uint64_t next_offset_ = 0;  // where it goes in the file
  uint64_t size_ = 0;
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
  std::unique_ptr<BlobStore> store(new BlobStore(dir, meta, inline_max));
  struct statvfs fs;
  if (statvfs(dir.c_str(), &fs) != 0) return Errno("statvfs", dir);
  const uint64_t disk = static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize;
  store->set_min_free(std::min<uint64_t>(1ull << 30, disk / 20));
  return store;
}

absl::Status BlobStore::CheckRoom(uint64_t size) {
  const uint64_t reserve = min_free_;
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  std::lock_guard lock(room_mu_);
  const bool recent = room_read_at_ != 0 && now - room_read_at_ < kRoomRecheckNanos;
  const uint64_t left = room_free_ > room_admitted_ ? room_free_ - room_admitted_ : 0;
  const bool far = left >= reserve && left - reserve >= kRoomMargin &&
                   left - reserve - kRoomMargin >= size;
  if (recent && far) {
    room_admitted_ += size;
    return absl::OkStatus();
  }
  struct statvfs fs;
  if (statvfs(dir_.c_str(), &fs) != 0) return Errno("statvfs", dir_);
  const uint64_t free = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  room_read_at_ = now;
  room_free_ = free;
  room_admitted_ = 0;
  if (free >= reserve && free - reserve >= size) {
    room_admitted_ = size;
    return absl::OkStatus();
  }
  return absl::ResourceExhaustedError(absl::StrFormat(
      "%d bytes free on the data disk; %d kept free, %d asked for", free, reserve, size));
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

void BlobStore::DeleteHeld(const std::string& id, WriteBatch& batch) {
  if (meta_) batch.Delete(Table::kBlobData, id);
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
