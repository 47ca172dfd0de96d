// coffer-bench: a load generator for S3 and KMS endpoints (Coffer, Ceph RGW, AWS).
//
//   coffer-bench --endpoint https://127.0.0.1:9000 --ca data/tls/ca.pem
//       --op get --size 4KiB --concurrency 64 --duration 10s --sse kms
//
// Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and
// AWS_SESSION_TOKEN). Each worker thread holds one keep-alive connection. Object bodies
// are generated from a seeded pattern, never held whole, and every byte read back is
// checked: a bench that gets wrong bytes fast says so and exits 2.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "app/flags.h"
#include "base/encoding.h"
#include "base/ids.h"
#include "bench/stats.h"
#include "client/aws_client.h"
#include "crypto/hash.h"

namespace coffer::bench {
namespace {

using Clock = std::chrono::steady_clock;
using client::AwsClient;
using client::Request;
using client::Response;

constexpr char kUsage[] = R"(usage: coffer-bench [flags]
  --endpoint URL        https://127.0.0.1:9000 (default) or http://...
  --ca FILE             CA certificate (PEM) to trust for TLS
  --region NAME         us-east-1
  --op OP               put | get | range-get | head | delete | list | multipart |
                        mixed | kms-generate-data-key | kms-decrypt | kms-encrypt |
                        http-get (GET --path, any 2xx counts: a yardstick for any HTTP
                        server, e.g. nginx's static answer, measured by this same client)
  --path PATH           for http-get (default /)
  --mix get=70,put=30   operation shares for --op mixed
  --size N              object size: 4KiB, 1MiB, 1GiB... (default 4KiB)
  --part-size N         multipart part size (default 8MiB)
  --range-size N        bytes per ranged GET (default 64KiB)
  --objects N           objects prepared for reads / keyspace for writes (default 100)
  --warm                read each prepared object once before timing (GETs from a warm
                        cache; without it, the first reads are the cold ones)
  --concurrency N       worker threads, one connection each (default 16)
  --duration D          how long to run: 10s, 2m (default 10s)
  --count N             stop after N operations instead
  --bucket NAME         bucket to use (created if missing; default coffer-bench)
  --sse MODE            none | s3 | kms | kms-bucket-key | dsse | ssec (default none)
  --kms-key-id ID       key for SSE-KMS/DSSE-KMS and the kms-* operations
  --json FILE           append the result as one JSON line
  --label TEXT          a name for this run in the output
  --wrk-script FILE     for kms-* ops: prepare, then write a wrk Lua script replaying one
                        signed request, instead of running
)";

struct Options {
  client::Endpoint endpoint;
  std::string region = "us-east-1";
  std::string op = "put";
  std::vector<std::pair<std::string, int>> mix;
  uint64_t size = 4 << 10, part_size = 8 << 20, range_size = 64 << 10;
  int objects = 100, concurrency = 16;
  double duration_s = 10;
  uint64_t count = 0;
  std::string bucket = "coffer-bench";
  std::string sse = "none";
  std::string kms_key_id;
  std::string json_file, label;
  std::string wrk_script;  // write a wrk script replaying one signed kms-* request
  bool warm = false;       // read each prepared object once before timing
  std::string path = "/";  // for http-get
};

absl::StatusOr<double> ParseDuration(std::string text) {
  double mult = 1;
  if (absl::EndsWith(text, "ms")) {
    mult = 0.001;
    text.resize(text.size() - 2);
  } else if (absl::EndsWith(text, "m")) {
    mult = 60;
    text.pop_back();
  } else if (absl::EndsWith(text, "s")) {
    text.pop_back();
  }
  double d = 0;
  if (!absl::SimpleAtod(text, &d) || d <= 0) return absl::InvalidArgumentError("bad duration");
  return d * mult;
}

// Object bodies: byte p of the object with seed s is pattern[(p + s) % size]. Cheap to
// make and to check, and different for every key.
class Pattern {
 public:
  Pattern() : bytes_(RandomBytes(kSize)) {}
  static uint64_t SeedOf(std::string_view key) {
    std::string h = crypto::Sha256(key);
    uint64_t s = 0;
    memcpy(&s, h.data(), sizeof(s));
    return s % kSize;
  }
  void Fill(uint64_t seed, uint64_t offset, char* dst, size_t n) const {
    while (n > 0) {
      size_t at = (offset + seed) % kSize;
      size_t take = std::min(n, kSize - at);
      memcpy(dst, bytes_.data() + at, take);
      dst += take;
      offset += take;
      n -= take;
    }
  }
  bool Matches(uint64_t seed, uint64_t offset, std::string_view got) const {
    while (!got.empty()) {
      size_t at = (offset + seed) % kSize;
      size_t take = std::min(got.size(), kSize - at);
      if (memcmp(got.data(), bytes_.data() + at, take) != 0) return false;
      got.remove_prefix(take);
      offset += take;
    }
    return true;
  }

 private:
  static constexpr size_t kSize = 1 << 20;
  std::string bytes_;
};

// What a request adds for the chosen SSE mode. `read` is for GET/HEAD (only SSE-C
// sends anything there).
class SseHeaders {
 public:
  explicit SseHeaders(const Options& o) : mode_(o.sse), key_id_(o.kms_key_id) {
    std::string customer = RandomBytes(32);
    customer_key_ = Base64(customer);
    customer_md5_ = Base64(crypto::Md5(customer));
  }
  void Add(Request& r, bool read) const {
    if (mode_ == "ssec") {
      r.headers.emplace_back("x-amz-server-side-encryption-customer-algorithm", "AES256");
      r.headers.emplace_back("x-amz-server-side-encryption-customer-key", customer_key_);
      r.headers.emplace_back("x-amz-server-side-encryption-customer-key-md5", customer_md5_);
      return;
    }
    if (read || mode_ == "none") return;
    if (mode_ == "s3") {
      r.headers.emplace_back("x-amz-server-side-encryption", "AES256");
      return;
    }
    r.headers.emplace_back("x-amz-server-side-encryption",
                           mode_ == "dsse" ? "aws:kms:dsse" : "aws:kms");
    if (!key_id_.empty())
      r.headers.emplace_back("x-amz-server-side-encryption-aws-kms-key-id", key_id_);
    if (mode_ == "kms-bucket-key")
      r.headers.emplace_back("x-amz-server-side-encryption-bucket-key-enabled", "true");
  }

 private:
  std::string mode_, key_id_, customer_key_, customer_md5_;
};

std::string ErrorName(const Response& r) {
  std::string code;
  size_t a = r.body.find("<Code>");
  size_t b = r.body.find("</Code>");
  if (a != std::string::npos && b != std::string::npos && b > a) {
    code = r.body.substr(a + 6, b - a - 6);
  } else if (auto j = nlohmann::json::parse(r.body, nullptr, false);
             j.is_object() && j.contains("__type") && j["__type"].is_string()) {
    code = j["__type"].get<std::string>();
  }
  return absl::StrCat(r.status, code.empty() ? "" : " ", code);
}

// Everything the workers share.
class Bench {
 public:
  Bench(Options o, auth::Credentials creds) : o_(std::move(o)), creds_(std::move(creds)), sse_(o_) {}

  std::unique_ptr<AwsClient> NewClient() {
    return std::make_unique<AwsClient>(o_.endpoint,
                                       auth::Credentials{creds_.access_key_id,
                                                         creds_.secret_key.Copy(),
                                                         creds_.session_token},
                                       o_.region);
  }

  std::string KeyName(uint64_t i) const { return absl::StrCat("obj-", o_.size, "-", i); }
  std::string ObjectPath(const std::string& key) const {
    return "/" + o_.bucket + "/" + UriEncode(key, false);
  }

  // Creates the bucket and, for reads, the objects they read.
  absl::Status Prepare() {
    if (o_.op == "http-get") return absl::OkStatus();
    auto c = NewClient();
    Request r;
    r.method = "PUT";
    r.path = "/" + o_.bucket;
    auto res = c->Send(r);
    if (!res.ok()) return res.status();
    if (res->status != 200 && res->status != 409)
      return absl::FailedPreconditionError("create bucket: " + ErrorName(*res));
    if (absl::StartsWith(o_.op, "kms-")) return PrepareKms(*c);
    bool reads = o_.op == "get" || o_.op == "range-get" || o_.op == "head" ||
                 o_.op == "delete" || o_.op == "mixed";
    if (!reads) return absl::OkStatus();
    int prepared = o_.op == "delete" ? std::max<int>(o_.objects, o_.count) : o_.objects;
    std::vector<std::thread> threads;
    std::atomic<int> next{0};
    std::atomic<bool> failed{false};
    std::string failure;
    std::mutex mu;
    for (int t = 0; t < std::min(o_.concurrency, 16); ++t) {
      threads.emplace_back([&] {
        auto c = NewClient();
        Recorder ignored;
        for (int i; (i = next++) < prepared && !failed;) {
          bool done = Put(*c, KeyName(i), ignored);
          if (done && o_.warm && o_.op != "delete")
            done = Get(*c, KeyName(i), ignored, 0, o_.size, /*ranged=*/false);
          if (!done) {
            std::lock_guard lock(mu);
            failure = ignored.errors().empty() ? "wrong bytes read back" : ignored.errors().begin()->first;
            failed = true;
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    if (failed) return absl::FailedPreconditionError("preparing objects: " + failure);
    return absl::OkStatus();
  }

  // --- S3 operations; each returns whether it succeeded, recording into `rec`. ---

  bool Put(AwsClient& c, const std::string& key, Recorder& rec) {
    Request r;
    r.method = "PUT";
    r.path = ObjectPath(key);
    r.body_size = o_.size;
    uint64_t seed = Pattern::SeedOf(key);
    r.body = [this, seed](uint64_t off, char* dst, size_t n) { pattern_.Fill(seed, off, dst, n); };
    r.payload_hash = "UNSIGNED-PAYLOAD";
    sse_.Add(r, false);
    return Timed(c, std::move(r), rec, o_.size, [](const Response&) { return true; });
  }

  bool Get(AwsClient& c, const std::string& key, Recorder& rec, uint64_t first, uint64_t length,
           bool ranged) {
    Request r;
    r.path = ObjectPath(key);
    if (ranged) r.headers.emplace_back("range", absl::StrCat("bytes=", first, "-", first + length - 1));
    sse_.Add(r, true);
    uint64_t seed = Pattern::SeedOf(key);
    uint64_t at = first;
    bool same = true;
    auto check = [&](std::string_view piece) {
      same = same && pattern_.Matches(seed, at, piece);
      at += piece.size();
    };
    auto start = Clock::now();
    auto res = c.Send(std::move(r), check, 4096);
    return Account(res, start, rec, length, [&](const Response& res) {
      if (same && res.body_size == length) return true;
      rec.WrongBytes();
      return false;
    });
  }

  bool Head(AwsClient& c, const std::string& key, Recorder& rec) {
    Request r;
    r.method = "HEAD";
    r.path = ObjectPath(key);
    sse_.Add(r, true);
    return Timed(c, std::move(r), rec, 0, [&](const Response& res) {
      if (res.Header("content-length") == std::to_string(o_.size)) return true;
      rec.WrongBytes();
      return false;
    });
  }

  bool Delete(AwsClient& c, const std::string& key, Recorder& rec) {
    Request r;
    r.method = "DELETE";
    r.path = ObjectPath(key);
    return Timed(c, std::move(r), rec, 0, [](const Response&) { return true; });
  }

  // The yardstick: the same request loop against a server that does no S3 work.
  bool HttpGet(AwsClient& c, Recorder& rec) {
    Request r;
    r.path = o_.path;
    return Timed(c, std::move(r), rec, 0, [](const Response&) { return true; });
  }

  bool List(AwsClient& c, Recorder& rec) {
    Request r;
    r.path = "/" + o_.bucket;
    r.query = "list-type=2&max-keys=1000";
    return Timed(c, std::move(r), rec, 0, [](const Response&) { return true; });
  }

  // Create, parts of --part-size, Complete: timed as one operation.
  bool Multipart(AwsClient& c, const std::string& key, Recorder& rec) {
    auto start = Clock::now();
    Recorder inner;
    Request create;
    create.method = "POST";
    create.path = ObjectPath(key);
    create.query = "uploads=";
    sse_.Add(create, false);
    auto res = c.Send(create);
    if (!res.ok() || res->status != 200) return Fail(res, rec);
    std::string id = Between(res->body, "<UploadId>", "</UploadId>");
    std::string complete = "<CompleteMultipartUpload>";
    uint64_t seed = Pattern::SeedOf(key);
    for (uint64_t off = 0, n = 1; off < o_.size || n == 1; off += o_.part_size, ++n) {
      Request part;
      part.method = "PUT";
      part.path = ObjectPath(key);
      part.query = absl::StrCat("partNumber=", n, "&uploadId=", UriEncode(id, true));
      part.body_size = std::min(o_.part_size, o_.size - off);
      part.body = [this, seed, off](uint64_t o, char* dst, size_t k) {
        pattern_.Fill(seed, off + o, dst, k);
      };
      part.payload_hash = "UNSIGNED-PAYLOAD";
      if (o_.sse == "ssec") sse_.Add(part, true);
      auto p = c.Send(part);
      if (!p.ok() || p->status != 200) return Fail(p, rec);
      absl::StrAppend(&complete, "<Part><PartNumber>", n, "</PartNumber><ETag>",
                      p->Header("etag"), "</ETag></Part>");
    }
    complete += "</CompleteMultipartUpload>";
    Request done;
    done.method = "POST";
    done.path = ObjectPath(key);
    done.query = "uploadId=" + UriEncode(id, true);
    done.body_bytes = complete;
    done.body_size = complete.size();
    auto d = c.Send(done);
    if (!d.ok() || d->status != 200 || d->body.find("<Error>") != std::string::npos)
      return Fail(d, rec);
    rec.Ok(Micros(start), o_.size);
    return true;
  }

  // --- KMS operations ---

  absl::Status PrepareKms(AwsClient& c) {
    if (o_.kms_key_id.empty()) {
      auto res = Kms(c, "CreateKey", R"({"Description":"coffer-bench"})");
      if (!res.ok()) return res.status();
      auto j = nlohmann::json::parse(res->body, nullptr, false);
      if (res->status != 200 || !j.is_object())
        return absl::FailedPreconditionError("CreateKey: " + ErrorName(*res));
      o_.kms_key_id = j["KeyMetadata"]["Arn"].get<std::string>();
    }
    auto res = Kms(c, "GenerateDataKey", DataKeyRequest());
    if (!res.ok()) return res.status();
    auto j = nlohmann::json::parse(res->body, nullptr, false);
    if (res->status != 200 || !j.is_object())
      return absl::FailedPreconditionError("GenerateDataKey: " + ErrorName(*res));
    blob_ = j["CiphertextBlob"].get<std::string>();
    plaintext_ = j["Plaintext"].get<std::string>();
    return absl::OkStatus();
  }

  std::string DataKeyRequest() const {
    return nlohmann::json{{"KeyId", o_.kms_key_id}, {"KeySpec", "AES_256"},
                          {"EncryptionContext", {{"bench", "coffer"}}}}.dump();
  }

  static Request KmsRequest(const std::string& op, std::string body) {
    Request r;
    r.method = "POST";
    r.service = "kms";
    r.headers = {{"x-amz-target", "TrentService." + op},
                 {"content-type", "application/x-amz-json-1.1"}};
    r.body_size = body.size();
    r.body_bytes = std::move(body);
    return r;
  }

  absl::StatusOr<Response> Kms(AwsClient& c, const std::string& op, std::string body) {
    return c.Send(KmsRequest(op, std::move(body)));
  }

  // Writes a script for wrk (https://github.com/wg/wrk) that sends one signed request
  // of the kms-* op over and over: the server's capacity measured with the same load
  // generator as nginx's. The signature is valid for a few minutes.
  absl::Status WriteWrkScript(const std::string& path) {
    if (!absl::StartsWith(o_.op, "kms-"))
      return absl::InvalidArgumentError("--wrk-script is for the kms-* operations");
    auto [op, body] = KmsCall();
    Request r = KmsRequest(op, body);
    auto quote = [](const std::string& text) {
      std::string out = "\"";
      for (char ch : text) {
        if (ch == '\\' || ch == '"') out += '\\';
        out += ch;
      }
      return out + "\"";
    };
    std::ofstream out(path, std::ios::trunc);
    out << "wrk.method = \"POST\"\nwrk.path = \"/\"\nwrk.body = " << quote(body) << "\n";
    for (const auto& [name, value] : NewClient()->SignedHeaders(r)) {
      if (name == "content-length") continue;  // wrk adds it, from the body
      // wrk adds a Host of its own unless one is spelled "Host".
      out << "wrk.headers[" << quote(name == "host" ? "Host" : name) << "] = " << quote(value)
          << "\n";
    }
    out.close();
    if (!out) return absl::InternalError("cannot write " + path);
    return absl::OkStatus();
  }

  // The operation name and JSON body of one request of the kms-* op being run.
  std::pair<std::string, std::string> KmsCall() const {
    if (o_.op == "kms-generate-data-key") return {"GenerateDataKey", DataKeyRequest()};
    if (o_.op == "kms-decrypt")
      return {"Decrypt", nlohmann::json{{"CiphertextBlob", blob_},
                                        {"EncryptionContext", {{"bench", "coffer"}}}}.dump()};
    return {"Encrypt",
            nlohmann::json{{"KeyId", o_.kms_key_id}, {"Plaintext", plaintext_}}.dump()};
  }

  bool KmsOp(AwsClient& c, Recorder& rec) {
    auto [op, body] = KmsCall();
    auto start = Clock::now();
    auto res = Kms(c, op, std::move(body));
    return Account(res, start, rec, 0, [&](const Response& res) {
      auto j = nlohmann::json::parse(res.body, nullptr, false);
      bool right = j.is_object() &&
                   (op != "Decrypt" || j.value("Plaintext", "") == plaintext_) &&
                   (op == "Decrypt" || j.contains("CiphertextBlob"));
      if (!right) rec.WrongBytes();
      return right;
    });
  }

  // --- The run ---

  // One operation of kind `op` by worker `w` (its n-th).
  bool Step(AwsClient& c, const std::string& op, std::mt19937_64& rng, uint64_t n, Recorder& rec) {
    std::uniform_int_distribution<uint64_t> pick(0, std::max(o_.objects, 1) - 1);
    if (op == "put") return Put(c, KeyName(pick(rng)), rec);
    if (op == "get") return Get(c, KeyName(pick(rng)), rec, 0, o_.size, false);
    if (op == "range-get") {
      uint64_t len = std::min(o_.range_size, o_.size);
      std::uniform_int_distribution<uint64_t> at(0, o_.size - len);
      return Get(c, KeyName(pick(rng)), rec, at(rng), len, true);
    }
    if (op == "head") return Head(c, KeyName(pick(rng)), rec);
    if (op == "delete") return Delete(c, KeyName(n), rec);
    if (op == "list") return List(c, rec);
    if (op == "multipart") return Multipart(c, KeyName(pick(rng)), rec);
    if (op == "http-get") return HttpGet(c, rec);
    return KmsOp(c, rec);
  }

  std::string PickOp(std::mt19937_64& rng) const {
    if (o_.op != "mixed") return o_.op;
    int total = 0;
    for (const auto& [op, share] : o_.mix) total += share;
    int x = std::uniform_int_distribution<int>(0, total - 1)(rng);
    for (const auto& [op, share] : o_.mix) {
      if (x < share) return op;
      x -= share;
    }
    return o_.mix.back().first;
  }

  nlohmann::json Run() {
    std::atomic<uint64_t> issued{0};
    std::atomic<bool> stop{false};
    std::vector<Recorder> recorders(o_.concurrency);
    std::vector<std::thread> threads;
    auto start = Clock::now();
    auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(o_.duration_s));
    for (int t = 0; t < o_.concurrency; ++t) {
      threads.emplace_back([&, t] {
        auto c = NewClient();
        std::mt19937_64 rng(t * 7919 + 1);
        while (!stop) {
          uint64_t n = issued++;
          if (o_.count ? n >= o_.count : Clock::now() >= deadline) break;
          Step(*c, PickOp(rng), rng, n, recorders[t]);
        }
        stop = true;
      });
    }
    for (auto& t : threads) t.join();
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    Recorder all;
    for (const auto& r : recorders) all.Merge(r);
    nlohmann::json errors = nlohmann::json::object();
    for (const auto& [what, n] : all.errors()) errors[what] = n;
    return {{"label", o_.label},
            {"endpoint", absl::StrCat(o_.endpoint.tls ? "https://" : "http://",
                                      o_.endpoint.host, ":", o_.endpoint.port)},
            {"op", o_.op == "mixed" ? "mixed" : o_.op},
            {"sse", o_.sse},
            {"size", o_.size},
            {"concurrency", o_.concurrency},
            {"seconds", seconds},
            {"ops", all.ops()},
            {"ops_per_s", all.ops() / seconds},
            {"bytes", all.bytes()},
            {"mb_per_s", all.bytes() / seconds / 1e6},
            {"p50_ms", all.Percentile(0.5) / 1000},
            {"p90_ms", all.Percentile(0.9) / 1000},
            {"p99_ms", all.Percentile(0.99) / 1000},
            {"p999_ms", all.Percentile(0.999) / 1000},
            {"errors", all.error_count()},
            {"error_kinds", errors},
            {"wrong_bytes", all.wrong_bytes()}};
  }

 private:
  static double Micros(Clock::time_point start) {
    return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
  }

  static std::string Between(const std::string& s, const std::string& a, const std::string& b) {
    size_t i = s.find(a);
    if (i == std::string::npos) return "";
    size_t j = s.find(b, i + a.size());
    return j == std::string::npos ? "" : s.substr(i + a.size(), j - i - a.size());
  }

  static bool Fail(const absl::StatusOr<Response>& res, Recorder& rec) {
    rec.Error(res.ok() ? ErrorName(*res) : "transport: " + std::string(res.status().message()));
    return false;
  }

  template <typename Check>
  bool Timed(AwsClient& c, Request r, Recorder& rec, uint64_t bytes, Check check) {
    auto start = Clock::now();
    auto res = c.Send(std::move(r), {}, 4096);
    return Account(res, start, rec, bytes, check);
  }

  template <typename Check>
  bool Account(const absl::StatusOr<Response>& res, Clock::time_point start, Recorder& rec,
               uint64_t bytes, Check check) {
    double us = Micros(start);
    if (!res.ok() || res->status >= 300) return Fail(res, rec);
    if (!check(*res)) return false;
    rec.Ok(us, bytes);
    return true;
  }

  Options o_;
  auth::Credentials creds_;
  SseHeaders sse_;
  Pattern pattern_;
  std::string blob_, plaintext_;  // for kms-decrypt / kms-encrypt
};

absl::StatusOr<Options> ParseOptions(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto flags = app::Flags::Parse(
      args,
      {"endpoint", "ca", "region", "op", "mix", "size", "part-size", "range-size", "objects",
       "concurrency", "duration", "count", "bucket", "sse", "kms-key-id", "json", "label",
       "wrk-script", "warm", "path", "help"},
      {"help", "warm"});
  if (!flags.ok()) return flags.status();
  if (flags->Has("help")) return absl::CancelledError("help");
  Options o;
  auto endpoint = client::Endpoint::Parse(flags->GetOr("endpoint", "https://127.0.0.1:9000"));
  if (!endpoint.ok()) return endpoint.status();
  o.endpoint = *endpoint;
  o.endpoint.ca_file = flags->GetOr("ca", "");
  o.region = flags->GetOr("region", o.region);
  o.op = flags->GetOr("op", o.op);
  static const std::set<std::string> kOps = {
      "put", "get", "range-get", "head", "delete", "list", "multipart", "mixed",
      "kms-generate-data-key", "kms-decrypt", "kms-encrypt", "http-get"};
  if (!kOps.count(o.op)) return absl::InvalidArgumentError("unknown --op " + o.op);
  if (o.op == "mixed") {
    for (absl::string_view item : absl::StrSplit(flags->GetOr("mix", "get=70,put=30"), ',')) {
      std::pair<std::string, std::string> kv = absl::StrSplit(item, '=');
      int share = 0;
      if (!kOps.count(kv.first) || kv.first == "mixed" || absl::StartsWith(kv.first, "kms-") ||
          kv.first == "delete" || kv.first == "http-get" ||
          !absl::SimpleAtoi(kv.second, &share) || share <= 0)
        return absl::InvalidArgumentError("bad --mix item " + std::string(item));
      o.mix.emplace_back(kv.first, share);
    }
  }
  for (auto [flag, field] : {std::pair{"size", &o.size}, std::pair{"part-size", &o.part_size},
                             std::pair{"range-size", &o.range_size}}) {
    if (auto v = flags->Get(flag)) {
      auto n = app::ParseSize(*v);
      if (!n.ok()) return n.status();
      *field = *n;
    }
  }
  if (o.part_size < (5u << 20)) return absl::InvalidArgumentError("--part-size below 5MiB");
  for (auto [flag, field] : {std::pair{"objects", &o.objects},
                             std::pair{"concurrency", &o.concurrency}}) {
    if (auto v = flags->Get(flag); v && (!absl::SimpleAtoi(*v, field) || *field <= 0))
      return absl::InvalidArgumentError(absl::StrCat("bad --", flag));
  }
  if (auto v = flags->Get("duration")) {
    auto d = ParseDuration(*v);
    if (!d.ok()) return d.status();
    o.duration_s = *d;
  }
  if (auto v = flags->Get("count"); v && !absl::SimpleAtoi(*v, &o.count))
    return absl::InvalidArgumentError("bad --count");
  o.bucket = flags->GetOr("bucket", o.bucket);
  o.sse = flags->GetOr("sse", o.sse);
  if (o.sse != "none" && o.sse != "s3" && o.sse != "kms" && o.sse != "kms-bucket-key" &&
      o.sse != "dsse" && o.sse != "ssec")
    return absl::InvalidArgumentError("unknown --sse " + o.sse);
  o.kms_key_id = flags->GetOr("kms-key-id", "");
  o.json_file = flags->GetOr("json", "");
  o.wrk_script = flags->GetOr("wrk-script", "");
  o.warm = flags->Has("warm");
  o.path = flags->GetOr("path", o.path);
  if (o.path.empty() || o.path[0] != '/')
    return absl::InvalidArgumentError("--path must start with /");
  o.label = flags->GetOr("label", o.op + " " + o.sse);
  return o;
}

int Main(int argc, char** argv) {
  auto options = ParseOptions(argc, argv);
  if (!options.ok()) {
    if (options.status().code() != absl::StatusCode::kCancelled)
      std::cerr << "coffer-bench: " << options.status().message() << "\n";
    std::cerr << kUsage;
    return options.status().code() == absl::StatusCode::kCancelled ? 0 : 1;
  }
  const char* id = getenv("AWS_ACCESS_KEY_ID");
  const char* secret = getenv("AWS_SECRET_ACCESS_KEY");
  if (!id || !secret) {
    std::cerr << "coffer-bench: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n";
    return 1;
  }
  const char* token = getenv("AWS_SESSION_TOKEN");
  Bench bench(*options, auth::Credentials{id, SecretBytes(std::string_view(secret)),
                                          token ? token : ""});
  if (auto s = bench.Prepare(); !s.ok()) {
    std::cerr << "coffer-bench: " << s.message() << "\n";
    return 1;
  }
  if (!options->wrk_script.empty()) {
    auto s = bench.WriteWrkScript(options->wrk_script);
    if (!s.ok()) std::cerr << "coffer-bench: " << s.message() << "\n";
    return s.ok() ? 0 : 1;
  }
  nlohmann::json result = bench.Run();
  printf("%-28s %9.1f ops/s %9.1f MB/s  p50 %7.2f  p90 %7.2f  p99 %7.2f  p99.9 %7.2f ms  "
         "errors %llu%s\n",
         result["label"].get<std::string>().c_str(), result["ops_per_s"].get<double>(),
         result["mb_per_s"].get<double>(), result["p50_ms"].get<double>(),
         result["p90_ms"].get<double>(), result["p99_ms"].get<double>(),
         result["p999_ms"].get<double>(),
         static_cast<unsigned long long>(result["errors"].get<uint64_t>()),
         result["wrong_bytes"].get<uint64_t>() ? "  WRONG BYTES" : "");
  if (result["errors"].get<uint64_t>() > 0) std::cerr << result["error_kinds"].dump() << "\n";
  if (!options->json_file.empty()) {
    std::ofstream out(options->json_file, std::ios::app);
    out << result.dump() << "\n";
  }
  return result["wrong_bytes"].get<uint64_t>() > 0 ? 2 : 0;
}

}  // namespace
}  // namespace coffer::bench

int main(int argc, char** argv) { return coffer::bench::Main(argc, argv); }
