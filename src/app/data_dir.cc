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

#include "base/files.h"
#include "base/ids.h"

namespace coffer::app {

absl::StatusOr<std::unique_ptr<DataDir>> DataDir::Open(const std::string& path) {
  if (auto s = MakeDirs(path); !s.ok()) return s;
  char real[PATH_MAX];
  if (!realpath(path.c_str(), real)) return ErrnoStatus("realpath " + path);
  std::string abs = real;
  std::string lock_path = abs + "/coffer.lock";
  int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("open " + lock_path);
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
    return ErrnoStatus("write " + lock_path);
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

absl::Status DataDir::Write(const std::string& relative, std::string_view content, bool secret) {
  return WriteFileAtomically(Path(relative), content, secret ? 0600 : 0644);
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
