// Small file-system helpers with durable writes: WriteFileAtomically writes a temp
// file, fsyncs it, renames it over the target and fsyncs the folder, so a reader sees
// the old content or the new, never a mix, even across a crash.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "base/secret.h"

namespace coffer {

// An InternalError naming `what` and errno's text.
absl::Status ErrnoStatus(const std::string& what);
// mkdir -p with mode 0700 for the folders it makes.
absl::Status MakeDirs(const std::string& path);
// The folder part of a path ("." when there is none).
std::string ParentDir(const std::string& path);
// `mode` 0600 for secrets, 0644 for the rest; parent folders are made.
absl::Status WriteFileAtomically(const std::string& path, std::string_view content, int mode);
// A whole file of at most `max_bytes`, in wiped-on-release memory. NotFound when absent.
absl::StatusOr<SecretBytes> ReadFileSecret(const std::string& path, size_t max_bytes = 16 << 20);
absl::StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes = 16 << 20);
// fsync of a folder, so the names in it are durable.
void SyncDir(const std::string& path);
// Regular files under `root` (recursively), as paths relative to it, sorted.
std::vector<std::string> ListFilesRecursively(const std::string& root);

}  // namespace coffer
