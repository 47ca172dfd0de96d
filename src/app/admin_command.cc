// `coffer admin`: accounts, users and access keys in a data folder, printed as JSON.
// It takes the data folder's lock, so it runs while the server is stopped.
#include <cstdio>

#include "app/audit_setup.h"
#include "app/bootstrap.h"
#include "app/commands.h"
#include "app/flags.h"
#include "app/stats_command.h"
#include "audit/validate.h"
#include "base/time.h"
#include "crypto/signing.h"

namespace coffer::app {
namespace {

std::string Json(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  return out + "\"";
}

int Usage(const std::string& why) {
  std::fprintf(stderr, "coffer admin: %s (see coffer help)\n", why.c_str());
  return 2;
}

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "coffer admin: %s\n", std::string(s.message()).c_str());
  return 1;
}

}  // namespace

int AdminCommand(const std::vector<std::string>& args) {
  auto flags = Flags::Parse(args, {"data", "name", "account", "user", "json"}, {"json"});
  if (!flags.ok()) return Usage(std::string(flags.status().message()));
  if (flags->positional().size() != 1) return Usage("expected one admin command");
  const std::string& cmd = flags->positional()[0];

  auto stores = OpenStores(flags->GetOr("data", "data"));
  if (!stores.ok()) return Fail(stores.status());
  if (auto root = EnsureRootAccount(*stores); !root.ok()) return Fail(root.status());
  iam::IdentityStore& ids = *stores->identities;

  if (cmd == "create-account") {
    auto a = ids.CreateAccount(flags->GetOr("name", ""));
    if (!a.ok()) return Fail(a.status());
    std::printf("{\"AccountId\": %s, \"Name\": %s}\n", Json(a->id).c_str(), Json(a->name).c_str());
    return 0;
  }
  if (cmd == "create-user") {
    auto account = flags->Get("account");
    auto name = flags->Get("name");
    if (!account || !name) return Usage("create-user needs --account and --name");
    auto u = ids.CreateUser(*account, *name);
    if (!u.ok()) return Fail(u.status());
    std::printf("{\"UserName\": %s, \"UserId\": %s, \"AccountId\": %s, \"Arn\": %s}\n",
                Json(u->name).c_str(), Json(u->user_id).c_str(), Json(u->account_id).c_str(),
                Json(u->Arn()).c_str());
    return 0;
  }
  if (cmd == "create-access-key") {
    auto account = flags->Get("account");
    if (!account) return Usage("create-access-key needs --account");
    auto k = ids.CreateAccessKey(*account, flags->GetOr("user", ""));
    if (!k.ok()) return Fail(k.status());
    std::string secret(k->second.view());
    std::printf(
        "{\"AccessKeyId\": %s, \"SecretAccessKey\": %s, \"AccountId\": %s, \"UserName\": %s}\n",
        Json(k->first.access_key_id).c_str(), Json(secret).c_str(), Json(*account).c_str(),
        Json(k->first.user_name).c_str());
    WipeString(secret);
    return 0;
  }
  if (cmd == "list-accounts") {
    auto accounts = ids.ListAccounts();
    if (!accounts.ok()) return Fail(accounts.status());
    std::printf("[");
    for (size_t i = 0; i < accounts->size(); ++i) {
      const auto& a = (*accounts)[i];
      std::printf("%s{\"AccountId\": %s, \"Name\": %s, \"Created\": %s}", i ? ", " : "",
                  Json(a.id).c_str(), Json(a.name).c_str(),
                  Json(FormatIso8601(a.created)).c_str());
    }
    std::printf("]\n");
    return 0;
  }
  if (cmd == "list-access-keys") {
    auto account = flags->Get("account");
    if (!account) return Usage("list-access-keys needs --account");
    auto keys = ids.ListAccessKeys(*account);
    if (!keys.ok()) return Fail(keys.status());
    std::printf("[");
    for (size_t i = 0; i < keys->size(); ++i) {
      const auto& k = (*keys)[i];
      std::printf("%s{\"AccessKeyId\": %s, \"UserName\": %s, \"Status\": %s}", i ? ", " : "",
                  Json(k.access_key_id).c_str(), Json(k.user_name).c_str(),
                  Json(k.active ? "Active" : "Inactive").c_str());
    }
    std::printf("]\n");
    return 0;
  }
  if (cmd == "stats") {
    auto stats = EncryptionStats(*stores);
    if (!stats.ok()) return Fail(stats.status());
    std::string out = flags->Has("json") ? stats->dump(2) + "\n" : StatsTable(*stats);
    std::fputs(out.c_str(), stdout);
    return 0;
  }
  if (cmd == "validate-logs") {
    // The public key comes from the sealed private key, so only a holder of the root
    // key could have signed what passes.
    auto key = AuditSigningKey(*stores->dir, stores->root_key, /*create=*/false);
    if (!key.ok()) return Fail(key.status());
    auto pub = crypto::RsaPublicKeyOf(*key);
    if (!pub.ok()) return Fail(pub.status());
    audit::ValidationReport r = audit::ValidateTrail(stores->dir->Path(kAuditDir), *pub);
    for (const std::string& p : r.problems) std::printf("INVALID: %s\n", p.c_str());
    std::printf("%d digest files, %d log files: %s\n", r.digests, r.log_files,
                r.ok() ? "valid" : "INVALID");
    return r.ok() ? 0 : 1;
  }
  return Usage("unknown admin command '" + cmd + "'");
}

}  // namespace coffer::app
