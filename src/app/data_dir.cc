#include "app/data_dir.h"

#include "crypto/hash.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "base/ids.h"

namespace coffer::app {
namespace {

absl::Status Errno(const std::string& what) {
  return absl::InternalError(what + ": " + std::strerror(errno));
}

absl::Status MakeDirs(const std::string& path) {
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    std::string prefix = path.substr(0, pos);
    if (mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) return Errno("mkdir " + prefix);
  }
  return absl::OkStatus();
}

std::string Parent(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

absl::StatusOr<std::unique_ptr<DataDir>> DataDir::Open(const std::string& path) {
  if (auto s = MakeDirs(path); !s.ok()) return s;
  char real[PATH_MAX];
  if (!realpath(path.c_str(), real)) return Errno("realpath " + path);
  std::string abs = real;
  std::string lock_path = abs + "/coffer.lock";
  int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("open " + lock_path);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {0};
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    close(fd);
    std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "unknown";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return absl::FailedPreconditionError("data directory " + abs +
                                         " is already in use by another Coffer process (pid " +
                                         pid + "); stop it first");
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    close(fd);
    return Errno("write " + lock_path);
  }
  return std::unique_ptr<DataDir>(new DataDir(abs, fd));
}

DataDir::~DataDir() {
  if (lock_fd_ >= 0) {
    if (ftruncate(lock_fd_, 0) != 0) { /* best effort */ }
    close(lock_fd_);  // releases the flock
  }
}

bool DataDir::Exists(const std::string& relative) const {
  struct stat st;
  return stat(Path(relative).c_str(), &st) == 0;
}

absl::StatusOr<std::string> DataDir::Read(const std::string& relative) const {
  auto secret = ReadSecret(relative);
  if (!secret.ok()) return secret.status();
  return std::string(secret->view());
}

absl::StatusOr<SecretBytes> DataDir::ReadSecret(const std::string& relative) const {
  return ReadFileSecret(Path(relative));
}

absl::StatusOr<SecretBytes> ReadFileSecret(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(path + " does not exist");
    return Errno("open " + path);
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size > (16 << 20)) {
    close(fd);
    return absl::InternalError(path + ": unreadable or too large");
  }
  SecretBytes out(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = read(fd, out.data() + got, out.size() - got);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      close(fd);
      return Errno("read " + path);
    }
    got += static_cast<size_t>(n);
  }
  close(fd);
  return out;
}

absl::Status DataDir::Write(const std::string& relative, std::string_view content, bool secret) {
  std::string path = Path(relative);
  if (auto s = MakeDirs(Parent(path)); !s.ok()) return s;
  std::string tmp = path + ".tmp-" + NewUniqueId();
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, secret ? 0600 : 0644);
  if (fd < 0) return Errno("create " + tmp);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto s = Errno("write " + tmp);
      close(fd);
      unlink(tmp.c_str());
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    unlink(tmp.c_str());
    return Errno("fsync " + tmp);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    return Errno("rename " + tmp);
  }
  int dfd = open(Parent(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return absl::OkStatus();
}

absl::StatusOr<SecretBytes> DataDir::RootKey(std::optional<std::string_view> passphrase) {
  const std::string file = "keys/root.key", salt_file = "keys/root.salt",
                    check_file = "keys/root.check";
  if (passphrase) {
    if (Exists(file))
      return absl::FailedPreconditionError(Path(file) +
                                           " exists: this data folder's root key is a key "
                                           "file, not a passphrase");
    if (passphrase->empty()) return absl::InvalidArgumentError("the passphrase is empty");
    if (!Exists(salt_file)) {
      if (auto s = Write(salt_file, RandomBytes(16), false); !s.ok()) return s;
    }
    auto salt = Read(salt_file);
    if (!salt.ok()) return salt.status();
    SecretBytes key = crypto::ScryptKey(*passphrase, *salt);
    std::string check = crypto::HmacSha256(key.view(), "coffer root key check v1");
    if (!Exists(check_file)) {
      if (auto s = Write(check_file, check, false); !s.ok()) return s;
    } else {
      auto stored = Read(check_file);
      if (!stored.ok()) return stored.status();
      if (!crypto::ConstantTimeEquals(*stored, check))
        return absl::PermissionDeniedError("wrong root passphrase for this data folder");
    }
    return key;
  }
  if (Exists(salt_file))
    return absl::FailedPreconditionError(
        "this data folder's root key comes from a passphrase: set COFFER_ROOT_PASSPHRASE");
  if (Exists(file)) {
    auto key = ReadSecret(file);
    if (!key.ok()) return key.status();
    if (key->size() != 32) return absl::DataLossError(Path(file) + " is not a 32-byte key");
    return key;
  }
  SecretBytes key = RandomSecret(32);
  if (auto s = Write(file, key.view(), /*secret=*/true); !s.ok()) return s;
  return key;
}

}  // namespace coffer::app
