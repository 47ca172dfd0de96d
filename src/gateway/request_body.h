// RequestBody: the request payload as a service sees it, decoded and verified.
//
// Pulls raw bytes from the HTTP exchange and pushes them through auth's
// PayloadDecoder, so a service only ever receives bytes whose payload hash, chunk
// signatures and trailing checksums hold. Integrity failures surface as auth::Error
// (the service maps them to its own error names); a slow or vanished client as a
// transport status. One RequestBody per request; not thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "auth/sigv4.h"
#include "http/exchange.h"

namespace coffer::gateway {

struct BodyRead {
  enum class Kind { kData, kEnd, kAuthError, kTransportError };
  Kind kind = Kind::kEnd;
  std::optional<auth::Error> auth_error;
  absl::Status transport;  // DeadlineExceeded (too slow), Unavailable (cut short), OutOfRange
};

class RequestBody {
 public:
  RequestBody(http::Exchange& exchange, const auth::SigningContext& ctx, int64_t declared_length,
              std::vector<std::string> trailer_names);

  // Replaces `out` with the next piece of payload (up to about 256 KiB). kEnd comes once
  // the whole body has arrived and verified; `out` may hold the last bytes with kData.
  http::Task<BodyRead> Next(std::string& out);

  // The payload length the client declared (x-amz-decoded-content-length for
  // aws-chunked uploads, else Content-Length); -1 if none.
  int64_t declared_length() const { return declared_length_; }
  int64_t bytes_read() const { return decoder_.payload_bytes(); }
  // Hands over body bytes already read from the exchange (the gateway reads small
  // bodies of JSON and Query APIs whole to check their signature); Next() serves them
  // first.
  void Prefill(std::string raw) { prefill_ = std::move(raw); }
  const auth::PayloadDecoder& decoder() const { return decoder_; }

 private:
  http::Exchange& exchange_;
  int64_t declared_length_;
  auth::PayloadDecoder decoder_;
  // Made on the first read that needs it, uninitialized: a request whose body is
  // already in hand (KMS, IAM, ...) never pays for zeroing 256 KiB.
  std::unique_ptr<char[]> raw_;
  std::string prefill_;
  bool finished_ = false;
};

}  // namespace coffer::gateway
