// AwsClient: a blocking HTTP/1.1 client for AWS-protocol endpoints (S3 REST, KMS JSON),
// signing every request with auth::SignRequest, over one keep-alive connection (TLS
// verified against a CA file, or plain TCP). Bodies stream both ways: the caller
// supplies the request body in pieces and receives the response body in pieces, so
// no object is ever held whole. One request at a time; one client per thread.
// A broken connection is re-opened on the next request. Used by coffer-bench.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/sigv4.h"

namespace coffer::client {

struct Endpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 9000;
  bool tls = true;
  std::string ca_file;  // PEM; empty: the system's trust store
  // "https://host:port" or "http://host:port".
  static absl::StatusOr<Endpoint> Parse(std::string_view url);
};

struct Request {
  std::string method = "GET";
  std::string path = "/";  // percent-encoded, without the query
  std::string query;       // without '?'
  std::vector<std::pair<std::string, std::string>> headers;
  // The body: `body_size` bytes, produced by `body` into a buffer (offset, dst, n) or
  // taken from `body_bytes` when `body` is empty.
  uint64_t body_size = 0;
  std::function<void(uint64_t offset, char* dst, size_t n)> body;
  std::string body_bytes;
  // hex SHA-256 of the body, or UNSIGNED-PAYLOAD (s3 only). Empty: computed from
  // body_bytes (required for non-s3 services).
  std::string payload_hash;
  std::string service = "s3";
};

struct Response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // kept only up to Options::keep_body bytes
  uint64_t body_size = 0;
  std::string Header(std::string_view name) const;
};

class AwsClient {
 public:
  AwsClient(Endpoint endpoint, auth::Credentials creds, std::string region);
  ~AwsClient();
  AwsClient(const AwsClient&) = delete;
  AwsClient& operator=(const AwsClient&) = delete;

  // Sends `req` signed and reads the answer. `on_body` (optional) sees every piece of
  // the response body in order; Response::body keeps its first `keep_body` bytes.
  // Errors are transport failures (the HTTP status of an answer is not an error).
  absl::StatusOr<Response> Send(Request req,
                                const std::function<void(std::string_view)>& on_body = {},
                                size_t keep_body = 1 << 20);
  // The headers `req` is sent with, signed now (Host, Content-Length, X-Amz-Date,
  // Authorization...). A signed request stays valid for replay for a few minutes.
  std::vector<std::pair<std::string, std::string>> SignedHeaders(const Request& req) const;

 private:
  struct Conn;
  absl::Status Connect();
  Endpoint endpoint_;
  auth::Credentials creds_;
  std::string region_;
  std::unique_ptr<Conn> conn_;
  // Bodies pass through this buffer, made once per client and never zeroed: a fresh
  // 256 KiB buffer per request cost more than the request itself.
  static constexpr size_t kIoBuffer = 256 << 10;
  std::unique_ptr<char[]> io_;
};

}  // namespace coffer::client
