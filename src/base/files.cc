#include "base/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/ids.h"

namespace coffer {

absl::Status ErrnoStatus(const std::string& what) {
  return absl::InternalError(what + ": " + std::strerror(errno));
}

absl::Status MakeDirs(const std::string& path) {
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    std::string prefix = path.substr(0, pos);
    if (mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) return ErrnoStatus("mkdir " + prefix);
  }
  return absl::OkStatus();
}

std::string ParentDir(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

void SyncDir(const std::string& path) {
  int dfd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
}

absl::Status WriteFileAtomically(const std::string& path, std::string_view content, int mode) {
  if (auto s = MakeDirs(ParentDir(path)); !s.ok()) return s;
  std::string tmp = path + ".tmp-" + NewUniqueId();
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoStatus("create " + tmp);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto s = ErrnoStatus("write " + tmp);
      close(fd);
      unlink(tmp.c_str());
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    unlink(tmp.c_str());
    return ErrnoStatus("fsync " + tmp);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    return ErrnoStatus("rename " + tmp);
  }
  SyncDir(ParentDir(path));
  return absl::OkStatus();
}

absl::StatusOr<SecretBytes> ReadFileSecret(const std::string& path, size_t max_bytes) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(path + " does not exist");
    return ErrnoStatus("open " + path);
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) > max_bytes) {
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
      return ErrnoStatus("read " + path);
    }
    got += static_cast<size_t>(n);
  }
  close(fd);
  return out;
}

absl::StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  auto secret = ReadFileSecret(path, max_bytes);
  if (!secret.ok()) return secret.status();
  return std::string(secret->view());
}

std::vector<std::string> ListFilesRecursively(const std::string& root) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec))
      out.push_back(std::filesystem::relative(it->path(), root, ec).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace coffer
