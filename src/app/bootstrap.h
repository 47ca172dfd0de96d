// First-start set-up shared by `coffer server` and `coffer admin`: the stores in a
// data folder, the root account and its credentials, and TLS material.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "app/data_dir.h"
#include "crypto/x509.h"
#include "http/server.h"
#include "iam/authorizer.h"
#include "iam/identity_store.h"
#include "iam/policy_store.h"
#include "kms/key_store.h"
#include "s3/catalog.h"
#include "storage/blob_store.h"
#include "storage/meta_store.h"

namespace coffer::app {

// Everything opened from a data folder, in dependency order (destroyed in reverse).
struct Stores {
  std::unique_ptr<DataDir> dir;
  SecretBytes root_key;
  std::unique_ptr<storage::MetaStore> meta;
  std::unique_ptr<storage::BlobStore> blobs;
  std::unique_ptr<iam::IdentityStore> identities;
  std::unique_ptr<iam::PolicyStore> policies;
  std::unique_ptr<iam::Authorizer> authorizer;
  std::unique_ptr<kms::KeyStore> keys;
  std::unique_ptr<s3::Catalog> catalog;
};

absl::StatusOr<Stores> OpenStores(const std::string& data_path);

struct RootCredentials {
  std::string account_id;
  std::string access_key_id;
  SecretBytes secret;  // set only when created by this call
  bool created = false;
};

// Creates the root account and its access key on first start (from
// COFFER_ROOT_ACCESS_KEY / COFFER_ROOT_SECRET_KEY when set), saving them to
// root-credentials; later calls return the existing account.
absl::StatusOr<RootCredentials> EnsureRootAccount(Stores& stores);

// The server certificate: the user's files, or one signed by the data folder's own CA
// (created on first start) covering localhost, *.s3.localhost, 127.0.0.1, ::1 and
// `host`.
absl::StatusOr<http::TlsConfig> LoadTls(DataDir& dir, const std::string& host,
                                        const std::optional<std::string>& cert_file,
                                        const std::optional<std::string>& key_file);

}  // namespace coffer::app
