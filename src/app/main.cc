// coffer: an S3-compatible object store with server-side encryption and a KMS.
#include <cstdio>
#include <string>
#include <vector>

#include "app/commands.h"

namespace {
constexpr const char* kUsage = R"(usage: coffer <command> [flags]

commands:
  server   run the server (HTTPS on 127.0.0.1:9000, data in ./data)
             --data DIR  --address HOST:PORT  --region REGION  --no-tls
             --tls-cert FILE --tls-key FILE  --domain NAME (virtual-hosted buckets)
             --threads N
             --min-free SIZE  (refuse new bodies below it; default min(1GiB, 5% of disk))
  admin    manage accounts, users and access keys in a data dir (server stopped)
             coffer admin [--data DIR] create-account [--name NAME]
             coffer admin [--data DIR] create-user --account ID --name NAME
             coffer admin [--data DIR] create-access-key --account ID [--user NAME]
             coffer admin [--data DIR] list-accounts
             coffer admin [--data DIR] list-access-keys --account ID
             coffer admin [--data DIR] validate-logs   (checks the audit trail)
             coffer admin [--data DIR] stats [--json]  (encryption statistics)
)";
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  std::string command = args[0];
  args.erase(args.begin());
  if (command == "server") return coffer::app::ServerCommand(args);
  if (command == "admin") return coffer::app::AdminCommand(args);
  std::fprintf(stderr, "coffer: unknown command '%s'\n%s", command.c_str(), kUsage);
  return 2;
}
