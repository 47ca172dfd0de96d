// Server: the HTTP/1.1 listener (Boost.Beast over Asio), plain or TLS.
//
// Each thread runs its own event loop; a connection is one coroutine on one of them, with
// keep-alive, limits on header size, timeouts for idle and slow clients, and a
// handler called once per request. The handler owns the Exchange for the duration
// of the call. Stop() stops accepting, lets requests in flight finish (up to a grace
// period), then returns from Run().
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/secret.h"
#include "http/exchange.h"

namespace coffer::http {

struct TlsConfig {
  std::string cert_chain_pem;
  SecretBytes key_pem;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 9000;  // 0: pick a free port (see Server::port())
  int threads = 0;       // 0: one per core
  std::optional<TlsConfig> tls;
  size_t header_limit = 64 * 1024;
  uint64_t body_limit = 6ull << 30;
  absl::Duration idle_timeout = absl::Seconds(60);     // waiting for the next request
  absl::Duration io_timeout = absl::Seconds(60);       // no progress while reading/writing
  absl::Duration shutdown_grace = absl::Seconds(10);
  std::string server_name = "Coffer";
};

using Handler = std::function<Task<void>(Exchange&)>;

class Server {
 public:
  // Binds the listening socket (so the port is known and errors surface here).
  static absl::StatusOr<std::unique_ptr<Server>> Create(ServerOptions options, Handler handler);
  ~Server();

  uint16_t port() const;
  // Serves until Stop(); blocks the calling thread (which joins the pool).
  void Run();
  // Thread-safe and async-signal-unsafe: call from a signal_set handler or a thread.
  void Stop();

  struct Impl;  // defined in server.cc

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace coffer::http
