// DataDir: Coffer's data folder and the files it keeps besides the stores.
//
//   coffer.lock        held (flock) by the one process using the folder; holds its pid
//   meta/              RocksDB metadata          blobs/   object bodies
//   keys/root.key      32-byte root key (mode 0600) protecting stored secrets, or
//   keys/root.salt     when the root key comes from a passphrase (scrypt), its salt,
//   keys/root.check    and a check value that tells a wrong passphrase
//   tls/               the generated CA and server certificate (keys mode 0600)
//   root-credentials   the root access key, AWS credentials-file format (mode 0600)
//
// Open() creates the folder when missing and takes the lock; a second process gets
// FailedPrecondition naming the holder's pid. Files are written atomically (temp
// file, fsync, rename). Not thread-safe; used at start-up.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "base/files.h"
#include "base/secret.h"

namespace coffer::app {

class DataDir {
 public:
  static absl::StatusOr<std::unique_ptr<DataDir>> Open(const std::string& path);
  ~DataDir();

  const std::string& path() const { return path_; }
  std::string Path(const std::string& relative) const { return path_ + "/" + relative; }

  // The root key: from `passphrase` when given (the folder then remembers it was made
  // that way and refuses to start without one, or with another one), else from
  // keys/root.key, created on first use.
  absl::StatusOr<SecretBytes> RootKey(std::optional<std::string_view> passphrase = {});

  bool Exists(const std::string& relative) const;
  absl::StatusOr<std::string> Read(const std::string& relative) const;
  absl::StatusOr<SecretBytes> ReadSecret(const std::string& relative) const;
  // mode 0644 for public files, 0600 for secrets; parent folders are created (0700).
  absl::Status Write(const std::string& relative, std::string_view content, bool secret);

 private:
  DataDir(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  std::string path_;
  int lock_fd_;
};

}  // namespace coffer::app
