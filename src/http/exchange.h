// Exchange: one HTTP request and its response, as a handler sees it.
//
// The request header has been read and parsed; the body has not. A handler reads the
// body with ReadSome() (which sends "100 Continue" first when the client asked for it)
// and answers with exactly one of Respond() or WriteHeader() followed by WriteBody()
// calls totalling the announced length. Every response gets Date and Server headers,
// and x-amz-request-id and x-amz-id-2 unless the handler named the request in
// x-amzn-RequestId (the JSON and Query APIs). If the handler answers before reading the
// whole body, the connection is closed after the response (the unread body cannot be
// trusted as the next request). Not thread-safe: one coroutine owns an Exchange.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace coffer::http {

namespace bhttp = boost::beast::http;
using RequestHeader = bhttp::request_header<>;
using ResponseHeader = bhttp::response_header<>;
template <typename T>
using Task = boost::asio::awaitable<T>;

class Exchange {
 public:
  virtual ~Exchange() = default;

  virtual const RequestHeader& request() const = 0;
  // Content-Length of the request body, or nullopt when absent (chunked or none).
  virtual std::optional<uint64_t> content_length() const = 0;
  virtual bool chunked() const = 0;
  virtual const std::string& remote_ip() const = 0;
  virtual bool secure() const = 0;  // arrived over TLS
  virtual const std::string& request_id() const = 0;
  virtual const std::string& host_id() const = 0;

  // Reads up to `n` body bytes; 0 means the body is complete. Errors: DeadlineExceeded
  // (client too slow), Unavailable (connection lost or body cut short), OutOfRange
  // (body larger than the limit).
  virtual Task<absl::StatusOr<size_t>> ReadSome(char* buf, size_t n) = 0;
  virtual bool body_done() const = 0;

  // A complete response with a small in-memory body (Content-Length set from it).
  virtual Task<absl::Status> Respond(ResponseHeader head, std::string body) = 0;
  // Streams a response: the header with Content-Length `length`, then WriteBody calls.
  // For HEAD requests pass the length the GET would have and write nothing. The header
  // of a body may be held back and sent with its first bytes, in one write.
  virtual Task<absl::Status> WriteHeader(ResponseHeader head, uint64_t length) = 0;
  virtual Task<absl::Status> WriteBody(std::string_view data) = 0;
  virtual bool responded() const = 0;
  // Adds a header to whichever response this exchange sends (e.g. CORS headers decided
  // before the operation runs).
  virtual void AddResponseHeader(std::string name, std::string value) = 0;

  // What the request was, for metrics and audit: the service ("s3", "kms", ...) set by
  // the gateway, the operation ("PutObject", "Decrypt", ...) by the service.
  void set_service(std::string s) { service_ = std::move(s); }
  void set_operation(std::string op) { operation_ = std::move(op); }
  const std::string& service() const { return service_; }
  const std::string& operation() const { return operation_; }
  // The response status (0 before one is sent), and body bytes read and written.
  int status() const { return status_; }
  uint64_t bytes_in() const { return bytes_in_; }
  uint64_t bytes_out() const { return bytes_out_; }

 protected:
  std::string service_, operation_;
  int status_ = 0;
  uint64_t bytes_in_ = 0, bytes_out_ = 0;
};

}  // namespace coffer::http
