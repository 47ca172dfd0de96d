// `coffer server`: opens the data folder, makes sure the root account and TLS
// material exist, and serves S3 until SIGINT or SIGTERM.
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cstdio>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "app/bootstrap.h"
#include "app/commands.h"
#include "app/audit_setup.h"
#include "app/flags.h"
#include "app/metrics_endpoint.h"
#include "audit/selectors.h"
#include "audit/trail.h"
#include "cloudtrail/cloudtrail_service.h"
#include "gateway/gateway.h"
#include "http/server.h"
#include "iam_api/iam_service.h"
#include "kms/kms_service.h"
#include "s3/service.h"

namespace coffer::app {
namespace {

void PrintFirstStart(const RootCredentials& rc, const Stores& stores, const std::string& url,
                     const std::string& region, bool tls) {
  std::string secret(rc.secret.view());
  std::printf(
      "\nFirst start: created the root account %s.\n"
      "Its credentials are shown once here and kept in %s (mode 0600):\n\n"
      "  export AWS_ACCESS_KEY_ID=%s\n"
      "  export AWS_SECRET_ACCESS_KEY=%s\n"
      "  export AWS_DEFAULT_REGION=%s\n",
      rc.account_id.c_str(), stores.dir->Path("root-credentials").c_str(),
      rc.access_key_id.c_str(), secret.c_str(), region.c_str());
  if (tls) std::printf("  export AWS_CA_BUNDLE=%s\n", stores.dir->Path("tls/ca.pem").c_str());
  std::printf(
      "\nor, for the aws CLI's configuration:\n\n"
      "  aws configure set aws_access_key_id %s\n"
      "  aws configure set aws_secret_access_key %s\n"
      "  aws configure set region %s\n\n"
      "then:  aws --endpoint-url %s s3 ls\n\n",
      rc.access_key_id.c_str(), secret.c_str(), region.c_str(), url.c_str());
  WipeString(secret);
}

std::string MetricsHost(const Flags& flags) {
  auto where = ParseHostPort(flags.GetOr("metrics-address", ""));
  return where.ok() && !where->host.empty() && where->host != "0.0.0.0" ? where->host
                                                                          : "127.0.0.1";
}

}  // namespace

int ServerCommand(const std::vector<std::string>& args) {
  auto flags = Flags::Parse(args,
                            {"data", "address", "region", "tls-cert", "tls-key", "domain",
                             "threads", "kms-rate", "bucket-key-ttl", "metrics-address",
                             "audit-rotate", "audit-retention-days", "min-free"},
                            {"no-tls", "allow-insecure-sse", "no-audit"});
  if (!flags.ok()) {
    std::fprintf(stderr, "coffer server: %s\n", std::string(flags.status().message()).c_str());
    return 2;
  }
  auto address = ParseHostPort(flags->GetOr("address", "127.0.0.1:9000"));
  if (!address.ok()) {
    std::fprintf(stderr, "coffer server: %s\n", std::string(address.status().message()).c_str());
    return 2;
  }
  const std::string region = flags->GetOr("region", "us-east-1");
  const bool tls = !flags->Has("no-tls");
  int threads = 0;
  if (auto t = flags->Get("threads")) threads = std::atoi(t->c_str());

  // Signals are taken by one thread with sigwait; every other thread, including the
  // ones RocksDB starts, must block them, so this comes before anything starts threads.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // Key material lives in this process's memory: never let it reach a core dump.
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0);

  auto fail = [](const absl::Status& s) {
    std::fprintf(stderr, "coffer server: %s\n", std::string(s.message()).c_str());
    return 1;
  };
  auto stores = OpenStores(flags->GetOr("data", "data"));
  if (!stores.ok()) return fail(stores.status());
  auto root = EnsureRootAccount(*stores);
  if (!root.ok()) return fail(root.status());
  if (auto v = flags->Get("min-free")) {
    auto bytes = ParseSize(*v);
    if (!bytes.ok()) return fail(bytes.status());
    stores->blobs->set_min_free(*bytes);
  }

  http::ServerOptions options;
  options.host = address->host;
  options.port = address->port;
  options.threads = threads;
  if (tls) {
    auto config = LoadTls(*stores->dir, address->host, flags->Get("tls-cert"),
                          flags->Get("tls-key"));
    if (!config.ok()) return fail(config.status());
    options.tls = *std::move(config);
  }

  s3::ServiceConfig s3_config;
  s3_config.region = region;
  s3_config.domains = flags->GetAll("domain");
  s3_config.domains.push_back("s3.localhost");
  s3_config.domains.push_back("localhost");
  s3_config.lookup_key = [ids = stores->identities.get()](const std::string& id) {
    return ids->LookupAccessKey(id);
  };
  s3_config.authorizer = stores->authorizer.get();
  s3_config.allow_insecure_sse = flags->Has("allow-insecure-sse");
  int bucket_key_seconds = 300;
  if (auto t = flags->Get("bucket-key-ttl")) bucket_key_seconds = std::atoi(t->c_str());
  if (bucket_key_seconds <= 0) {
    std::fprintf(stderr, "coffer server: --bucket-key-ttl wants a number of seconds\n");
    return 2;
  }
  kms::Kms kms(stores->keys.get(), stores->authorizer.get(), region);
  sse::ObjectKeys object_keys(&kms, stores->root_key, absl::Seconds(bucket_key_seconds));
  s3_config.object_keys = &object_keys;
  sse::Usage usage(stores->meta.get());  // for coffer admin stats
  object_keys.set_usage(&usage);
  // The audit trail: every KMS, IAM, STS and S3 management call, and S3 data events
  // where the bucket owner's event selectors ask for them.
  auto selectors = audit::EventSelectors::Load(stores->meta.get());
  if (!selectors.ok()) return fail(selectors.status());
  auto trail = OpenAuditTrail(*flags, *stores, region);
  if (!trail.ok()) return fail(trail.status());
  if (*trail) {
    (*trail)->set_selectors(selectors->get());
    object_keys.set_trail(trail->get());
    s3_config.trail = trail->get();
  }
  s3_config.selectors = selectors->get();
  s3::S3Service s3(stores->catalog.get(), s3_config);
  iam_api::IamService iam(stores->identities.get(), stores->policies.get(),
                          stores->authorizer.get());
  iam_api::StsService sts(stores->identities.get(), stores->policies.get(),
                          stores->authorizer.get());
  gateway::Gateway gateway(stores->identities.get(), region, &s3);
  gateway.AddService("iam", &iam);
  gateway.AddService("sts", &sts);
  auto limiter = kms::RateLimiter::Parse(flags->GetOr("kms-rate", ""));
  if (!limiter.ok()) {
    std::fprintf(stderr, "coffer server: %s\n", std::string(limiter.status().message()).c_str());
    return 2;
  }
  kms::KmsService kms_service(&kms, *std::move(limiter));
  gateway.AddService("kms", &kms_service);

  kms_service.set_trail(trail->get());
  iam.set_trail(trail->get());
  sts.set_trail(trail->get());
  cloudtrail::CloudTrailService cloudtrail_service(stores->meta.get(),
                                                   stores->dir->Path(kAuditDir),
                                                   selectors->get(), stores->authorizer.get(),
                                                   region);
  gateway.AddService("cloudtrail", &cloudtrail_service);

  auto metrics_token = EnsureMetricsToken(*stores->dir);
  if (!metrics_token.ok()) return fail(metrics_token.status());
  auto server = http::Server::Create(
      std::move(options), [&gateway, token = *metrics_token](http::Exchange& ex) {
        return IsMetricsRequest(ex.request()) ? ServeMetrics(ex, token) : gateway.Serve(ex);
      });
  if (!server.ok()) return fail(server.status());
  // Optionally, metrics without credentials on a separate plain-HTTP address.
  std::unique_ptr<http::Server> metrics_server;
  if (auto at = flags->Get("metrics-address")) {
    auto where = ParseHostPort(*at);
    if (!where.ok()) return fail(where.status());
    http::ServerOptions mo;
    mo.host = where->host;
    mo.port = where->port;
    mo.threads = 1;
    auto made = http::Server::Create(std::move(mo), ServeMetricsOnly);
    if (!made.ok()) return fail(made.status());
    metrics_server = *std::move(made);
  }
  std::thread metrics_thread;
  if (metrics_server) {
    metrics_thread = std::thread([&] { metrics_server->Run(); });
    std::printf("Metrics: http://%s:%d/metrics\n", MetricsHost(*flags).c_str(),
                metrics_server->port());
  }

  std::string shown_host = address->host == "0.0.0.0" ? "127.0.0.1" : address->host;
  if (shown_host.find(':') != std::string::npos) shown_host = "[" + shown_host + "]";
  std::string url = std::string(tls ? "https" : "http") + "://" + shown_host + ":" +
                    std::to_string((*server)->port());
  std::printf("Coffer: S3 on %s (region %s), data in %s\n", url.c_str(), region.c_str(),
              stores->dir->path().c_str());
  if (root->created) {
    PrintFirstStart(*root, *stores, url, region, tls);
  } else {
    std::printf("Root account %s; credentials in %s\n", root->account_id.c_str(),
                stores->dir->Path("root-credentials").c_str());
  }
  if (tls) std::printf("TLS: clients trust %s\n", stores->dir->Path("tls/ca.pem").c_str());
  std::fflush(stdout);

  // Keys whose deletion date has passed are deleted, and automatic rotations that are
  // due happen, at least once a minute even when no request touches them; the usage
  // counters are saved as often.
  std::mutex sweep_mu;
  std::condition_variable sweep_cv;
  bool stopping = false;
  std::thread sweeper([&] {
    std::unique_lock<std::mutex> lock(sweep_mu);
    while (!sweep_cv.wait_for(lock, std::chrono::seconds(60), [&] { return stopping; })) {
      if (auto s = kms.Sweep(absl::Now()); !s.ok())
        std::fprintf(stderr, "coffer: KMS sweep failed: %s\n",
                     std::string(s.status().message()).c_str());
      if (auto s = usage.Flush(); !s.ok())
        std::fprintf(stderr, "coffer: usage counters not saved: %s\n",
                     std::string(s.message()).c_str());
    }
  });

  std::thread waiter([&signals, &server] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::printf("Coffer: signal %d, shutting down\n", sig);
    std::fflush(stdout);
    (*server)->Stop();
  });
  (*server)->Run();
  // Run() only returns after Stop(), so the waiter has finished or is about to.
  waiter.join();
  if (metrics_server) {
    metrics_server->Stop();
    metrics_thread.join();
  }
  {
    std::lock_guard<std::mutex> lock(sweep_mu);
    stopping = true;
  }
  sweep_cv.notify_all();
  sweeper.join();
  if (*trail) (*trail)->Stop();
  if (auto s = usage.Flush(); !s.ok())
    std::fprintf(stderr, "coffer: usage counters not saved: %s\n", std::string(s.message()).c_str());  // the last events written, the last file digested
  // The one figure that shows Bucket Keys at work, also in the metrics.
  std::printf("Coffer: S3 encryption made %llu KMS calls\n",
              static_cast<unsigned long long>(object_keys.kms_calls()));
  std::printf("Coffer: stopped\n");
  return 0;
}

}  // namespace coffer::app
