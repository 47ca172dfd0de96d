#include "app/bootstrap.h"

#include <algorithm>
#include <cstdlib>

#include "base/encoding.h"
#include "storage/cached_meta_store.h"

namespace coffer::app {
namespace {
constexpr const char* kRootAccountKey = "root-account";
}

absl::StatusOr<Stores> OpenStores(const std::string& data_path) {
  Stores s;
  auto dir = DataDir::Open(data_path);
  if (!dir.ok()) return dir.status();
  s.dir = *std::move(dir);
  // COFFER_ROOT_PASSPHRASE: derive the root key from a passphrase instead of keeping
  // it in keys/root.key.
  const char* passphrase = std::getenv("COFFER_ROOT_PASSPHRASE");
  auto key = passphrase ? s.dir->RootKey(std::string_view(passphrase)) : s.dir->RootKey();
  if (!key.ok()) return key.status();
  s.root_key = *std::move(key);
  auto meta = storage::OpenRocksMetaStore(s.dir->Path("meta"));
  if (!meta.ok()) return meta.status();
  // Read on (nearly) every request, written rarely: buckets, their configuration
  // (policies, encryption defaults), IAM identities and policies, KMS keys. Object
  // records (every GET and HEAD reads one, twice for a body kept in a file) are cached
  // per key, as they are written all the time.
  s.meta = storage::NewCachedMetaStore(*std::move(meta),
                                       {storage::Table::kBuckets, storage::Table::kBucketConfig,
                                        storage::Table::kIam, storage::Table::kKms},
                                       /*per_key=*/{storage::Table::kObjects});
  auto blobs = storage::BlobStore::Open(s.dir->Path("blobs"), s.meta.get());
  if (!blobs.ok()) return blobs.status();
  s.blobs = *std::move(blobs);
  s.identities = std::make_unique<iam::IdentityStore>(s.meta.get(), s.root_key);
  s.policies = std::make_unique<iam::PolicyStore>(s.meta.get(), s.identities.get());
  s.authorizer = std::make_unique<iam::Authorizer>(s.policies.get());
  s.keys = std::make_unique<kms::KeyStore>(s.meta.get(), s.root_key);
  auto catalog = s3::Catalog::Open(s.meta.get(), s.blobs.get());
  if (!catalog.ok()) return catalog.status();
  s.catalog = *std::move(catalog);
  return s;
}

absl::StatusOr<RootCredentials> EnsureRootAccount(Stores& stores) {
  auto existing = stores.meta->Get(storage::Table::kSystem, kRootAccountKey);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    RootCredentials rc;
    rc.account_id = **existing;
    auto keys = stores.identities->ListAccessKeys(rc.account_id);
    if (keys.ok() && !keys->empty()) rc.access_key_id = keys->front().access_key_id;
    return rc;
  }

  const char* env_id = std::getenv("COFFER_ROOT_ACCESS_KEY");
  const char* env_secret = std::getenv("COFFER_ROOT_SECRET_KEY");
  if ((env_id == nullptr) != (env_secret == nullptr))
    return absl::InvalidArgumentError(
        "set both COFFER_ROOT_ACCESS_KEY and COFFER_ROOT_SECRET_KEY, or neither");

  auto account = stores.identities->CreateAccount("root");
  if (!account.ok()) return account.status();
  std::optional<SecretBytes> given;
  if (env_secret) given.emplace(std::string_view(env_secret));
  auto key = stores.identities->CreateAccessKey(account->id, "", env_id ? env_id : "",
                                                given ? &*given : nullptr);
  if (!key.ok()) return key.status();

  std::string file = "[default]\naws_access_key_id = " + key->first.access_key_id +
                     "\naws_secret_access_key = ";
  file.append(key->second.view());
  file += "\n";
  auto written = stores.dir->Write("root-credentials", file, /*secret=*/true);
  WipeString(file);
  if (!written.ok()) return written;

  storage::WriteBatch b;
  b.Put(storage::Table::kSystem, kRootAccountKey, account->id);
  if (auto s = stores.meta->Write(b); !s.ok()) return s;
  return RootCredentials{account->id, key->first.access_key_id, std::move(key->second), true};
}

absl::StatusOr<http::TlsConfig> LoadTls(DataDir& dir, const std::string& host,
                                        const std::optional<std::string>& cert_file,
                                        const std::optional<std::string>& key_file) {
  if (cert_file || key_file) {
    if (!cert_file || !key_file)
      return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
    auto cert = ReadFileSecret(*cert_file);
    if (!cert.ok()) return cert.status();
    auto key = ReadFileSecret(*key_file);
    if (!key.ok()) return key.status();
    return http::TlsConfig{std::string(cert->view()), *std::move(key)};
  }

  crypto::CertAndKey ca;
  if (dir.Exists("tls/ca.pem") && dir.Exists("tls/ca.key")) {
    auto cert = dir.Read("tls/ca.pem");
    auto key = dir.ReadSecret("tls/ca.key");
    if (!cert.ok()) return cert.status();
    if (!key.ok()) return key.status();
    ca = crypto::CertAndKey{*std::move(cert), *std::move(key)};
  } else {
    auto made = crypto::GenerateCa("Coffer local CA");
    if (!made.ok()) return made.status();
    ca = *std::move(made);
    if (auto s = dir.Write("tls/ca.key", ca.key_pem.view(), true); !s.ok()) return s;
    if (auto s = dir.Write("tls/ca.pem", ca.cert_pem, false); !s.ok()) return s;
  }

  // Reuse the server certificate while it still names the host we listen on.
  bool wildcard = host == "0.0.0.0" || host == "::";
  std::string check = wildcard ? "127.0.0.1" : host;
  if (dir.Exists("tls/server.pem") && dir.Exists("tls/server.key")) {
    auto cert = dir.Read("tls/server.pem");
    auto key = dir.ReadSecret("tls/server.key");
    if (cert.ok() && key.ok() && crypto::CertCoversHost(*cert, check))
      return http::TlsConfig{*std::move(cert), *std::move(key)};
  }
  std::vector<std::string> names{"localhost", "*.s3.localhost", "127.0.0.1", "::1"};
  if (!wildcard && std::find(names.begin(), names.end(), host) == names.end()) {
    names.push_back(host);
    if (host.find_first_not_of("0123456789.:") != std::string::npos)
      names.push_back("*.s3." + host);
  }
  auto server = crypto::GenerateServerCert(ca, names);
  if (!server.ok()) return server.status();
  if (auto s = dir.Write("tls/server.key", server->key_pem.view(), true); !s.ok()) return s;
  if (auto s = dir.Write("tls/server.pem", server->cert_pem + ca.cert_pem, false); !s.ok())
    return s;
  return http::TlsConfig{server->cert_pem + ca.cert_pem, std::move(server->key_pem)};
}

}  // namespace coffer::app
